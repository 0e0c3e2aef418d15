-- Lead search (GET /api/v1/leads?q=) in one FTS5 index of documents: one per message, holding the
-- message's text and its lead's title, name and company, and, for a lead without any message
-- yet, one holding only those fields. A search needs all its words in one document, so one
-- FTS5 query intersects the words' lists, as a mail search does per message: "Ana andamio" finds
-- Ana's lead by a message that mentions a scaffold. Migration 0010 kept two indexes and looked
-- each word up in both, then each message's lead: 120-350 ms at a million leads.
--
-- A document's rowid carries its lead: lead id × 2^32, plus 1 + (message id − 1) mod (2^32 − 1)
-- for a message (0 for the lead's own fields), so the leads come out of the index without a
-- lookup, and a lead's documents are one rowid range. Contentless (content = ''): the text stays
-- in leads and messages only; contentless_delete lets a document be deleted by its rowid alone.
-- No stemming, any language, case and diacritics folded ("jose" finds "José").
DROP TRIGGER lead_search_insert;
--> statement-breakpoint
DROP TRIGGER lead_search_update;
--> statement-breakpoint
DROP TRIGGER lead_search_delete;
--> statement-breakpoint
DROP TRIGGER message_search_insert;
--> statement-breakpoint
DROP TRIGGER message_search_update;
--> statement-breakpoint
DROP TRIGGER message_search_delete;
--> statement-breakpoint
DROP TABLE lead_search;
--> statement-breakpoint
DROP TABLE message_search;
--> statement-breakpoint
CREATE VIRTUAL TABLE lead_search USING fts5(
  title, name, company, text,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER lead_search_insert AFTER INSERT ON leads BEGIN
  INSERT INTO lead_search (rowid, title, name, company) VALUES (new.id << 32, new.title, new.name, new.company);
END;
--> statement-breakpoint
-- Only when a searched column changed (leads are updated on every message): the lead's documents
-- are written again with the new fields.
CREATE TRIGGER lead_search_update AFTER UPDATE OF title, name, company ON leads
WHEN old.title IS NOT new.title OR old.name IS NOT new.name OR old.company IS NOT new.company
BEGIN
  DELETE FROM lead_search WHERE rowid BETWEEN new.id << 32 AND (new.id << 32) + 4294967295;
  INSERT INTO lead_search (rowid, title, name, company)
    SELECT new.id << 32, new.title, new.name, new.company
    WHERE NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = new.id);
  INSERT INTO lead_search (rowid, title, name, company, text)
    SELECT (new.id << 32) + 1 + (m.id - 1) % 4294967295, new.title, new.name, new.company, m.text
    FROM messages m WHERE m.lead_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER lead_search_delete AFTER DELETE ON leads BEGIN
  DELETE FROM lead_search WHERE rowid BETWEEN old.id << 32 AND (old.id << 32) + 4294967295;
END;
--> statement-breakpoint
-- The lead's fields alone are no longer needed once a message carries them (a search for its
-- company would otherwise find each lead twice, and read twice as much).
CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
  DELETE FROM lead_search WHERE rowid = new.lead_id << 32;
  INSERT INTO lead_search (rowid, title, name, company, text)
    SELECT (l.id << 32) + 1 + (new.id - 1) % 4294967295, l.title, l.name, l.company, new.text
    FROM leads l WHERE l.id = new.lead_id;
END;
--> statement-breakpoint
-- A message moved to another lead (a merge) or whose text changed.
CREATE TRIGGER message_search_update AFTER UPDATE OF lead_id, text ON messages
WHEN old.lead_id IS NOT new.lead_id OR old.text IS NOT new.text
BEGIN
  DELETE FROM lead_search WHERE rowid = (old.lead_id << 32) + 1 + (old.id - 1) % 4294967295;
  DELETE FROM lead_search WHERE rowid = new.lead_id << 32;
  INSERT INTO lead_search (rowid, title, name, company, text)
    SELECT (l.id << 32) + 1 + (new.id - 1) % 4294967295, l.title, l.name, l.company, new.text
    FROM leads l WHERE l.id = new.lead_id;
  -- The lead it left, if that was its last message: its fields alone again.
  INSERT INTO lead_search (rowid, title, name, company)
    SELECT l.id << 32, l.title, l.name, l.company FROM leads l
    WHERE l.id = old.lead_id AND NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = old.lead_id);
END;
--> statement-breakpoint
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
  DELETE FROM lead_search WHERE rowid = (old.lead_id << 32) + 1 + (old.id - 1) % 4294967295;
  INSERT INTO lead_search (rowid, title, name, company)
    SELECT l.id << 32, l.title, l.name, l.company FROM leads l
    WHERE l.id = old.lead_id AND NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = old.lead_id);
END;
--> statement-breakpoint
-- The rows written before this migration.
INSERT INTO lead_search (rowid, title, name, company)
  SELECT id << 32, title, name, company FROM leads l
  WHERE NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = l.id);
--> statement-breakpoint
INSERT INTO lead_search (rowid, title, name, company, text)
  SELECT (l.id << 32) + 1 + (m.id - 1) % 4294967295, l.title, l.name, l.company, m.text
  FROM messages m JOIN leads l ON l.id = m.lead_id;
--> statement-breakpoint
INSERT INTO lead_search (lead_search) VALUES ('optimize');
