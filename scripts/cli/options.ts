/**
 * Strict option parsing for every command: a mistyped option is a usage error (exit code 2)
 * with a sentence saying what was wrong, never a filter silently ignored or a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in what was typed: printed with the command's usage, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The command ran but could not do its work (a service, a login, counts that differ): exit code 1. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Node's strict parser, with its errors turned into usage errors that name the option. */
export function parseStrict<O extends OptionSpec>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new CliError(describeParseError(error as Error & { code?: string }, options));
  }
}

function describeParseError(error: Error & { code?: string }, options: OptionSpec): string {
  const option = /'(-[^' ]+)/.exec(error.message)?.[1];
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    const known = Object.keys(options).map((name) => `--${name}`);
    const near = nearest(option, known);
    return `unknown option ${option}${near ? ` (did you mean ${near}?)` : known.length ? ` (this command takes ${known.join(', ')})` : ' (this command takes none)'}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/argument missing/.test(error.message)) return `${option} needs a value`;
    if (/does not take an argument/.test(error.message)) return `${option} takes no value`;
    if (/ambiguous/.test(error.message))
      return `${option} needs a value; a value starting with - is written ${option}=-VALUE`;
  }
  return error.message;
}

/** The candidate `word` is a typo of (one or two letters off), for "did you mean". */
export function nearest(word: string, candidates: string[]): string | undefined {
  return candidates.find((candidate) => distance(candidate, word) <= 2);
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Largest id the stores hold (PostgreSQL `integer`). */
const MAX_ID = 2_147_483_647;

/** A record id typed by a person: a whole number from 1, or undefined. */
export function idOf(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const id = Number(text);
  return id >= 1 && id <= MAX_ID ? id : undefined;
}
