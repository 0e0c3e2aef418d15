/**
 * `import clients|leads FILE`: a CSV file of clients or leads into the CRM
 * (connectors/csv-import.ts). At a terminal it shows the columns it recognised and asks; from a
 * script it asks nothing, applies the suggested mapping and the `merge` mode, and says what it
 * used. Ctrl-C stops after the batch in hand (exit code 130, as a stopped replay); `--resume`
 * goes on from there.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { isSupportedCountry } from 'libphonenumber-js';
import { DUPLICATE_MODES, type DuplicateMode } from '../../core/import-plan.ts';
import { errorCsv } from '../../core/import/error-csv.ts';
import {
  describeMapping,
  parseMapOption,
  suggestMapping,
  type ImportEntity,
  type ImportTarget,
} from '../../core/import/mapping.ts';
import { openCsv } from '../../core/import/read-csv.ts';
import type { ImportRun, Store } from '../../core/repositories/index.ts';
import type { Config } from '../../core/runtime/config.ts';
import type { ImportReport } from '../../core/runtime/csv-import.ts';
import { importCsv } from '../../connectors/csv-import.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { InterruptedError, withSignal } from './interrupt.ts';
import { CliError, CommandFailed, parseStrict } from './options.ts';
import { startProgress } from './progress.ts';
import { ask, atTerminal } from './prompt.ts';

const FINGERPRINT_BYTES = 64 * 1024;

/** The file's size and a hash of its start: enough to know the same file again. */
async function fingerprintOf(path: string, size: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size, FINGERPRINT_BYTES));
    await handle.read(buffer, 0, buffer.length, 0);
    return `${size}:${createHash('sha256').update(buffer).digest('hex').slice(0, 32)}`;
  } finally {
    await handle.close();
  }
}

/** The file's bytes, counting them for the progress bar. */
async function* counted(path: string, onBytes: (bytes: number) => void) {
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    bytes += (chunk as Buffer).length;
    onBytes(bytes);
    yield chunk as Buffer;
  }
}

function readMode(text: string | undefined): DuplicateMode | undefined {
  if (text === undefined) return undefined;
  if ((DUPLICATE_MODES as readonly string[]).includes(text)) return text as DuplicateMode;
  throw new CliError(`--mode must be one of ${DUPLICATE_MODES.join(', ')} (you typed "${text}")`);
}

function readCountry(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const country = text.toUpperCase();
  if (!isSupportedCountry(country))
    throw new CliError(`--country must be a two-letter country code such as ES or RU ("${text}")`);
  return country;
}

function summary(report: ImportReport, dryRun: boolean): string {
  const { created, updated, skipped, refused } = report.counts;
  const verb = dryRun ? 'would be ' : '';
  return [
    `${report.records} records read`,
    `${verb}created ${created}`,
    `${verb}updated ${updated}`,
    `skipped as duplicates ${skipped}`,
    `refused ${refused}`,
  ].join(', ');
}

