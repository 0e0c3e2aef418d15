/**
 * PostgreSQL: which blob names the database still refers to (retention's check before it removes
 * a blob). Each place is asked only about the names the places before it did not claim, with one
 * query per place for the whole page of names. The inbox's raw text is read with patterns, not
 * as JSON: PostgreSQL's JSON functions refuse a whole row over one `\u0000` in a customer's text.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { PgDb } from './open.ts';

/** Every place a blob's name is kept, each answering which of the names (a text[]) it holds. */
const PLACES: ((names: SQL) => SQL)[] = [
  // Files that came with messages (partial index attachments_sha256).
  (names) => sql`SELECT DISTINCT sha256 AS name FROM attachments WHERE sha256 = ANY(${names})`,
  // An email's .eml (or its headers), the inbox row's `blob` (expression index inbox_raw_blob).
  (names) => sql`SELECT DISTINCT substring(raw from '"blob":"([0-9a-f]{64})"') AS name FROM inbox
    WHERE substring(raw from '"blob":"([0-9a-f]{64})"') = ANY(${names})`,
  // A web form's uploads, `files[].sha256`: until ingest they are named nowhere else, and a
  // replay reads them again (partial index inbox_raw_files: only rows with files). Any
  // `"sha256":"…"` of such a row counts, which can only keep more.
  (names) => sql`SELECT DISTINCT m[1] AS name
    FROM inbox, regexp_matches(raw, '"sha256":"([0-9a-f]{64})"', 'g') AS m
    WHERE strpos(raw, '"files":[{') > 0 AND m[1] = ANY(${names})`,
];

export async function referencedBlobs(db: PgDb, hashes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const place of PLACES) {
    const left = hashes.filter((hash) => !found.has(hash));
    if (!left.length) break;
    const result = await db.execute<{ name: string | null }>(
      place(sql`${sql.param(left)}::text[]`),
    );
    for (const row of result.rows) {
      if (row.name) found.add(row.name);
    }
  }
  return found;
}
