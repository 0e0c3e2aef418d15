/**
 * `npm run soak -- --rate 500 --seconds 120`: the `web` and `worker` roles fed REST intake posts at
 * a constant rate (open model) and watched every `--interval` seconds, then drained and audited:
 * every post answered 2xx must be exactly one done inbox row with one message. The limit is the
 * asked rate: a ratio of 1 means the system kept up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import { scopedExternalId } from '../../connectors/api/schema.ts';
import { ascending, defineMode, int, mb, percentile } from './context.ts';
import { auditAnswers, countOf } from './ledger.ts';
import { startTraffic } from './load.ts';
import { type AppProcess, startCpuMeter, startWeb, startWorker } from './processes.ts';
import { intakeKey, mulberry32, seedCrm, senderStream, type NextBody } from './senders.ts';

/** Shares of posts: from a sender who wrote earlier in the run, from a seeded client. */
const AGAIN = 0.2;
const CLIENTS = 0.1;
const SEEDED_CLIENTS = 10_000;
const COLUMNS =
  'time sent 2xx err unanswd acc/s done/s backlog oldest http_p99 rss_web rss_wkr cpu_web cpu_wkr bench redis others';

export const soakMode = defineMode({
  summary:
    'REST intake at a constant rate into web and worker for a while, then drained and audited',
  durability: 'normal',
  options: { rate: 500, seconds: 120, interval: 10, drain: 300, connections: 64 },
  async run(run, options, workspace) {
    const { store } = workspace;
    await seedCrm(run, store, SEEDED_CLIENTS);
    const key = await intakeKey(store);
    const env = workspace.env({ RATE_LIMIT_PER_MINUTE: '1000000000' });
    const worker = await startWorker(run, env);
    const { web, baseUrl } = await startWeb(run, { ...env, LOG_LEVEL: 'warn' });
    run.progress(`web and worker ready; ${options.rate} req/s for ${options.seconds} s`);

    const firstId = await store.inbox.maxId();
    const finished = sql`SELECT count(*) AS n FROM inbox WHERE id > ${firstId} AND status <> 'pending'`;
    const idle = { web: web.rssBytes(), worker: worker.rssBytes() };
    const meter = await startCpuMeter({ web: web.pid, worker: worker.pid }, workspace.redis);
    const next = soakMix();
    const idempotencyKey = (n: number) => `soak-${run.id}-${n}`;
    const traffic = startTraffic({
      url: new URL('/api/v1/leads', baseUrl),
      headers: { authorization: `Bearer ${key.key}` },
      rate: options.rate,
      seconds: options.seconds,
      connections: options.connections,
      post: (n) => ({ body: JSON.stringify(next()), idempotencyKey: idempotencyKey(n) }),
    });
    run.signal.addEventListener('abort', () => traffic.stop(), { once: true });
    let loadEnded: number | undefined;
    void traffic.finished.then(() => (loadEnded = performance.now()));
    for (const [name, child] of Object.entries({ web, worker }))
      void child.exited.then(() => {
        if (loadEnded !== undefined) return;
        run.progress(`the ${name} process exited during the load: it stops`);
        traffic.stop();
      });
    const drainOver = (now: number) =>
      loadEnded !== undefined && now - loadEnded > options.drain * 1000;

    const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(i ? 8 : 6)).join(' ');
    process.stdout.write(`${line(COLUMNS.split(' '))}\n`);
    const started = performance.now();
    const http: number[] = [];
    let [lastAt, lastDone, drained] = [started, 0, false];
    for (let k = 1; !drained; k++) {
      const boundary = started + k * options.interval * 1000;
      while (performance.now() < boundary && !drained) {
        run.signal.throwIfAborted();
        if (loadEnded !== undefined) {
          drained = (await store.inbox.backlog()).pending === 0;
          if (drainOver(performance.now())) break;
        }
        if (!drained) await sleep(Math.min(500, Math.max(1, boundary - performance.now())));
      }
      const now = performance.now();
      const done = await countOf(store, finished);
      const backlog = await store.inbox.backlog();
      const counts = traffic.take();
      const cpu = await meter.take();
      http.push(...counts.latencyMs);
      const perSecond = (n: number) =>
        now - lastAt < 1000 ? '-' : int((n * 1000) / (now - lastAt));
      const oldest = backlog.oldestReceivedAt ? Date.now() - backlog.oldestReceivedAt.getTime() : 0;
      const cells = [
        `${Math.round((now - started) / 1000)}s${loadEnded !== undefined && loadEnded < lastAt ? '*' : ''}`,
        ...[counts.sent, counts.accepted, counts.refused, traffic.inFlight].map(int),
        perSecond(counts.accepted),
        perSecond(done - lastDone),
        int(backlog.pending),
        `${(oldest / 1000).toFixed(1)}s`,
        `${percentile(ascending(counts.latencyMs), 99).toFixed(0)}ms`,
        ...[web, worker].map((child) => `${mb(child.rssBytes()).toFixed(0)}MB`),
        ...['web', 'worker', 'bench', 'redis', 'others'].map(
          (name) => cpu[name]?.toFixed(2) ?? '-',
        ),
      ];
      process.stdout.write(`${line(cells)}\n`);
      [lastAt, lastDone] = [now, done];
      if (drainOver(now)) break;
    }

    const loadSeconds = ((loadEnded ?? lastAt) - started) / 1000;
    const answered = traffic.accepted.map((n) => scopedExternalId(key.id, idempotencyKey(n)));
    const where = { channelId: API_CHANNEL_ID, afterId: firstId };
    const audit = await auditAnswers(store, where, answered, true);
    const { lagMs: lag, ok: passed } = audit;
    const processSeconds = Math.max(0.001, (audit.lastProcessedAt - audit.firstReceivedAt) / 1000);
    const processed = lag.length / processSeconds;
    const acceptedPerSecond = audit.accepted / loadSeconds;
    const httpMs = ascending(http);
    const mbs = (bytes: number) => `${mb(bytes).toFixed(0)} MB`;
    const rss = (child: AppProcess, idleBytes: number) =>
      `idle ${mbs(idleBytes)}, end ${mbs(child.rssBytes())}, peak ${mbs(child.peakRssBytes())}`;
    const check = passed ? 'ok' : 'failed';
    const lagP99 = percentile(lag, 99);
    const lines = [
      `Leadwire soak (${store.kind}): ${int(options.rate)} req/s asked for ${options.seconds} s, ` +
        `${options.connections} keep-alive connections, POST /api/v1/leads`,
      `  load     ${int(audit.accepted)} answered 2xx in ${loadSeconds.toFixed(1)} s (${int(acceptedPerSecond)}/s); ` +
        `due → answered p50 ${percentile(httpMs, 50).toFixed(0)} ms, p99 ${percentile(httpMs, 99).toFixed(0)} ms`,
      `  worker   ${int(lag.length)} processed in ${processSeconds.toFixed(1)} s = ${int(processed)}/s; ` +
        (drained ? 'backlog drained' : `backlog NOT drained within ${options.drain} s`),
      `  lag      received → processed p50 ${percentile(lag, 50)} ms, p99 ${lagP99} ms, max ${lag.at(-1) ?? 0} ms`,
      `  RSS      web ${rss(web, idle.web)}; worker ${rss(worker, idle.worker)}`,
      `  check    ${passed ? 'OK' : 'FAILED'}: ${audit.lines[0]}`,
      ...audit.lines.slice(1).map((problem) => `    ${problem}`),
      `soak: accepted_per_sec=${Math.round(acceptedPerSecond)} processed_per_sec=${Math.round(processed)} ` +
        `lag_p99_ms=${lagP99} web_rss_mb=${mb(web.peakRssBytes()).toFixed(0)} ` +
        `worker_rss_mb=${mb(worker.peakRssBytes()).toFixed(0)} drained=${drained} check=${check}`,
    ];
    return {
      lines,
      figure: ['processed_per_s', processed],
      limit: options.rate,
      more: { lag_p99_ms: lagP99, drained: String(drained), check },
      failed: !drained || !passed,
    };
  },
});

/** Posts from new senders, seeded clients, and senders writing again (appends to open leads). */
function soakMix(seed = 7): NextBody {
  const random = mulberry32(seed);
  const first = senderStream(SEEDED_CLIENTS, CLIENTS / (1 - AGAIN), seed);
  const seen: Pick<ReturnType<NextBody>, 'email' | 'phone' | 'country'>[] = [];
  return () => {
    const again = seen[Math.floor(random() * seen.length)];
    if (again && random() < AGAIN)
      return { ...again, name: 'Soak Sender', message: 'Any news on the quote?', source: 'API' };
    const body = first();
    seen[seen.length < 5000 ? seen.length : Math.floor(random() * 5000)] = body;
    return body;
  };
}
