-- Default lead stages (ARCHITECTURE.md: in progress / success / failure) and the REST intake
-- channel with id 1, as db/sqlite/migrations/0001_seed.sql; the channel ids go on after it.
INSERT INTO "stages" ("code", "name", "sort", "semantics") VALUES
  ('NEW', 'New', 10, 'process'),
  ('IN_PROCESS', 'In progress', 20, 'process'),
  ('PROCESSED', 'Processed', 30, 'process'),
  ('CONVERTED', 'Converted', 40, 'success'),
  ('JUNK', 'Junk', 50, 'failure')
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "channels" ("id", "kind", "name") VALUES (1, 'api', 'REST intake') ON CONFLICT DO NOTHING;
--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('channels', 'id'), (SELECT max("id") FROM "channels"));
--> statement-breakpoint
-- Upload ids of blobs stored in the database (db/postgres/blobs.ts).
CREATE SEQUENCE IF NOT EXISTS "blob_upload_ids";
