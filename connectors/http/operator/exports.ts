/**
 * CSV exports of leads, clients and deals (`GET /api/v1/<entity>/export`): the list route's query
 * (its filters, without the page and cursor) read into the repository's filter, the records
 * within the actor's `export` scope, streamed as CSV (core/export). The query readers here are
 * the list routes' own filters; the console's export links reach the same stream (sendCsv).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import { filterValue, type CustomFieldDefinition } from '../../../core/custom-fields.ts';
import { exportFilename, type ExportEntity } from '../../../core/export/columns.ts';
import { writeCsv } from '../../../core/export/csv.ts';
import {
  exportRows,
  type ExportFilters,
  type ExportRepos,
  type ExportRequest,
} from '../../../core/export/pages.ts';
import { SOURCES } from '../../../core/inbound.ts';
import type { RecordScope } from '../../../core/permissions.ts';
import { LEAD_SORTS } from '../../../core/repositories/leads.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { requirePermission } from '../auth.ts';
import { problem } from '../problem.ts';
import { departmentSubtree } from './people.ts';
import { scopeFor, searchKeys } from './scope.ts';

export interface ExportDeps {
  repos: ExportRepos;
  defaultCountry: string | undefined;
  log: Logger;
}

type Detail = { path: string; message: string };
/** A query read into a filter, or what was wrong with it. */
type Read<F> = { filter: F } | { problems: Detail[] };

const id = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/)
  .optional();
const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .transform((value) => new Date(value));

/** GET /leads's filters (operator/leads.ts), without its page and cursor. */
const leadQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    type: z.enum(['simple', 'repeat']).optional(),
    stage: z.string().regex(STAGE_CODE).optional(),
    source: z.enum(SOURCES).optional(),
    clientId: id.optional(),
    review: flag.optional(),
    responsibleId: id.optional(),
    unassigned: flag.optional(),
    departmentId: id.optional(),
    channelId: id.optional(),
    open: flag.optional(),
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    country,
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
    sort: z.enum(LEAD_SORTS).optional(),
  })
  .strict();

/** GET /clients's filters (operator/clients.ts), without its page and cursor. */
const clientQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    country,
    responsibleId: id.optional(),
    kind: z.enum(['contact', 'company']).optional(),
  })
  .strict();

/** GET /deals's filters (operator/deals.ts), without its page and cursor. */
const dealQuery = z
  .object({
    clientId: id.optional(),
    responsibleId: id.optional(),
    leadId: id.optional(),
    stage: z.string().regex(STAGE_CODE).optional(),
    open: flag.optional(),
  })
  .strict();

const issues = (error: z.ZodError): Detail[] =>
  error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(query)',
    message: issue.message,
  }));

/** The lead filter of a query: `custom.<key>=value` by a custom field, every other name the schema's. */
export async function readLeadQuery(
  given: Record<string, unknown>,
  deps: Pick<ExportDeps, 'repos' | 'defaultCountry'>,
): Promise<Read<ExportFilters['leads']>> {
  const customNames = Object.keys(given).filter((name) => name.startsWith('custom.'));
  const query = leadQuery.safeParse(
    Object.fromEntries(Object.entries(given).filter(([name]) => !name.startsWith('custom.'))),
  );
  if (!query.success) return { problems: issues(query.error) };
  const { email, phone, country: spoken, departmentId, ...filter } = query.data;
  const at = spoken?.toUpperCase() ?? deps.defaultCountry;
  const custom = customFilters(
    customNames.length ? await deps.repos.customFields.list('lead') : [],
    customNames.map((name) => [name.slice('custom.'.length), given[name]]),
    at,
  );
  if ('problems' in custom) return custom;
  const search = searchKeys({ email, phone }, at);
  if (search.problem) return { problems: [search.problem] };
  const departmentIds =
    departmentId === undefined
      ? undefined
      : departmentSubtree(await deps.repos.users.listDepartments(), departmentId);
  return {
    filter: {
      ...filter,
      ...(search.keys ? { identityKeys: search.keys } : {}),
      ...(custom.filters.length ? { custom: custom.filters } : {}),
      ...(departmentIds ? { departmentIds } : {}),
    },
  };
}

