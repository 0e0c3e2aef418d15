/**
 * `npm run bench -- console`: how fast the operator console answers with 100,000 leads, over HTTP
 * against the real web process (as the Procfile runs it) with a signed-in admin's session:
 * - the lead list's first byte (the default list, mine, unassigned, a stage, a search, the board);
 * - a lead's page first byte (random leads, each with its conversation);
 * - a message posted to the REST intake appearing on an open lead page: the time from the POST
 *   until the page's live stream says the lead changed and the conversation it then fetches (what
 *   htmx does) holds the message, with the real ingest worker in a process of its own.
 * The database is the bench's own (SQLite in a temporary directory, or a PostgreSQL database made
 * and dropped), seeded with the search bench's leads; Redis keys live under a prefix of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newApiKey } from '../../core/api-keys.ts';
import { hashPassword } from '../../core/passwords.ts';
import { loadConfig } from '../../core/runtime/config.ts';
import { redisAnswers } from '../../core/runtime/redis.ts';
import { openStore } from '../../db/open.ts';
import { seedCrm } from '../../db/seed.ts';
import { startServer } from './form-server.ts';
import { DEFAULT_POSTGRES, positiveInteger, type BenchOptions } from './options.ts';
import { connectOwningPrefix } from './redis-keys.ts';
import { percentile } from './report.ts';
import { leadWords, searchLead } from './search-data.ts';
import { crmSeed } from './seed.ts';
import { storeConfig, type StoreArgs } from './worker-child.ts';
import { createWorkspace } from './workspace.ts';

const USAGE = `usage: npm run bench -- console [--leads N] [--clients N] [--requests N] [--messages N]
                        [--store sqlite|postgres] [--database-url postgres://…]`;

/** The targets. */
const TARGET_PAGE_P95_MS = 100;
const TARGET_LIVE_P50_MS = 300;
const PASSWORD = 'bench console password';
const WORKER = fileURLToPath(new URL('../worker.ts', import.meta.url));

type Where = Pick<BenchOptions, 'store' | 'databaseUrl' | 'dataDir'>;

export interface ConsoleBenchContext {
  args: string[];
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
  database: (where: Where) => Promise<StoreArgs>;
}

interface ConsoleOptions extends Where {
  leads: number;
  clients: number;
  requests: number;
  messages: number;
}

function readConsoleOptions(args: string[]): ConsoleOptions {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '100000' },
      clients: { type: 'string', default: '100000' },
      requests: { type: 'string', default: '300' },
      messages: { type: 'string', default: '50' },
      store: { type: 'string', default: 'sqlite' },
      'database-url': { type: 'string', default: DEFAULT_POSTGRES },
    },
    strict: true,
  });
  const store = values.store;
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error(`--store must be sqlite or postgres, got "${store}"\n${USAGE}`);
  return {
    store,
    databaseUrl: values['database-url'].replace(/\/$/, ''),
    dataDir: undefined,
    leads: positiveInteger('leads', values.leads, USAGE),
    clients: positiveInteger('clients', values.clients, USAGE),
    requests: positiveInteger('requests', values.requests, USAGE),
    messages: positiveInteger('messages', values.messages, USAGE),
  };
}

/** The environment the web and worker processes get: this bench's database, prefix and port. */
function processEnv(database: StoreArgs, prefix: string, redisUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QUEUE_PREFIX: prefix,
    REDIS_URL: redisUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    ENV_FILE: '/dev/null',
    RATE_LIMIT_PER_MINUTE: '1000000',
  };
  if (database.kind === 'postgres') env.DATABASE_URL = database.url;
  else {
    env.DATA_DIR = path.dirname(database.file);
    delete env.DATABASE_URL;
  }
  return env;
}

