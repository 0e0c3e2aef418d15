CREATE TABLE `deal_stages` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort` integer NOT NULL,
	`semantics` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deals` (
	`id` integer PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`amount` real,
	`currency` text,
	`stage` text NOT NULL,
	`open` integer DEFAULT true NOT NULL,
	`client_id` integer,
	`responsible_id` integer,
	`lead_id` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	FOREIGN KEY (`stage`) REFERENCES `deal_stages`(`code`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`responsible_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `deals_client` ON `deals` (`client_id`);--> statement-breakpoint
CREATE INDEX `deals_responsible` ON `deals` (`responsible_id`,`id`);--> statement-breakpoint
CREATE INDEX `deals_lead` ON `deals` (`lead_id`);--> statement-breakpoint
CREATE TABLE `junk_reasons` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`sort` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notes` (
	`id` integer PRIMARY KEY NOT NULL,
	`lead_id` integer NOT NULL,
	`author_id` integer,
	`text` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`author_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `notes_lead` ON `notes` (`lead_id`,`id`);--> statement-breakpoint
CREATE TABLE `roles` (
	`id` integer PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`grants` text NOT NULL,
	`manage` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_code_unique` ON `roles` (`code`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `timeline` (
	`id` integer PRIMARY KEY NOT NULL,
	`entity` text NOT NULL,
	`entity_id` integer NOT NULL,
	`user_id` integer,
	`action` text NOT NULL,
	`before` text,
	`after` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `timeline_entity` ON `timeline` (`entity`,`entity_id`,`id`);--> statement-breakpoint
CREATE TABLE `user_roles` (
	`user_id` integer NOT NULL,
	`role_id` integer NOT NULL,
	PRIMARY KEY(`user_id`, `role_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `user_id` integer REFERENCES users(id);--> statement-breakpoint
ALTER TABLE `clients` ADD `company_id` integer;--> statement-breakpoint
ALTER TABLE `clients` ADD `updated_at` integer;--> statement-breakpoint
CREATE INDEX `clients_responsible` ON `clients` (`responsible_id`);--> statement-breakpoint
ALTER TABLE `departments` ADD `parent_id` integer;--> statement-breakpoint
ALTER TABLE `departments` ADD `head_id` integer;--> statement-breakpoint
ALTER TABLE `leads` ADD `junk_reason` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `unassigned` text;--> statement-breakpoint
CREATE INDEX `leads_responsible` ON `leads` (`responsible_id`,`id`);--> statement-breakpoint
CREATE INDEX `leads_channel` ON `leads` (`channel_id`,`id`);--> statement-breakpoint
ALTER TABLE `users` ADD `password_hash` text;--> statement-breakpoint
ALTER TABLE `users` ADD `time_zone` text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `language` text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `capacity` integer;
--> statement-breakpoint
-- Seeded roles (core/permissions.ts SEEDED_ROLES), deal stages, junk reasons; every existing user
-- keeps the role they had as their one role.
INSERT OR IGNORE INTO `roles` (`code`, `name`, `grants`, `manage`) VALUES
  ('operator', 'Operator', '{"leads":{"read":"own","create":"own","update":"own","delete":"none","export":"none"},"clients":{"read":"own","create":"own","update":"own","delete":"none","export":"none"},"deals":{"read":"own","create":"own","update":"own","delete":"none","export":"none"},"activities":{"read":"own","create":"own","update":"own","delete":"none","export":"none"}}', false),
  ('supervisor', 'Supervisor', '{"leads":{"read":"department","create":"department","update":"department","delete":"department","export":"department"},"clients":{"read":"department","create":"department","update":"department","delete":"department","export":"department"},"deals":{"read":"department","create":"department","update":"department","delete":"department","export":"department"},"activities":{"read":"department","create":"department","update":"department","delete":"department","export":"department"}}', false),
  ('admin', 'Administrator', '{"leads":{"read":"all","create":"all","update":"all","delete":"all","export":"all"},"clients":{"read":"all","create":"all","update":"all","delete":"all","export":"all"},"deals":{"read":"all","create":"all","update":"all","delete":"all","export":"all"},"activities":{"read":"all","create":"all","update":"all","delete":"all","export":"all"}}', true);
--> statement-breakpoint
INSERT OR IGNORE INTO `deal_stages` (`code`, `name`, `sort`, `semantics`) VALUES
  ('NEW', 'New', 10, 'process'),
  ('PREPARATION', 'Preparing documents', 20, 'process'),
  ('NEGOTIATION', 'Negotiation', 30, 'process'),
  ('WON', 'Won', 40, 'success'),
  ('LOSE', 'Lost', 50, 'failure');
--> statement-breakpoint
INSERT OR IGNORE INTO `junk_reasons` (`code`, `name`, `sort`) VALUES
  ('SPAM', 'Spam or advertising', 10),
  ('WRONG_CONTACT', 'Wrong number or address', 20),
  ('NOT_INTERESTED', 'Not interested', 30),
  ('DUPLICATE', 'Duplicate of another lead', 40),
  ('OTHER', 'Other', 50);
--> statement-breakpoint
INSERT OR IGNORE INTO `user_roles` (`user_id`, `role_id`)
  SELECT u.`id`, r.`id` FROM `users` u JOIN `roles` r ON r.`code` = u.`role`;
