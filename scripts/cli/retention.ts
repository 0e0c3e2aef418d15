/**
 * `leadwire retention run [--dry-run]`: the pass the worker makes on its own, now — delivered
 * events older than EVENT_RETENTION_DAYS pruned, blobs nothing names any more collected — with
 * what went counted. `--dry-run` counts the blobs that would go and removes nothing.
 */
import { systemClock } from '../../core/clock.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { Config } from '../../core/runtime/config.ts';
import { DEFAULT_BLOB_GRACE_MS, retainOnce } from '../../workers/retention.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { table } from './format.ts';
import { CliError, parseStrict } from './options.ts';

const DAY_MS = 86_400_000;
const days = (ms: number) => `${ms / DAY_MS} day${ms === DAY_MS ? '' : 's'}`;

export async function runRetentionCommand(
  store: Store,
  config: Config,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.retention);
  const [group, command, ...extra] = positionals;
  if (group !== 'retention' || command !== 'run') return undefined;
  if (extra.length) throw new CliError(`retention run takes no ${extra.join(' ')}`);
  const dryRun = values['dry-run'] === true;
  const report = await retainOnce(
    {
      repos: store,
      blobs: store.blobs,
      clock: systemClock,
      keepEventsMs: config.eventRetentionMs,
    },
    { dryRun },
  );
  const verb = dryRun ? 'would go' : 'removed';
  const rows: (string | number)[][] = [
    [
      'events',
      report.events ?? '-',
      report.events === undefined
        ? 'not counted in a dry run'
        : `pruned: delivered, older than ${days(config.eventRetentionMs)}`,
    ],
    [
      'blobs',
      report.blobs,
      `${verb}: nothing names them, older than ${days(DEFAULT_BLOB_GRACE_MS)}`,
    ],
    ['uploads', report.uploads, `${verb}: left unfinished by a crash`],
  ];
  return `${table(rows)}${dryRun ? '\ndry run: nothing was removed' : ''}`;
}
