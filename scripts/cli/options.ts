/**
 * Strict option parsing for the queue and replay commands: a mistyped option is a usage error
 * (exit code 2), never a filter silently ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { QueueName } from '../../core/jobs.ts';
import { QUEUE_NAMES } from './queue-client.ts';
import { CliError } from './widgets.ts';

/** Node's strict parser, with its errors turned into a usage error (exit code 2). */
export function parseStrict<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

export function queueOption(value: string | undefined): QueueName[] {
  if (value === undefined) return QUEUE_NAMES;
  const name = QUEUE_NAMES.find((q) => q === value);
  if (!name) throw new CliError(`--queue must be one of ${QUEUE_NAMES.join(', ')}`);
  return [name];
}

export function limitOption(value: string | undefined): number {
  if (value === undefined) return 20;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a whole number');
  return limit;
}
