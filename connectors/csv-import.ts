/**
 * The CSV import of either entity, for the CLI and the console: clients written by the store's
 * import batches (core/runtime/csv-import.ts), leads through the REST intake and the ingest
 * (api/import-leads.ts).
 */
import { systemClock, type Clock } from '../core/clock.ts';
import type { CsvFile } from '../core/import/read-csv.ts';
import type { ImportRun, Repositories } from '../core/repositories/index.ts';
import {
  clientWriter,
  runImport,
  type ImportHooks,
  type ImportReport,
  type ImportSettings,
} from '../core/runtime/csv-import.ts';
import { leadWriter } from './api/import-leads.ts';

export type CsvImportRepos = Pick<
  Repositories,
  'imports' | 'users' | 'customFields' | 'inbox' | 'ingest' | 'channels'
>;

export async function importCsv(
  file: CsvFile,
  settings: ImportSettings,
  repos: CsvImportRepos,
  target: { run: ImportRun } | { dryRun: true },
  options: ImportHooks & { fileName?: string; clock?: Clock } = {},
): Promise<ImportReport> {
  const { fileName, clock, ...hooks } = options;
  if (settings.entity === 'lead') {
    const name = fileName ?? ('run' in target ? target.run.fileName : 'import.csv');
    const writer = await leadWriter(repos, settings, target, name, clock ?? systemClock);
    return runImport(file, settings, repos, writer, target, hooks);
  }
  return runImport(
    file,
    settings,
    repos,
    clientWriter(repos, settings.mode, target),
    target,
    hooks,
  );
}
