/**
 * The reads of the prepare step (the inbox row, its channel), gathered: every row asked for in
 * one turn of the event loop is read with ONE query, and each of their channels once. A worker
 * running many jobs at once asks for many rows together; over the network, one query for them
 * all costs about what one for a single row does.
 */
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';
import type { Repositories } from '../../core/repositories/index.ts';

export interface PrepareReads {
  row(id: number): Promise<InboxRow | undefined>;
  channel(id: number): Promise<ChannelInfo | undefined>;
}

type ReadRepos = Pick<Repositories, 'inbox' | 'channels'>;

/** One query per read (an ingest run on its own, the tests). */
export function directReads(repos: ReadRepos): PrepareReads {
  return { row: (id) => repos.inbox.get(id), channel: (id) => repos.channels.info(id) };
}

export function gatheredReads(repos: ReadRepos): PrepareReads {
  const rows = gather<InboxRow>(async (ids) => {
    const found = await repos.inbox.getMany(ids);
    return new Map(found.map((row) => [row.id, row]));
  });
  const channels = gather<ChannelInfo>(async (ids) => {
    const found = await Promise.all(ids.map((id) => repos.channels.info(id)));
    return new Map(ids.flatMap((id, n) => (found[n] ? [[id, found[n]]] : [])));
  });
  return { row: rows, channel: channels };
}

interface Waiter<T> {
  resolve(value: T | undefined): void;
  reject(error: unknown): void;
}

/** Calls made in the same turn of the event loop share one `load` of all their keys. */
function gather<T>(load: (ids: number[]) => Promise<Map<number, T>>) {
  let pending: Map<number, Waiter<T>[]> | undefined;
  /** Settles once the answers of the latest load have been handed out. */
  let delivered: Promise<void> = Promise.resolve();
  const run = async (batch: Map<number, Waiter<T>[]>, before: Promise<void>) => {
    let found: Map<number, T> | undefined;
    let failure: unknown;
    try {
      found = await load([...batch.keys()]);
    } catch (error) {
      failure = error;
    }
    // Answers are handed out in the order they were asked for, so rows read in two queries go
    // on in the order their jobs came (a sender's second message does not overtake the first
    // because its query came back sooner).
    await before;
    for (const [id, waiting] of batch)
      for (const one of waiting) {
        if (found) one.resolve(found.get(id));
        else one.reject(failure);
      }
  };
  return (id: number): Promise<T | undefined> => {
    if (!pending) {
      const batch = new Map<number, Waiter<T>[]>();
      pending = batch;
      setImmediate(() => {
        pending = undefined;
        delivered = run(batch, delivered);
      });
    }
    const batch = pending;
    return new Promise<T | undefined>((resolve, reject) => {
      const waiting = batch.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else batch.set(id, [{ resolve, reject }]);
    });
  };
}
