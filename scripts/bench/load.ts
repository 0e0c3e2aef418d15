/**
 * Load on an intake endpoint (forms, the Telegram webhook): one autocannon run whose every post
 * is the next one, and the check that each 2xx answer left exactly one inbox row.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import type { Store } from '../../core/repositories/index.ts';
import { inspect } from '../../db/inspect.ts';

export interface Post {
  body: Buffer;
  /** The inbox external id this post leaves when it is recorded (`sub-…`, `u…`). */
  externalId: string;
}

export interface Fired {
  result: autocannon.Result;
  /** Posts sent, answered or not. */
  posted: number;
  /** External ids of the posts answered 2xx, and answered otherwise. */
  accepted: string[];
  refused: string[];
}

/**
 * One autocannon run; each request takes the next post. With one request in flight per
 * connection, the context autocannon passes from a request's set-up to its answer says which
 * post was answered.
 */
export function fire(
  target: { url: string; headers: Record<string, string> },
  load: { seconds: number; connections: number },
  next: () => Post,
  signal: AbortSignal,
): Promise<Fired> {
  signal.throwIfAborted();
  const fired = { posted: 0, accepted: [] as string[], refused: [] as string[] };
  type Sent = { externalId?: string };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        connections: load.connections,
        pipelining: 1,
        duration: load.seconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const post = next();
              fired.posted += 1;
              (context as Sent).externalId = post.externalId;
              return { ...request, body: post.body };
            },
            onResponse: (status, _body, context) => {
              const list = status >= 200 && status < 300 ? fired.accepted : fired.refused;
              list.push((context as Sent).externalId ?? '');
            },
          },
        ],
      },
      (error: unknown, result) => {
        signal.removeEventListener('abort', stop);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve({ ...fired, result });
      },
    );
    const stop = () => instance.stop();
    signal.addEventListener('abort', stop, { once: true });
  });
}

export interface InboxCheck {
  /** Rows recorded during the run. */
  rows: number;
  /** Distinct posts answered 2xx that have their row, and distinct posts answered 2xx. */
  acceptedWithRow: number;
  acceptedDistinct: number;
  /** Posts answered otherwise that have a row anyway (there should be none). */
  refusedWithRow: number;
  /** Rows of posts whose answer the load tool never read (in flight when it stopped). */
  unanswered: number;
  unansweredPosts: number;
}

/** Waits for the server to finish what was in flight, then matches answers with inbox rows. */
export async function checkInbox(
  store: Store,
  channelId: number,
  afterId: number,
  run: Fired,
): Promise<InboxCheck> {
  await settledMaxInboxId(store);
  const externalIds = (
    await inspect(store).all<{ external_id: string }>(
      sql`SELECT external_id FROM inbox WHERE channel_id = ${channelId} AND id > ${afterId}`,
    )
  ).map((row) => row.external_id);
  const rows = new Set(externalIds);
  const withRow = (ids: string[]) => new Set(ids.filter((id) => rows.has(id))).size;
  const acceptedWithRow = withRow(run.accepted);
  const refusedWithRow = withRow(run.refused);
  return {
    rows: externalIds.length,
    acceptedWithRow,
    acceptedDistinct: new Set(run.accepted).size,
    refusedWithRow,
    unanswered: externalIds.length - acceptedWithRow - refusedWithRow,
    unansweredPosts: run.posted - run.accepted.length - run.refused.length,
  };
}

/** The largest inbox id, once it has stopped changing (the server has finished its posts). */
export async function settledMaxInboxId(store: Store): Promise<number> {
  let last = -1;
  for (let now = await store.inbox.maxId(); now !== last; now = await store.inbox.maxId()) {
    last = now;
    await sleep(300);
  }
  return last;
}

export const statuses = (result: autocannon.Result) =>
  Object.entries(result.statusCodeStats ?? {})
    .map(([status, { count }]) => `${status} x${count ?? 0}`)
    .join(', ') || `no answers (${result.errors} errors, ${result.timeouts} timeouts)`;
