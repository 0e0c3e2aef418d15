/**
 * Blobs in PostgreSQL, so every machine reads what any machine stored: content-addressed by
 * SHA-256, written and read in chunks of 256 KiB (a large upload is never held in memory), and
 * durable before a source is acknowledged (each write is a committed transaction). A blob is
 * written under an upload id and named in `blobs` only once complete and hashed.
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
/** Chunks of an upload that was never named are removed after this long (crash, discarded post). */
export const ORPHAN_AGE_HOURS = 24;

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
    const named = await this.pool.query(
      'INSERT INTO blobs (sha256, upload_id, size) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING',
      [blob.sha256, Number(blob.handle), blob.size],
    );
    // The same content was stored before: that copy stays, this one goes.
    if (named.rowCount === 0) await this.dropUpload(Number(blob.handle));
  }

  /** Throws a received blob away; after `keep` it is a no-op (as a temporary file would be gone). */
  async discard(blob: ReceivedBlob): Promise<void> {
    await this.dropUpload(Number(blob.handle));
  }

  async putDurable(content: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (await this.has(sha256)) return sha256;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
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
      // Stored by someone else meanwhile: theirs stays, ours is rolled back.
      await client.query(named.rowCount ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return sha256;
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

  /** Removes chunks of uploads never named that are older than ORPHAN_AGE_HOURS. */
  async sweepOrphans(): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM blob_chunks c WHERE c.created_at < now() - make_interval(hours => $1)
       AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = c.upload_id)`,
      [ORPHAN_AGE_HOURS],
    );
    return result.rowCount ?? 0;
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
