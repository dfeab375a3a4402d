CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`outcome` text DEFAULT 'ok' NOT NULL,
	`payload` text
);
--> statement-breakpoint
CREATE INDEX `audit_action_at_idx` ON `audit_events` (`action`,`at`);--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_events` (`at`);--> statement-breakpoint
CREATE TABLE `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`pool_id` text,
	`job_id` text,
	`runner_name` text,
	`instance_type` text,
	`availability_zone` text,
	`subnet_id` text,
	`is_spot` integer DEFAULT false NOT NULL,
	`price_usd_per_hour` real,
	`state` text NOT NULL,
	`launched_at` integer NOT NULL,
	`terminated_at` integer,
	`termination_reason` text,
	`client_token` text
);
--> statement-breakpoint
CREATE INDEX `instances_state_idx` ON `instances` (`state`);--> statement-breakpoint
CREATE INDEX `instances_job_idx` ON `instances` (`job_id`);--> statement-breakpoint
CREATE INDEX `instances_runner_name_idx` ON `instances` (`runner_name`);--> statement-breakpoint
CREATE TABLE `job_transitions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` text NOT NULL,
	`from_state` text,
	`to_state` text NOT NULL,
	`at` integer NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `job_transitions_job_idx` ON `job_transitions` (`job_id`,`at`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`github_job_id` integer NOT NULL,
	`run_id` integer NOT NULL,
	`run_attempt` integer DEFAULT 1 NOT NULL,
	`installation_id` integer,
	`repo_full_name` text NOT NULL,
	`workflow_name` text,
	`job_name` text NOT NULL,
	`branch` text,
	`sha` text NOT NULL,
	`sender` text,
	`html_url` text,
	`labels` text NOT NULL,
	`state` text NOT NULL,
	`conclusion` text,
	`project_id` text,
	`pool_id` text,
	`runner_name` text,
	`instance_id` text,
	`launch_attempts` integer DEFAULT 0 NOT NULL,
	`launch_client_token` text,
	`failure_reason` text,
	`price_usd_per_hour` real,
	`cost_usd` real,
	`queued_at` integer NOT NULL,
	`claimed_at` integer,
	`launched_at` integer,
	`started_at` integer,
	`completed_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_queued_at_idx` ON `jobs` (`queued_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_state_queued_at_idx` ON `jobs` (`state`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_project_queued_at_idx` ON `jobs` (`project_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_pool_queued_at_idx` ON `jobs` (`pool_id`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_repo_queued_at_idx` ON `jobs` (`repo_full_name`,`queued_at`);--> statement-breakpoint
CREATE INDEX `jobs_runner_name_idx` ON `jobs` (`runner_name`);--> statement-breakpoint
CREATE TABLE `pools` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`priority` integer DEFAULT 100 NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`is_enabled` integer DEFAULT true NOT NULL,
	`spawn` text DEFAULT 'fleet' NOT NULL,
	`is_spot` integer DEFAULT false NOT NULL,
	`allocation_strategy` text DEFAULT 'price-capacity-optimized' NOT NULL,
	`ami` text NOT NULL,
	`instance_types` text NOT NULL,
	`subnets` text NOT NULL,
	`security_groups` text DEFAULT '[]' NOT NULL,
	`instance_profile` text,
	`root_volume_gb` integer DEFAULT 30 NOT NULL,
	`max_runtime_minutes` integer,
	`min_idle` integer DEFAULT 0 NOT NULL,
	`cap` integer DEFAULT 0 NOT NULL,
	`extra_labels` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`launch_template_id` text,
	`launch_template_version` integer,
	`launch_template_hash` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pools_project_name_idx` ON `pools` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`cap` integer DEFAULT 0 NOT NULL,
	`tags` text DEFAULT '{}' NOT NULL,
	`is_disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_name_unique` ON `projects` (`name`);--> statement-breakpoint
CREATE TABLE `repos` (
	`id` text PRIMARY KEY NOT NULL,
	`full_name` text NOT NULL,
	`project_id` text NOT NULL,
	`cap` integer,
	`tags` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `repos_full_name_unique` ON `repos` (`full_name`);--> statement-breakpoint
CREATE INDEX `repos_project_idx` ON `repos` (`project_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`role` text DEFAULT 'viewer' NOT NULL,
	`password_hash` text,
	`password_salt` text,
	`created_at` integer NOT NULL,
	`last_login_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);