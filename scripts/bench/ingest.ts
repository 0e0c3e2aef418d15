/**
 * `npm run bench` (mode ingest): `--workers` processes of the `worker` role turning a backlog of
 * recorded inbox rows into committed leads, beside the limit: a no-op BullMQ worker (same queue,
 * job options, concurrency and payload parsing) draining as many bare jobs. Then the latency from
 * inbox recorded to lead committed at a steady rate, and the workers' memory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreUnavailableError } from '../../core/errors.ts';
import { ingestConcurrency } from '../../core/jobs.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import { defineMode, int, mb, percentile, spread, type Run } from './context.ts';
import { awaitCommitted } from './ledger.ts';
import { startHelper, startWorker } from './processes.ts';
import { seedCrm, senderStream } from './senders.ts';
import type { Workspace } from './workspace.ts';

const CHUNK = 1000;
/** The steady feed records what is due every tick: 10 messages per tick at 1,000 msgs/s. */
const TICK_MS = 10;
/** Share of messages from senders who are already clients. */
const RETURNING = 0.5;

export const ingestMode = defineMode({
  summary: 'inbox → committed lead vs a no-op BullMQ drain; latency at a steady rate; worker RSS',
  /** `rate` by default: 1,000 msgs/s on SQLite, 500 on PostgreSQL. */
  options: { clients: 1_000_000, backlog: 20_000, rate: '', seconds: 30, workers: 1 },
  async run(run, options, workspace) {
    const { store } = workspace;
    const rate = Number(options.rate || (store.kind === 'postgres' ? 500 : 1000));
    await seedCrm(run, store, options.clients);
    const next = senderStream(options.clients, RETURNING);
    const concurrency = ingestConcurrency(store.kind, loadConfig().ingestConcurrency);
    const noop = await drainNoop(run, workspace, options.backlog, concurrency);
    run.progress(`limit: no-op drain ${int(noop)} msgs/s`);

    const producer = await pausedProducer(run, workspace, workspace.prefix);
    const workers = await Promise.all(
      Array.from({ length: options.workers }, () => startWorker(run, workspace.env())),
    );
    const idleMb = Math.max(...workers.map((worker) => mb(worker.rssBytes())));
    const cpuSeconds = () => workers.reduce((sum, worker) => sum + worker.cpuSeconds(), 0);

    /**
     * Records `count` inbox rows and enqueues them, as the intake does (each row committed before
     * its job is added): all at once in chunks (a backlog), or `rate` per second, the rows due at
     * a tick sharing one commit so that the feed is not itself the bottleneck being measured.
     */
    const feed = async (count: number, idPrefix: string, rate?: number) => {
      const afterId = await store.inbox.maxId();
      const started = performance.now();
      let [refused, maxBehind] = [0, 0];
      for (let sent = 0; sent < count;) {
        run.signal.throwIfAborted();
        const due = rate ? Math.floor(((performance.now() - started) * rate) / 1000) : sent + CHUNK;
        if (rate) maxBehind = Math.max(maxBehind, due - sent);
        const receivedAt = new Date();
        const rows = [];
        for (let n = sent + 1; n <= Math.min(due, count); n++) {
          const raw = JSON.stringify({ body: next(), receivedAt: receivedAt.toISOString() });
          rows.push({ externalId: `${idPrefix}${n}`, raw });
        }
        sent += rows.length;
        try {
          const recorded = rows.length
            ? await store.inbox.recordBatch(API_CHANNEL_ID, rows, receivedAt)
            : [];
          await producer.addBulk(recorded.map(({ row }) => ({ inboxId: row.id })));
        } catch (error) {
          // The workers held SQLite's write lock past busy_timeout: the intake would answer 503.
          if (!(error instanceof StoreUnavailableError)) throw error;
          refused += rows.length;
        }
        if (rate) await sleep(TICK_MS - ((performance.now() - started) % TICK_MS));
      }
      return { afterId, refused, maxBehind };
    };

    const backlog = await feed(options.backlog, 'backlog-');
    const cpuBefore = cpuSeconds();
    const started = Date.now();
    await producer.queue.resume();
    const expected = options.backlog;
    const drain = await awaitCommitted(run, store, { afterId: backlog.afterId, expected });
    const perSecond = options.backlog / ((drain.lastProcessedAt - started) / 1000);
    const cpuMs = ((cpuSeconds() - cpuBefore) * 1000) / options.backlog;
    run.progress(`drain: ${int(perSecond)} msgs/s; now ${rate} msgs/s for ${options.seconds} s`);

    const count = rate * options.seconds;
    const { afterId, refused, maxBehind } = await feed(count, 'steady-', rate);
    const recorded = count - refused;
    const { latencyMs } = await awaitCommitted(run, store, { afterId, expected: recorded });
    const peakMb = Math.max(...workers.map((worker) => mb(worker.peakRssBytes())));
    const lines = [
      `Leadwire ingest bench (${store.kind}): ${int(options.clients)} clients, ` +
        `${RETURNING * 100}% returning senders, ${options.workers} worker process(es), concurrency ${concurrency}`,
      `  limit: no-op drain  ${int(options.backlog)} bare jobs = ${int(noop)} msgs/s`,
      `  ingest drain        ${int(options.backlog)} msgs = ${int(perSecond)} msgs/s, ` +
        `worker CPU ${cpuMs.toFixed(2)} ms/msg (${drain.outcomes})`,
      `  latency             ${int(recorded)} msgs at ${rate}/s, recorded → committed: ${spread(latencyMs)}`,
      `  worker RSS          idle ${idleMb.toFixed(1)} MB, peak ${peakMb.toFixed(1)} MB`,
    ];
    if (refused)
      lines.push(`  WARNING: ${refused} messages not recorded: the database did not answer`);
    if (maxBehind > 50) lines.push(`  WARNING: the feed fell up to ${maxBehind} messages behind`);
    return {
      lines,
      figure: ['msgs_per_s', perSecond],
      limit: noop,
      more: {
        p50_ms: percentile(latencyMs, 50).toFixed(1),
        p99_ms: percentile(latencyMs, 99).toFixed(1),
        rss_mb: peakMb.toFixed(1),
        workers: options.workers,
      },
    };
  },
});

/** The limit: bare jobs drained by the no-op worker, from the queue's resume to its last job. */
async function drainNoop(run: Run, workspace: Workspace, count: number, concurrency: number) {
  const prefix = `${workspace.prefix}:noop`;
  const producer = await pausedProducer(run, workspace, prefix);
  const args = [prefix, String(concurrency), String(count)];
  const worker = await startHelper(run, './noop-worker.ts', args, workspace.env());
  for (let from = 1; from <= count; from += CHUNK) {
    run.signal.throwIfAborted();
    const size = Math.min(CHUNK, count - from + 1);
    await producer.addBulk(Array.from({ length: size }, (_, i) => ({ inboxId: from + i })));
  }
  const started = Date.now();
  await producer.queue.resume();
  const drained = await worker.logged('drained');
  await worker.stop();
  return count / ((drained.time - started) / 1000);
}

async function pausedProducer(run: Run, workspace: Workspace, prefix: string) {
  const producer = createProducer('ingest', workspace.redis, prefix);
  run.defer(() => producer.queue.close());
  await producer.queue.pause();
  return producer;
}
