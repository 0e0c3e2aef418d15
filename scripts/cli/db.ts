/**
 * `leadwire db copy --to postgres://…`: moves a SQLite deployment (DATA_DIR) into an empty
 * PostgreSQL database, with a progress bar, and checks the counts at the end.
 */
import type { Store } from '../../core/repositories/index.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { CopyRefused, copyToPostgres, type CopyReport } from '../../db/copy.ts';
import { unguarded } from '../../db/errors.ts';
import type { SqliteStore } from '../../db/sqlite/store.ts';
import { table } from './format.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, CommandFailed, parseStrict } from './options.ts';
import { startProgress, type Progress } from './progress.ts';

export async function runDbCommand(store: Store, argv: string[]): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.db);
  const [group, command] = positionals;
  if (group !== 'db') return undefined;
  if (command !== 'copy')
    throw new CliError(
      command === undefined ? 'db needs a command: copy' : `unknown command: db ${command}`,
    );
  const url = values.to;
  if (!url || !/^postgres(ql)?:\/\//.test(url))
    throw new CliError('db copy needs --to postgres://USER@HOST:5432/DATABASE');
  if (store.kind !== 'sqlite')
    throw new CliError(
      'db copy copies a SQLite deployment: run it without DATABASE_URL, with DATA_DIR pointing at the deployment',
    );
  let progress: Progress | undefined;
  let done = 0;
  try {
    const report = await copyToPostgres(unguarded<SqliteStore>(store), url, {
      blobs: !values['no-blobs'],
      progress: {
        total(count) {
          progress = startProgress({
            label: 'db copy',
            unit: 'rows and blobs',
            total: count,
            done: 0,
          });
        },
        advance(by) {
          done += by;
          progress?.update(done);
        },
      },
    });
    progress?.stop();
    return describe(report, scrubSecrets(url));
  } catch (error) {
    progress?.stop();
    if (error instanceof CopyRefused) throw new CliError(error.message);
    throw error;
  }
}

function describe(report: CopyReport, url: string): string {
  const rows: (string | number)[][] = [['table', 'sqlite', 'postgres', '']];
  const wrong: string[] = [];
  for (const { table: name, source, target } of report.tables) {
    rows.push([name, source, target, source === target ? 'ok' : 'MISMATCH']);
    if (source !== target) wrong.push(name);
  }
  if (report.blobs) {
    const { source, target } = report.blobs;
    rows.push(['(blobs)', source, target, target >= source ? 'ok' : 'MISMATCH']);
    if (target < source) wrong.push('blobs');
  }
  const verdict = wrong.length
    ? `db copy to ${url} did NOT check out: ${wrong.join(', ')} differ`
    : `db copy to ${url}: every count checks out. Start the processes with DATABASE_URL set to it${report.blobs ? '' : ' and BLOB_DIR at the blob directory'}.`;
  if (wrong.length) throw new CommandFailed(`${table(rows)}\n${verdict}`);
  return `${table(rows)}\n${verdict}`;
}
