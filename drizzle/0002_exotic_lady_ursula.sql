ALTER TABLE `jobs` ADD `interrupted_at` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `spot_retries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `is_forced_on_demand` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `jobs` ADD `retry_of_job_id` text;