CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash_unique` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE TABLE `channel_operators` (
	`channel_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`channel_id`, `user_id`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `channels` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`default_country` text,
	`append_scope` text DEFAULT 'any' NOT NULL,
	`last_assigned_user_id` integer,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`last_assigned_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `client_duplicates` (
	`client_id` integer NOT NULL,
	`other_client_id` integer NOT NULL,
	`lead_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`client_id`, `other_client_id`),
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`other_client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `clients` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text DEFAULT 'contact' NOT NULL,
	`name` text,
	`company` text,
	`responsible_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`responsible_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `departments` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `departments_name_unique` ON `departments` (`name`);--> statement-breakpoint
CREATE TABLE `identities` (
	`id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`raw` text NOT NULL,
	`client_id` integer,
	`lead_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "one_owner" CHECK(("identities"."client_id" IS NULL) <> ("identities"."lead_id" IS NULL))
);
--> statement-breakpoint
CREATE INDEX `identities_key` ON `identities` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `identities_client_key` ON `identities` (`client_id`,`key`) WHERE "identities"."client_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `identities_lead_key` ON `identities` (`lead_id`,`key`) WHERE "identities"."lead_id" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `inbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`channel_id` integer NOT NULL,
	`external_id` text NOT NULL,
	`raw` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`outcome` text,
	`reason` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lead_id` integer,
	`received_at` integer NOT NULL,
	`processed_at` integer,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_channel_external` ON `inbox` (`channel_id`,`external_id`);--> statement-breakpoint
CREATE INDEX `inbox_pending` ON `inbox` (`id`) WHERE "inbox"."status" = 'pending';--> statement-breakpoint
CREATE TABLE `leads` (
	`id` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`stage` text NOT NULL,
	`open` integer DEFAULT true NOT NULL,
	`source` text NOT NULL,
	`channel_id` integer NOT NULL,
	`client_id` integer,
	`responsible_id` integer,
	`title` text NOT NULL,
	`name` text,
	`company` text,
	`fields` text DEFAULT '{}' NOT NULL,
	`utm` text DEFAULT '{}' NOT NULL,
	`duplicate_of_lead_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`stage`) REFERENCES `stages`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`responsible_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "repeat_has_client" CHECK("leads"."type" <> 'repeat' OR "leads"."client_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX `leads_client_open` ON `leads` (`client_id`,`open`);--> statement-breakpoint
CREATE INDEX `leads_stage` ON `leads` (`stage`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY NOT NULL,
	`lead_id` integer NOT NULL,
	`channel_id` integer NOT NULL,
	`direction` text NOT NULL,
	`external_id` text NOT NULL,
	`inbox_id` integer,
	`sender` text,
	`text` text NOT NULL,
	`sent_at` integer NOT NULL,
	`meta` text DEFAULT '{}' NOT NULL,
	`delivery` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_external_channel` ON `messages` (`external_id`,`channel_id`);--> statement-breakpoint
CREATE INDEX `messages_lead_sent` ON `messages` (`lead_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `stages` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort` integer NOT NULL,
	`semantics` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`email` text NOT NULL,
	`role` text DEFAULT 'operator' NOT NULL,
	`department_id` integer,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`department_id`) REFERENCES `departments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);