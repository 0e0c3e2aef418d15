CREATE INDEX `attachments_sha256` ON `attachments` (`sha256`) WHERE "attachments"."sha256" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `inbox_raw_blob` ON `inbox` (json_extract("raw", '$.blob')) WHERE json_extract("inbox"."raw", '$.blob') IS NOT NULL;--> statement-breakpoint
CREATE INDEX `inbox_raw_files` ON `inbox` (`id`) WHERE instr("inbox"."raw", '"files":[{') > 0;