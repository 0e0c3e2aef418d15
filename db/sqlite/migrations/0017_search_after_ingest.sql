-- The ingest writes a batch's search documents itself, once, at the end of its transaction
-- (db/sqlite/ingest.ts). FTS5 moves what it holds in memory to a new segment of the index at
-- every savepoint, and the ingest opens several per message (one for each row, and one for each
-- statement that checks a foreign key): with these triggers firing row by row, each message
-- became segments of its own for the index to merge again, about a third of the worker's time.
--
-- While a row is in search_deferred the insert triggers leave the index alone. The ingest adds
-- that row inside its own write transaction and removes it before committing, so no other
-- connection ever sees it: every other writer (the console, merges, imports, the CLI) still
-- indexes through the triggers, row by row, as before.
CREATE TABLE search_deferred (id INTEGER PRIMARY KEY);
--> statement-breakpoint
DROP TRIGGER lead_search_insert;
--> statement-breakpoint
CREATE TRIGGER lead_search_insert AFTER INSERT ON leads
WHEN NOT EXISTS (SELECT 1 FROM search_deferred)
BEGIN
  INSERT INTO lead_search (rowid, title, name, company) VALUES (new.id << 32, new.title, new.name, new.company);
END;
--> statement-breakpoint
DROP TRIGGER message_search_insert;
--> statement-breakpoint
CREATE TRIGGER message_search_insert AFTER INSERT ON messages
WHEN NOT EXISTS (SELECT 1 FROM search_deferred)
BEGIN
  DELETE FROM lead_search WHERE rowid = new.lead_id << 32;
  INSERT INTO lead_search (rowid, title, name, company, text)
    SELECT (l.id << 32) + 1 + (new.id - 1) % 4294967295, l.title, l.name, l.company, new.text
    FROM leads l WHERE l.id = new.lead_id;
END;
