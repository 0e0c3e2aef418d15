/**
 * `npm run bench -- import`: how long `npm run leadwire -- import clients FILE` takes for a
 * million clients, and how much memory it holds. The bench writes a CRM export of its own
 * (import-data.ts, not timed), runs the real CLI on it as a child process with the bench's
 * database (bench.ts makes it and removes it), samples the child's peak RSS, then checks in the
 * store that the clients and identities are the ones the CLI reported, no key owned twice.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openStore } from '../../db/open.ts';
import { inspect } from '../../db/inspect.ts';
import { IMPORT_USERS, writeClientsCsv, type ClientsCsv } from './import-data.ts';
import { DEFAULT_POSTGRES, positiveInteger, type BenchOptions } from './options.ts';
import { procStatusBytes } from './peak-rss.ts';
import { storeConfig, type StoreArgs } from './worker-child.ts';
import { createWorkspace } from './workspace.ts';

const USAGE = `usage: npm run bench -- import [--rows N] [--store sqlite|postgres] [--database-url postgres://…]`;

/** The target (the same figures are shown against PostgreSQL for comparison). */
const TARGET_SECONDS = 180;
const TARGET_RSS_MB = 250;
const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const RSS_SAMPLE_MS = 100;
/** /proc/<pid>/stat counts CPU time in USER_HZ ticks, 100 a second on every Linux. */
const TICKS_PER_SECOND = 100;

type Where = Pick<BenchOptions, 'store' | 'databaseUrl' | 'dataDir'>;

export interface ImportBenchContext {
  /** The arguments after `import`. */
  args: string[];
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
  /** The bench's own database (bench.ts), removed when the bench ends. */
  database: (where: Where) => Promise<StoreArgs>;
}

interface ImportOptions extends Where {
  rows: number;
}

function readImportOptions(args: string[]): ImportOptions {
  const { values } = parseArgs({
    args,
    options: {
      rows: { type: 'string', default: '1000000' },
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
    // The CLI finds SQLite as DATA_DIR/leadwire.db: the workspace's temporary directory.
    dataDir: undefined,
    rows: positiveInteger('rows', values.rows, USAGE),
  };
}

/** The CLI's environment: the bench's database and no .env of the checkout. */
function cliEnv(database: StoreArgs): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ENV_FILE: '/dev/null', LOG_LEVEL: 'warn' };
  if (database.kind === 'postgres') env.DATABASE_URL = database.url;
  else {
    env.DATA_DIR = path.dirname(database.file);
    delete env.DATABASE_URL;
  }
  return env;
}

interface CliRun {
  code: number | null;
  stdout: string;
  seconds: number;
  peakRssBytes: number;
  /** User and system CPU seconds as last sampled (0 off Linux): shows a wall time stretched by a busy machine. */
  cpuSeconds: number;
}

/** CPU seconds a running process has used (utime + stime), undefined once it is gone. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command name: state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND || undefined;
  } catch {
    return undefined;
  }
}

/** The node flags of `npm run leadwire` (package.json), so the bench measures that command. */
const LEADWIRE_FLAGS = ['--max-semi-space-size=2'];

/**
 * Runs the CLI as an operator would — as `npm run leadwire` starts it (package.json), with its
 * node flags — its stderr ours, timing it and sampling its peak RSS.
 */
function runCli(args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<CliRun> {
  const start = performance.now();
  const child = spawn(process.execPath, [...LEADWIRE_FLAGS, '--import', 'tsx', CLI, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    signal,
  });
  let peakRssBytes = 0;
  let cpuSeconds = 0;
  const sample = () => {
    peakRssBytes = Math.max(peakRssBytes, procStatusBytes('VmHWM', child.pid ?? 0) ?? 0);
    cpuSeconds = cpuSecondsOf(child.pid ?? 0) ?? cpuSeconds;
  };
  const timer = setInterval(sample, RSS_SAMPLE_MS);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - start) / 1000;
      resolve({ code, stdout, seconds, peakRssBytes, cpuSeconds });
    });
  });
}

/** What the CLI's summary line says it did. */
interface Reported {
  records: number;
  created: number;
  updated: number;
  skipped: number;
  refused: number;
}

function readSummary(stdout: string): Reported {
  const found =
    /(\d+) records read, created (\d+), updated (\d+), skipped as duplicates (\d+), refused (\d+)/.exec(
      stdout,
    );
  if (!found) throw new Error(`the CLI printed no summary:\n${stdout}`);
  const [records, created, updated, skipped, refused] = found.slice(1).map(Number) as number[];
  return {
    records: records!,
    created: created!,
    updated: updated!,
    skipped: skipped!,
    refused: refused!,
  };
}

interface Stored {
  clients: number;
  identities: number;
  keysOwnedTwice: number;
  status: string;
  position: number;
}

