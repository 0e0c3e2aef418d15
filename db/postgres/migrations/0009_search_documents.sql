-- Lead search (GET /api/v1/leads?q=) in one index of documents: one per message, holding the
-- message's text and its lead's title, name and company, and, for a lead without any message
-- yet, one holding only those fields (message_id 0). A search needs all its words in one
-- document, so one GIN lookup intersects the words' lists, as a mail search does per message:
-- "Ana andamio" finds Ana's lead by a message that mentions a scaffold. Migration 0007 looked each
-- word up in two indexes and then each message's lead: about a second at a million leads.
-- Triggers keep the documents in step with leads and messages, whoever writes them.
CREATE TABLE lead_search (
  lead_id bigint NOT NULL,
  message_id bigint NOT NULL,
  document tsvector NOT NULL,
  PRIMARY KEY (lead_id, message_id)
);
--> statement-breakpoint
-- New entries wait in the index's pending list until it holds gin_pending_list_limit (kB), and
-- every search reads that list whole: at the default 4 MB it cost a search 20 ms; at 256 kB it
-- costs ~1 ms, and a message's insert now and then merges a small list.
CREATE INDEX lead_search_document ON lead_search USING gin (document) WITH (gin_pending_list_limit = 256);
--> statement-breakpoint
-- At most the first 100,000 characters of a message: a tsvector holds at most 1 MB, and a longer
-- text would make the message's insert fail.
CREATE FUNCTION leadwire_search_document(p_title text, p_name text, p_company text, p_text text)
RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_tsvector('leadwire_search'::regconfig, concat_ws(' ', p_title, p_name, p_company, left(p_text, 100000))) $$;
--> statement-breakpoint
CREATE FUNCTION leadwire_lead_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM lead_search WHERE lead_id = OLD.id;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    IF OLD.title IS NOT DISTINCT FROM NEW.title AND OLD.name IS NOT DISTINCT FROM NEW.name
       AND OLD.company IS NOT DISTINCT FROM NEW.company THEN
      RETURN NULL;
    END IF;
    UPDATE lead_search s
      SET document = leadwire_search_document(NEW.title, NEW.name, NEW.company, m.text)
      FROM messages m WHERE s.lead_id = NEW.id AND m.id = s.message_id;
    UPDATE lead_search
      SET document = leadwire_search_document(NEW.title, NEW.name, NEW.company, NULL)
      WHERE lead_id = NEW.id AND message_id = 0;
    RETURN NULL;
  END IF;
  -- A new lead: its fields alone, until its first message carries them.
  INSERT INTO lead_search (lead_id, message_id, document)
    VALUES (NEW.id, 0, leadwire_search_document(NEW.title, NEW.name, NEW.company, NULL))
    ON CONFLICT (lead_id, message_id) DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION leadwire_message_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF TG_OP = 'UPDATE' AND OLD.lead_id IS NOT DISTINCT FROM NEW.lead_id
       AND OLD.text IS NOT DISTINCT FROM NEW.text THEN
      RETURN NULL;
    END IF;
    DELETE FROM lead_search WHERE lead_id = OLD.lead_id AND message_id = OLD.id;
    -- The lead it left, if that was its last message: its fields alone again.
    INSERT INTO lead_search (lead_id, message_id, document)
      SELECT l.id, 0, leadwire_search_document(l.title, l.name, l.company, NULL)
      FROM leads l
      WHERE l.id = OLD.lead_id AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.lead_id = OLD.lead_id)
      ON CONFLICT (lead_id, message_id) DO NOTHING;
    IF TG_OP = 'DELETE' THEN
      RETURN NULL;
    END IF;
  END IF;
  -- Its fields alone are no longer needed once a message carries them (a search for the
  -- company would otherwise find each lead twice, and read twice as much).
  DELETE FROM lead_search WHERE lead_id = NEW.lead_id AND message_id = 0;
  INSERT INTO lead_search (lead_id, message_id, document)
    SELECT l.id, NEW.id, leadwire_search_document(l.title, l.name, l.company, NEW.text)
    FROM leads l WHERE l.id = NEW.lead_id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER lead_search_leads AFTER INSERT OR UPDATE OF title, name, company OR DELETE ON leads
  FOR EACH ROW EXECUTE FUNCTION leadwire_lead_search();
--> statement-breakpoint
CREATE TRIGGER lead_search_messages AFTER INSERT OR UPDATE OF lead_id, text OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION leadwire_message_search();
--> statement-breakpoint
-- The rows written before this migration.
INSERT INTO lead_search (lead_id, message_id, document)
  SELECT id, 0, leadwire_search_document(title, name, company, NULL) FROM leads l
  WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.lead_id = l.id);
--> statement-breakpoint
INSERT INTO lead_search (lead_id, message_id, document)
  SELECT l.id, m.id, leadwire_search_document(l.title, l.name, l.company, m.text)
  FROM messages m JOIN leads l ON l.id = m.lead_id;
--> statement-breakpoint
DROP INDEX leads_search;
--> statement-breakpoint
DROP INDEX messages_search;
--> statement-breakpoint
ANALYZE lead_search;
