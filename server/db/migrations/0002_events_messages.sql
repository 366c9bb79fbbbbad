CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`target` text NOT NULL,
	`target_masked` text NOT NULL,
	`secret` text,
	`filters` text DEFAULT '{}' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`last_delivery_at` integer,
	`last_error` text,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `channels_org_idx` ON `channels` (`org_id`);--> statement-breakpoint
CREATE TABLE `deliveries` (
	`channel_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_attempt_at` integer,
	`response_status` integer,
	`error` text,
	`lease_until` integer,
	`lease_owner` text,
	PRIMARY KEY(`channel_id`, `event_id`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_channel_idx` ON `deliveries` (`channel_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`type` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_id_idx` ON `events` (`id`);--> statement-breakpoint
CREATE INDEX `events_tenant_idx` ON `events` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_occurred_idx` ON `events` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`title` text NOT NULL,
	`category` text NOT NULL,
	`severity` text NOT NULL,
	`is_major_change` integer DEFAULT false NOT NULL,
	`services` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`start_date_time` text,
	`end_date_time` text,
	`last_modified_date_time` text NOT NULL,
	`action_required_by_date_time` text,
	`details` text DEFAULT '[]' NOT NULL,
	`html` text DEFAULT '' NOT NULL,
	`listed_by_microsoft` integer DEFAULT true NOT NULL,
	`last_listed_at` integer,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`tenant_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_tenant_modified_idx` ON `messages` (`tenant_id`,`last_modified_date_time`);--> statement-breakpoint
CREATE INDEX `messages_unlisted_idx` ON `messages` (`listed_by_microsoft`,`last_modified_date_time`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `messages_watermark` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `last_messages_sync_at` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `last_full_messages_sync_at` integer;