/**
 * CSV exports of leads, clients and deals (`GET /api/v1/<entity>/export`): the list route's query
 * (its filters, without the page and cursor) read into the repository's filter, the records
 * within the actor's `export` scope, streamed as CSV (core/export). The query readers are the
 * list routes' own (list-queries.ts); the console's export links reach the same stream (sendCsv).
 */
import { Router, type Response } from 'express';
import { exportFilename, type ExportEntity } from '../../../core/export/columns.ts';
import { writeCsv } from '../../../core/export/csv.ts';
import { exportRows, type ExportRepos, type ExportRequest } from '../../../core/export/pages.ts';
import type { RecordScope } from '../../../core/permissions.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import { requirePermission } from '../auth.ts';
import { problem } from '../problem.ts';
import { readClientQuery, readDealQuery, readLeadQuery, type Detail } from './list-queries.ts';
import { scopeFor } from './scope.ts';

export interface ExportDeps {
  repos: ExportRepos;
  defaultCountry: string | undefined;
  log: Logger;
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
