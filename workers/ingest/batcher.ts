/**
 * Group commit for the ingest worker: jobs that become ready in the same turn of the event loop
 * are committed together in one write transaction (see ingestBatch). Each job still succeeds or
 * fails on its own; the batch only shares the commit. With a job concurrency of N a batch holds
 * at most N rows, so latency stays one event-loop turn.
 */
import type { IngestOutcome } from '../../core/ports.ts';
import { ingestBatch, type IngestDeps } from './handler.ts';

interface Waiting {
  inboxId: number;
  resolve: (outcome: IngestOutcome) => void;
  reject: (error: unknown) => void;
}

export class IngestBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly deps: IngestDeps) {}

  ingest(inboxId: number): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ inboxId, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    const results = ingestBatch(
      this.deps,
      batch.map((item) => item.inboxId),
    );
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.ok) item.resolve(result.outcome);
      else item.reject(result ? result.error : new Error('no result for this row'));
    });
  }
}