export async function runImportCommand(
  store: Store,
  config: Config,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.import);
  const [, what, path, extra] = positionals;
  if (what === undefined) return undefined;
  if (what !== 'clients' && what !== 'leads')
    throw new CliError(
      `import takes clients or leads, not "${what}": import clients FILE.csv, import leads FILE.csv`,
    );
  const entity: ImportEntity = what === 'leads' ? 'lead' : 'client';
  if (path === undefined)
    throw new CliError(`import ${what} needs the CSV file: import ${what} FILE.csv`);
  if (extra !== undefined) throw new CliError(`one file at a time ("${extra}" is one too many)`);
  const size = await stat(path).then(
    (found) => (found.isFile() ? found.size : undefined),
    () => undefined,
  );
  if (size === undefined) throw new CliError(`there is no file ${path}`);

  const dryRun = values['dry-run'] ?? false;
  const interactive = atTerminal() && !dryRun;
  const fingerprint = await fingerprintOf(path, size);
  let resume: ImportRun | undefined;
  if (values.resume) {
    resume = await store.imports.resumable(entity, fingerprint);
    if (!resume)
      throw new CliError(`no unfinished import of ${path} to resume: run it without --resume`);
    if (values.map !== undefined || values.mode !== undefined || values.country !== undefined)
      throw new CliError('--resume goes on with the mapping, mode and country it started with');
  }

  // One reading of the file: its header first, then (after any questions) its records.
  let onBytes = (_bytes: number) => undefined as void;
  // An empty file, or one unreadable before its header, is a file to fix, not a crash.
  const file = await openCsv(
    counted(path, (bytes) => onBytes(bytes)),
    { skipRecords: resume?.position ?? 0 },
  ).catch((error: unknown) => {
    throw new CliError(`${path} cannot be imported: ${(error as Error).message}`);
  });
  const customFields = await store.customFields.list(entity);
  const suggested = suggestMapping(file.headers, entity, customFields);
  let mapping: ImportTarget[] = suggested;
  if (resume) mapping = resume.options.mapping as ImportTarget[];
  else if (values.map !== undefined) {
    const parsed = parseMapOption(values.map, file.headers, entity, customFields);
    if (!parsed.ok) throw new CliError(`--map: ${parsed.message}`);
    mapping = parsed.mapping;
  } else if (interactive) {
    mapping = await askMapping(file.headers, suggested, entity, customFields);
  }
  let mode = resume ? (resume.options.mode as DuplicateMode) : readMode(values.mode);
  if (!mode && interactive) mode = await askMode(entity);
  mode ??= 'merge';
  const defaultCountry = resume
    ? (resume.options.defaultCountry as string | undefined)
    : (readCountry(values.country) ?? config.defaultCountry);

  const lines = [
    `file: ${path} (${file.encoding}, delimiter ${JSON.stringify(file.delimiter)})`,
    `mapping: ${describeMapping(file.headers, mapping)}`,
    `duplicates: ${mode}${defaultCountry ? `, phones read as ${defaultCountry} numbers` : ''}`,
  ];
  if (!resume && !values.resume && !dryRun) {
    const unfinished = await store.imports.resumable(entity, fingerprint);
    if (unfinished)
      lines.push(
        `note: import ${unfinished.id} of this file stopped after ${unfinished.position} records; --resume would have gone on with it`,
      );
  }
  process.stderr.write(`${lines.join('\n')}\n`);

  const errorsPath = values.errors ?? `${path.replace(/\.csv$/i, '')}.errors.csv`;
  let errors: WriteStream | undefined;
  const errorFile = errorCsv(file.headers, file.delimiter);
  const refused = (line: number, reason: string, cells: string[]) => {
    if (!errors) {
      errors = createWriteStream(errorsPath, { flags: resume ? 'a' : 'w' });
      if (!resume) errors.write(errorFile.header());
    }
    if (!errors.write(errorFile.row(line, reason, cells)))
      return new Promise<void>((resolve) => errors!.once('drain', () => resolve()));
  };

  const settings = { entity, mapping, mode, defaultCountry };
  const progress = startProgress({
    label: `import ${basename(path)}`,
    unit: 'bytes',
    total: size,
    done: 0,
  });
  let report: ImportReport;
  try {
    onBytes = (bytes) => progress.update(bytes);
    report = await withSignal(undefined, async (signal) => {
      const run =
        resume ??
        (dryRun
          ? undefined
          : await store.imports.start({
              entity,
              fileName: basename(path),
              fingerprint,
              options: { mapping, mode, ...(defaultCountry ? { defaultCountry } : {}) },
              userId: null,
              at: new Date(),
            }));
      return importCsv(file, settings, store, run ? { run } : { dryRun: true }, {
        refused,
        signal,
        fileName: basename(path),
      });
    });
    if (!report.interrupted) progress.update(size);
  } finally {
    progress.stop();
    const closing = errors;
    if (closing) await new Promise((resolve) => closing.end(resolve));
  }

  const out = [summary(report, dryRun)];
  if (dryRun) {
    out.unshift('dry run: nothing was written');
    for (const { line, record } of report.sample) {
      const who = [record.name, record.company].filter(Boolean).join(', ') || '(no name)';
      out.push(`  line ${line}: ${who} ${record.identities.map((i) => i.raw).join(' ')}`.trimEnd());
    }
  }
  if (report.counts.refused) out.push(`refused rows with their reasons: ${errorsPath}`);
  if (report.counts.refused && !defaultCountry)
    out.push(
      'phone numbers written without their +country code need --country (e.g. --country ES)',
    );
  if (report.interrupted && report.run) {
    // Like a stopped replay (exit 130): a script must not take a part of the file for all of it.
    process.stdout.write(`${out.join('\n')}\n`);
    throw new InterruptedError(
      `stopped after ${report.records} records: run the same command with --resume to go on`,
    );
  }
  if (report.counts.refused) {
    process.stdout.write(`${out.join('\n')}\n`);
    throw new CommandFailed(`${report.counts.refused} rows were refused: see ${errorsPath}`);
  }
  return out.join('\n');
}

async function askMapping(
  headers: string[],
  suggested: ImportTarget[],
  entity: ImportEntity,
  customFields: Parameters<typeof parseMapOption>[3],
): Promise<ImportTarget[]> {
  process.stdout.write(`columns: ${describeMapping(headers, suggested)}\n`);
  for (;;) {
    const answer = (
      await ask('Press Enter to use this, or type changes like "Phone 2=phone, Notes=skip": ')
    ).trim();
    if (!answer) return suggested;
    const parsed = parseMapOption(answer, headers, entity, customFields);
    if (parsed.ok) {
      process.stdout.write(`columns: ${describeMapping(headers, parsed.mapping)}\n`);
      return parsed.mapping;
    }
    process.stdout.write(`${parsed.message}\n`);
  }
}

const MODE_QUESTION: Record<ImportEntity, string> = {
  client:
    'A row whose phone, email or Telegram already belongs to a client: merge (fill in what is missing), skip, or create anyway? [merge] ',
  lead: 'A row whose person already has an open lead: merge (add the row to that lead), skip, or create another lead anyway? [merge] ',
};

async function askMode(entity: ImportEntity): Promise<DuplicateMode> {
  for (;;) {
    const answer = (await ask(MODE_QUESTION[entity])).trim().toLowerCase();
    if (!answer) return 'merge';
    const mode = DUPLICATE_MODES.find((candidate) => candidate === answer);
    if (mode) return mode;
  }
}
