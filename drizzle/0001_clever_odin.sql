ALTER TABLE `projects` ADD `org` text;--> statement-breakpoint
CREATE UNIQUE INDEX `projects_org_unique` ON `projects` (`org`);