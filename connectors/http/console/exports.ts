/**
 * The console's "Export CSV" links: the lead list as filtered (`/leads/export.csv?view=mine&…`,
 * the list's own query) and the client list as searched (`/clients/export.csv?q=…`), streamed
 * like the API's exports, within the viewer's export scope.
 */
import { Router } from 'express';
import type { Logger } from '../../../core/runtime/logger.ts';
import type { ExportRepos } from '../../../core/export/pages.ts';
import { sendCsv } from '../operator/exports.ts';
import { scopeFor } from '../operator/scope.ts';
import { forbidden } from './layout.tsx';
import { listFilter, readListQuery, searchFilter } from './leads.tsx';
import { viewer } from './viewer.ts';

export interface ExportPagesDeps {
  repos: ExportRepos;
  defaultCountry: string | undefined;
  log: Logger;
}

/** Mounted before the lead and client pages: `export.csv` is no record's id. */
export function exportPages(deps: ExportPagesDeps): Router {
  const router = Router();

  router.get('/leads/export.csv', async (req, res) => {
    const scope = scopeFor(res, 'leads', 'export');
    if (scope.kind === 'none') return forbidden(res);
    const filter = await listFilter(readListQuery(req), viewer(res).principal.user, deps);
    await sendCsv(res, deps.repos, { entity: 'leads', filter, scope }, deps.log);
  });

  router.get('/clients/export.csv', async (req, res) => {
    const scope = scopeFor(res, 'clients', 'export');
    if (scope.kind === 'none') return forbidden(res);
    const search = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    const { identityKeys, q } = searchFilter(search, deps.defaultCountry);
    const filter = { ...(identityKeys ? { identityKeys } : {}), ...(q ? { q } : {}) };
    await sendCsv(res, deps.repos, { entity: 'clients', filter, scope }, deps.log);
  });

  return router;
}
