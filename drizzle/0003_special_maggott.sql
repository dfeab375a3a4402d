CREATE TABLE `job_latency_daily` (
	`day` integer NOT NULL,
	`pool_key` text NOT NULL,
	`bucket` integer NOT NULL,
	`jobs` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `pool_key`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `job_rollups_daily` (
	`kind` text NOT NULL,
	`day` integer NOT NULL,
	`key` text NOT NULL,
	`jobs` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`runtime_ms` integer DEFAULT 0 NOT NULL,
	`cost_micro_usd` integer DEFAULT 0 NOT NULL,
	`unquoted` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`kind`, `day`, `key`)
);
