ALTER TABLE `issues` ADD `listed_by_microsoft` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `issues` ADD `last_listed_at` integer;--> statement-breakpoint
ALTER TABLE `issues` ADD `interruption_seen` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `issues_unlisted_idx` ON `issues` (`listed_by_microsoft`,`last_modified_date_time`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `first_sync_at` integer;--> statement-breakpoint
-- Existing data: every issue was listed by the last sync; the first sync is the first observed
-- service status (each service gets a history row when first seen); an issue whose current status
-- is an interruption has been seen as one.
UPDATE `issues` SET `last_listed_at` = (SELECT `last_sync_at` FROM `tenants` WHERE `tenants`.`tenant_id` = `issues`.`tenant_id`);--> statement-breakpoint
UPDATE `issues` SET `interruption_seen` = 1 WHERE lower(`status`) = 'serviceinterruption';--> statement-breakpoint
UPDATE `tenants` SET `first_sync_at` = coalesce((SELECT min(`changed_at`) FROM `service_status_history` WHERE `service_status_history`.`tenant_id` = `tenants`.`tenant_id`), `last_full_sync_at`) WHERE `last_sync_at` IS NOT NULL;
