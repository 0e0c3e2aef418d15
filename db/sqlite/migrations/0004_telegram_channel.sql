CREATE TABLE `channel_blocks` (
	`channel_id` integer NOT NULL,
	`identity_key` text NOT NULL,
	`reason` text NOT NULL,
	`blocked_at` integer NOT NULL,
	PRIMARY KEY(`channel_id`, `identity_key`),
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `telegram_offsets` (
	`channel_id` integer PRIMARY KEY NOT NULL,
	`next_offset` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE no action
);
