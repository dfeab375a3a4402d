CREATE TABLE `user_invitations` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_invitations_user_idx` ON `user_invitations` (`user_id`);--> statement-breakpoint
-- Custom: every job state change is also an audit row (`job.state`, from/to), whichever writer moved the job.
CREATE TRIGGER job_transitions_audit AFTER INSERT ON job_transitions BEGIN
  INSERT INTO audit_events (at, actor, action, target, outcome, payload) VALUES (NEW.at, 'core', 'job.state', NEW.job_id, 'ok', json_object('from', NEW.from_state, 'to', NEW.to_state, 'reason', NEW.reason));
END;
