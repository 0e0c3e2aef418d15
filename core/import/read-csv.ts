/** Streams an imported CSV file: encoding and delimiter detected, records with their lines. */

import { parse } from 'csv-parse';
import type { CsvError, Info } from 'csv-parse';
import { detectDelimiter } from './delimiter.ts';
import type { CsvDelimiter } from './delimiter.ts';
import { SAMPLE_BYTES, decoderLabel, detectEncoding } from './encoding.ts';
import type { CsvEncoding } from './encoding.ts';

export interface CsvFile {
  encoding: CsvEncoding;
  delimiter: CsvDelimiter;
  /** The first non-empty record, trimmed; an empty header is `column N` (1-based). */
  headers: string[];
  /**
   * The records after the header, once (the file is read as they are consumed). Blank lines
   * and lines of empty values only (`;;;` at the end of an Excel export) are not records.
   * A record the parser cannot read — an opening quote never closed, which swallows the rest
   * of the file, or a record over `MAX_RECORD_BYTES` — comes as a `CsvUnreadable` row and is
   * the last one: every record before it has been yielded. Errors of the source itself
   * (the upload broke off) are thrown.
   */
  rows: AsyncIterable<CsvRow>;
}

export type CsvRow = CsvRecord | CsvUnreadable;

export interface CsvRecord {
  /** The 1-based line of the file where the record starts; the header is line 1. */
  line: number;
  /** The 0-based record number after the header: the value to give `skipRecords` to resume. */
  index: number;
  /** As written between delimiters, spaces after a delimiter dropped; not padded to the header. */
  values: string[];
  error?: undefined;
}

export interface CsvUnreadable {
  line: number;
  index: number;
  /** Why the file cannot be read from this line on, for a person. */
  error: string;
  values?: undefined;
}

export interface OpenCsvOptions {
  /** Records after the header to pass over (to resume an import that stopped at `index`). */
  skipRecords?: number;
}

/**
 * A quoted value that is never closed makes the parser hold the rest of the file in memory;
 * a limit turns that into an error. No real record comes near it.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** What the parser pushes for a record it kept. */
interface Parsed {
  line: number;
  values: string[];
}

/**
 * Opens a CSV file streamed as bytes and reads its header. Memory stays constant whatever
 * the file's length: one sample of `SAMPLE_BYTES` for the detection, then chunk by chunk.
 * Rejects when the file has no header (empty, or unreadable before its first record).
 */
export async function openCsv(
  source: AsyncIterable<Uint8Array>,
  options: OpenCsvOptions = {},
): Promise<CsvFile> {
  const chunks = source[Symbol.asyncIterator]();
  const sample: Uint8Array[] = [];
  let sampled = 0;
  let ended = false;
  while (sampled < SAMPLE_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    sample.push(next.value);
    sampled += next.value.length;
  }
  const encoding = detectEncoding(concat(sample, sampled));
  const decoder = new TextDecoder(decoderLabel(encoding));
  const sampleText = sample.map((chunk) => decoder.decode(chunk, { stream: true })).join('');
  const delimiter = detectDelimiter(sampleText);

  async function* text(): AsyncGenerator<string> {
    try {
      if (sampleText) yield sampleText;
      if (!ended) {
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          const decoded = decoder.decode(next.value, { stream: true });
          if (decoded) yield decoded;
        }
      }
      const rest = decoder.decode();
      if (rest) yield rest;
    } finally {
      // A reader that stops early closes the source (the uploaded file, the read stream).
      if (!ended) await chunks.return?.();
    }
  }

  const lines = new LineTracker(options.skipRecords ?? 0);
  const records = parseRecords(text(), delimiter, lines);

  const first = await records.next();
  if (first.done) throw new Error('the file is empty: there is no header line');
  if ('error' in first.value) {
    await records.return(undefined);
    throw new Error(`line ${first.value.line}: ${first.value.error}`);
  }
  const headers = first.value.values.map((name, i) => name.trim() || `column ${i + 1}`);

  async function* rows(): AsyncGenerator<CsvRow> {
    let index = options.skipRecords ?? 0;
    try {
      for await (const record of { [Symbol.asyncIterator]: () => records }) {
        if ('error' in record) {
          yield { line: record.line, index, error: record.error };
          return;
        }
        yield { line: record.line, index: index++, values: record.values };
      }
    } finally {
      await records.return(undefined);
    }
  }

  return { encoding, delimiter, headers, rows: rows() };
}

