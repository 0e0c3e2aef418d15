/**
 * File contents (email .eml, attachments, Telegram files, form uploads), named by their SHA-256:
 * the same file sent twice is stored once. On the filesystem (DATA_DIR/blobs or BLOB_DIR) or,
 * with PostgreSQL, in the database, so every machine reads them.
 */
import type { Readable } from 'node:stream';

export interface ReceivedBlob {
  sha256: string;
  size: number;
  /** Where the content waits until `keep` or `discard` (a temporary file, an upload id). */
  handle: string;
}

export interface BlobStore {
  /** Streams content in while hashing it; nothing is named until `keep`. */
  receive(stream: Readable): Promise<ReceivedBlob>;
  /** Makes a received blob part of the store (durable once this resolves). */
  keep(blob: ReceivedBlob): Promise<void>;
  /** Throws a received blob away. */
  discard(blob: ReceivedBlob): Promise<void>;
  /**
   * Stores a whole buffer durably before answering: used where the source is told "got it"
   * right after (an IMAP checkpoint), so the content must survive a power cut like the inbox row.
   */
  putDurable(content: Buffer): Promise<string>;
  /**
   * putDurable for several contents made durable together (one transaction, or one round of
   * fsyncs), answering their SHA-256s in order: a fetched batch of emails is stored at once.
   */
  putDurableMany(contents: readonly Buffer[]): Promise<string[]>;
  /** The whole content; rejects with BlobMissingError when there is no such blob. */
  readAll(sha256: string): Promise<Buffer>;
  /** The content as a stream, read in pieces. */
  read(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /** Every stored blob's name (db copy walks them). */
  list(): AsyncIterable<string>;
  /**
   * The names of blobs last stored before `before`: retention's candidates. Storing content that
   * is already there (`putDurable`, `keep`) stores it again, so a blob that is about to be
   * referenced anew is young, however long ago it was first written.
   */
  storedBefore(before: Date): AsyncIterable<string>;
  /**
   * Removes a blob unless it was stored again at or after `before`; true when it went. Against a
   * `putDurable` or `keep` of the same content at the same moment, one of them wins whole: the
   * blob stays, or it goes and the writer stores it anew.
   */
  removeIfStoredBefore(sha256: string, before: Date): Promise<boolean>;
  /**
   * Uploads never named that were last written before `before` (left by a crash mid-upload):
   * removed, or with `dryRun` only counted. Returns how many uploads.
   */
  sweepUnnamed(before: Date, dryRun?: boolean): Promise<number>;
}

export class BlobMissingError extends Error {
  override name = 'BlobMissingError';
  constructor(readonly sha256: string) {
    super(`blob ${sha256} is not in the blob store`);
  }
}

export const SHA256 = /^[0-9a-f]{64}$/;
