/** The soak's closing summary, whose last line is machine-readable (`soak: key=value …`). */
import { availableParallelism } from 'node:os';
import { percentile } from '../bench/report.ts';
import { auditPassed, type Audit } from './audit.ts';
import type { SoakOptions } from './options.ts';
import { describeMemory } from './memory.ts';
import type { RunResult } from './run.ts';
import { cores, duration, int, mb, type IntervalRow } from './table.ts';
import type { CpuShare, Watched } from './usage.ts';

export interface Summary extends Omit<RunResult, 'traffic'> {
  options: SoakOptions;
  sent: number;
  audit: Audit;
  /** CPU seconds of each process over the whole soak, start-up excluded. */
  cpuSeconds: Watched;
}

/** Average cores used per phase, from the interval rows (weighted by their length). */
function averageCpu(rows: IntervalRow[], phase: IntervalRow['phase']): CpuShare | undefined {
  const chosen = rows.filter((row) => row.phase === phase);
  const seconds = chosen.reduce((sum, row) => sum + row.seconds, 0);
  if (!seconds) return undefined;
  const mean = (pick: (cpu: CpuShare) => number | undefined) =>
    chosen.reduce((sum, row) => sum + (pick(row.usage.cpu) ?? 0) * row.seconds, 0) / seconds;
  return {
    web: mean((cpu) => cpu.web),
    worker: mean((cpu) => cpu.worker),
    soak: mean((cpu) => cpu.soak),
    redis: mean((cpu) => cpu.redis),
    others: rows.some((row) => row.usage.cpu.others === undefined)
      ? undefined
      : mean((cpu) => cpu.others),
  };
}

const describeCpu = (cpu: CpuShare | undefined) =>
  cpu
    ? `web ${cores(cpu.web)}, worker ${cores(cpu.worker)}, soak ${cores(cpu.soak)}, ` +
      `redis ${cores(cpu.redis)}, rest of the machine ${cores(cpu.others)}`
    : 'no line (the backlog was empty before the next one)';

/** The first line under a label, the next ones indented under it. */
const labelled = (label: string, texts: string[]) =>
  texts.map((text, i) => `  ${(i ? '' : label).padEnd(12)}${text}`);

export function formatSummary(summary: Summary): string {
  const { options, audit, memory, rows } = summary;
  const loadRows = rows.filter((row) => row.phase === 'load');
  const doneDuringLoad = loadRows.reduce((sum, row) => sum + row.inbox.done, 0);
  const processed = audit.lagMs.length;
  const processSeconds = Math.max(0.001, (audit.lastProcessedAt - audit.firstReceivedAt) / 1000);
  const worstOldest = Math.max(
    0,
    ...rows.map((row) =>
      row.inbox.oldestPendingAt === undefined ? 0 : row.at - row.inbox.oldestPendingAt,
    ),
  );
  const lag = audit.lagMs;
  const http = summary.httpMs;
  const outcomes = [...summary.outcomes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} x${int(n)}`)
    .join(', ');
  const rowsByOutcome = Object.entries(audit.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} ${int(n)}`)
    .join(', ');
  const passed = auditPassed(audit);
  const startRss = rows[0]?.usage.rss ?? memory.idle;
  const loadSeconds = Math.max(0.001, summary.loadSeconds);
  const notDone = Object.entries(audit.notDone)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const lines = [
    '',
    `Leadwire soak: ${int(options.rate)} req/s asked for ${options.seconds} s (open model, ` +
      `${options.connections} keep-alive connections), POST /api/v1/leads; ${availableParallelism()} CPUs`,
    `  load        sent ${int(summary.sent)}, answered 2xx ${int(audit.accepted)} in ` +
      `${summary.loadSeconds.toFixed(1)} s (${int(audit.accepted / loadSeconds)}/s; the last ` +
      `answers come after the ${options.seconds} s of sending when the web falls behind), ` +
      `answers: ${outcomes || 'none'}`,
    `  http        from due time to answer: p50 ${duration(percentile(http, 50))}, ` +
      `p99 ${duration(percentile(http, 99))}, max ${duration(http[http.length - 1] ?? 0)}; ` +
      `at most ${int(Math.max(0, ...rows.map((row) => row.unanswered)))} posts unanswered at a line`,
    `  worker      processed ${int(processed)} in ${processSeconds.toFixed(1)} s from first received ` +
      `to last processed = ${int(processed / processSeconds)}/s; during the load ` +
      `${int(doneDuringLoad / loadSeconds)}/s; ` +
      (summary.drained
        ? `backlog drained ${summary.drainSeconds.toFixed(1)} s after the load`
        : `backlog NOT drained within ${options.drain} s`),
    `              rows: ${rowsByOutcome || 'none'}`,
    `  lag         received -> processed p50 ${duration(percentile(lag, 50))}, ` +
      `p99 ${duration(percentile(lag, 99))}, max ${duration(lag[lag.length - 1] ?? 0)}; ` +
      `oldest pending row seen ${duration(worstOldest)}`,
    `  cpu (cores) load:  ${describeCpu(averageCpu(rows, 'load'))}`,
    `              drain: ${describeCpu(averageCpu(rows, 'drain'))}`,
    `              total CPU seconds: web ${summary.cpuSeconds.web.toFixed(1)}, ` +
      `worker ${summary.cpuSeconds.worker.toFixed(1)}`,
    ...labelled('web', describeMemory(memory, rows, 'web')),
    ...labelled('worker', describeMemory(memory, rows, 'worker')),
    `  check       ${int(audit.exact)} of ${int(audit.accepted)} 2xx answers have exactly one ` +
      `done inbox row with one message: ${passed ? 'OK' : 'FAILED'}`,
  ];
  if (audit.missing) lines.push(`    LOST: ${audit.missing} 2xx answers have no inbox row`);
  if (notDone) lines.push(`    NOT DONE: 2xx answers whose row is ${notDone}`);
  if (audit.messageMismatch)
    lines.push(`    MESSAGES: ${audit.messageMismatch} done rows without exactly one message`);
  if (audit.unacknowledgedRecorded)
    lines.push(
      `    note: ${audit.unacknowledgedRecorded} requests not answered 2xx were recorded anyway ` +
        '(answer lost or too late; the client would retry with the same Idempotency-Key)',
    );
  lines.push(
    `soak: accepted_per_sec=${Math.round(audit.accepted / loadSeconds)} ` +
      `processed_per_sec=${Math.round(processed / processSeconds)} ` +
      `lag_p99_ms=${Math.round(percentile(lag, 99))} lag_max_ms=${Math.round(lag[lag.length - 1] ?? 0)} ` +
      `web_rss_mb=${mb(startRss.web)}->${mb(memory.loadEnd.web)} ` +
      `worker_rss_mb=${mb(startRss.worker)}->${mb(memory.loadEnd.worker)} ` +
      `drained=${summary.drained} check=${passed ? 'ok' : 'failed'}`,
  );
  return `${lines.join('\n')}\n`;
}
