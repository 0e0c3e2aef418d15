/** The telegram bench's figures (telegram.ts), as lines for stdout, ending with the `bench:` line. */
import { availableParallelism } from 'node:os';
import type { Usage } from './form-server.ts';
import type { PollingSample } from './telegram-polling.ts';
import { statuses, type Fired, type InboxCheck } from './load.ts';

export type Run = Fired & { usage: Usage };

export interface TelegramResults {
  load: { seconds: number; connections: number };
  warmUpSeconds: number;
  pollSeconds: number;
  inboxCommitMs: number;
  webhook: Run & { inbox: InboxCheck };
  bare: Run;
  polling: PollingSample[];
}

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const perSecond = ({ result }: Fired) => result['2xx'] / result.duration;
const INDENT = ' '.repeat(23);

/** The nearest-rank percentile. */
function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? NaN;
}

export function formatTelegram(results: TelegramResults): string {
  const { load, inboxCommitMs, webhook, bare, polling } = results;
  const ratio = perSecond(webhook) / perSecond(bare);
  const of = (pick: (sample: PollingSample) => number, share: number) =>
    percentile(polling.map(pick), share).toFixed(3);
  const total = (sample: PollingSample) => sample.seconds;
  const outcomes = new Map<string, number>();
  for (const { outcome } of polling) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  const lines = [
    `Leadwire telegram bench: POST /telegram/:channelId/webhook, ${load.connections} connections, ` +
      `${load.seconds} s per run after a ${results.warmUpSeconds} s warm-up, ${availableParallelism()} CPUs`,
    ...describeRun('webhook', webhook),
    ...describeInbox(webhook),
    ...describeRun('bare Express 5', bare),
    `  ratio                ${ratio.toFixed(2)} (webhook / bare Express)`,
    `  inbox commit         ${inboxCommitMs.toFixed(2)} ms per update with its own fsync ` +
      `(one web process: <= ${int(1000 / inboxCommitMs)} updates/s)`,
    `  polling              ${polling.length} updates one at a time, pushUpdate → lead committed ` +
      `(getUpdates timeout ${results.pollSeconds} s, database polled every 10 ms):`,
    `${INDENT}p50 ${of(total, 0.5)} s, p90 ${of(total, 0.9)} s, max ${of(total, 1)} s`,
    `${INDENT}to the poller's inbox row: p50 ${of((s) => s.recordedSeconds, 0.5)} s, ` +
      `max ${of((s) => s.recordedSeconds, 1)} s; row → lead: ` +
      `p50 ${of((s) => s.committedSeconds, 0.5)} s, max ${of((s) => s.committedSeconds, 1)} s`,
    `${INDENT}outcomes: ${[...outcomes].map(([name, n]) => `${name} ${n}`).join(', ')}`,
    `bench: webhook_per_sec=${Math.round(perSecond(webhook))} ` +
      `bare_per_sec=${Math.round(perSecond(bare))} ratio=${ratio.toFixed(2)} ` +
      `polling_p50_s=${of(total, 0.5)} polling_max_s=${of(total, 1)}`,
  ];
  return `${lines.join('\n')}\n`;
}

function describeRun(name: string, run: Run): string[] {
  const { result, usage } = run;
  const { server, others } = usage;
  const lines = [
    `  ${name.padEnd(20)} ${int(perSecond(run))} accepted/s (mean ${int(result.requests.mean)} ` +
      `req/s): 2xx ${int(result['2xx'])}, other ${int(result.non2xx)}, errors ${result.errors} ` +
      `in ${result.duration.toFixed(1)} s`,
    `${INDENT}latency mean ${result.latency.mean.toFixed(1)} ms, p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    `${INDENT}CPU, in cores: server ${server.cpu.toFixed(2)} ` +
      `(${((server.cpu * 1000) / perSecond(run)).toFixed(2)} ms per answer, ` +
      `event loop busy ${Math.round(server.loopBusy * 100)}%), load tool ${usage.loadTool.toFixed(2)}, ` +
      `redis-server ${usage.redis.toFixed(2)}` +
      (others === undefined ? '' : `, rest of the machine ${others.toFixed(2)}`),
  ];
  if (result.non2xx || result.errors) lines.push(`    WARNING: answers ${statuses(result)}`);
  if (others !== undefined && others > 0.25)
    lines.push(
      `    WARNING: the rest of the machine used ${others.toFixed(2)} cores: figures may be low`,
    );
  if (usage.loadTool > 0.9)
    lines.push('    WARNING: the load tool used a whole core: the figure may be its limit');
  return lines;
}

/** Every 2xx answer must have its own row; other rows are updates whose answer was never read. */
function describeInbox({ inbox, result }: Run & { inbox: InboxCheck }): string[] {
  const accepted = result['2xx'];
  const exact = inbox.acceptedWithRow === accepted && inbox.acceptedDistinct === accepted;
  const lines = [
    `${INDENT}inbox: ${int(inbox.rows)} new rows = ${int(accepted)} 2xx answers, ` +
      (exact ? 'each with its own row' : `but only ${int(inbox.acceptedWithRow)} with a row`) +
      `, + ${inbox.unanswered} updates in flight when the load stopped (answer not read)`,
  ];
  if (!exact) lines.push('    WARNING: 2xx answers without an inbox row of their own');
  if (inbox.refusedWithRow)
    lines.push(`    WARNING: ${inbox.refusedWithRow} updates answered non-2xx have an inbox row`);
  if (inbox.unanswered > inbox.unansweredPosts)
    lines.push(`    WARNING: only ${inbox.unansweredPosts} updates were left unanswered`);
  return lines;
}
