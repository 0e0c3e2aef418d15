/** Command-line options of `npm run bench`; the figures are the defaults. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** The store measured: SQLite (a file of its own) or PostgreSQL (a database of its own). */
  store: 'sqlite' | 'postgres';
  /** Ingest worker processes, one run for each count (PostgreSQL: 1,2,4). */
  workers: number[];
  /** The PostgreSQL server the bench makes its database on. */
  databaseUrl: string;
  /** Clients (each with an email and a phone identity) seeded before the run. */
  clients: number;
  /** Messages in the backlog drained by the ingest worker and by the no-op worker. */
  backlog: number;
  /** Steady arrival rate of the latency phase, messages per second. */
  rate: number;
  /** Length of the latency phase in seconds. */
  seconds: number;
  /** Share of messages from senders who are already clients (0–1). */
  returning: number;
  /** Where the database goes; a temporary directory (removed afterwards) when not given. */
  dataDir: string | undefined;
}

const USAGE = `usage: npm run bench -- [--clients N] [--backlog N] [--rate N] [--seconds N]
                        [--returning 0..1] [--data-dir DIR]
                        [--store sqlite|postgres] [--workers 1,2,4] [--database-url postgres://…]`;

/** Where the bench makes its PostgreSQL database when told nothing else. */
export const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432';

export function readOptions(args: string[] = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      clients: { type: 'string', default: '1000000' },
      backlog: { type: 'string', default: '20000' },
      rate: { type: 'string' },
      store: { type: 'string', default: 'sqlite' },
      workers: { type: 'string' },
      'database-url': { type: 'string', default: DEFAULT_POSTGRES },
      seconds: { type: 'string', default: '30' },
      returning: { type: 'string', default: '0.5' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const returning = Number(values.returning);
  if (!(returning >= 0 && returning <= 1)) throw new Error(`--returning must be between 0 and 1`);
  const store = values.store;
  if (store !== 'sqlite' && store !== 'postgres')
    throw new Error(`--store must be sqlite or postgres, got "${store}"\n${USAGE}`);
  const workers = (values.workers ?? (store === 'postgres' ? '1,2,4' : '1'))
    .split(',')
    .map((n) => positiveInteger('workers', n.trim()));
  const databaseUrl = values['database-url'];
  if (!/^postgres(ql)?:\/\/[^/]+\/?$/.test(databaseUrl))
    throw new Error(
      `--database-url names the server, without a database: postgres://USER@HOST:PORT\n${USAGE}`,
    );
  return {
    store,
    workers,
    databaseUrl: databaseUrl.replace(/\/$/, ''),
    clients: positiveInteger('clients', values.clients),
    backlog: positiveInteger('backlog', values.backlog),
    rate: positiveInteger('rate', values.rate ?? (store === 'postgres' ? '500' : '1000')),
    seconds: positiveInteger('seconds', values.seconds),
    returning,
    dataDir: values['data-dir'],
  };
}

/** An option's value as a positive whole number, or an error that shows `usage`. */
export function positiveInteger(name: string, text: string, usage = USAGE): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer, got "${text}"\n${usage}`);
  return value;
}
