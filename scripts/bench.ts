/**
 * `npm run bench`: how fast the ingest worker turns recorded inbox rows into committed leads,
 * next to a no-op BullMQ worker draining the same backlog on the same Redis; latency at a steady
 * arrival rate; and the ingest worker's peak memory, with a million clients in the database.
 * Progress goes to stderr; the figures and a last `bench: throughput=…` line go to stdout.
 * It uses QUEUE_PREFIX with a suffix of its own, so a running app is untouched, and removes
 * everything it created (database, Redis keys under its prefix) however it ends.
 * `npm run bench -- forms` measures the web form endpoint instead (scripts/bench/forms.ts), and
 * `npm run bench -- email` the IMAP connector with a private Dovecot (scripts/bench/email.ts), and
 * `npm run bench -- telegram` the bot webhook and polling (scripts/bench/telegram.ts), and
 * `npm run bench -- search` the lead list's searches among a million leads (scripts/bench/search.ts),
 * and `npm run bench -- console` the operator console's pages and live updates (scripts/bench/console.ts),
 * and `npm run bench -- import` the CLI's CSV import of a million clients (scripts/bench/import.ts),
 * and `npm run bench -- webhooks` events delivered per second to a local receiver (scripts/bench/webhooks.ts).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ingestConcurrency } from '../core/jobs.ts';
import { loadConfig } from '../core/runtime/config.ts';
import { producerConnection, redisAnswers } from '../core/runtime/redis.ts';
import { scrubSecrets } from '../core/runtime/scrub.ts';
import { openStore } from '../db/open.ts';
import { createDatabase, dropDatabase } from '../db/postgres/admin.ts';
import { readOptions, type BenchOptions } from './bench/options.ts';
import { timeInboxCommit } from './bench/feed.ts';
import { benchEmail } from './bench/email.ts';
import { benchForms } from './bench/forms.ts';
import { benchConsole } from './bench/console.ts';
import { benchSearch } from './bench/search.ts';
import { benchImport } from './bench/import.ts';
import { benchWebhooks } from './bench/webhooks.ts';
import { measureLatency } from './bench/latency.ts';
import { benchTelegram } from './bench/telegram.ts';
import { drainIngest, drainNoop } from './bench/phases.ts';
import { deleteKeysWithPrefix } from './bench/redis-keys.ts';
import { formatRuns, type Results } from './bench/report.ts';
import { seedCrm } from './bench/seed.ts';
import { senderStream } from './bench/senders.ts';
import { storeConfig, type StoreArgs } from './bench/worker-child.ts';
import { createWorkspace } from './bench/workspace.ts';

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

const interrupt = new AbortController();
/** What to close at the end, last registered first. */
const closers: (() => unknown)[] = [];

let closing: Promise<void> | undefined;