async function readStore(database: StoreArgs): Promise<Stored> {
  const store = await openStore(storeConfig(database), { migrate: false });
  try {
    const db = inspect(store);
    const count = async (query: ReturnType<typeof sql>) =>
      Number((await db.get<{ n: number }>(query))?.n ?? 0);
    const run = await db.get<{ status: string; position: number }>(
      sql`SELECT status, position FROM imports ORDER BY id DESC LIMIT 1`,
    );
    return {
      clients: await count(sql`SELECT count(*) AS n FROM clients`),
      identities: await count(
        sql`SELECT count(*) AS n FROM identities WHERE client_id IS NOT NULL`,
      ),
      keysOwnedTwice: await count(
        sql`SELECT count(*) AS n FROM (SELECT key FROM identities WHERE client_id IS NOT NULL
            GROUP BY key HAVING count(*) > 1) AS twice`,
      ),
      status: run?.status ?? 'none',
      position: Number(run?.position ?? 0),
    };
  } finally {
    await store.close();
  }
}

/** Differences between what the file holds, what the CLI said and what the store keeps. */
function mismatches(csv: ClientsCsv, reported: Reported, stored: Stored): string[] {
  const expect: [string, number, number][] = [
    ['records read', reported.records, csv.rows],
    ['refused', reported.refused, csv.refused],
    ['created', reported.created, csv.unique],
    ['updated + skipped as duplicates', reported.updated + reported.skipped, csv.duplicates],
    ['clients in the store', stored.clients, reported.created],
    // Each new client brings its phone and email; each duplicate row its own email.
    [
      'identities in the store',
      stored.identities,
      2 * reported.created + reported.updated + reported.skipped,
    ],
    ['identity keys owned twice', stored.keysOwnedTwice, 0],
    ['import position', stored.position, reported.records],
  ];
  const list = expect
    .filter(([, got, want]) => got !== want)
    .map(([what, got, want]) => `${what}: ${got}, expected ${want}`);
  if (stored.status !== 'done') list.push(`import status: ${stored.status}, expected done`);
  return list;
}

export async function benchImport(context: ImportBenchContext): Promise<string> {
  const options = readImportOptions(context.args);
  const { progress } = context;
  const files = createWorkspace(undefined, randomBytes(4).toString('hex'), 'import');
  context.defer(() => files.remove());
  const database = await context.database(options);

  // The responsible users the file names must exist, as in the CRM the export goes into.
  const store = await openStore(storeConfig(database));
  for (const user of IMPORT_USERS) await store.users.createUser({ ...user, roles: ['operator'] });
  await store.close();

  const file = path.join(path.dirname(files.databaseFile), 'clients.csv');
  const generating = performance.now();
  const csv = await writeClientsCsv(file, options.rows);
  progress(
    `wrote ${file}: ${csv.rows} rows, ${(csv.bytes / 1024 / 1024).toFixed(1)} MB, ` +
      `in ${((performance.now() - generating) / 1000).toFixed(1)} s; importing`,
  );

  const cli = await runCli(
    ['import', 'clients', file, '--country', 'ES'],
    cliEnv(database),
    context.signal,
  );
  // Refused rows make the CLI end with 1 after its summary; anything else is a failure.
  if (cli.code !== (csv.refused ? 1 : 0))
    throw new Error(`the CLI ended with ${cli.code}:\n${cli.stdout}`);
  const reported = readSummary(cli.stdout);
  progress(`imported in ${cli.seconds.toFixed(1)} s; checking the store`);
  const stored = await readStore(database);
  return formatImport(options, csv, cli, reported, stored);
}

function formatImport(
  options: ImportOptions,
  csv: ClientsCsv,
  cli: CliRun,
  reported: Reported,
  stored: Stored,
): string {
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const rssMb = cli.peakRssBytes / 1024 / 1024;
  const perSecond = reported.records / cli.seconds;
  const wrong = mismatches(csv, reported, stored);
  const lines = [
    `Leadwire import bench (${options.store}): ${int(csv.rows)} rows ` +
      `(${(csv.bytes / 1024 / 1024).toFixed(1)} MB; ${int(csv.duplicates)} repeat an earlier phone, ` +
      `${int(csv.refused)} have an invalid email) through \`leadwire import clients --country ES\``,
    `  time          ${cli.seconds.toFixed(1)} s = ${int(perSecond)} rows/s  ` +
      `target <= ${TARGET_SECONDS} s: ${met(cli.seconds <= TARGET_SECONDS)}`,
    `                (${cli.cpuSeconds.toFixed(1)} CPU s; load average ${loadavg()[0]!.toFixed(1)} ` +
      `on ${availableParallelism()} CPUs at the end)`,
    `  peak RSS      ${rssMb.toFixed(1)} MB  target <= ${TARGET_RSS_MB} MB: ${met(rssMb <= TARGET_RSS_MB)}`,
    `  CLI reported  created ${int(reported.created)}, updated ${int(reported.updated)}, ` +
      `skipped ${int(reported.skipped)}, refused ${int(reported.refused)}`,
    `  store         ${int(stored.clients)} clients, ${int(stored.identities)} identities, ` +
      `${int(stored.keysOwnedTwice)} keys owned twice, import ${stored.status}: ` +
      (wrong.length ? 'MISMATCH' : 'as reported'),
    ...wrong.map((line) => `  WARNING: ${line}`),
    `bench: import rows=${reported.records} seconds=${cli.seconds.toFixed(1)} ` +
      `rows_per_s=${Math.round(perSecond)} peak_rss_mb=${rssMb.toFixed(1)} store=${options.store}`,
  ];
  return `${lines.join('\n')}\n`;
}
