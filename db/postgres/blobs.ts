/**
 * Blobs in PostgreSQL, so every machine reads what any machine stored: content-addressed by
 * SHA-256, written and read in chunks of 256 KiB (a large upload is never held in memory), and
 * durable before a source is acknowledged (each write is a committed transaction). A blob is
 * written under an upload id and named in `blobs` only once complete and hashed. A blob's
 * `created_at` is when it was last stored: storing the same content again moves it to now, and
 * retention only removes what is older than its grace.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import {
  BlobMissingError,
  SHA256,
  type BlobStore,
  type ReceivedBlob,
} from '../../core/repositories/blobs.ts';

const CHUNK = 256 * 1024;
/** Uploads whose chunks one sweep statement removes. */
const SWEEP_UPLOADS = 100;

export class PostgresBlobStore implements BlobStore {
  constructor(private readonly pool: pg.Pool) {}

  private async uploadId(client: pg.Pool | pg.PoolClient): Promise<number> {
    const result = await client.query<{ id: number }>("SELECT nextval('blob_upload_ids') AS id");
    const id = result.rows[0]?.id;
    if (id === undefined) throw new Error('no upload id');
    return id;
  }

  async receive(stream: Readable): Promise<ReceivedBlob> {
    const upload = await this.uploadId(this.pool);
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (all: boolean) => {
      while (pendingBytes >= CHUNK || (all && pendingBytes > 0)) {
        const joined = Buffer.concat(pending);
        const data = joined.subarray(0, CHUNK);
        const rest = joined.subarray(data.length);
        pending = rest.length ? [rest] : [];
        pendingBytes = rest.length;
        await this.pool.query(
          'INSERT INTO blob_chunks (upload_id, seq, data) VALUES ($1, $2, $3)',
          [upload, seq++, data],
        );
      }
    };
    try {
      for await (const chunk of stream) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        hash.update(buffer);
        size += buffer.length;
        pending.push(buffer);
        pendingBytes += buffer.length;
        if (pendingBytes >= CHUNK) await flush(false);
      }
      await flush(true);
    } catch (error) {
      // An interrupted upload leaves nothing behind.
      await this.dropUpload(upload).catch(() => undefined);
      throw error;
    }
    return { sha256: hash.digest('hex'), size, handle: String(upload) };
  }

  async keep(blob: ReceivedBlob): Promise<void> {
    const upload = Number(blob.handle);
    const named = await this.pool.query<{ upload_id: number }>(
      `INSERT INTO blobs (sha256, upload_id, size) VALUES ($1, $2, $3)
       ON CONFLICT (sha256) DO UPDATE SET created_at = now() RETURNING upload_id`,
      [blob.sha256, upload, blob.size],
    );
    // The same content was stored before: that copy stays (stored again now), this one goes.
    if (named.rows[0]?.upload_id !== upload) await this.dropUpload(upload);
  }

  /** Throws a received blob away; after `keep` it is a no-op (as a temporary file would be gone). */
  async discard(blob: ReceivedBlob): Promise<void> {
    await this.dropUpload(Number(blob.handle));
  }

  async putDurable(content: Buffer): Promise<string> {
    const [sha256] = await this.putDurableMany([content]);
    if (!sha256) throw new Error('the blob store gave no name');
    return sha256;
  }

  /**
   * One transaction for the whole batch: contents already stored are marked stored now, the
   * others are written in chunks and named. A content someone else named meanwhile keeps theirs
   * (ours is deleted in the same transaction).
   */
  async putDurableMany(contents: readonly Buffer[]): Promise<string[]> {
    const names = contents.map((content) => createHash('sha256').update(content).digest('hex'));
    if (!contents.length) return names;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const touched = await client.query<{ sha256: string }>(
        'UPDATE blobs SET created_at = now() WHERE sha256 = ANY($1::text[]) RETURNING sha256',
        [[...new Set(names)]],
      );
      const written = new Set(touched.rows.map((row) => row.sha256));
      // In the order of their names: two batches naming the same new contents wait for each
      // other in the same order, never each for the other.
      const order = [...contents.keys()].sort((a, b) =>
        (names[a] ?? '').localeCompare(names[b] ?? ''),
      );
      for (const i of order) {
        const content = contents[i] ?? Buffer.alloc(0);
        const sha256 = names[i] ?? '';
        if (written.has(sha256)) continue;
        written.add(sha256);
        const upload = await this.uploadId(client);
        for (let seq = 0, at = 0; at < content.length || seq === 0; seq++, at += CHUNK) {
          await client.query('INSERT INTO blob_chunks (upload_id, seq, data) VALUES ($1, $2, $3)', [
            upload,
            seq,
            content.subarray(at, at + CHUNK),
          ]);
        }
        const named = await client.query(
          'INSERT INTO blobs (sha256, upload_id, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
          [sha256, upload, content.length],
        );
        if (!named.rowCount)
          await client.query('DELETE FROM blob_chunks WHERE upload_id = $1', [upload]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return names;
  }

  /**
   * Marks a stored blob as stored now; false when there is none. One statement: a removal of
   * the same blob either comes first (nothing to touch) or finds it young.
   */
  private async touch(sha256: string): Promise<boolean> {
    const result = await this.pool.query('UPDATE blobs SET created_at = now() WHERE sha256 = $1', [
      sha256,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  private async uploadOf(sha256: string): Promise<{ upload: number; size: number } | undefined> {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    const result = await this.pool.query<{ upload_id: number; size: number }>(
      'SELECT upload_id, size FROM blobs WHERE sha256 = $1',
      [sha256],
    );
    const row = result.rows[0];
    return row && { upload: row.upload_id, size: row.size };
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.uploadOf(sha256)) !== undefined;
  }

  async readAll(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.read(sha256)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  read(sha256: string): Readable {
    return Readable.from(this.chunks(sha256), { objectMode: false });
  }

  /** The blob's chunks one query at a time: a large file is never in memory whole. */
  private async *chunks(sha256: string): AsyncIterable<Buffer> {
    const found = await this.uploadOf(sha256);
    if (!found) throw new BlobMissingError(sha256);
    for (let seq = 0; ; seq++) {
      const result = await this.pool.query<{ data: Buffer }>(
        {
          name: 'blob-chunk',
          text: 'SELECT data FROM blob_chunks WHERE upload_id = $1 AND seq = $2',
        },
        [found.upload, seq],
      );
      const data = result.rows[0]?.data;
      if (!data) return;
      yield data;
    }
  }

  async *list(): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const result = await this.pool.query<{ sha256: string }>(
        'SELECT sha256 FROM blobs WHERE sha256 > $1 ORDER BY sha256 LIMIT 1000',
        [after],
      );
      for (const row of result.rows) yield row.sha256;
      const last = result.rows.at(-1);
      if (!last) return;
      after = last.sha256;
    }
  }

  async *storedBefore(before: Date): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const result = await this.pool.query<{ sha256: string }>(
        `SELECT sha256 FROM blobs WHERE sha256 > $1 AND created_at < $2
         ORDER BY sha256 LIMIT 1000`,
        [after, before],
      );
      for (const row of result.rows) yield row.sha256;
      const last = result.rows.at(-1);
      if (!last) return;
      after = last.sha256;
    }
  }

  /** The name and its chunks in one statement, only while the blob is still old. */
  async removeIfStoredBefore(sha256: string, before: Date): Promise<boolean> {
    const result = await this.pool.query<{ removed: number }>(
      `WITH gone AS (DELETE FROM blobs WHERE sha256 = $1 AND created_at < $2 RETURNING upload_id),
       chunks AS (DELETE FROM blob_chunks WHERE upload_id IN (SELECT upload_id FROM gone))
       SELECT count(*)::int AS removed FROM gone`,
      [sha256, before],
    );
    return (result.rows[0]?.removed ?? 0) > 0;
  }

  /** Chunks of uploads never named (a crash, a post cut off), a few uploads per statement. */
  async sweepUnnamed(before: Date, dryRun = false): Promise<number> {
    const unnamed = `SELECT DISTINCT c.upload_id FROM blob_chunks c
       WHERE c.created_at < $1 AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = c.upload_id)`;
    if (dryRun) {
      const counted = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (${unnamed}) u`,
        [before],
      );
      return counted.rows[0]?.n ?? 0;
    }
    let swept = 0;
    for (;;) {
      const result = await this.pool.query<{ upload_id: number }>(
        `DELETE FROM blob_chunks WHERE upload_id IN (${unnamed} LIMIT ${SWEEP_UPLOADS})
         RETURNING upload_id`,
        [before],
      );
      const uploads = new Set(result.rows.map((row) => row.upload_id)).size;
      swept += uploads;
      if (uploads < SWEEP_UPLOADS) return swept;
    }
  }

  /** The chunks of an upload that no blob is named after. */
  private async dropUpload(upload: number): Promise<void> {
    await this.pool.query(
      `DELETE FROM blob_chunks WHERE upload_id = $1
       AND NOT EXISTS (SELECT 1 FROM blobs WHERE upload_id = $1)`,
      [upload],
    );
  }
}
