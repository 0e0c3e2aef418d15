/**
 * A CSV import, the same from the CLI and the console: the file streamed record by record
 * (core/import), each record checked (refused ones reported with their line and reason), and
 * batches written by the store (`ImportRepository.importClients`), each batch with the run's
 * position so an interrupted import resumes after its last committed batch.
 */
import type { CustomFieldDefinition } from '../custom-fields.ts';
import type { DuplicateMode, ImportedClient, ImportStep } from '../import-plan.ts';
import { countSteps, planClientImport, type KnownClient } from '../import-plan.ts';
import { openCsv, type CsvFile } from '../import/read-csv.ts';
import { suggestMapping, type ImportEntity, type ImportTarget } from '../import/mapping.ts';
import { readRow, type ImportRecord } from '../import/rows.ts';
import type { ImportCounts, ImportRun, Repositories } from '../repositories/index.ts';

export type ImportRepos = Pick<Repositories, 'imports' | 'users' | 'customFields'>;

export interface ImportSettings {
  entity: ImportEntity;
  /** One target per column; the suggested mapping when not given. */
  mapping: ImportTarget[];
  mode: DuplicateMode;
  defaultCountry?: string | undefined;
}

export interface ImportReport {
  counts: ImportCounts;
  /** Records read after the header (refused ones included). */
  records: number;
  /** Set when the run was stored (not a dry run). */
  run?: ImportRun;
  /** True when it stopped on `signal` before the end of the file. */
  interrupted: boolean;
  /** A dry run's first records as they would be written. */
  sample: { line: number; record: ImportRecord }[];
}

export interface ImportHooks {
  /** A refused record: its line, why, and its values as read. */
  refused?(line: number, reason: string, values: string[]): void | Promise<void>;
  /** After each batch: records read so far and the counts. */
  progress?(records: number, counts: ImportCounts): void;
  /** Stops the import after the batch in hand (the run is then `interrupted`). */
  signal?: AbortSignal;
}

/** Opens the file to show its columns: the headers, what they suggest and the detection. */
export async function inspectCsv(
  source: AsyncIterable<Uint8Array>,
  entity: ImportEntity,
  repos: Pick<Repositories, 'customFields'>,
): Promise<{ file: CsvFile; suggested: ImportTarget[]; customFields: CustomFieldDefinition[] }> {
  const customFields = await repos.customFields.list(entity);
  const file = await openCsv(source);
  return { file, suggested: suggestMapping(file.headers, entity, customFields), customFields };
}

/** The users a `responsible` cell may name: by email or by name, case ignored. */
async function responsibleLookup(repos: Pick<Repositories, 'users'>) {
  const users = await repos.users.listUsers({ active: true });
  const byWord = new Map<string, number>();
  for (const user of users) {
    if (!user.active) continue;
    byWord.set(user.email.toLowerCase(), user.id);
    if (!byWord.has(user.name.toLowerCase())) byWord.set(user.name.toLowerCase(), user.id);
  }
  return (text: string) => byWord.get(text.trim().toLowerCase());
}

const SAMPLE_ROWS = 10;

/**
 * Reads `file` (opened with `skipRecords` = the run's position when resuming) and imports it
 * into `run` — or, with no run, only counts what it would do (a dry run: nothing is written).
 */
