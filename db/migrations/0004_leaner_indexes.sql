DROP INDEX `leads_source`;--> statement-breakpoint
DROP INDEX `messages_channel_external`;--> statement-breakpoint
DROP INDEX `messages_external`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_external_channel` ON `messages` (`external_id`,`channel_id`);--> statement-breakpoint
DROP INDEX `identities_client_key`;--> statement-breakpoint
DROP INDEX `identities_lead_key`;--> statement-breakpoint
CREATE UNIQUE INDEX `identities_client_key` ON `identities` (`client_id`,`key`) WHERE "identities"."client_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `identities_lead_key` ON `identities` (`lead_id`,`key`) WHERE "identities"."lead_id" IS NOT NULL;