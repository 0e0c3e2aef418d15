-- Full-text search of leads (GET /api/v1/leads?q=) over each lead's title, name and company and
-- over its messages' text, in any language: the `simple` configuration (no stemming, no stop
-- words) with accents folded by `unaccent` where the server has it. unaccent ships with
-- PostgreSQL's contrib modules and is a trusted extension (the database owner may create it);
-- where it cannot be created, search works the same without folding accents.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'unaccent is not available (%): lead search will not fold accents', SQLERRM;
END
$$;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION leadwire_search (COPY = simple);
--> statement-breakpoint
DO $$
DECLARE
  home name := (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                WHERE e.extname = 'unaccent');
BEGIN
  IF home IS NOT NULL THEN
    -- The token types that may hold letters outside ASCII; ASCII words need no folding.
    EXECUTE format(
      'ALTER TEXT SEARCH CONFIGURATION leadwire_search ALTER MAPPING FOR word, hword, hword_part, numword, numhword, hword_numpart WITH %I.unaccent, simple',
      home);
  END IF;
END
$$;
--> statement-breakpoint
-- Expression indexes: db/postgres/leads.ts writes the same expressions, so the planner uses them.
CREATE INDEX leads_search ON leads USING gin (
  to_tsvector('leadwire_search'::regconfig, title || ' ' || coalesce(name, '') || ' ' || coalesce(company, ''))
);
--> statement-breakpoint
-- At most the first 100,000 characters of a message: a tsvector holds at most 1 MB, and a longer
-- text would make the message's insert fail.
CREATE INDEX messages_search ON messages USING gin (
  to_tsvector('leadwire_search'::regconfig, left(text, 100000))
);
