/**
 * The PostgreSQL ingest transaction. Any number of workers on any number of machines may run it
 * at once; what keeps one sender from becoming two leads is a transaction-scoped advisory lock
 * on each of the sender's canonical identity keys, taken first and in sorted order (so two
 * transactions never wait for each other in a circle), with the unique constraints behind them.
 *
 * A message can reach records owning identities it does not carry itself (a client known by
 * email and phone, written to by phone): once the state is loaded, the keys of every record it
 * touches are locked too, without waiting. If one of them is taken, the transaction starts again
 * with the larger set locked from the start. A lost race (deadlock, serialisation failure, unique
 * violation) runs the transaction again; it never reaches the inbox row as an error.
 *
 * A batch of items shares the transaction (group commit); an item whose writes fail is left out
 * and the others run again without it.
 */
import type { IngestPlan, IngestState } from '../../core/ingest-plan.ts';
import {
  awaitsProcessing,
  finishedOutcome,
  outcomeOf,
  touchedIdentityKeys,
} from '../../core/ingest-plan.ts';
import type { IngestOutcome } from '../../core/ports.ts';
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
import { pause, release } from './transaction.ts';

/** Advisory locks of identity keys live in their own key space: (namespace, hashtext(key)). */
export const IDENTITY_LOCKS = 1;
const ATTEMPTS = 8;
/** Restarts for more locks are not failures, but they too must end. */
const RESTARTS = 20;

/** Blocks until every key is locked, in one statement, in the lock keys' order. */
export async function lockIdentityKeys(client: pg.PoolClient, keys: Iterable<string>) {
  const list = [...new Set(keys)];
  if (!list.length) return;
  await client.query(
    {
      name: 'lock-identities',
      text: `SELECT pg_advisory_xact_lock(${IDENTITY_LOCKS}, k)
             FROM (SELECT DISTINCT hashtext(key) AS k FROM unnest($1::text[]) AS key ORDER BY 1) AS locks`,
    },
    [list],
  );
}

/** Locks the keys only if none of them is taken; false when one is. */
async function tryLockIdentityKeys(client: pg.PoolClient, keys: string[]): Promise<boolean> {
  const result = await client.query<{ ok: boolean }>(
    {
      name: 'try-lock-identities',
      text: `SELECT bool_and(pg_try_advisory_xact_lock(${IDENTITY_LOCKS}, hashtext(key))) AS ok
             FROM unnest($1::text[]) AS key`,
    },
    [keys],
  );
  return result.rows[0]?.ok === true;
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

export class PostgresIngest implements IngestRepository {
  constructor(private readonly pool: pg.Pool) {}

  async commit(items: IngestItem[], plan: PlanIngest): Promise<BatchResult[]> {
    const results: (BatchResult | undefined)[] = items.map(() => undefined);
    const extraKeys = new Set<string>();
    let attempt = 0;
    for (let restarts = 0; ;) {
      const active = items.flatMap((item, index) => (results[index] ? [] : [{ item, index }]));
      if (!active.length) return results as BatchResult[];
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        return fillMissing(results, error);
      }
      let failure: unknown;
      try {
        const outcomes = await this.run(client, active, plan, extraKeys);
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
    await client.query('BEGIN');
    const held = new Set(extraKeys);
    for (const { item } of active)
      for (const identity of item.message.identities) held.add(identity.key);
    await lockIdentityKeys(client, held);
    const done: [number, BatchResult][] = [];
    for (const { item, index } of active) {
      let outcome: IngestOutcome;
      try {
        outcome = await this.commitOne(client, item, plan, held);
      } catch (error) {
        if (error instanceof NeedsLocks || postgresTransient(error)) throw error;
        if (isDatabaseError(error)) throw new ItemFailed(index, error);
        // Planning failed before anything was written: this row fails, the transaction is fine.
        done.push([index, { ok: false, error }]);
        continue;
      }
      done.push([index, { ok: true, outcome }]);
    }
    await client.query('COMMIT');
    return done;
  }

  private async commitOne(
    client: pg.PoolClient,
    item: IngestItem,
    plan: PlanIngest,
    held: Set<string>,
  ): Promise<IngestOutcome> {
    for (;;) {
      const { current, state } = await loadState(client, item.row, item.channel, item.message);
      if (!awaitsProcessing(current)) return finishedOutcome(current);
      const missing = touchedIdentityKeys(state).filter((key) => !held.has(key));
      if (missing.length) {
        if (!(await tryLockIdentityKeys(client, missing))) throw new NeedsLocks(missing);
        for (const key of missing) held.add(key);
        // Someone may have changed those records between the read and the lock: read again.
        continue;
      }
      const planned = await this.withQueueTurn(item, current, state, plan);
      return outcomeOf(planned, await writePlan(client, planned));
    }
  }

  /**
   * A new lead from the channel's round robin takes its turn with a compare-and-set on the
   * channel row, on a connection of its own and committed at once: "the operator after the last
   * one, if the last one is still who I read". Had the turn moved meanwhile, the plan is made
   * again from the fresh turn. Holding the channel row until this transaction commits would make
   * every new lead of the channel, on every worker, wait for the one before it. A transaction
   * that rolls back after taking a turn skips that operator once; nothing else.
   */
  private async withQueueTurn(
    item: IngestItem,
    current: IngestItem['row'],
    first: IngestState,
    plan: PlanIngest,
  ): Promise<IngestPlan> {
    let state = first;
    let planned = plan(item, current, state);
    for (let round = 0; planned.advanceQueue && round < TURN_ROUNDS; round++) {
      const { channelId, userId } = planned.advanceQueue;
      const taken = await this.pool.query(TAKE_TURN, [
        channelId,
        userId,
        state.operatorQueue.lastAssignedId,
      ]);
      // Taken: the plan's writes need not move the turn again.
      if (taken.rowCount) return { ...planned, advanceQueue: null };
      const now = await this.pool.query<{ last: number | null }>(TURN, [channelId]);
      const lastAssignedId = now.rows[0]?.last ?? null;
      state = { ...state, operatorQueue: { ...state.operatorQueue, lastAssignedId } };
      planned = plan(item, current, state);
    }
    // Turns kept changing hands: this lead goes to the operator the last plan named.
    return { ...planned, advanceQueue: null };
  }
}

/** Compare-and-set rounds for one lead's turn before it settles for the last plan. */
const TURN_ROUNDS = 10;
const TAKE_TURN = {
  name: 'take-turn',
  text: `UPDATE channels SET last_assigned_user_id = $2
         WHERE id = $1 AND last_assigned_user_id IS NOT DISTINCT FROM $3 RETURNING id`,
};
const TURN = {
  name: 'queue-turn',
  text: 'SELECT last_assigned_user_id AS last FROM channels WHERE id = $1',
};

/** Errors PostgreSQL raised (they carry an SQLSTATE), as opposed to a bug in our own code. */
function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function fillMissing(results: (BatchResult | undefined)[], error: unknown): BatchResult[] {
  return results.map((result) => result ?? { ok: false, error });
}
