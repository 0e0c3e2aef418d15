/**
 * Group commit for the ingest worker: jobs that become ready in the same turn of the event loop
 * are committed together in one transaction (see ingestBatch). Each job still succeeds or fails
 * on its own; the batch only shares the commit. With a job concurrency of N a batch holds at
 * most N rows, so latency stays one event-loop turn plus one commit.
 *
 * SQLite commits synchronously, so a batch is done before the next one gathers. PostgreSQL
 * answers over the network: a few batches may be in flight at once (each on a connection of its
 * own, the advisory locks keeping one sender's messages apart); past that, the next batch
 * gathers behind them.
 */
import type { IngestOutcome } from '../../core/ports.ts';
import { inboundMessages, inboxToLeadSeconds } from '../../core/runtime/metrics.ts';
import { commitBatch, prepareIngest, type IngestDeps, type PreparedIngest } from './handler.ts';
import { gatheredReads } from './reads.ts';

/** Transactions of one worker process in flight at once. */
const IN_FLIGHT = 4;

interface Waiting {
  prepared: PreparedIngest;
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: unknown) => void;
}

export class IngestBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private committing = 0;

  private readonly deps: IngestDeps;

  constructor(deps: IngestDeps) {
    this.deps = { ...deps, reads: deps.reads ?? gatheredReads(deps.repos) };
  }

  /** Prepares the row (parsing needs no lock), then joins the next group commit. */
  async ingest(inboxId: number): Promise<IngestOutcome> {
    const prepared = await prepareIngest(this.deps, inboxId);
    return new Promise((resolve, reject) => {
      this.waiting.push({ prepared, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.committing >= IN_FLIGHT || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    this.committing += 1;
    let results: Awaited<ReturnType<typeof commitBatch>>;
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
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.ok) {
        observe(item.prepared, result.outcome, committedAt);
        item.resolve(result.outcome);
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
