/**
 * `npm run bench -- search`: how fast GET /api/v1/leads finds leads among a million, through the
 * repository's `list` (what the route runs): by a phone and by an email (identity keys, the
 * lead's own or its client's) and by words (`q`: a name, a name being typed, a company, words of
 * a message). The database is the default bench's (bench.ts makes it and removes it), seeded with
 * the same clients and with leads (search-data.ts) that have a message each.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { RecordScope } from '../../core/permissions.ts';
import type { LeadFilter } from '../../core/repositories/leads.ts';
import type { Store } from '../../core/repositories/index.ts';
import { openStore } from '../../db/open.ts';
import { seedCrm } from '../../db/seed.ts';
import { DEFAULT_POSTGRES, positiveInteger, type BenchOptions } from './options.ts';
import { percentile } from './report.ts';
import { searchLead, senderKeys, textQuery, TEXT_KINDS, leadWords } from './search-data.ts';
import { crmSeed } from './seed.ts';
import { storeConfig, type StoreArgs } from './worker-child.ts';

const USAGE = `usage: npm run bench -- search [--leads N] [--clients N] [--queries N]
                        [--store sqlite|postgres] [--database-url postgres://…] [--data-dir DIR]`;

/** The target for every kind of search, on both stores. */
const TARGET_P95_MS = 50;
/** The route's default page. */
const PAGE = 50;
const ALL: RecordScope = { kind: 'all' };

type Where = Pick<BenchOptions, 'store' | 'databaseUrl' | 'dataDir'>;

export interface SearchBenchContext {
  /** The arguments after `search`. */
  args: string[];
  progress: (line: string) => void;
  signal: AbortSignal;
  defer: (close: () => unknown) => void;
  /** The bench's own database (bench.ts), removed when the bench ends. */
  database: (where: Where) => Promise<StoreArgs>;
}

interface SearchOptions extends Where {
  leads: number;
  clients: number;
  /** Timed queries of each kind (after a few untimed ones). */
  queries: number;
}

function readSearchOptions(args: string[]): SearchOptions {
  const { values } = parseArgs({
    args,
    options: {
      leads: { type: 'string', default: '1000000' },
      clients: { type: 'string', default: '1000000' },
      queries: { type: 'string', default: '500' },
      store: { type: 'string', default: 'sqlite' },
      'database-url': { type: 'string', default: DEFAULT_POSTGRES },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  const store = values.store;
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error(`--store must be sqlite or postgres, got "${store}"\n${USAGE}`);
  return {
    store,
    databaseUrl: values['database-url'].replace(/\/$/, ''),
    dataDir: values['data-dir'],
    leads: positiveInteger('leads', values.leads, USAGE),
    clients: positiveInteger('clients', values.clients, USAGE),
    queries: positiveInteger('queries', values.queries, USAGE),
  };
}

/** One kind of search: a filter for lead `n`, which must be among the leads it finds. */
interface Kind {
  label: string;
  filter(n: number): Omit<LeadFilter, 'limit'>;
  /** Leads this kind can look for (a company search needs a lead with a company). */
  fits?(n: number): boolean;
}

function kinds(clients: number): Kind[] {
  return [
    { label: 'phone', filter: (n) => ({ identityKeys: [senderKeys(n, clients).phone] }) },
    { label: 'email', filter: (n) => ({ identityKeys: [senderKeys(n, clients).email] }) },
    ...TEXT_KINDS.map((kind) => ({
      label: `q: ${kind}`,
      filter: (n: number) => ({ q: textQuery(n, kind) }),
      ...(kind === 'company' ? { fits: (n: number) => leadWords(n).company !== null } : {}),
    })),
  ];
}

interface Timing {
  label: string;
  /** Milliseconds per query, ascending. */
  ms: number[];
  /** Leads on the first page, summed: how much each kind finds. */
  found: number;
  /** Queries whose first page did not hold the lead looked for (a full page may hide it). */
  missed: number;
}

const WARMUP = 20;

async function timeKind(store: Store, kind: Kind, options: SearchOptions, signal: AbortSignal) {
  const timing: Timing = { label: kind.label, ms: [], found: 0, missed: 0 };
  for (let i = 0; i < WARMUP + options.queries && !signal.aborted; i++) {
    let n = randomInt(1, options.leads + 1);
    while (kind.fits && !kind.fits(n)) n = randomInt(1, options.leads + 1);
    const start = performance.now();
    const { leads } = await store.leads.list({ ...kind.filter(n), limit: PAGE }, ALL);
    const ms = performance.now() - start;
    if (i < WARMUP) continue;
    timing.ms.push(ms);
    timing.found += leads.length;
    if (leads.length < PAGE && !leads.some((lead) => lead.id === n)) timing.missed++;
  }
  timing.ms.sort((a, b) => a - b);
  return timing;
}

export async function benchSearch(context: SearchBenchContext): Promise<string> {
  const options = readSearchOptions(context.args);
  const { progress } = context;
  const database = await context.database(options);
  const store = await openStore(storeConfig(database));
  context.defer(() => store.close());

  const seeding = performance.now();
  const seed = {
    ...crmSeed(options.clients),
    leads: { count: options.leads, lead: (n: number) => searchLead(n, options.clients) },
  };
  await seedCrm(store, seed, (done, what) => {
    const total = what === 'clients' ? options.clients : options.leads;
    if (done % 250_000 === 0 || done === total) progress(`seeded ${done} ${what}`);
  });
  const seedSeconds = (performance.now() - seeding) / 1000;
  progress(`seeded in ${seedSeconds.toFixed(1)} s; ${options.queries} queries of each kind`);

  const timings: Timing[] = [];
  for (const kind of kinds(options.clients)) {
    timings.push(await timeKind(store, kind, options, context.signal));
    progress(`${kind.label}: done`);
  }
  return formatSearch(options, seedSeconds, timings);
}

function formatSearch(options: SearchOptions, seedSeconds: number, timings: Timing[]): string {
  const int = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = [
    `Leadwire search bench (${options.store}): ${int(options.leads)} leads with a message each, ` +
      `${int(options.clients)} clients, seeded in ${seedSeconds.toFixed(1)} s; ` +
      `${int(options.queries)} random queries of each kind, ${PAGE} a page, through leads.list`,
  ];
  const summary: string[] = [];
  for (const { label, ms, found, missed } of timings) {
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(ms, p)) as [number, number, number];
    const met = p95 <= TARGET_P95_MS ? 'met' : 'NOT MET';
    lines.push(
      `  ${label.padEnd(16)} p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${(ms[ms.length - 1] ?? 0).toFixed(1)} ms  target p95 <= ${TARGET_P95_MS} ms: ${met}` +
        `  (${(found / Math.max(1, ms.length)).toFixed(1)} leads a page)`,
    );
    if (missed) lines.push(`  WARNING: ${missed} ${label} searches did not find their lead`);
    summary.push(`${label.replace(/\W+/g, '_')}_p95_ms=${p95.toFixed(1)}`);
  }
  lines.push(`bench: search store=${options.store} leads=${options.leads} ${summary.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
