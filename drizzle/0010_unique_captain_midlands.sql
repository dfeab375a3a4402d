ALTER TABLE `audit_events` ADD `dedupe_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_dedupe_key_idx` ON `audit_events` (`dedupe_key`);