/** Milliseconds until the answer's first byte (its status line and headers), then the body read. */
async function firstByte(url: string, cookie: string): Promise<{ ms: number; body: string }> {
  const start = performance.now();
  const res = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const ms = performance.now() - start;
  const body = await res.text();
  if (res.status !== 200)
    throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 200)}`);
  return { ms, body };
}

/** The list's variants an operator moves between, taken in turn. */
function listPaths(leads: number): ((i: number) => string)[] {
  return [
    () => '/leads',
    () => '/leads?view=mine',
    () => '/leads?view=unassigned',
    () => '/leads?stage=NEW&open=1',
    (i) => `/leads?q=${encodeURIComponent(leadWords(1 + ((i * 7919) % leads)).last)}`,
    () => '/leads?board=1',
  ];
}

/** A live stream as an open page holds it: calls `onLead` with each lead id it announces. */
function openStream(base: string, cookie: string, onLead: (id: number) => void) {
  const abort = new AbortController();
  const ready = (async () => {
    const res = await fetch(`${base}/stream`, { headers: { cookie }, signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`GET /stream answered ${res.status}`);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const pump = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: lead-(\d+)$/m.exec(block);
          if (event) onLead(Number(event[1]));
        }
      }
    };
    void pump().catch(() => undefined);
  })();
  return { ready, close: () => abort.abort() };
}

interface Figures {
  list: number[];
  listByPath: Map<string, number[]>;
  lead: number[];
  live: number[];
}

export async function benchConsole(context: ConsoleBenchContext): Promise<string> {
  const options = readConsoleOptions(context.args);
  const { progress, defer, signal } = context;
  const config = loadConfig();
  if (!(await redisAnswers(config.redisUrl)))
    throw new Error(
      `Redis is not reachable at ${config.redisUrl} — start redis-server or set REDIS_URL`,
    );
  const runId = randomBytes(4).toString('hex');
  const prefix = `${config.queuePrefix}-bench-console-${runId}`;
  await connectOwningPrefix(config.redisUrl, prefix, defer, progress);
  const database =
    options.store === 'sqlite'
      ? await (async (): Promise<StoreArgs> => {
          const workspace = createWorkspace(undefined, runId, 'bench-console');
          defer(() => workspace.remove());
          return { kind: 'sqlite', file: workspace.databaseFile };
        })()
      : await context.database(options);

  const store = await openStore(storeConfig(database));
  defer(() => store.close());
  const seeding = performance.now();
  await seedCrm(
    store,
    {
      ...crmSeed(options.clients),
      leads: { count: options.leads, lead: (n: number) => searchLead(n, options.clients) },
    },
    (done, what) => {
      if (done % 50_000 === 0) progress(`seeded ${done} ${what}`);
    },
  );
  const seedSeconds = (performance.now() - seeding) / 1000;
  const email = `bench-admin-${runId}@bench.example`;
  const made = await store.users.createUser({
    name: 'Bench Admin',
    email,
    roles: ['admin'],
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(`the bench's admin was not created: ${made.problem}`);
  const apiKey = newApiKey();
  await store.users.createApiKey({
    name: 'bench-console',
    role: 'intake',
    prefix: apiKey.prefix,
    hash: apiKey.hash,
  });
  progress(
    `seeded ${options.leads} leads and ${options.clients} clients in ${seedSeconds.toFixed(1)} s`,
  );

  const env = processEnv(database, prefix, config.redisUrl);
  const web = startServer('web', env);
  defer(() => web.stop());
  const worker = startWorker(env);
  defer(() => stopChild(worker));
  const base = await web.ready;

  const signedIn = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
  });
  const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  if (signedIn.status !== 303 || !cookie) throw new Error(`sign-in answered ${signedIn.status}`);

  const figures: Figures = { list: [], listByPath: new Map(), lead: [], live: [] };
  const paths = listPaths(options.leads);
  // A few untimed requests warm the code paths and the caches.
  for (let i = 0; i < 20; i++) {
    await firstByte(`${base}${paths[i % paths.length]!(i)}`, cookie);
    await firstByte(`${base}/leads/${randomInt(1, options.leads + 1)}`, cookie);
  }
  progress(`lead list: ${options.requests} requests`);
  for (let i = 0; i < options.requests && !signal.aborted; i++) {
    const where = paths[i % paths.length]!(i);
    const { ms } = await firstByte(`${base}${where}`, cookie);
    figures.list.push(ms);
    const kind = where.replace(/q=[^&]*/, 'q=…');
    figures.listByPath.set(kind, [...(figures.listByPath.get(kind) ?? []), ms]);
  }
  progress(`lead pages: ${options.requests} requests`);
  for (let i = 0; i < options.requests && !signal.aborted; i++) {
    const { ms } = await firstByte(`${base}/leads/${randomInt(1, options.leads + 1)}`, cookie);
    figures.lead.push(ms);
  }

  progress(`live: ${options.messages} messages posted to the intake, each awaited on the page`);
  figures.live = await timeLive(base, cookie, apiKey.key, options, signal);
  return formatConsole(options, seedSeconds, figures);
}

