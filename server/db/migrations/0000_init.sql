CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`role` text NOT NULL,
	`user_name` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_idx` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_org_idx` ON `api_keys` (`org_id`);--> statement-breakpoint
CREATE TABLE `authorizations` (
	`id` text PRIMARY KEY NOT NULL,
	`org_id` text NOT NULL,
	`created_by` text NOT NULL,
	`label` text NOT NULL,
	`api` text DEFAULT 'service-communications' NOT NULL,
	`tenant_id` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`last_success_at` integer,
	`last_error` text,
	`home_account_id` text,
	`consented_by` text,
	`token_cache` text,
	FOREIGN KEY (`org_id`) REFERENCES `orgs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `authorizations_org_idx` ON `authorizations` (`org_id`);--> statement-breakpoint
CREATE INDEX `authorizations_tenant_idx` ON `authorizations` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `issue_posts` (
	`tenant_id` text NOT NULL,
	`issue_id` text NOT NULL,
	`position` integer NOT NULL,
	`created_date_time` text NOT NULL,
	`post_type` text NOT NULL,
	`html` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `issue_id`, `position`),
	FOREIGN KEY (`tenant_id`,`issue_id`) REFERENCES `issues`(`tenant_id`,`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `issues` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`title` text NOT NULL,
	`service` text NOT NULL,
	`feature` text,
	`feature_group` text,
	`classification` text NOT NULL,
	`status` text NOT NULL,
	`origin` text,
	`is_resolved` integer NOT NULL,
	`start_date_time` text,
	`end_date_time` text,
	`last_modified_date_time` text NOT NULL,
	`impact_description` text,
	PRIMARY KEY(`tenant_id`, `id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`tenant_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `issues_tenant_modified_idx` ON `issues` (`tenant_id`,`last_modified_date_time`);--> statement-breakpoint
CREATE TABLE `oauth_requests` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`authorization_id` text NOT NULL,
	`code_verifier` text NOT NULL,
	`nonce` text NOT NULL,
	`return_to` text,
	`opener_origin` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`authorization_id`) REFERENCES `authorizations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `orgs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orgs_name_unique` ON `orgs` (`name`);--> statement-breakpoint
CREATE TABLE `service_status_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`service_id` text NOT NULL,
	`status` text NOT NULL,
	`previous_status` text,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`tenant_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `service_status_history_idx` ON `service_status_history` (`tenant_id`,`service_id`,`changed_at`);--> statement-breakpoint
CREATE TABLE `services` (
	`tenant_id` text NOT NULL,
	`service_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `service_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`tenant_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`display_name` text,
	`default_domain` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`next_poll_at` integer NOT NULL,
	`last_sync_at` integer,
	`last_full_sync_at` integer,
	`issues_watermark` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `tenants_next_poll_idx` ON `tenants` (`next_poll_at`);