ALTER TABLE `users` ADD `is_disabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `sessions_not_before` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `sso_issuer` text;--> statement-breakpoint
ALTER TABLE `users` ADD `sso_subject` text;--> statement-breakpoint
ALTER TABLE `users` ADD `allows_sso_link` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `users_sso_identity_idx` ON `users` (`sso_issuer`,`sso_subject`);