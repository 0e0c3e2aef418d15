/**
 * `npm run soak -- --rate 500 --seconds 120`: the Procfile's `web` and `worker` as processes of
 * their own, fed REST intake posts at a constant rate for a while, watched from outside every
 * `--interval` seconds (accepted and processed per second, backlog, lag, RSS and CPU of each
 * process), then drained, then checked: every post answered 2xx must have become exactly one
 * done inbox row with one message. Exits 1 when that check fails or the backlog did not drain.
 *
 * It runs on a temporary DATA_DIR and a queue prefix of its own on the usual Redis, and removes
 * both however it ends (Ctrl-C included; if it is killed outright, orphan-guard.ts does).
 * The interval lines and the summary go to stdout, progress to stderr.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { redisAnswers } from '../core/runtime/redis.ts';
import { newApiKey } from '../core/api-keys.ts';
import type { ApiRole } from '../core/repositories/users.ts';
import { loadConfig } from '../core/runtime/config.ts';
import { openStore } from '../db/open.ts';
import { startOrphanGuard } from './bench/orphan-guard.ts';
import { connectOwningPrefix } from './bench/redis-keys.ts';
import { seedCrm } from './bench/seed.ts';
import { createWorkspace } from './bench/workspace.ts';
import { auditPassed, auditRun } from './soak/audit.ts';
import { Cleanup } from './soak/cleanup.ts';
import { SEEDED_CLIENTS } from './soak/mix.ts';
import { readSoakOptions, type SoakOptions } from './soak/options.ts';
import { runSoak } from './soak/run.ts';
import { formatSummary } from './soak/summary.ts';
import { startSystem } from './soak/system.ts';
import { UsageMeter } from './soak/usage.ts';

/** The per-key rate limit still costs its Redis round trip per post, but never refuses one. */
const NEVER_LIMITED = 1_000_000_000;

const progress = (line: string) => process.stderr.write(`[soak] ${line}\n`);
const print = (text: string) => process.stdout.write(text);
const interrupt = new AbortController();
const cleanup = new Cleanup(progress);

async function soak(options: SoakOptions): Promise<boolean> {
  const { defer } = cleanup;
  const signal = interrupt.signal;
  const base = loadConfig();
  if (!(await redisAnswers(base.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${base.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${base.queuePrefix}-soak-${runId}`;
  const guard = startOrphanGuard();
  defer(() => guard.end());
  const workspace = createWorkspace(undefined, runId, 'soak');
  const dataDir = path.dirname(workspace.databaseFile);
  if (options.keep) {
    defer(() => progress(`kept the data directory ${dataDir}`));
  } else {
    guard.remove(dataDir);
    defer(() => workspace.remove());
  }
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: prefix,
    REDIS_URL: base.redisUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: String(NEVER_LIMITED),
  };
  progress(`DATA_DIR ${dataDir}, Redis ${base.redisUrl}, queue prefix ${prefix}`);

  // Migrated and seeded before the processes start (they migrate too, finding nothing to do).
  const store = await openStore(loadConfig(env), { durability: 'normal' });
  defer(() => store.close());
  await seedCrm(store, SEEDED_CLIENTS, () => {});
  const createKey = async (name: string, role: ApiRole) => {
    const { key, prefix, hash } = newApiKey();
    return { key, id: await store.users.createApiKey({ name, role, prefix, hash }) };
  };
  const apiKey = await createKey('soak', 'intake');
  const adminKey = await createKey('soak-metrics', 'admin');

  guard.redisKeys(base.redisUrl, prefix);
  const redis = await connectOwningPrefix(base.redisUrl, prefix, defer, progress);

  const system = await startSystem(env, { apiKey: apiKey.key, guard, progress, signal, defer });
  const processes = { web: system.web, worker: system.worker };
  const pids = { web: system.web.pid, worker: system.worker.pid };
  progress(
    `web (pid ${pids.web}) on ${system.baseUrl} and worker (pid ${pids.worker}) ready; ` +
      `${options.rate} req/s for ${options.seconds} s`,
  );
  const cpu = new UsageMeter(pids, redis);
  const cpuBefore = cpu.totals();
  const run = await runSoak({
    options,
    baseUrl: system.baseUrl,
    apiKey: apiKey.key,
    adminKey: adminKey.key,
    runId,
    processes,
    store,
    redis,
    signal,
    print,
  });
  const cpuAfter = cpu.totals();
  const audit = await auditRun(store, `k${apiKey.id}/soak-${runId}-`, run.traffic.states);
  const problems = system.web.problems + system.worker.problems;
  if (problems) progress(`${problems} warnings or errors were logged by web and worker (above)`);
  print(
    formatSummary({
      ...run,
      options,
      sent: run.traffic.sent,
      audit,
      cpuSeconds: { web: cpuAfter.web - cpuBefore.web, worker: cpuAfter.worker - cpuBefore.worker },
    }),
  );
  return run.drained && auditPassed(audit);
}

let signals = 0;
process.on('SIGINT', () => {
  signals += 1;
  if (signals > 1)
    return progress('SIGINT again (the tsx CLI passes Ctrl-C on): still cleaning up');
  progress('interrupted: stopping the load and the processes, then cleaning up');
  interrupt.abort();
});

let exitCode = 1;
try {
  exitCode = (await soak(readSoakOptions())) ? 0 : 1;
} catch (error) {
  if (interrupt.signal.aborted) exitCode = 130;
  else progress(`failed: ${error instanceof Error ? error.message : String(error)}`);
}
await cleanup.run();
// Timers and keep-alive sockets of an interrupted load must not keep the process alive.
process.exit(exitCode);
