/**
 * `leadwire export leads|clients|deals [--out FILE] [filters]`: the records as CSV (the same
 * columns and writer as the API's and the console's exports). The CLI is the administrator, so
 * the export has every record the filters select.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { EXPORT_ENTITIES, type ExportEntity } from '../../core/export/columns.ts';
import { writeCsv } from '../../core/export/csv.ts';
import { exportRows, type ExportRepos, type ExportRequest } from '../../core/export/pages.ts';
import { SOURCES } from '../../core/inbound.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { CliError, nearest, parseStrict } from './options.ts';

type Values = ReturnType<typeof parseStrict<typeof COMMAND_OPTIONS.export>>['values'];
type Filters = Omit<Values, 'out'>;

/** The filters each entity takes (the rest are refused, not silently ignored). */
const TAKES: Record<ExportEntity, readonly (keyof Filters)[]> = {
  leads: ['stage', 'responsible', 'source', 'type', 'open', 'since', 'until'],
  clients: ['responsible', 'kind'],
  deals: ['stage', 'responsible', 'open'],
};

export async function runExportCommand(
  repos: ExportRepos & Pick<Repositories, 'stages'>,
  argv: string[],
  stdout: Writable = process.stdout,
): Promise<string> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.export);
  const [, what, extra] = positionals;
  const entity = entityOf(what);
  if (extra !== undefined)
    throw new CliError(`export takes one of ${EXPORT_ENTITIES.join(', ')}, not also "${extra}"`);
  const { out, ...filters } = values;
  const request = await requestOf(repos, entity, filters);
  const rows = exportRows(repos, request);
  if (out === undefined) {
    // The command's answer ends with a newline (scripts/cli/run.ts): it ends the last row, so
    // stdout carries nothing but the CSV and the count goes to stderr.
    const count = await writeCsv(rows, stdout, { end: false, finalNewline: false });
    process.stderr.write(`exported ${count} ${entity}\n`);
    return '';
  }
  const file = createWriteStream(out, { flags: 'w' });
  try {
    return `exported ${await writeCsv(rows, file)} ${entity} to ${out}`;
  } catch (error) {
    // Half a file is worse than none: a reader would take it for the whole export.
    await rm(out, { force: true });
    if ((error as { code?: string }).code?.startsWith('E'))
      throw new CliError(`cannot write ${out}: ${(error as Error).message}`);
    throw error;
  }
}

function entityOf(what: string | undefined): ExportEntity {
  const known = EXPORT_ENTITIES as readonly string[];
  if (what !== undefined && known.includes(what)) return what as ExportEntity;
  if (what === undefined)
    throw new CliError(`export needs what to export: ${EXPORT_ENTITIES.join(', ')}`);
  const near = nearest(what, [...EXPORT_ENTITIES]);
  throw new CliError(
    `cannot export "${what}": ${near ? `did you mean \`export ${near}\`? ` : ''}choose ${EXPORT_ENTITIES.join(', ')}`,
  );
}

async function requestOf(
  repos: ExportRepos & Pick<Repositories, 'stages'>,
  entity: ExportEntity,
  values: Filters,
): Promise<ExportRequest> {
  const given = (Object.keys(values) as (keyof Filters)[]).filter((k) => values[k] !== undefined);
  const refused = given.filter((name) => !TAKES[entity].includes(name));
  if (refused.length)
    throw new CliError(
      `export ${entity} takes ${TAKES[entity].map((name) => `--${name}`).join(', ')}, not --${refused.join(', --')}`,
    );
  const scope = { kind: 'all' } as const;
  const responsibleId =
    values.responsible === undefined ? undefined : await userIdOf(repos, values.responsible);
  const common = { ...(responsibleId !== undefined ? { responsibleId } : {}) };
  if (entity === 'clients') {
    const kind = values.kind;
    if (kind !== undefined && kind !== 'contact' && kind !== 'company')
      throw new CliError('--kind takes contact or company');
    return { entity, scope, filter: { ...common, ...(kind ? { kind } : {}) } };
  }
  const stage =
    values.stage === undefined
      ? undefined
      : await stageOf(repos, entity === 'leads' ? 'lead' : 'deal', values.stage);
  const shared = {
    ...common,
    ...(stage ? { stage } : {}),
    ...(values.open ? { open: true } : {}),
  };
  if (entity === 'deals') return { entity, scope, filter: shared };
  const { source, type } = values;
  if (source !== undefined && !(SOURCES as readonly string[]).includes(source))
    throw new CliError(`--source takes ${SOURCES.join(', ')}`);
  if (type !== undefined && type !== 'simple' && type !== 'repeat')
    throw new CliError('--type takes simple or repeat');
  const createdFrom = dateOf('--since', values.since);
  const createdTo = dateOf('--until', values.until);
  if (createdFrom && createdTo && createdFrom >= createdTo)
    throw new CliError('--since must be before --until');
  return {
    entity,
    scope,
    filter: {
      ...shared,
      ...(source ? { source } : {}),
      ...(type ? { type } : {}),
      ...(createdFrom ? { createdFrom } : {}),
      ...(createdTo ? { createdTo } : {}),
    },
  };
}

async function userIdOf(repos: Pick<Repositories, 'users'>, email: string): Promise<number> {
  const wanted = email.trim().toLowerCase();
  const user = (await repos.users.listUsers({})).find((candidate) => candidate.email === wanted);
  if (!user)
    throw new CliError(`--responsible: no user has the email ${email} (see \`users list\`)`);
  return user.id;
}

async function stageOf(
  repos: Pick<Repositories, 'stages'>,
  kind: 'lead' | 'deal',
  code: string,
): Promise<string> {
  const stages = await repos.stages.list(kind);
  const found = stages.find((stage) => stage.code === code.trim().toUpperCase());
  if (!found)
    throw new CliError(
      `--stage: no ${kind} stage ${code}; the ${kind} stages are ${stages.map((s) => s.code).join(', ')}`,
    );
  return found.code;
}

function dateOf(option: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new CliError(`${option} takes a date or time, e.g. 2026-03-01 or 2026-03-01T09:30Z`);
  return new Date(at);
}