/**
 * Feeds the text to csv-parse piece by piece and yields the records of each piece before
 * reading the next: memory holds one piece. The records are taken in `on_record` rather than
 * read from the parser's stream side because a failing stream discards what it had buffered,
 * and the records before a malformed one must reach the reader.
 */
async function* parseRecords(
  text: AsyncIterable<string>,
  delimiter: CsvDelimiter,
  lines: LineTracker,
): AsyncGenerator<Parsed | { line: number; error: string }> {
  const pending: Parsed[] = [];
  let failure: unknown;
  const parser = parse({
    delimiter,
    // The text is already decoded (and its BOM dropped by TextDecoder).
    bom: false,
    ltrim: true,
    // Right-trimming would make `"Acme" Ltd` an error; values are trimmed by the reader instead.
    rtrim: false,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    // Any line ending, even mixed in one file (rows pasted in from another export).
    record_delimiter: ['\r\n', '\n', '\r'],
    max_record_size: MAX_RECORD_BYTES,
    on_record: (values: string[], info: Info) => {
      const record = lines.onRecord(values, info);
      if (record) pending.push(record);
      return null;
    },
  });
  parser.on('error', (error) => (failure ??= error));
  // Nothing is pushed to the readable side, but it must flow for the parser to end.
  parser.resume();
  const settle = (write: (done: () => void) => void) =>
    new Promise<void>((resolve) => write(() => resolve()));

  try {
    for await (const piece of text) {
      await settle((done) => parser.write(piece, done));
      yield* pending.splice(0);
      if (failure) break;
    }
    if (!failure) {
      await settle((done) => parser.end(done));
      yield* pending.splice(0);
    }
    if (failure) {
      if (!isCsvError(failure)) throw failure;
      yield { line: lines.startOf(failure), error: describe(failure) };
    }
  } finally {
    parser.destroy();
  }
}

/**
 * Where records start, from csv-parse's own line count: `info.lines` is the line a record
 * ends on, and the next one starts on the line after, past the blank lines skipped between.
 * Counting from the end of the previous record (rather than back from the newlines inside
 * this one) also places a record that fails half-way. csv-parse counts a CRLF inside a
 * quoted value as two lines (one outside quotes as one), so those are taken off.
 */
class LineTracker {
  private lastEnd = 0;
  private lastEmpty = 0;
  private quotedCrlf = 0;
  private seen = 0;

  constructor(private readonly skip: number) {}

  onRecord(values: string[], info: Info): Parsed | null {
    const line = this.startOf(info);
    for (const value of values) {
      if (value.includes('\r\n')) this.quotedCrlf += value.split('\r\n').length - 1;
    }
    this.lastEnd = info.lines - this.quotedCrlf;
    this.lastEmpty = info.empty_lines;
    if (values.every((value) => value.trim() === '')) return null;
    // The header is record 0; resuming passes over records without building rows for them.
    const record = this.seen++;
    if (record > 0 && record <= this.skip) return null;
    return { line, values };
  }

  startOf(info: Pick<Info, 'empty_lines'>): number {
    return this.lastEnd + 1 + (info.empty_lines - this.lastEmpty);
  }
}

function isCsvError(error: unknown): error is CsvError & Info {
  return error instanceof Error && 'code' in error && 'lines' in error && 'empty_lines' in error;
}

function describe(error: CsvError): string {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quoted value is never closed (a " opens it and none ends it), so the rest of the file cannot be read';
  }
  if (error.code === 'CSV_MAX_RECORD_SIZE') {
    return `a record is longer than ${MAX_RECORD_BYTES / 1024 / 1024} MiB — most likely a quoted value that is never closed`;
  }
  return error.message;
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
