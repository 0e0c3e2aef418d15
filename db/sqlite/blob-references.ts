/**
 * SQLite: which blob names the database still refers to (retention's check before it removes a
 * blob). Each place is asked only about the names the places before it did not claim, with one
 * query per place for the whole page of names.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './open.ts';

/** The inbox row's `blob`, as indexed (`inbox_raw_blob`, db/sqlite/schema.ts). */
const RAW_BLOB = sql.raw(`(CASE WHEN json_valid(raw) THEN json_extract(raw, '$.blob') END)`);

/** The names as one parameter: a JSON array, read back with json_each. */
type NamesIn = SQL;

/** Every place a blob's name is kept, each answering which of the names it holds. */
const PLACES: ((names: NamesIn) => SQL)[] = [
  // Files that came with messages (partial index attachments_sha256).
  (names) => sql`SELECT DISTINCT sha256 AS name FROM attachments WHERE sha256 IN ${names}`,
  // An email's .eml (or its headers), the inbox row's `blob` (expression index inbox_raw_blob,
  // the same expression: a raw event that is no JSON is kept as it came, and names nothing).
  (names) => sql`SELECT DISTINCT ${RAW_BLOB} AS name FROM inbox WHERE ${RAW_BLOB} IN ${names}`,
  // A web form's uploads, `files[].sha256`: until ingest they are named nowhere else, and a
  // replay reads them again (partial index inbox_raw_files: only rows with files).
  (names) => sql`SELECT DISTINCT json_extract(f.value, '$.sha256') AS name
    FROM inbox,
      json_each(CASE WHEN json_valid(inbox.raw) THEN inbox.raw ELSE '{}' END, '$.files') AS f
    WHERE instr(inbox.raw, '"files":[{') > 0 AND json_extract(f.value, '$.sha256') IN ${names}`,
];

export function referencedBlobs(db: Db, hashes: string[]): Set<string> {
  const found = new Set<string>();
  for (const place of PLACES) {
    const left = hashes.filter((hash) => !found.has(hash));
    if (!left.length) break;
    const names = sql`(SELECT value FROM json_each(${JSON.stringify(left)}))`;
    for (const row of db.all<{ name: string | null }>(place(names))) {
      if (row.name) found.add(row.name);
    }
  }
  return found;
}
