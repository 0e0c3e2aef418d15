/**
 * One batch of UIDs fetched from the selected folder: sizes and Message-IDs first, then the
 * contents in slices of at most FETCH_BYTES, each slice handed to the blob store as it arrives
 * (made durable together, not one fsync after another) while the next one is fetched.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import type { CarriedParse } from './carried-parse.ts';

/** The most message content fetched in one go (each message is at most EMAIL_MAX_MB). */
const FETCH_BYTES = 32 * 1024 * 1024;

/** A batch's metadata, with its contents on their way to the blob store. */
export interface FetchedBatch {
  uids: number[];
  metas: FetchMessageObject[];
  /** Resolves once every content is durable: the blob of each UID that was still there. */
  stored: Promise<Map<number, StoredEmail>>;
}

export interface StoredEmail {
  blob: string;
  truncated: boolean;
  /** The reading to carry in the row, when one was made. */
  carried?: CarriedParse;
}

export interface FetchDeps {
  blobs: BlobStore;
  maxBytes: number;
  /** Reads a whole message for its row (never rejects; undefined leaves it to the worker). */
  carry?: (eml: Buffer) => Promise<CarriedParse | undefined>;
}

/**
 * Fetches a batch's sizes and Message-IDs, then its contents in slices of at most FETCH_BYTES.
 * Each slice is handed to the blob store as it arrives and the next slice waits for it, so a
 * batch of large messages never sits in memory at once; the last slice's writes are still under
 * way when this returns.
 */
export async function fetchBatch(
  client: ImapFlow,
  deps: FetchDeps,
  uids: number[],
): Promise<FetchedBatch> {
  const metas = await client.fetchAll(
    uids.join(','),
    { uid: true, size: true, envelope: true },
    { uid: true },
  );
  const over = new Set(metas.filter((m) => (m.size ?? 0) > deps.maxBytes).map((m) => m.uid));
  const writes: Promise<Map<number, StoredEmail>>[] = [];
  const store = (fetched: { uid: number; content: Buffer }[], truncated: boolean) => {
    const contents = fetched.map((message) => message.content);
    const { carry } = deps;
    // Parsed while the blobs go to disk; a headers-only message is left to the worker.
    const carrying = async () => {
      const carried: (CarriedParse | undefined)[] = [];
      if (carry && !truncated)
        for (const content of contents) carried.push(await carry(content).catch(() => undefined));
      return carried;
    };
    const written = Promise.all([
      contents.length ? deps.blobs.putDurableMany(contents) : Promise.resolve([]),
      carrying(),
    ]).then(
      ([blobs, carried]) =>
        new Map(
          fetched.map((message, i): [number, StoredEmail] => {
            const reading = carried[i];
            const stored = { blob: blobs[i] as string, truncated };
            return [message.uid, reading ? { ...stored, carried: reading } : stored];
          }),
        ),
    );
    // Awaited below or by the caller; until then a failed write must not count as unhandled.
    written.catch(() => undefined);
    writes.push(written);
  };
  let slice: number[] = [];
  let sliceBytes = 0;
  const fetchSlice = async () => {
    if (!slice.length) return;
    const range = slice.join(',');
    slice = [];
    sliceBytes = 0;
    // The slice before this one is on disk first: no more than two slices in memory.
    await writes.at(-1);
    const fetched: { uid: number; content: Buffer }[] = [];
    for await (const message of client.fetch(range, { uid: true, source: true }, { uid: true })) {
      if (message.source) fetched.push({ uid: message.uid, content: message.source });
    }
    store(fetched, false);
  };
  for (const meta of metas) {
    if (over.has(meta.uid)) continue;
    if (sliceBytes + (meta.size ?? 0) > FETCH_BYTES) await fetchSlice();
    slice.push(meta.uid);
    sliceBytes += meta.size ?? 0;
  }
  await fetchSlice();
  if (over.size) {
    const headers = await client.fetchAll(
      [...over].join(','),
      { uid: true, headers: true },
      { uid: true },
    );
    store(
      headers.flatMap((message) =>
        message.headers ? [{ uid: message.uid, content: message.headers }] : [],
      ),
      true,
    );
  }
  const stored = Promise.all(writes).then((maps) => new Map(maps.flatMap((map) => [...map])));
  stored.catch(() => undefined);
  return { uids, metas, stored };
}
