/**
 * The channels' round robin under many workers. A new lead from a channel's operator queue goes
 * to "the operator after the last one" (core/assignment.ts); the last one is the channel row's
 * `last_assigned_user_id`. Moving it inside the ingest transaction would hold the channel row
 * until the commit, and every new lead of the channel, on every worker, would wait for the one
 * before it. Instead the turns a batch takes are taken together just before it writes, with one
 * compare-and-set committed at once: "from the last one I read to the last one I assigned". Had
 * another worker moved the turn meanwhile, the batch's new leads are planned again from the fresh
 * turn (planning is pure and cheap) and the turn taken again. The compare-and-set runs on a pool
 * of its own (one connection): a batch asks for it while holding a connection of the main pool
 * and its locks, and the main pool's other connections may all be batches waiting on those.
 *
 * A worker process takes one channel's turns one batch at a time and remembers where the turn
 * is, so its own batches in flight do not race each other; only other processes can. A
 * transaction that rolls back after taking turns skips those operators once; nothing else.
 */
import type { IngestPlan, IngestState } from '../../core/ingest-plan.ts';
import type { InboxRow } from '../../core/ports.ts';
import type { IngestItem, PlanIngest } from '../../core/repositories/ingest.ts';
import type pg from 'pg';

/** An item planned from its state; its plan may take a turn of its channel's queue. */
export interface PlannedItem {
  item: IngestItem;
  current: InboxRow;
  state: IngestState;
  plan: IngestPlan;
}

/** Rounds of compare-and-set for one batch's turns before it settles for the last plan. */
const ROUNDS = 10;
const TAKE_TURNS = {
  name: 'take-turns',
  text: `WITH now AS (SELECT last_assigned_user_id AS last FROM channels WHERE id = $1),
              taken AS (UPDATE channels SET last_assigned_user_id = $2
                        WHERE id = $1 AND last_assigned_user_id IS NOT DISTINCT FROM $3
                        RETURNING id)
         SELECT EXISTS (SELECT 1 FROM taken) AS taken, (SELECT last FROM now) AS last`,
};

export class QueueTurns {
  /** Where this process last saw each channel's turn. */
  private readonly last = new Map<number, number | null>();
  /** One batch at a time takes a channel's turns in this process. */
  private readonly busy = new Map<number, Promise<unknown>>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Takes the turns the plans need, planning their items again where the turn had moved; the
   * plans returned no longer move it themselves.
   */
  async take(planned: PlannedItem[], plan: PlanIngest): Promise<void> {
    const channels = new Set<number>();
    for (const one of planned)
      if (one.plan.advanceQueue) channels.add(one.plan.advanceQueue.channelId);
    for (const channelId of channels) {
      const turns = planned.filter((one) => one.plan.advanceQueue?.channelId === channelId);
      await this.oneAtATime(channelId, () => this.takeFor(channelId, turns, plan));
    }
  }

  private async takeFor(channelId: number, turns: PlannedItem[], plan: PlanIngest) {
    let expected = this.last.has(channelId)
      ? this.last.get(channelId)!
      : turns[0]!.state.operatorQueue.lastAssignedId;
    for (let round = 1; ; round++) {
      // Each new lead takes the turn after the one before it.
      let running = expected;
      for (const one of turns) {
        const state = {
          ...one.state,
          operatorQueue: { ...one.state.operatorQueue, lastAssignedId: running },
        };
        one.state = state;
        one.plan = plan(one.item, one.current, state);
        if (one.plan.advanceQueue) running = one.plan.advanceQueue.userId;
      }
      const result = await this.pool.query<{ taken: boolean; last: number | null }>(TAKE_TURNS, [
        channelId,
        running,
        expected,
      ]);
      const answer = result.rows[0];
      if (answer?.taken || round >= ROUNDS) {
        // Taken (or, after many rounds lost to other workers, left as the last plan named it).
        this.last.set(channelId, answer?.taken ? running : (answer?.last ?? null));
        for (const one of turns) one.plan = { ...one.plan, advanceQueue: null };
        return;
      }
      expected = answer?.last ?? null;
      this.last.set(channelId, expected);
    }
  }

  private async oneAtATime<T>(channelId: number, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(channelId) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.catch(() => undefined);
    this.busy.set(channelId, settled);
    try {
      return await mine;
    } finally {
      if (this.busy.get(channelId) === settled) this.busy.delete(channelId);
    }
  }
}
