ALTER TABLE `pools` ADD `root_volume_type` text DEFAULT 'gp3' NOT NULL;--> statement-breakpoint
ALTER TABLE `pools` ADD `root_volume_iops` integer;--> statement-breakpoint
ALTER TABLE `pools` ADD `root_volume_throughput` integer;