/**
 * Group commit for the ingest worker: jobs that become ready in the same turn of the event loop
 * are committed together in one transaction (see ingestBatch). Each job is prepared on its own
 * first (reading its row, a channel's expand step such as a file download, normalising), so a
 * slow row holds up only itself; the inbox rows of the jobs that start in the same turn are read
 * with one query. Each job still succeeds or fails on its own; the batch only shares the reads
 * and the commit. With a job concurrency of N a batch holds at most N rows, so latency stays one
 * event-loop turn plus one commit.
 *
 * SQLite commits synchronously, so a batch is done before the next one gathers. PostgreSQL
 * answers over the network: a few batches may be in flight at once (each on a connection of its
 * own, the advisory locks keeping one sender's messages apart); past that, the next batch
 * gathers behind them.
 *
 * On SQLite a batch waits for the jobs of the one before it to be recorded as finished in Redis:
 * BullMQ hands each of those slots its next job in the same reply, and they join this batch
 * instead of starting a small one of their own. Without that wait the jobs in flight split into
 * groups that take turns (about ten rows a commit with sixteen jobs, where one group would commit
 * sixteen), and the commit is most of the cost of a row. The wait is one Redis round trip, and
 * never longer than GATHER_MS.
 */
import type { IngestOutcome } from '../../core/ports.ts';
import { inboundMessages, inboxToLeadSeconds } from '../../core/runtime/metrics.ts';
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';
import { tickBatch } from '../../core/runtime/tick-batch.ts';
import {
  commitBatch,
  prepareRow,
  type BatchResult,
  type IngestDeps,
  type PreparedIngest,
} from './handler.ts';

/** Batches of one worker process in flight at once. */
const IN_FLIGHT = 4;
/** The longest a batch waits for the jobs that follow the previous batch's. */
const GATHER_MS = 2;

/** A row's outcome, and the channel it came in on (unknown for a row found finished already). */
export interface Ingested {
  outcome: IngestOutcome;
  channel?: ChannelInfo;
}

interface Waiting {
  prepared: PreparedIngest;
  resolve: (ingested: Ingested) => void;
  reject: (error: unknown) => void;
}

export class IngestBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private committing = 0;
  /** Jobs this batcher answered that BullMQ has not yet recorded as finished. */
  private unfinished = 0;
  /** Set while a batch waits for them: flushes it anyway once GATHER_MS have passed. */
  private gatherTimer: NodeJS.Timeout | undefined;
  /** A job's inbox row, read with those of the other jobs that start in the same turn. */
  private readonly readRow: (inboxId: number) => Promise<InboxRow | undefined>;
  /** A channel, read once for the jobs of a turn. */
  private readonly channelInfo: (channelId: number) => Promise<ChannelInfo | undefined>;

  constructor(
    private readonly deps: IngestDeps,
    /**
     * A batch smaller than this waits for the previous batch's jobs to finish (the worker's job
     * concurrency: a batch that large has nobody left to wait for); 0 never waits.
     */
    private readonly gatherUpTo = 0,
    /** The longest a batch waits for them. */
    private readonly gatherMs = GATHER_MS,
  ) {
    const { inbox, channels } = deps.repos;
    this.readRow = tickBatch(async (ids: number[]) => {
      const rows = new Map((await inbox.getMany(ids)).map((row) => [row.id, row]));
      return ids.map((id) => ({ ok: true, value: rows.get(id) }));
    });
    this.channelInfo = tickBatch(async (ids: number[]) => {
      const read = new Map<number, ChannelInfo | undefined>();
      for (const id of new Set(ids)) read.set(id, await channels.info(id));
      return ids.map((id) => ({ ok: true, value: read.get(id) }));
    });
  }

  /** BullMQ recorded one of the jobs as finished (completed or failed). */
  finished(): void {
    if (this.unfinished === 0) return;
    this.unfinished -= 1;
    if (this.unfinished === 0) this.schedule();
  }

  /** Prepares the row (parsing needs no lock), then joins the next group commit. */
  async ingest(inboxId: number): Promise<Ingested> {
    const row = await this.readRow(inboxId);
    const prepared = await prepareRow(this.deps, inboxId, row, this.channelInfo);
    return new Promise((resolve, reject) => {
      this.waiting.push({ prepared, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.committing >= IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.committing >= IN_FLIGHT || this.waiting.length === 0) return;
      if (this.unfinished > 0 && this.waiting.length < this.gatherUpTo) {
        this.gatherTimer ??= setTimeout(() => {
          this.gatherTimer = undefined;
          // A job's finish went unseen (its lock was lost, say): stop waiting for it.
          this.unfinished = 0;
          this.schedule();
        }, this.gatherMs);
        return;
      }
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    const batch = this.waiting;
    this.waiting = [];
    this.committing += 1;
    let results: BatchResult[];
    try {
      results = await commitBatch(
        this.deps,
        batch.map((item) => item.prepared),
      );
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    } finally {
      this.committing -= 1;
      this.schedule();
    }
    const committedAt = Date.now();
    this.unfinished += batch.length;
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.ok) {
        observe(item.prepared, result.outcome, committedAt);
        const { prepared } = item;
        item.resolve({
          outcome: result.outcome,
          ...(prepared.kind === 'ready' ? { channel: prepared.channel } : {}),
        });
      } else item.reject(result ? result.error : new Error('no result for this row'));
    });
  }
}

/** Counts a row this worker processed; a row found already finished is not counted again. */
function observe(prepared: PreparedIngest, outcome: IngestOutcome, committedAt: number): void {
  if (prepared.kind !== 'ready' || outcome.earlier) return;
  const channel = prepared.channel.kind;
  inboundMessages.inc({ channel, outcome: outcome.outcome });
  // A row that failed before and is processed again (an operator's retry or replay, maybe days
  // later) would record days of "latency"; only a first run through the pipeline is timed.
  const firstRun = prepared.row.status === 'pending' && prepared.row.error === null;
  if (outcome.status === 'done' && firstRun) {
    inboxToLeadSeconds.observe(
      { channel },
      (committedAt - prepared.row.receivedAt.getTime()) / 1000,
    );
  }
}
