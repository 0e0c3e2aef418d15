/**
 * The PostgreSQL ingest transaction. Any number of workers on any number of machines may run it
 * at once; what keeps one sender from becoming two leads is a transaction-scoped advisory lock
 * on each of the sender's canonical identity keys, taken first and in sorted order (so two
 * transactions never wait for each other in a circle), with the unique constraints behind them.
 *
 * A message can reach records owning identities it does not carry itself (a client known by
 * email and phone, written to by phone): the state query locks the keys of every record it
 * touches too, without waiting (migration 0002). If one of them is taken, the transaction starts
 * again with the larger set locked from the start. A lost race (deadlock, serialisation failure,
 * unique violation) runs the transaction again; it never reaches the inbox row as an error.
 *
 * A batch of items shares the transaction (group commit), and its statements are pipelined:
 * BEGIN, the locks and every item's state go in one round trip, every item's writes and COMMIT
 * in another. An item whose state a write earlier in the batch may change (the same sender, the
 * same thread, the same message) waits for those writes and reads its state again. An item whose
 * writes fail is left out and the others run again without it.
 */
import type { InboundMessage } from '../../core/inbound.ts';
import {
  awaitsProcessing,
  finishedOutcome,
  outcomeOf,
  type IngestState,
} from '../../core/ingest-plan.ts';
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';
import type {
  BatchResult,
  IngestItem,
  IngestRepository,
  PlanIngest,
} from '../../core/repositories/ingest.ts';
import type pg from 'pg';
import { postgresTransient, retryable } from './errors.ts';
import { loadState } from './ingest-state.ts';
import { writePlan } from './ingest-write.ts';
import { QueueTurns, type PlannedItem } from './queue-turns.ts';
import { inOneWrite, pause, release } from './transaction.ts';

/** Advisory locks of identity keys live in their own key space: (namespace, hashtext(key)). */
export const IDENTITY_LOCKS = 1;
const ATTEMPTS = 8;
/** Restarts for more locks are not failures, but they too must end. */
const RESTARTS = 20;

const LOCK_IDENTITIES = {
  name: 'lock-identities',
  text: `SELECT pg_advisory_xact_lock(${IDENTITY_LOCKS}, k)
         FROM (SELECT DISTINCT hashtext(key) AS k FROM unnest($1::text[]) AS key ORDER BY 1) AS locks`,
};

/** Blocks until every key is locked, in one statement, in the lock keys' order. */
export async function lockIdentityKeys(client: pg.PoolClient, keys: Iterable<string>) {
  const list = [...new Set(keys)];
  if (list.length) await client.query(LOCK_IDENTITIES, [list]);
}

/** Another transaction holds keys this one needs: start again holding them from the start. */
class NeedsLocks {
  constructor(readonly keys: string[]) {}
}

/** An item's own writes failed: the batch goes on without it. */
class ItemFailed {
  constructor(
    readonly index: number,
    readonly cause: unknown,
  ) {}
}

/**
 * Waits for every promise (pipelined queries must all be answered before the connection is
 * used again) and throws the first failure in the order they were sent: the one that aborted
 * the transaction, not the "current transaction is aborted" of the statements behind it.
 */
async function settled<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

/** What an item's state depends on besides its locked keys: its message and its thread. */
function conflictKeys(item: IngestItem, touched: string[]): string[] {
  const { message } = item;
  return [
    ...message.identities.map((identity) => identity.key),
    ...touched,
    `message:${message.externalId}`,
    ...message.threadRefs.map((ref) => `message:${ref}`),
    ...(message.leadToken ? [`lead:${message.leadToken}`] : []),
    ...(message.callback ? [message.callback.identityKey] : []),
  ];
}