export async function importClients(
  file: CsvFile,
  settings: ImportSettings,
  repos: ImportRepos,
  target: { run: ImportRun } | { dryRun: true },
  hooks: ImportHooks = {},
): Promise<ImportReport> {
  const customFields = await repos.customFields.list('client');
  const responsible = await responsibleLookup(repos);
  const dryRun = !('run' in target);
  let run = 'run' in target ? target.run : undefined;
  const counts: ImportCounts = run
    ? { ...run.counts }
    : { created: 0, updated: 0, skipped: 0, refused: 0 };
  let records = run?.position ?? 0;
  const sample: ImportReport['sample'] = [];
  const planDry = dryRunPlanner(repos);

  let batch: ImportedClient[] = [];
  let batchRecords = 0;
  let batchRefused = 0;

  const flush = async () => {
    if (!batchRecords) return;
    let steps: ImportStep[];
    if (run) {
      const written = await repos.imports.importClients(run.id, batch, settings.mode, {
        records: batchRecords,
        refused: batchRefused,
        at: new Date(),
      });
      steps = written.steps;
      run = written.run;
    } else {
      steps = await planDry(batch, settings.mode);
    }
    const add = countSteps(steps);
    counts.created += add.created;
    counts.updated += add.updated;
    counts.skipped += add.skipped;
    counts.refused += batchRefused;
    records += batchRecords;
    batch = [];
    batchRecords = 0;
    batchRefused = 0;
    hooks.progress?.(records, { ...counts });
  };

  let interrupted = false;
  for await (const row of file.rows) {
    batchRecords++;
    if (row.error !== undefined) {
      batchRefused++;
      await hooks.refused?.(row.line, row.error, []);
      break;
    }
    const read = readRow(row.values, file.headers, settings.mapping, {
      entity: 'client',
      customFields,
      ...(settings.defaultCountry ? { defaultCountry: settings.defaultCountry } : {}),
    });
    let refusal = read.ok ? undefined : read.reason;
    let responsibleId: number | null = null;
    if (read.ok && read.record.responsible) {
      responsibleId = responsible(read.record.responsible) ?? null;
      if (responsibleId === null)
        refusal = `responsible: no active user with the email or name "${read.record.responsible}" (map the column to skip to import without one)`;
    }
    if (refusal !== undefined || !read.ok) {
      batchRefused++;
      await hooks.refused?.(row.line, refusal ?? 'not readable', row.values);
    } else {
      const { record } = read;
      if (dryRun && sample.length < SAMPLE_ROWS) sample.push({ line: row.line, record });
      batch.push({
        line: row.line,
        kind: record.kind,
        name: record.name,
        company: record.company,
        identities: record.identities,
        responsibleId,
        custom: record.custom,
      });
    }
    if (batchRecords >= repos.imports.batchSize) {
      await flush();
      if (hooks.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
  }
  await flush();
  if (run)
    run = await repos.imports.finish(run.id, interrupted ? 'interrupted' : 'done', new Date());
  return { counts, records, interrupted, sample, ...(run ? { run } : {}) };
}

/**
 * A dry run's batches planned as the store would plan them. Nothing is written, so it keeps
 * what the earlier batches would have left: the clients they would create, and the known ones
 * as their merges would leave them (with the identities those merges add).
 */
function dryRunPlanner(repos: Pick<Repositories, 'imports'>) {
  const byKey = new Map<string, KnownClient>();
  const changed = new Map<number, KnownClient>();
  return async (batch: ImportedClient[], mode: DuplicateMode): Promise<ImportStep[]> => {
    const keys = [...new Set(batch.flatMap((row) => row.identities.map((i) => i.key)))];
    const known = await repos.imports.knownClients(keys);
    for (const [key, client] of known) known.set(key, changed.get(client.id) ?? client);
    for (const key of keys) {
      const client = byKey.get(key);
      if (client && !known.has(key)) known.set(key, changed.get(client.id) ?? client);
    }
    const steps = planClientImport(batch, known, mode);
    const byId = new Map([...known.values()].map((client) => [client.id, client]));
    for (const step of steps) {
      if (step.kind === 'update') {
        const before = changed.get(step.clientId) ?? byId.get(step.clientId);
        if (!before) continue;
        const after: KnownClient = {
          ...before,
          ...step.fill,
          identityKeys: [...before.identityKeys, ...step.addIdentities.map((i) => i.key)],
        };
        changed.set(after.id, after);
        for (const identity of step.addIdentities) byKey.set(identity.key, after);
      } else if (step.kind === 'create') {
        const client: KnownClient = {
          id: -step.line,
          name: step.client.name,
          company: step.client.company,
          responsibleId: step.client.responsibleId,
          custom: step.client.custom,
          identityKeys: step.client.identities.map((i) => i.key),
        };
        for (const key of client.identityKeys) byKey.set(key, client);
      }
    }
    return steps;
  };
}
