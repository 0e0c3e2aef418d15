/**
 * What every bench mode is given and gives back: the run, its options read from a spec of
 * defaults, and its result, which the entry prints ending with the one `bench:` line. Also the
 * small statistics every report uses.
 */
import { parseArgs } from 'node:util';
import type { OrphanGuard, Workspace } from './workspace.ts';

/** A mistake of the person running the bench: shown without a stack trace. */
export class UserError extends Error {}

export interface Run {
  /** Eight hex digits naming everything this run creates (directories, databases, prefixes). */
  id: string;
  progress(line: string): void;
  /** Aborted on Ctrl-C: the load stops, then the cleanup runs. */
  signal: AbortSignal;
  /** Registers something to undo when the run ends, however it ends (last registered first). */
  defer(close: () => unknown): void;
  /** Undoes what `defer` could not: the run killed outright. */
  guard: OrphanGuard;
}

export interface Result {
  /** Printed to stdout before the `bench:` line. */
  lines: string[];
  /** The mode's headline figure and the same run's limit of it, in the same unit. */
  figure: [name: string, value: number];
  limit: number;
  /** Further `key=value` pairs of the `bench:` line, before its closing `store=`. */
  more?: Record<string, string | number>;
  /** The run found something wrong (lost messages, a check that failed): exit code 1. */
  failed?: boolean;
}

/** The options every mode has: the store, and the PostgreSQL server that holds its database. */
export const STORE_OPTIONS = {
  store: 'sqlite',
  'database-url': 'postgres://postgres@127.0.0.1:5432',
};

/** Option defaults: a number is a positive whole number, a string is kept as is. */
export type Spec = Record<string, number | string>;
export type Options<S extends Spec> = { [K in keyof S]: S[K] extends number ? number : string };

export interface Mode<S extends Spec = Spec> {
  /** One line for the usage text. */
  summary: string;
  options: S;
  /** The store's durability where the mode needs another than the default. */
  durability?: 'normal';
  run(run: Run, options: Options<S>, workspace: Workspace): Promise<Result>;
}

/** Keeps the option types of a mode's spec for its `run`. */
export const defineMode = <S extends Spec>(mode: Mode<S>): Mode => mode as unknown as Mode;

export function usage(name: string, mode: Mode): string {
  const flags = Object.entries({ ...mode.options, ...STORE_OPTIONS }).map(
    ([key, value]) => `[--${key} ${value === '' ? '…' : value}]`,
  );
  return `npm run bench -- ${name} ${flags.join(' ')}\n    ${mode.summary}`;
}

export function readOptions(name: string, mode: Mode, args: string[]) {
  const spec: Spec = { ...mode.options, ...STORE_OPTIONS };
  const types = Object.keys(spec).map((key) => [key, { type: 'string' as const }] as const);
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({ args, strict: true, options: Object.fromEntries(types) }).values;
  } catch (error) {
    throw new UserError(`${(error as Error).message}\nusage: ${usage(name, mode)}`);
  }
  const options: Spec = {};
  for (const [key, fallback] of Object.entries(spec)) {
    const given = values[key] ?? fallback;
    const number = Number(given);
    if (typeof fallback === 'number' && (!Number.isSafeInteger(number) || number <= 0))
      throw new UserError(`--${key} must be a positive whole number, got "${given}"`);
    options[key] = typeof fallback === 'number' ? number : given;
  }
  if (options.store !== 'sqlite' && options.store !== 'postgres')
    throw new UserError(`--store must be sqlite or postgres, got "${options.store}"`);
  if (!/^postgres(ql)?:\/\/[^/]+\/?$/.test(String(options['database-url'])))
    throw new UserError(
      '--database-url names the server, without a database: postgres://USER@HOST:PORT',
    );
  return options as Options<typeof STORE_OPTIONS>;
}

/** Nearest-rank percentile of an ascending list (0 when it is empty). */
export function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? 0;
}

export const ascending = (values: number[]) => [...values].sort((a, b) => a - b);
export const int = (value: number) => Math.round(value).toLocaleString('en-US');
export const mb = (bytes: number) => bytes / 1024 / 1024;
export const seconds = (fromMs: number, toMs = performance.now()) => (toMs - fromMs) / 1000;
/** `p50 1.0 ms, p95 …, p99 …, max …` of an ascending list of milliseconds. */
export const spread = (ms: number[]) =>
  [50, 95, 99].map((p) => `p${p} ${percentile(ms, p).toFixed(1)} ms`).join(', ') +
  `, max ${(ms.at(-1) ?? 0).toFixed(1)} ms`;
/** How many of these requests, made one after another, fit in a second. */
export const perSecond = (ms: number[]) =>
  (1000 * ms.length) / ms.reduce((sum, each) => sum + each, 0);

/** Milliseconds `call` took. */
export async function timed(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

/** `count` measures taken one at a time after `warmup` untimed ones, ascending. */
export async function oneAtATime(
  run: Run,
  count: number,
  measure: (i: number) => Promise<number>,
  warmup = 20,
): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < warmup + count && !run.signal.aborted; i++) {
    const took = await measure(i);
    if (i >= warmup) ms.push(took);
  }
  return ascending(ms);
}
