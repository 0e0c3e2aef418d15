/**
 * Blobs on a filesystem: DATA_DIR/blobs (the SQLite default) or BLOB_DIR (a filesystem every
 * machine mounts), named by their SHA-256 under two levels of folders. A received file is first
 * written to a temporary name while it is hashed and only kept once its message is accepted, so
 * rejected posts leave nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, opendir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BlobMissingError,
  SHA256,
  type BlobStore,
  type ReceivedBlob,
} from '../../core/repositories/blobs.ts';

export class FileBlobStore implements BlobStore {
  private readonly temp: string;

  constructor(readonly dir: string) {
    this.temp = path.join(dir, 'tmp');
    mkdirSync(this.temp, { recursive: true });
  }

  /** Writes a stream to a temporary file while hashing it. */
  async receive(stream: Readable): Promise<ReceivedBlob> {
    const tempPath = path.join(this.temp, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(stream, createWriteStream(tempPath));
    } catch (error) {
      // An interrupted upload leaves nothing behind.
      await rm(tempPath, { force: true });
      throw error;
    }
    return { sha256: hash.digest('hex'), size, handle: tempPath };
  }

  async keep(blob: ReceivedBlob): Promise<void> {
    const target = this.pathOf(blob.sha256);
    mkdirSync(path.dirname(target), { recursive: true });
    await rename(blob.handle, target);
  }

  async discard(blob: ReceivedBlob): Promise<void> {
    await rm(blob.handle, { force: true });
  }

  /**
   * Stores a whole buffer and fsyncs it before it is named: used where the source is told "got it"
   * right after (an IMAP checkpoint), so the content must survive a power cut like the inbox row.
   */
  async putDurable(content: Buffer): Promise<string> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const target = this.pathOf(sha256);
    if (await this.has(sha256)) return sha256;
    const tempPath = path.join(this.temp, randomUUID());
    const handle = await open(tempPath, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    mkdirSync(path.dirname(target), { recursive: true });
    await rename(tempPath, target);
    // The new name must survive a power cut too, not only the bytes.
    const directory = await open(path.dirname(target), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return sha256;
  }

  readAll(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256)).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new BlobMissingError(sha256) : error;
    });
  }

  async *list(): AsyncIterable<string> {
    const walk = async function* (dir: string, depth: number): AsyncIterable<string> {
      const entries = await opendir(dir).catch(() => undefined);
      if (!entries) return;
      for await (const entry of entries) {
        if (depth < 2 && entry.isDirectory() && /^[0-9a-f]{2}$/.test(entry.name))
          yield* walk(path.join(dir, entry.name), depth + 1);
        else if (depth === 2 && entry.isFile() && SHA256.test(entry.name)) yield entry.name;
      }
    };
    yield* walk(this.dir, 0);
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  read(sha256: string): Readable {
    return createReadStream(this.pathOf(sha256));
  }
}