/**
 * Posts messages one at a time, each from a new customer, and times each until the page's stream
 * names a lead and that lead's conversation (as htmx fetches it) holds the message.
 */
async function timeLive(
  base: string,
  cookie: string,
  key: string,
  options: ConsoleOptions,
  signal: AbortSignal,
): Promise<number[]> {
  let waiting: ((id: number) => void) | undefined;
  const stream = openStream(base, cookie, (id) => waiting?.(id));
  await stream.ready;
  const times: number[] = [];
  try {
    for (let i = 0; i < options.messages + 3 && !signal.aborted; i++) {
      const text = `bench live message ${randomBytes(6).toString('hex')}`;
      const start = performance.now();
      const shown = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`"${text}" never appeared`)), 15_000);
        waiting = (id) => {
          void fetch(`${base}/leads/${id}/conversation`, { headers: { cookie } })
            .then((res) => res.text())
            .then(
              (html) => {
                if (!html.includes(text)) return;
                clearTimeout(timer);
                resolve();
              },
              (error: unknown) => {
                clearTimeout(timer);
                reject(error instanceof Error ? error : new Error(String(error)));
              },
            );
        };
      });
      // Awaited below; a post that fails first must not leave it rejecting unheard.
      shown.catch(() => undefined);
      const posted = await fetch(`${base}/api/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `Live Customer ${i}`,
          email: `live-${i}-${randomBytes(3).toString('hex')}@bench.example`,
          message: text,
        }),
      });
      if (posted.status !== 202 && posted.status !== 201) {
        throw new Error(`the intake answered ${posted.status}: ${await posted.text()}`);
      }
      await shown;
      // The first few warm the worker and the page's code.
      if (i >= 3) times.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    waiting = undefined;
    stream.close();
  }
  return times;
}

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), WORKER], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.pipe(process.stderr);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function formatConsole(options: ConsoleOptions, seedSeconds: number, figures: Figures): string {
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const line = (label: string, values: number[], target?: { p: 50 | 95; ms: number }) => {
    const ms = sorted(values);
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(ms, p)) as [number, number, number];
    const met = target
      ? `  target p${target.p} <= ${target.ms} ms: ${(target.p === 50 ? p50 : p95) <= target.ms ? 'met' : 'NOT MET'}`
      : '';
    return {
      text: `  ${label.padEnd(34)} p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(ms.at(-1) ?? 0).toFixed(1)} ms${met}`,
      p50,
      p95,
    };
  };
  const list = line('lead list, first byte', figures.list, { p: 95, ms: TARGET_PAGE_P95_MS });
  const lead = line('lead page, first byte', figures.lead, { p: 95, ms: TARGET_PAGE_P95_MS });
  const live = line('intake → open page', figures.live, { p: 50, ms: TARGET_LIVE_P50_MS });
  const lines = [
    `Leadwire console bench (${options.store}): ${options.leads.toLocaleString('en-US')} leads, ` +
      `${options.clients.toLocaleString('en-US')} clients, seeded in ${seedSeconds.toFixed(1)} s; ` +
      `${options.requests} requests of each page, one at a time, as a signed-in admin`,
    list.text,
    ...[...figures.listByPath].map(([kind, values]) => line(`  list: ${kind}`, values).text),
    lead.text,
    live.text,
    `bench: console store=${options.store} leads=${options.leads} list_p95_ms=${list.p95.toFixed(1)} ` +
      `lead_p95_ms=${lead.p95.toFixed(1)} live_p50_ms=${live.p50.toFixed(1)}`,
  ];
  return `${lines.join('\n')}\n`;
}
