CREATE TABLE `job_latency_hourly` (
	`hour` integer NOT NULL,
	`pool_key` text NOT NULL,
	`bucket` integer NOT NULL,
	`jobs` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`hour`, `pool_key`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `job_rollups_hourly` (
	`kind` text NOT NULL,
	`hour` integer NOT NULL,
	`key` text NOT NULL,
	`jobs` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`runtime_ms` integer DEFAULT 0 NOT NULL,
	`cost_micro_usd` integer DEFAULT 0 NOT NULL,
	`unquoted` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`kind`, `hour`, `key`)
);
