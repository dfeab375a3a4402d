CREATE TABLE `job_stages` (
	`job_id` text NOT NULL,
	`stage` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`job_id`, `stage`)
);
--> statement-breakpoint
CREATE TABLE `job_waits` (
	`job_id` text NOT NULL,
	`reason` text NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`job_id`, `reason`)
);
--> statement-breakpoint
CREATE INDEX `job_waits_first_idx` ON `job_waits` (`first_at`);