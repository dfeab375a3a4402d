ALTER TABLE `instances` ADD `runner_scope` text;--> statement-breakpoint
ALTER TABLE `projects` ADD `runner_group_id` integer;