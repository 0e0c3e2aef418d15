/** The email bench's figures (email.ts), as lines for stdout, ending with the `bench:` line. */
import { availableParallelism } from 'node:os';
import type { BareRun, IdleSample } from './email-imap.ts';
import type { IngestRun } from './email-ingest.ts';

export interface EmailResults {
  options: { messages: number; idleSamples: number };
  senders: number;
  fill: { value: { count: number; bytes: number }; seconds: number };
  bare: BareRun;
  ingest: IngestRun;
  idle: IdleSample[];
  blobWriteMs: number;
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const s = (ms: number) => (ms / 1000).toFixed(1);
const INDENT = ' '.repeat(24);

/** The nearest-rank percentile. */
function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? NaN;
}

/**
 * The connector's time per batch, cut at the rows' received_at stamp: before it, the FETCHes and
 * (in sync.ts as it stands) each message's .eml written and fsync'd as it streams in; after it,
 * the inbox commit and the enqueue, up to the batch's "emails recorded" log line.
 */
function describeBatches({ batches }: IngestRun, blobWriteMs: number, n: number): string[] {
  const blobs = `one durable blob write (write + fsync) takes ${blobWriteMs.toFixed(2)} ms here`;
  if (!batches) return [`${INDENT}${blobs}`];
  const perBatch = (ms: number) => int(ms / batches.batches);
  return [
    `${INDENT}connector, per batch of ${int(n / batches.batches)}: ` +
      `${perBatch(batches.fetchMs)} ms to the rows' received_at (FETCHes, .eml blobs), ` +
      `${perBatch(batches.recordMs)} ms after it (inbox commit, enqueue); ` +
      `${s(batches.fetchMs)} s + ${s(batches.recordMs)} s in all`,
    `${INDENT}${blobs}; one per message, one after another, is ${s(blobWriteMs * n)} s ` +
      `for ${int(n)}`,
  ];
}

export function formatEmail(results: EmailResults): string {
  const { options, senders, fill, bare, ingest, idle, blobWriteMs } = results;
  const n = options.messages;
  const { at, cpu, outcomes } = ingest;
  const leadwireSeconds = (at.done - at.spawned) / 1000;
  const perSecond = n / leadwireSeconds;
  const barePerSecond = n / bare.seconds;
  const ratio = perSecond / barePerSecond;
  const connectedSeconds = (at.done - at.connected) / 1000;
  const core = (cpuSeconds: number, wallMs: number) => Math.round((cpuSeconds * 100_000) / wallMs);
  const perMessage = (cpuSeconds: number) => `${((cpuSeconds * 1000) / n).toFixed(2)} ms/msg`;
  const wall = at.done - at.connected;
  const created = (outcomes.created_simple ?? 0) + (outcomes.created_repeat ?? 0);
  const seconds = idle.map((sample) => sample.seconds);
  const [p50, p90, max] = [0.5, 0.9, 1].map((share) => percentile(seconds, share)) as [
    number,
    number,
    number,
  ];
  const median = (pick: (sample: IdleSample) => number) => percentile(idle.map(pick), 0.5);
  const lines = [
    `Leadwire email bench: ${int(n)} messages from ${int(senders)} senders ` +
      `(${(fill.value.bytes / 1e6).toFixed(1)} MB) in a private Dovecot, ${availableParallelism()} CPUs`,
    `  setup                 APPEND on one connection: ${fill.seconds.toFixed(1)} s ` +
      `(${int(n / fill.seconds)} msgs/s), not timed`,
    `  bare imapflow         ${int(barePerSecond)} msgs/s: ${int(bare.count)} sources in ` +
      `${bare.seconds.toFixed(2)} s (connect, select, search, FETCH BODY.PEEK[] by 100); ` +
      `Dovecot CPU ${bare.dovecotCpu.toFixed(2)} s`,
    `${INDENT}the connector's other pass (UID, size, envelope by 100) alone: ` +
      `${bare.metaSeconds.toFixed(2)} s`,
    `  Leadwire              ${int(perSecond)} msgs/s: ${int(n)} messages to committed rows in ` +
      `${leadwireSeconds.toFixed(1)} s from the connector's start ` +
      `(${int(n / connectedSeconds)} msgs/s from its login)`,
    `${INDENT}start -> mailbox connected ${s(at.connected - at.spawned)} s, ` +
      `-> first batch fetched ${s(at.firstFetched - at.spawned)} s, ` +
      `-> last batch fetched ${s(at.lastFetched - at.spawned)} s, ` +
      `-> recorded ${s(at.lastRecorded - at.spawned)} s, ` +
      `-> last lead committed ${s(at.done - at.spawned)} s`,
    `${INDENT}outcomes: created ${int(created)} (repeat ${int(outcomes.created_repeat ?? 0)}), ` +
      `appended ${int(outcomes.appended ?? 0)}, ignored ${int(outcomes.ignored ?? 0)}, ` +
      `duplicate ${int(outcomes.duplicate ?? 0)}; leads ${int(ingest.leads)}, ` +
      `attachments ${int(ingest.attachments)}`,
    `${INDENT}CPU from login to the end: connector ${cpu.connector.toFixed(1)} s ` +
      `(${perMessage(cpu.connector)}, ${core(cpu.connector, wall)}% of a core; ` +
      `+ ${cpu.connectorStartUp.toFixed(1)} s start-up), worker ${cpu.worker.toFixed(1)} s ` +
      `(${perMessage(cpu.worker)}, ${core(cpu.worker, wall)}%), Dovecot ${cpu.dovecot.toFixed(2)} s, ` +
      `redis-server ${cpu.redis.toFixed(2)} s`,
    ...describeBatches(ingest, blobWriteMs, n),
    `  ratio                 ${ratio.toFixed(3)} (Leadwire / bare imapflow msgs/s)`,
    `  IDLE latency          ${idle.length} APPENDs one at a time: p50 ${p50.toFixed(3)} s, ` +
      `p90 ${p90.toFixed(3)} s, max ${max.toFixed(3)} s`,
    `${INDENT}p50 of APPEND -> EXISTS at a bare imapflow client idling beside it ` +
      `${median((x) => x.existsSeconds).toFixed(3)} s; APPEND -> fetched by the connector ` +
      `${median((x) => x.fetchedSeconds).toFixed(3)} s; fetched -> lead committed ` +
      `${median((x) => x.committedSeconds).toFixed(3)} s`,
  ];
  if (ingest.warnings) lines.push(`    WARNING: ${ingest.warnings} warnings or errors logged`);
  if (ingest.reconcilerPasses)
    lines.push(`    note: the reconciler re-enqueued rows ${ingest.reconcilerPasses} times`);
  lines.push(
    `bench: email_msgs_per_sec=${Math.round(perSecond)} bare_msgs_per_sec=${Math.round(barePerSecond)} ` +
      `ratio=${ratio.toFixed(3)} idle_p50_s=${p50.toFixed(3)} idle_max_s=${max.toFixed(3)}`,
  );
  return `${lines.join('\n')}\n`;
}
