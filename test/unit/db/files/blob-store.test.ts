import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { BlobMissingError } from '../../../../core/repositories/blobs.ts';
import { FileBlobStore } from '../../../../db/files/blob-store.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-blob-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

describe('storing a batch of blobs durably', () => {
  it('answers each content’s SHA-256 in order and stores each once', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'batch'));
    const contents = ['first', 'second', 'first', ''].map((text) => Buffer.from(text));
    const names = await blobs.putDurableMany(contents);
    expect(names).toEqual(contents.map(sha256));
    for (const [i, name] of names.entries())
      expect(readFileSync(blobs.pathOf(name))).toEqual(contents[i]);
    // Nothing left behind under a temporary name.
    expect(readdirSync(path.join(blobs.dir, 'tmp'))).toEqual([]);
  });

  it('stores content that is already there again by marking it stored now', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'again'));
    const [old] = await blobs.putDurableMany([Buffer.from('kept a year')]);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000);
    utimesSync(blobs.pathOf(old as string), yearAgo, yearAgo);
    const [again, fresh] = await blobs.putDurableMany([
      Buffer.from('kept a year'),
      Buffer.from('new'),
    ]);
    expect(again).toBe(old);
    expect(statSync(blobs.pathOf(old as string)).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await blobs.readAll(fresh as string)).toEqual(Buffer.from('new'));
  });

  it('writes a large content through the thread pool like a small one', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'large'));
    const large = Buffer.alloc(3 * 1024 * 1024, 7);
    const [name] = await blobs.putDurableMany([large, Buffer.from('small')]);
    // Buffer.equals: a deep comparison of 3 MB byte by byte takes vitest half a minute.
    expect((await blobs.readAll(name as string)).equals(large)).toBe(true);
  });

  it('stores nothing for an empty batch, and one content through putDurable', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'single'));
    expect(await blobs.putDurableMany([])).toEqual([]);
    const name = await blobs.putDurable(Buffer.from('one'));
    expect(name).toBe(sha256(Buffer.from('one')));
    expect(await blobs.has(name)).toBe(true);
  });

  it('stores into a folder again after someone removed it', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'removed'));
    const content = Buffer.from('stored twice');
    const [name] = await blobs.putDurableMany([content]);
    const top = path.join(blobs.dir, (name as string).slice(0, 2));
    rmSync(top, { recursive: true });
    expect(await blobs.putDurableMany([content])).toEqual([name]);
    expect(await blobs.readAll(name as string)).toEqual(content);
    rmSync(top, { recursive: true });
    const received = await blobs.receive(Readable.from([content]));
    await blobs.keep(received);
    expect(await blobs.readAll(name as string)).toEqual(content);
  });

  it('says a blob that is not there is missing', async () => {
    const blobs = new FileBlobStore(path.join(dir, 'missing'));
    await expect(blobs.readAll('0'.repeat(64))).rejects.toBeInstanceOf(BlobMissingError);
  });
});
