CREATE INDEX `instances_terminated_at_idx` ON `instances` (`terminated_at`);--> statement-breakpoint
CREATE INDEX `jobs_instance_idx` ON `jobs` (`instance_id`);