export function readClientQuery(
  given: Record<string, unknown>,
  defaultCountry: string | undefined,
): Read<ExportFilters['clients']> {
  const query = clientQuery.safeParse(given);
  if (!query.success) return { problems: issues(query.error) };
  const { email, phone, country: spoken, ...filter } = query.data;
  const search = searchKeys({ email, phone }, spoken?.toUpperCase() ?? defaultCountry);
  if (search.problem) return { problems: [search.problem] };
  return { filter: { ...filter, ...(search.keys ? { identityKeys: search.keys } : {}) } };
}

export function readDealQuery(given: Record<string, unknown>): Read<ExportFilters['deals']> {
  const query = dealQuery.safeParse(given);
  return query.success ? { filter: query.data } : { problems: issues(query.error) };
}

/** `custom.<key>=value` query parameters as filters in the fields' canonical form. */
function customFilters(
  definitions: readonly CustomFieldDefinition[],
  given: [string, unknown][],
  country: string | undefined,
): { filters: { key: string; value: string | number | boolean }[] } | { problems: Detail[] } {
  const filters: { key: string; value: string | number | boolean }[] = [];
  const problems: Detail[] = [];
  for (const [key, raw] of given) {
    const field = definitions.find((definition) => definition.key === key);
    const value = field && typeof raw === 'string' ? filterValue(field, raw, country) : undefined;
    if (value === undefined) {
      problems.push({
        path: `custom.${key}`,
        message: field
          ? `not a value to filter ${field.label} (${field.type}) by`
          : 'no such custom field for leads',
      });
    } else filters.push({ key, value });
  }
  return problems.length ? { problems } : { filters };
}

/** A closed connection is the client going away, not a failure to log. */
const clientLeft = (error: unknown, res: Response) =>
  res.destroyed || (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';

/**
 * Streams the export as an attachment. The custom fields (the header) are read before anything
 * is sent, so a store that is down still answers 503; a failure once rows are flowing can only
 * cut the response short, and is logged.
 */
export async function sendCsv(
  res: Response,
  repos: ExportRepos,
  request: ExportRequest,
  log: Logger,
  now = new Date(),
): Promise<void> {
  const rows = exportRows(repos, request);
  const header = await rows.next();
  res.status(200).set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${exportFilename(request.entity, now)}"`,
    'Cache-Control': 'no-store',
  });
  const all = async function* () {
    if (!header.done) yield header.value;
    yield* rows;
  };
  try {
    const count = await writeCsv(all(), res);
    log.info({ entity: request.entity, rows: count }, 'export sent');
  } catch (error) {
    if (clientLeft(error, res)) return;
    log.error({ err: error, entity: request.entity }, 'export cut short');
    res.destroy();
  }
}

/** The actor's export scope, or a 403 answered when it is none. */
export function exportScope(res: Response, entity: ExportEntity): RecordScope | undefined {
  const scope = scopeFor(res, entity, 'export');
  if (scope.kind !== 'none') return scope;
  problem(res, 403, 'forbidden', `your roles may not export ${entity}`);
  return undefined;
}

/** Mounted before the list routes: `/leads/export` is not lead "export". */
export function exportRoutes(deps: ExportDeps): Router {
  const router = Router();
  const refuse = (res: Response, problems: Detail[]) =>
    problem(res, 400, 'invalid_query', 'the request is not valid', problems);
  const given = (query: unknown) => query as Record<string, unknown>;

  router.get('/leads/export', requirePermission('read'), async (req, res) => {
    const scope = exportScope(res, 'leads');
    if (!scope) return;
    const read = await readLeadQuery(given(req.query), deps);
    if ('problems' in read) return refuse(res, read.problems);
    await sendCsv(res, deps.repos, { entity: 'leads', filter: read.filter, scope }, deps.log);
  });
  router.get('/clients/export', requirePermission('read'), async (req, res) => {
    const scope = exportScope(res, 'clients');
    if (!scope) return;
    const read = readClientQuery(given(req.query), deps.defaultCountry);
    if ('problems' in read) return refuse(res, read.problems);
    await sendCsv(res, deps.repos, { entity: 'clients', filter: read.filter, scope }, deps.log);
  });
  router.get('/deals/export', requirePermission('read'), async (req, res) => {
    const scope = exportScope(res, 'deals');
    if (!scope) return;
    const read = readDealQuery(given(req.query));
    if ('problems' in read) return refuse(res, read.problems);
    await sendCsv(res, deps.repos, { entity: 'deals', filter: read.filter, scope }, deps.log);
  });
  return router;
}
