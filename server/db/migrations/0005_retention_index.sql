DROP INDEX `issues_unlisted_idx`;--> statement-breakpoint
CREATE INDEX `issues_retention_idx` ON `issues` (`last_modified_date_time`,`listed_by_microsoft`);--> statement-breakpoint
DROP INDEX `messages_unlisted_idx`;--> statement-breakpoint
CREATE INDEX `messages_retention_idx` ON `messages` (`last_modified_date_time`,`listed_by_microsoft`);