/**
 * What the worker did since the last look, read from the inbox table as a separate process
 * would: rows finished in the interval with their lag (received_at, stamped by the web process
 * when it records the row, to processed_at, stamped inside the worker's ingest transaction), and
 * the rows still pending.
 *
 * No index covers processed_at, so instead of scanning the whole table each time the monitor
 * keeps a cursor: every row below it was already counted. Each look reads, in one snapshot, the
 * rows from the cursor on that are no longer pending, counts those not counted before, and moves
 * the cursor to the oldest pending row. The scan is the backlog window, not the whole run.
 *
 * The pending rows are read before the finished ones: a row finishing between the two reads is
 * then seen as finished now (and not counted again later), never as neither.
 */
import { sql } from 'drizzle-orm';
import type { Inspector } from '../../db/inspect.ts';

export interface InboxSample {
  /** Rows that left `pending` since the last look, by final status. */
  done: number;
  ignored: number;
  failed: number;
  /** received_at -> processed_at of the rows done since the last look, ascending, in ms. */
  lagMs: number[];
  /** Rows still pending, and the received_at of the oldest of them (undefined when none). */
  pending: number;
  oldestPendingAt: number | undefined;
  /** Every row recorded so far. */
  rows: number;
}

interface FinishedRow {
  id: number;
  status: 'done' | 'ignored' | 'failed';
  received_at: number;
  processed_at: number | null;
}

export class InboxMonitor {
  private cursor = 0;
  /** Ids at or past the cursor already counted (they finished before an older row did). */
  private counted = new Set<number>();
  constructor(private readonly inbox: Inspector) {}

  private async look() {
    const last = await this.inbox.get<{ id: number }>(
      sql`SELECT coalesce(max(id), 0) AS id FROM inbox`,
    );
    // Served by the partial index of pending rows.
    const pending = (await this.inbox.get<PendingSummary>(
      sql`SELECT count(*) AS n, min(id) AS "firstId", min(received_at) AS "oldestAt"
          FROM inbox WHERE status = 'pending'`,
    )) ?? { n: 0, firstId: null, oldestAt: null };
    const finished = await this.inbox.all<FinishedRow>(
      sql`SELECT id, status, received_at, processed_at FROM inbox WHERE id >= ${this.cursor} AND status <> 'pending'`,
    );
    return { finished, pending, rows: last?.id ?? 0 };
  }

  async sample(): Promise<InboxSample> {
    const { finished, pending, rows } = await this.look();
    const sample: InboxSample = {
      done: 0,
      ignored: 0,
      failed: 0,
      lagMs: [],
      pending: pending.n,
      oldestPendingAt: pending.oldestAt ?? undefined,
      rows,
    };
    for (const row of finished) {
      if (this.counted.has(row.id)) continue;
      this.counted.add(row.id);
      sample[row.status] += 1;
      if (row.status === 'done' && row.processed_at !== null)
        sample.lagMs.push(row.processed_at - row.received_at);
    }
    this.cursor = pending.firstId ?? rows + 1;
    for (const id of this.counted) if (id < this.cursor) this.counted.delete(id);
    sample.lagMs.sort((a, b) => a - b);
    return sample;
  }
}

interface PendingSummary {
  n: number;
  firstId: number | null;
  oldestAt: number | null;
}
