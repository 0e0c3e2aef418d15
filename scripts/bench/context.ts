/**
 * What every bench mode is given and gives back: the run (its id, progress lines, Ctrl-C, the
 * cleanup it registers), its options read from a spec of defaults, and its result, whose main
 * figure, same-run limit and ratio the entry prints as the one closing `bench:` line.
 */
import { parseArgs } from 'node:util';
import type { OrphanGuard } from './orphan-guard.ts';

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
  /** Human lines, printed to stdout before the `bench:` line. */
  lines: string[];
  /** The mode's headline figure and the same run's limit of it, in the same unit. */
  figure: [name: string, value: number];
  limit: number;
  /** Further `key=value` pairs of the `bench:` line, before the `store=` every line ends with. */
  more?: Record<string, string | number>;
  /** The run found something wrong (lost messages, a check that failed): exit code 1. */
  failed?: boolean;
}

/** Option defaults: a number is a positive whole number, a boolean a flag, a string is kept as is. */
export type Spec = Record<string, number | boolean | string>;
export type Options<S extends Spec> = {
  [K in keyof S]: S[K] extends number ? number : S[K] extends boolean ? boolean : string;
};

export interface Mode<S extends Spec = Spec> {
  /** One line for the usage text. */
  summary: string;
  options: S;
  run(run: Run, options: Options<S>): Promise<Result>;
}

/** Keeps the option types of a mode's spec for its `run`. */
export const defineMode = <S extends Spec>(mode: Mode<S>): Mode => mode as unknown as Mode;

export function usage(name: string, mode: Mode): string {
  const flags = Object.entries(mode.options).map(([key, value]) =>
    typeof value === 'boolean' ? `[--${key}]` : `[--${key} ${value === '' ? '…' : value}]`,
  );
  return `npm run bench -- ${name} ${flags.join(' ')}\n    ${mode.summary}`;
}

export function readOptions(name: string, mode: Mode, args: string[]): Options<Spec> {
  const spec = mode.options;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      options: Object.fromEntries(
        Object.entries(spec).map(([key, value]) => [
          key,
          { type: typeof value === 'boolean' ? 'boolean' : 'string' },
        ]),
      ) as Record<string, { type: 'string' | 'boolean' }>,
    }).values;
  } catch (error) {
    throw new UserError(`${(error as Error).message}\nusage: ${usage(name, mode)}`);
  }
  const options: Record<string, number | boolean | string> = {};
  for (const [key, fallback] of Object.entries(spec)) {
    const given = values[key];
    if (given === undefined) options[key] = fallback;
    else if (typeof fallback !== 'number') options[key] = given;
    else {
      const value = Number(given);
      if (!Number.isSafeInteger(value) || value <= 0)
        throw new UserError(`--${key} must be a positive whole number, got "${String(given)}"`);
      options[key] = value;
    }
  }
  if ('store' in spec && options.store !== 'sqlite' && options.store !== 'postgres')
    throw new UserError(`--store must be sqlite or postgres, got "${String(options.store)}"`);
  if (
    'database-url' in spec &&
    !/^postgres(ql)?:\/\/[^/]+\/?$/.test(String(options['database-url']))
  )
    throw new UserError(
      '--database-url names the server, without a database: postgres://USER@HOST:PORT',
    );
  return options as Options<Spec>;
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
