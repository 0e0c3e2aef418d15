CREATE TABLE `replays` (
	`id` integer PRIMARY KEY NOT NULL,
	`filter` text NOT NULL,
	`last_inbox_id` integer DEFAULT 0 NOT NULL,
	`total` integer NOT NULL,
	`done_count` integer DEFAULT 0 NOT NULL,
	`started_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	`interrupted_at` integer
);
