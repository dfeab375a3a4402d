ALTER TABLE `instances` ADD `standby` text;--> statement-breakpoint
ALTER TABLE `pools` ADD `stopped_min` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `pools` ADD `stopped_max` integer;