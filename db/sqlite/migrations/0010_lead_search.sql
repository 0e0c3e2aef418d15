-- Full-text search of leads (GET /api/v1/leads?q=): one FTS5 index over each lead's title, name
-- and company (rowid = lead id) and one over each message's text (rowid = message id), in any
-- language: no stemming, case and diacritics folded ("jose" finds "José"). Both are external
-- content tables: the text stays in leads and messages only, which matters for large messages.
-- Triggers keep them in step; an external content index must be told the old values on delete.
-- Prefix indexes on the lead fields make "the last word is a prefix" cheap for names.
CREATE VIRTUAL TABLE lead_search USING fts5(
  title, name, company,
  content = 'leads', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
--> statement-breakpoint
CREATE VIRTUAL TABLE message_search USING fts5(
  text,
  content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER lead_search_insert AFTER INSERT ON leads BEGIN
  INSERT INTO lead_search (rowid, title, name, company) VALUES (new.id, new.title, new.name, new.company);
END;
--> statement-breakpoint
-- Only when a searched column changes: leads are updated on every message (updated_at).
CREATE TRIGGER lead_search_update AFTER UPDATE OF title, name, company ON leads BEGIN
  INSERT INTO lead_search (lead_search, rowid, title, name, company)
    VALUES ('delete', old.id, old.title, old.name, old.company);
  INSERT INTO lead_search (rowid, title, name, company) VALUES (new.id, new.title, new.name, new.company);
END;
--> statement-breakpoint
CREATE TRIGGER lead_search_delete AFTER DELETE ON leads BEGIN
  INSERT INTO lead_search (lead_search, rowid, title, name, company)
    VALUES ('delete', old.id, old.title, old.name, old.company);
END;
--> statement-breakpoint
CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
  INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;
--> statement-breakpoint
CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;
--> statement-breakpoint
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
  INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
END;
--> statement-breakpoint
-- The rows written before this migration.
INSERT INTO lead_search (lead_search) VALUES ('rebuild');
--> statement-breakpoint
INSERT INTO message_search (message_search) VALUES ('rebuild');
