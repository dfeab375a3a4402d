CREATE TABLE `control_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`is_forced` integer DEFAULT false NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` integer NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`claimed_by` text,
	`claimed_at` integer,
	`done_at` integer,
	`result` text
);
--> statement-breakpoint
CREATE INDEX `control_actions_state_idx` ON `control_actions` (`state`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `control_actions_pending_idx` ON `control_actions` (`kind`,`target`) WHERE state = 'pending';--> statement-breakpoint
CREATE TABLE `core_heartbeats` (
	`core_id` text PRIMARY KEY NOT NULL,
	`version` text,
	`seen_at` integer NOT NULL,
	`leased_at` integer,
	`metrics` text
);
--> statement-breakpoint
CREATE TABLE `launch_holds` (
	`scope` text PRIMARY KEY NOT NULL,
	`held_by` text NOT NULL,
	`held_at` integer NOT NULL
);
