/**
 * Rows to CSV on a writable stream (an HTTP response, a file, stdout), through csv-stringify with
 * a UTF-8 byte order mark so Excel reads the accents and Cyrillic right. Backpressure decides the
 * pace: a row is produced only when the destination takes more, so a slow client slows the page
 * reads instead of filling memory; a destination that closes early ends the row source too.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Cell } from './cells.ts';

export interface CsvOptions {
  /** End the destination when done (default true; false for stdout, which stays open). */
  end?: boolean;
  /** Terminate the last row (default true; see scripts/cli/export.ts for the one exception). */
  finalNewline?: boolean;
}

/** Writes the rows (the first is the header) and resolves with how many rows followed it. */
export async function writeCsv(
  rows: AsyncIterable<Cell[]>,
  out: Writable,
  options: CsvOptions = {},
): Promise<number> {
  let written = -1;
  const counted = async function* () {
    for await (const row of rows) {
      written += 1;
      yield row;
    }
  };
  await pipeline(
    Readable.from(counted(), { objectMode: true, highWaterMark: 64 }),
    stringify({ bom: true, eof: options.finalNewline ?? true, record_delimiter: 'windows' }),
    out,
    { end: options.end ?? true },
  );
  return Math.max(written, 0);
}
