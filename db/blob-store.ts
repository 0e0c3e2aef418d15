/**
 * Files that come with messages, on disk under DATA_DIR/blobs, named by their SHA-256 (the same
 * file sent twice is stored once). A file is first written to a temporary name while it is hashed
 * and only kept once its message is accepted, so rejected posts leave nothing behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ReceivedBlob {
  sha256: string;
  size: number;
  /** The temporary file; `keep` moves it into the store, `discard` deletes it. */
  tempPath: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

export class BlobStore {
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
    return { sha256: hash.digest('hex'), size, tempPath };
  }

  async keep(blob: ReceivedBlob): Promise<void> {
    const target = this.pathOf(blob.sha256);
    mkdirSync(path.dirname(target), { recursive: true });
    await rename(blob.tempPath, target);
  }

  async discard(blob: ReceivedBlob): Promise<void> {
    await rm(blob.tempPath, { force: true });
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
    return readFile(this.pathOf(sha256));
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
