ALTER TABLE `tenants` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `throttled_until` integer;