CREATE TABLE `warm_decisions` (
	`pool_id` text NOT NULL,
	`kind` text NOT NULL,
	`target` integer NOT NULL,
	`max` integer NOT NULL,
	`reason` text NOT NULL,
	`idle_usd_per_day` real,
	`decided_at` integer NOT NULL,
	`changed_at` integer NOT NULL,
	PRIMARY KEY(`pool_id`, `kind`)
);
--> statement-breakpoint
ALTER TABLE `pools` ADD `max_idle` integer;--> statement-breakpoint
ALTER TABLE `pools` ADD `idle_schedule` text;--> statement-breakpoint
ALTER TABLE `pools` ADD `idle_budget_usd_per_day` real;--> statement-breakpoint
ALTER TABLE `pools` ADD `stopped_schedule` text;--> statement-breakpoint
ALTER TABLE `pools` ADD `stopped_budget_usd_per_day` real;