CREATE TABLE `duplicate_dismissals` (
	`entity` text NOT NULL,
	`low_id` integer NOT NULL,
	`high_id` integer NOT NULL,
	`user_id` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`entity`, `low_id`, `high_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `duplicate_dismissals_high` ON `duplicate_dismissals` (`entity`,`high_id`);--> statement-breakpoint
CREATE TABLE `imports` (
	`id` integer PRIMARY KEY NOT NULL,
	`entity` text NOT NULL,
	`file_name` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` text NOT NULL,
	`options` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`counts` text NOT NULL,
	`user_id` integer,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `merges` (
	`id` integer PRIMARY KEY NOT NULL,
	`entity` text NOT NULL,
	`survivor_id` integer NOT NULL,
	`merged_id` integer NOT NULL,
	`user_id` integer,
	`snapshot` text NOT NULL,
	`created_at` integer NOT NULL,
	`undone_at` integer,
	`undone_by` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`undone_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `merges_survivor` ON `merges` (`entity`,`survivor_id`);--> statement-breakpoint
CREATE INDEX `merges_merged` ON `merges` (`entity`,`merged_id`);--> statement-breakpoint
ALTER TABLE `clients` ADD `match_key` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `company_key` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `merged_into_id` integer;--> statement-breakpoint
CREATE INDEX `clients_match_key` ON `clients` (`match_key`) WHERE "clients"."match_key" <> '';--> statement-breakpoint
CREATE INDEX `clients_company_key` ON `clients` (`company_key`) WHERE "clients"."company_key" <> '';--> statement-breakpoint
CREATE INDEX `clients_keys_pending` ON `clients` (`id`) WHERE "clients"."match_key" IS NULL;--> statement-breakpoint
ALTER TABLE `leads` ADD `match_key` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `company_key` text;--> statement-breakpoint
ALTER TABLE `leads` ADD `merged_into_id` integer;--> statement-breakpoint
CREATE INDEX `leads_match_key` ON `leads` (`match_key`) WHERE "leads"."match_key" <> '';--> statement-breakpoint
CREATE INDEX `leads_company_key` ON `leads` (`company_key`) WHERE "leads"."company_key" <> '';--> statement-breakpoint
CREATE INDEX `leads_keys_pending` ON `leads` (`id`) WHERE "leads"."match_key" IS NULL;--> statement-breakpoint
CREATE INDEX `identities_email_domain` ON `identities` (substr("key", instr("key", '@') + 1)) WHERE "identities"."kind" = 'email';