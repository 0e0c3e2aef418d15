/**
 * A CSV import, the same from the CLI and the console: the file streamed record by record
 * (core/import), each record checked (refused ones reported with their line and reason), and
 * batches written by the entity's writer, each batch with the run's position so an interrupted
 * import resumes after its last committed batch.
 */
import type { CustomFieldDefinition } from '../custom-fields.ts';
import type { DuplicateMode, ImportedClient, ImportStep } from '../import-plan.ts';
import { countSteps, planClientImport, type KnownClient } from '../import-plan.ts';
import { openCsv, type CsvFile } from '../import/read-csv.ts';
import { suggestMapping, type ImportEntity, type ImportTarget } from '../import/mapping.ts';
import { readRow, type ImportRecord } from '../import/rows.ts';
import type {
  ImportCounts,
  ImportProgress,
  ImportRun,
  Repositories,
} from '../repositories/index.ts';

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

/** A record read, checked and given its responsible: what a writer batches. */
export interface ReadRecord {
  line: number;
  /** The cells as read, for the error file if the writer refuses the row. */
  values: string[];
  record: ImportRecord;
  responsibleId: number | null;
}

/** What a batch did: counts to add, and the rows refused only while writing it. */
export interface BatchWritten {
  counts: Omit<ImportCounts, 'refused'>;
  refused: { line: number; reason: string; values: string[] }[];
  /** The run as the batch left it (a real run, not a dry one). */
  run?: ImportRun;
}

/**
 * Writes one entity's batches: clients through the store's import batches, leads through the
 * ingest (connectors/csv-import.ts picks). `take` says why a read record cannot be written, if
 * it cannot; `write` writes a batch (or, in a dry run, plans it) and moves the run on by
 * `progress` with it, late refusals counted in.
 */
export interface BatchWriter<Item> {
  readonly batchSize: number;
  take(read: ReadRecord): { ok: true; item: Item } | { ok: false; reason: string };
  write(batch: Item[], progress: ImportProgress): Promise<BatchWritten>;
}

/**
 * Reads `file` (opened with `skipRecords` = the run's position when resuming) and writes it
 * with `writer` into `target.run` — or, in a dry run, only counts what it would do.
 */
export async function runImport<Item>(
  file: CsvFile,
  settings: ImportSettings,
  repos: ImportRepos,
  writer: BatchWriter<Item>,
  target: { run: ImportRun } | { dryRun: true },
  hooks: ImportHooks = {},
): Promise<ImportReport> {
  const customFields = await repos.customFields.list(settings.entity);
  const responsible = await responsibleLookup(repos);
  const dryRun = !('run' in target);
  let run = 'run' in target ? target.run : undefined;
  const counts: ImportCounts = run
    ? { ...run.counts }
    : { created: 0, updated: 0, skipped: 0, refused: 0 };
  let records = run?.position ?? 0;
  const sample: ImportReport['sample'] = [];

  let batch: Item[] = [];
  let batchRecords = 0;
  let batchRefused = 0;

  const flush = async () => {
    if (!batchRecords) return;
    const written = await writer.write(batch, {
      from: records,
      records: batchRecords,
      refused: batchRefused,
      at: new Date(),
    });
    for (const refusal of written.refused)
      await hooks.refused?.(refusal.line, refusal.reason, refusal.values);
    counts.created += written.counts.created;
    counts.updated += written.counts.updated;
    counts.skipped += written.counts.skipped;
    counts.refused += batchRefused + written.refused.length;
    run = written.run ?? run;
    records += batchRecords;
    batch = [];
    batchRecords = 0;
    batchRefused = 0;
    hooks.progress?.(records, { ...counts });
    // Let the process serve others between batches (a console import runs in the web process).
    await new Promise((resolve) => setImmediate(resolve));
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
      entity: settings.entity,
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
    const taken =
      refusal === undefined && read.ok
        ? writer.take({ line: row.line, values: row.values, record: read.record, responsibleId })
        : { ok: false as const, reason: refusal ?? 'not readable' };
    if (!taken.ok) {
      batchRefused++;
      await hooks.refused?.(row.line, taken.reason, row.values);
    } else {
      if (dryRun && read.ok && sample.length < SAMPLE_ROWS)
        sample.push({ line: row.line, record: read.record });
      batch.push(taken.item);
    }
    if (batchRecords >= writer.batchSize) {
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

/** Clients: each batch planned and written by the store in one transaction with the run's move. */
export function clientWriter(
  repos: Pick<Repositories, 'imports'>,
  mode: DuplicateMode,
  target: { run: ImportRun } | { dryRun: true },
): BatchWriter<ImportedClient> {
  const runId = 'run' in target ? target.run.id : undefined;
  const planDry = dryRunPlanner(repos);
  return {
    batchSize: repos.imports.batchSize,
    take: ({ line, record, responsibleId }) => ({
      ok: true,
      item: {
        line,
        kind: record.kind,
        name: record.name,
        company: record.company,
        identities: record.identities,
        responsibleId,
        custom: record.custom,
      },
    }),
    async write(batch, progress) {
      if (runId === undefined)
        return { counts: countSteps(await planDry(batch, mode)), refused: [] };
      const written = await repos.imports.importClients(runId, batch, mode, progress);
      return { counts: countSteps(written.steps), refused: [], run: written.run };
    },
  };
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
