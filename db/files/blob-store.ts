/**
 * Blobs on a filesystem: DATA_DIR/blobs (the SQLite default) or BLOB_DIR (a filesystem every
 * machine mounts), named by their SHA-256 under two levels of folders. A received file is first
 * written to a temporary name while it is hashed and only kept once its message is accepted, so
 * rejected posts leave nothing behind. A file's mtime is when it was last stored: storing the
 * same content again touches it, and retention only removes what is older than its grace.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open, opendir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import {
  BlobMissingError,
  SHA256,
  type BlobStore,
  type ReceivedBlob,
} from '../../core/repositories/blobs.ts';

/** A blob moved aside while it is removed: `tmp/<sha256>.<uuid>`. */
const ASIDE = /^([0-9a-f]{64})\./;
/**
 * Contents up to this size are written and read on the spot: each trip to libuv's thread pool
 * (open, write, close: one each) costs more CPU than copying a small file. Larger ones go through
 * the pool, so the event loop is never held up by a big file.
 */
const ON_THE_SPOT_BYTES = 1024 * 1024;
const fsyncFd = promisify(fsync);

export class FileBlobStore implements BlobStore {
  private readonly temp: string;
  /** Folders known to exist: asking the file system again for every blob cost a tenth of a mailbox sync. */
  private readonly folders = new Set<string>();

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
    this.folderOf(target);
    await rename(blob.handle, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      await rename(blob.handle, this.folderOf(target, true));
    });
  }

  /**
   * Makes sure the folder of `target` exists (once per folder and process, or again when
   * `again`: someone removed it) and answers `target`.
   */
  private folderOf(target: string, again = false): string {
    const folder = path.dirname(target);
    if (again || !this.folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.folders.add(folder);
    }
    return target;
  }

  async discard(blob: ReceivedBlob): Promise<void> {
    await rm(blob.handle, { force: true });
  }

  /**
   * Stores a whole buffer and fsyncs it before it is named: used where the source is told "got it"
   * right after (an IMAP checkpoint), so the content must survive a power cut like the inbox row.
   */
  async putDurable(content: Buffer): Promise<string> {
    const [sha256] = await this.putDurableMany([content]);
    return sha256 as string;
  }

  /**
   * Stores several buffers durably together (an IMAP batch's .eml files) and answers their
   * SHA-256s in order. The new files are written and fsynced all at the same time, then named,
   * and their folders fsynced at the same time: the file system flushes the batch in a few
   * journal commits instead of two per file one after another. Nothing is named before its
   * content is on disk, so a crash leaves at most unnamed temporary files (sweepUnnamed).
   */
  async putDurableMany(contents: readonly Buffer[]): Promise<string[]> {
    const names = contents.map((content) => createHash('sha256').update(content).digest('hex'));
    const fresh = new Map<string, Buffer>();
    names.forEach((sha256, i) => {
      // Content already here is stored again by touching it, so retention sees it young.
      if (!fresh.has(sha256) && !this.touch(this.pathOf(sha256)))
        fresh.set(sha256, contents[i] as Buffer);
    });
    if (!fresh.size) return names;
    const written = await Promise.allSettled(
      [...fresh.values()].map((content) => this.writeSynced(content)),
    );
    const temps = written.flatMap((result) =>
      result.status === 'fulfilled' ? [result.value] : [],
    );
    const failed = written.find((result) => result.status === 'rejected');
    if (failed) {
      await Promise.all(temps.map((temp) => rm(temp, { force: true })));
      throw failed.reason;
    }
    const folders = new Set<string>();
    [...fresh.keys()].forEach((sha256, i) => {
      const target = this.pathOf(sha256);
      folders.add(path.dirname(target));
      try {
        renameSync(temps[i] as string, this.folderOf(target));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        renameSync(temps[i] as string, this.folderOf(target, true));
      }
    });
    // The new names must survive a power cut too, not only the bytes.
    await Promise.all([...folders].map(syncDirectory));
    return names;
  }

  /** Writes content to a new temporary file and fsyncs it; answers the file's path. */
  private async writeSynced(content: Buffer): Promise<string> {
    const tempPath = path.join(this.temp, randomUUID());
    try {
      if (content.length <= ON_THE_SPOT_BYTES) {
        const fd = openSync(tempPath, 'w');
        try {
          writeFileSync(fd, content);
          await fsyncFd(fd);
        } finally {
          closeSync(fd);
        }
      } else {
        const handle = await open(tempPath, 'w');
        try {
          await handle.writeFile(content);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return tempPath;
  }

  /**
   * Marks a stored file as stored now; false when there is none. Setting times needs the file's
   * owner: any failure answers false and the caller writes a fresh copy (a new file of its own).
   * Asked first whether the file is there, as new content is the usual case (no error to build).
   */
  private touch(target: string): boolean {
    try {
      if (!statSync(target, { throwIfNoEntry: false })) return false;
      const now = new Date();
      utimesSync(target, now, now);
      return true;
    } catch {
      return false;
    }
  }

  async readAll(sha256: string): Promise<Buffer> {
    const file = this.pathOf(sha256);
    try {
      const size = statSync(file, { throwIfNoEntry: false })?.size;
      if (size === undefined) throw new BlobMissingError(sha256);
      return size <= ON_THE_SPOT_BYTES ? readFileSync(file) : await readFile(file);
    } catch (error) {
      // Removed between the two looks (retention) is missing too.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobMissingError(sha256);
      throw error;
    }
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

  async *storedBefore(before: Date): AsyncIterable<string> {
    for await (const sha256 of this.list()) {
      if (await this.storedEarlier(this.pathOf(sha256), before)) yield sha256;
    }
  }

  /**
   * Moves the file aside, then looks at its time again: a writer that touched it or put a fresh
   * copy in its place meanwhile made it young, and it goes back. A writer that comes after the
   * move finds nothing to touch and stores a new copy.
   */
  async removeIfStoredBefore(sha256: string, before: Date): Promise<boolean> {
    const target = this.pathOf(sha256);
    if (!(await this.storedEarlier(target, before))) return false;
    const aside = path.join(this.temp, `${sha256}.${randomUUID()}`);
    try {
      await rename(target, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    if (await this.storedEarlier(aside, before)) {
      await rm(aside, { force: true });
      return true;
    }
    await rename(aside, target);
    await syncDirectory(path.dirname(target));
    return false;
  }

  /**
   * Temporary files older than `before`: uploads a crash cut short. A blob moved aside by a
   * removal that never finished goes back to its place when nothing took it (the next pass
   * decides again) rather than being lost with the temporary files.
   */
  async sweepUnnamed(before: Date, dryRun = false): Promise<number> {
    const entries = await opendir(this.temp).catch(() => undefined);
    if (!entries) return 0;
    let swept = 0;
    for await (const entry of entries) {
      const file = path.join(this.temp, entry.name);
      if (!entry.isFile() || !(await this.storedEarlier(file, before))) continue;
      const aside = ASIDE.exec(entry.name)?.[1];
      if (aside && !(await this.has(aside))) {
        if (!dryRun) await this.putBack(file, aside);
        continue;
      }
      swept += 1;
      if (!dryRun) await rm(file, { force: true });
    }
    return swept;
  }

  private async putBack(file: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    mkdirSync(path.dirname(target), { recursive: true });
    await rename(file, target);
    await syncDirectory(path.dirname(target));
  }

  /** Whether the file was last written before `before`; false when it is not there. */
  private async storedEarlier(file: string, before: Date): Promise<boolean> {
    const stats = await stat(file).catch(() => undefined);
    return stats !== undefined && stats.mtimeMs < before.getTime();
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

/** Makes a new or changed name in a folder survive a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
