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
 */
import type Database from 'better-sqlite3';

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
  private readonly look: () => { finished: FinishedRow[]; pending: PendingSummary; rows: number };

  constructor(sqlite: Database.Database) {
    const finishedSince = sqlite.prepare(
      `SELECT id, status, received_at, processed_at FROM inbox WHERE id >= ? AND status <> 'pending'`,
    );
    // Served by the partial index inbox_pending.
    const pending = sqlite.prepare(
      `SELECT count(*) AS n, min(id) AS firstId, min(received_at) AS oldestAt
       FROM inbox WHERE status = 'pending'`,
    );
    const lastId = sqlite.prepare(`SELECT coalesce(max(id), 0) FROM inbox`).pluck();
    // One read transaction: the counts, the scan and the new cursor agree with each other.
    this.look = sqlite.transaction(() => ({
      finished: finishedSince.all(this.cursor) as FinishedRow[],
      pending: pending.get() as PendingSummary,
      rows: lastId.get() as number,
    }));
  }

  sample(): InboxSample {
    const { finished, pending, rows } = this.look();
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