export class PostgresIngest implements IngestRepository {
  private readonly turns: QueueTurns;
  /** Settles once the latest batch has sent its BEGIN and locks. */
  private asking: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    /** Not `pool`: see QueueTurns. */
    turnsPool: pg.Pool,
  ) {
    this.turns = new QueueTurns(turnsPool);
  }

  async peek(channel: ChannelInfo, message: InboundMessage): Promise<IngestState> {
    // The state query takes no lock on a key it is told is held: a key another transaction
    // holds is named back, and then read as it is.
    const nothing: InboxRow = {
      id: 0,
      channelId: channel.id,
      externalId: message.externalId,
      raw: '',
      status: 'pending',
      outcome: null,
      reason: null,
      error: null,
      leadId: null,
      attempts: 0,
      receivedAt: new Date(0),
      processedAt: null,
    };
    const client = await this.pool.connect();
    try {
      let held: string[] = [];
      for (;;) {
        const loaded = await loadState(client, nothing, channel, message, held);
        if (!('needs' in loaded)) return loaded.state;
        held = [...new Set([...held, ...loaded.needs])];
      }
    } finally {
      client.release();
    }
  }

  async commit(items: IngestItem[], plan: PlanIngest): Promise<BatchResult[]> {
    const results: (BatchResult | undefined)[] = items.map(() => undefined);
    const extraKeys = new Set<string>();
    let attempt = 0;
    for (let restarts = 0; ;) {
      const active = items.flatMap((item, index) => (results[index] ? [] : [{ item, index }]));
      if (!active.length) return results as BatchResult[];
      // Batches of this process ask for their locks in the order they were made: a sender's
      // second message, batched behind the first, must not overtake it because its batch got
      // an idle connection while the first one's was still being opened.
      const before = this.asking;
      let asked!: () => void;
      this.asking = new Promise((resolve) => (asked = resolve));
      let client: pg.PoolClient;
      try {
        await before;
        client = await this.pool.connect();
      } catch (error) {
        asked();
        return fillMissing(results, error);
      }
      let failure: unknown;
      try {
        // run sends BEGIN and the locks before it first waits.
        const running = this.run(client, active, plan, extraKeys);
        asked();
        const outcomes = await running;
        for (const [index, result] of outcomes) results[index] = result;
        return results as BatchResult[];
      } catch (error) {
        failure = error;
        await client.query('ROLLBACK').catch(() => undefined);
      } finally {
        release(client, failure instanceof ItemFailed ? failure.cause : failure);
      }
      if (failure instanceof NeedsLocks) {
        for (const key of failure.keys) extraKeys.add(key);
        if (++restarts <= RESTARTS) continue;
        failure = new Error("the sender's records kept changing hands; giving up for now");
      }
      const cause = failure instanceof ItemFailed ? failure.cause : failure;
      if (retryable(cause) && ++attempt < ATTEMPTS) {
        await pause(attempt);
        continue;
      }
      if (failure instanceof ItemFailed && !postgresTransient(cause)) {
        // Its writes broke a rule of the schema: that row fails alone, the others go again.
        results[failure.index] = { ok: false, error: cause };
        attempt = 0;
        continue;
      }
      return fillMissing(results, cause);
    }
  }

  /** One attempt of the batch's transaction; throws to roll it back. */
  private async run(
    client: pg.PoolClient,
    active: { item: IngestItem; index: number }[],
    plan: PlanIngest,
    extraKeys: Set<string>,
  ): Promise<[number, BatchResult][]> {
    const held = new Set(extraKeys);
    for (const { item } of active)
      for (const identity of item.message.identities) held.add(identity.key);
    const load = (item: IngestItem, index: number) =>
      loadState(client, item.row, item.channel, item.message, [...held]).catch((error: unknown) => {
        throw ownFailure(error) ? new ItemFailed(index, error) : error;
      });
    const { begin, preloaded } = inOneWrite(client, () => ({
      begin: [client.query('BEGIN'), lockIdentityKeys(client, held)],
      preloaded: active.map(({ item, index }) => load(item, index)),
    }));
    await settled<unknown>([...begin, ...preloaded]);
    /** Writes planned and not yet sent. */
    let planned: (PlannedItem & { index: number })[] = [];
    /** What the writes planned so far may change, and the part of it not yet sent. */
    const changed = new Set<string>();
    let unsent = new Set<string>();
    const leadIds = new Map<number, number | null>();
    /** Sends the planned writes (and COMMIT after them, at the end) in one write; waits for them. */
    const indexOf = new Map(active.map(({ item, index }) => [item, index]));
    /** Planning again for a fresh turn fails the item alone, as its first planning would have. */
    const replan: PlanIngest = (item, current, state) => {
      try {
        return plan(item, current, state);
      } catch (error) {
        throw new ItemFailed(indexOf.get(item)!, error);
      }
    };
    const flush = async (end?: 'COMMIT') => {
      await this.turns.take(planned, replan);
      const { writes, commit } = inOneWrite(client, () => ({
        writes: planned.map(({ index, plan }) => ({ index, write: writePlan(client, plan) })),
        commit: end && client.query(end),
      }));
      for (const { write } of writes) write.catch(() => undefined);
      commit?.catch(() => undefined);
      planned = [];
      unsent = new Set();
      for (const [index, leadId] of await this.answered(writes)) leadIds.set(index, leadId);
      return commit;
    };
    const done: [number, BatchResult | ((leadId: number | null) => BatchResult)][] = [];
    for (const [position, { item, index }] of active.entries()) {
      let loaded = await preloaded[position]!;
      const stale =
        !('needs' in loaded) &&
        conflictKeys(item, loaded.touched).filter((key) => changed.has(key));
      if (stale && stale.length) {
        // A write before it in this batch may have changed what it read: read again, after
        // sending that write if it has not gone yet.
        if (stale.some((key) => unsent.has(key))) await flush();
        loaded = await load(item, index);
      }
      if ('needs' in loaded) throw new NeedsLocks(loaded.needs);
      for (const key of loaded.locked) held.add(key);
      const { current, state, touched } = loaded;
      if (!awaitsProcessing(current)) {
        done.push([index, { ok: true, outcome: finishedOutcome(current) }]);
        continue;
      }
      let one: PlannedItem & { index: number };
      try {
        one = { index, item, current, state, plan: plan(item, current, state) };
      } catch (error) {
        // Planning failed before anything was written: this row fails, the transaction is fine.
        done.push([index, { ok: false, error }]);
        continue;
      }
      planned.push(one);
      for (const key of conflictKeys(item, touched)) {
        changed.add(key);
        unsent.add(key);
      }
      // The plan is final once its turn is taken (flush).
      done.push([index, (leadId) => ({ ok: true, outcome: outcomeOf(one.plan, leadId) })]);
    }
    const committed = await (await flush('COMMIT'))!;
    if (committed.command !== 'COMMIT')
      throw new Error(`the ingest transaction ended with ${committed.command}`);
    return done.map(([index, result]) => [
      index,
      typeof result === 'function' ? result(leadIds.get(index) ?? null) : result,
    ]);
  }

  /** The answers to writes sent, by item; the first that failed fails the batch for its item. */
  private async answered(
    writes: { index: number; write: Promise<number | null> }[],
  ): Promise<[number, number | null][]> {
    const results = await Promise.allSettled(writes.map(({ write }) => write));
    const answers: [number, number | null][] = [];
    for (const [position, result] of results.entries()) {
      const { index } = writes[position]!;
      if (result.status === 'fulfilled') answers.push([index, result.value]);
      else throw ownFailure(result.reason) ? new ItemFailed(index, result.reason) : result.reason;
    }
    return answers;
  }
}

/**
 * An error PostgreSQL raised for one item's statement (it carries an SQLSTATE): a rule of the
 * schema its writes broke, or a lost race (which runs the batch again), as opposed to the
 * database being away or a bug in our own code.
 */
function ownFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !postgresTransient(error);
}

function fillMissing(results: (BatchResult | undefined)[], error: unknown): BatchResult[] {
  return results.map((result) => result ?? { ok: false, error });
}