/** Runs the closers once, however many times it is called (Ctrl-C and the failing run both call it). */
function closeAll(): Promise<void> {
  closing ??= (async () => {
    for (let close = closers.pop(); close; close = closers.pop()) {
      try {
        await close();
      } catch (error) {
        progress(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return closing;
}

async function bench(): Promise<string> {
  const options = readOptions();
  const config = loadConfig();
  if (!(await redisAnswers(config.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${config.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${config.queuePrefix}-bench-${runId}`;
  const database = await benchDatabase(options, runId);
  progress(`database ${describe(database)}, Redis ${config.redisUrl}, queue prefix ${prefix}`);

  const store = await openStore(storeConfig(database), { durability: 'full' });
  closers.push(() => store.close());
  const seeding = performance.now();
  await seedCrm(store, options.clients, (done) => {
    if (done % 250_000 === 0 || done === options.clients) progress(`seeded ${done} clients`);
  });
  progress(`seeded ${options.clients} clients (2 identities each) in ${seconds(seeding)} s`);

  const redis = producerConnection(config.redisUrl);
  closers.push(() => redis.quit());
  await new Promise((resolve) =>
    redis.status === 'ready' ? resolve(undefined) : redis.once('ready', resolve),
  );
  closers.push(async () => {
    const deleted = await deleteKeysWithPrefix(redis, prefix);
    progress(`deleted ${deleted} Redis keys under ${prefix}`);
  });

  const concurrency = ingestConcurrency(options.store, config.ingestConcurrency);
  const context = {
    prefix,
    database,
    concurrency,
    store,
    redis,
    progress,
    signal: interrupt.signal,
    defer: (close: () => unknown) => closers.push(close),
  };
  const next = senderStream({ clients: options.clients, returning: options.returning });

  const inboxCommitMs = await timeInboxCommit(context.store);
  progress(`one durable inbox commit: ${inboxCommitMs.toFixed(2)} ms`);
  const noop = await drainNoop(context, options.backlog);
  progress(`noop: ${Math.round(noop.perSecond)} msgs/s`);
  const runs: Results[] = [];
  for (const processes of options.workers) {
    const label = `w${processes}`;
    const ingest = await drainIngest(context, options.backlog, next, processes, label);
    progress(
      `ingest (${processes} worker${processes > 1 ? 's' : ''}): ${Math.round(ingest.drain.perSecond)} msgs/s; ` +
        `latency phase at ${options.rate} msgs/s for ${options.seconds} s`,
    );
    const latency = await measureLatency(
      context,
      { workers: ingest.workers, producer: ingest.producer, finishedSoFar: ingest.drain.finished },
      { rate: options.rate, seconds: options.seconds, next, label },
    );
    const { maxRssBytes, memory } = await ingest.workers.stats();
    await ingest.workers.stop();
    runs.push({
      store: options.store,
      workers: processes,
      clients: options.clients,
      returning: options.returning,
      concurrency,
      cpus: availableParallelism(),
      noop,
      ingest: ingest.drain,
      latency,
      rate: options.rate,
      inboxCommitMs,
      maxRssBytes,
      memory,
    });
  }
  return formatRuns(runs);
}

/** The bench's own database: a SQLite file in a workspace, or a PostgreSQL database it creates. */
async function benchDatabase(
  options: Pick<BenchOptions, 'store' | 'dataDir' | 'databaseUrl'>,
  runId: string,
): Promise<StoreArgs> {
  if (options.store === 'sqlite') {
    const workspace = createWorkspace(options.dataDir, runId);
    closers.push(() => workspace.remove());
    return { kind: 'sqlite', file: workspace.databaseFile };
  }
  const name = `leadwire_bench_${runId}`;
  const url = await createDatabase(options.databaseUrl, name).catch((error: unknown) => {
    throw new Error(
      `PostgreSQL at ${options.databaseUrl} did not make the bench's database (${(error as Error).message}) — start it, or pass --database-url`,
    );
  });
  closers.push(() => dropDatabase(options.databaseUrl, name));
  return { kind: 'postgres', url };
}

const describe = (database: StoreArgs) =>
  database.kind === 'sqlite' ? database.file : scrubSecrets(database.url);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    progress('interrupted: cleaning up');
    interrupt.abort();
    void closeAll().finally(() => process.exit(130));
  });
}

try {
  const [mode, ...modeArgs] = process.argv.slice(2);
  const modeContext = {
    args: modeArgs,
    progress,
    signal: interrupt.signal,
    defer: (close: () => unknown) => closers.push(close),
  };
  const report =
    mode === 'forms'
      ? await benchForms(modeContext)
      : mode === 'email'
        ? await benchEmail(modeContext)
        : mode === 'telegram'
          ? await benchTelegram(modeContext)
          : mode === 'console'
            ? await benchConsole({
                ...modeContext,
                database: (where) => benchDatabase(where, randomBytes(4).toString('hex')),
              })
            : mode === 'search'
              ? await benchSearch({
                  ...modeContext,
                  database: (where) => benchDatabase(where, randomBytes(4).toString('hex')),
                })
              : mode === 'import'
                ? await benchImport({
                    ...modeContext,
                    database: (where) => benchDatabase(where, randomBytes(4).toString('hex')),
                  })
                : mode === 'webhooks'
                  ? await benchWebhooks({
                      ...modeContext,
                      database: (where) => benchDatabase(where, randomBytes(4).toString('hex')),
                    })
                  : await bench();
  await closeAll();
  process.stdout.write(report);
} catch (error) {
  await closeAll();
  progress(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
