/** Clients (contacts and companies) as operators create, find, open and change them. */
import { Router } from 'express';
import { z } from 'zod';
import { mergesAutomatically } from '../../../core/merge.ts';
import type { DuplicateCandidate, Repositories } from '../../../core/repositories/index.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { clientBody, readClientIdentities } from './client-body.ts';
import { customBody, customValues } from './custom-fields.ts';
import { idPage, readClientQuery } from './list-queries.ts';
import { changeBy, scopeFor } from './scope.ts';

export interface ClientRouteDeps {
  repos: Pick<Repositories, 'clients' | 'users' | 'customFields' | 'duplicates' | 'merges'>;
  defaultCountry: string | undefined;
}

const idParam = z.coerce.number().int().positive();
const identityLists = {
  emails: z.array(z.string().trim().min(1).max(320)).max(20).default([]),
  phones: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
  telegram: z
    .array(z.union([z.number().int().positive(), z.string().trim().max(64)]))
    .max(20)
    .default([]),
};
const clientPatch = z
  .object({
    name: z.string().trim().min(1).max(200).nullable().optional(),
    company: z.string().trim().min(1).max(200).nullable().optional(),
    responsibleId: z.number().int().positive().nullable().optional(),
    custom: customBody,
    add: z.object(identityLists).strict().optional(),
    /** Identities to take away, spelled any way (they are normalised). */
    remove: z.object(identityLists).strict().optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
  })
  .strict();

const IDENTITY_REASONS = new Set(['phone', 'email', 'telegram']);

export function clientRoutes(deps: ClientRouteDeps): Router {
  const { clients, users } = deps.repos;
  const router = Router();

  router.post('/clients', requirePermission('write'), async (req, res) => {
    if (scopeFor(res, 'clients', 'create').kind === 'none')
      return problem(res, 403, 'forbidden', 'your roles may not create clients');
    const body = clientBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const country = body.data.country?.toUpperCase() ?? deps.defaultCountry;
    const custom = await customValues(
      res,
      deps.repos.customFields,
      'client',
      {},
      body.data.custom ?? {},
      country,
    );
    if (!custom) return;
    const read = readClientIdentities(body.data, deps.defaultCountry);
    if (read.problems.length)
      return problem(res, 422, 'invalid_identity', 'some identities are not valid', read.problems);
    const responsibleId =
      body.data.responsibleId ?? res.locals.principal?.actor.userId ?? undefined;
    if (responsibleId !== undefined && !(await users.userExists(responsibleId))) {
      return problem(res, 422, 'unknown_user', `user ${responsibleId} does not exist`, [
        { path: 'responsibleId', message: 'no such user' },
      ]);
    }
    const created = await clients.create(
      { ...body.data, responsibleId, custom, identities: read.identities },
      changeBy(res),
    );
    // Found as it is created: who else this may be, and why.
    const duplicates = await deps.repos.duplicates.of(
      'client',
      created.id,
      scopeFor(res, 'clients', 'read'),
    );
    const merged = await mergeIfSame(res, created.id, duplicates ?? []);
    res.status(201).json({ ...created, duplicates: duplicates ?? [], ...merged });
  });

  /**
   * The Bitrix24 rule: a new client that shares an identity with one already known and agrees
   * with it on every value, responsible included, is merged into it at once (and the merge can
   * be undone); anything less stays a suggestion in `duplicates`.
   */
  async function mergeIfSame(
    res: Parameters<typeof scopeFor>[0],
    id: number,
    duplicates: DuplicateCandidate[],
  ): Promise<{ mergedInto?: number; mergeId?: number }> {
    const scope = scopeFor(res, 'clients', 'update');
    for (const candidate of duplicates) {
      if (!candidate.reasons.some((reason) => IDENTITY_REASONS.has(reason.kind))) continue;
      const sides = await deps.repos.merges.sides('client', candidate.id, id, scope);
      if (!sides || !mergesAutomatically('client', sides.survivor, sides.merged)) continue;
      const merged = await deps.repos.merges.merge(
        { entity: 'client', survivorId: candidate.id, mergedId: id, picks: {} },
        changeBy(res),
        scope,
      );
      if (merged.ok) return { mergedInto: candidate.id, mergeId: merged.merge.id };
    }
    return {};
  }

  router.get('/clients', requirePermission('read'), async (req, res) => {
    // The filters as the export reads them (list-queries.ts); the page is the list's own.
    const { limit, cursor, ...given } = req.query as Record<string, unknown>;
    const page = idPage.safeParse({ limit, cursor });
    if (!page.success) return invalidQuery(res, page.error);
    const read = readClientQuery(given, deps.defaultCountry);
    if ('problems' in read)
      return problem(res, 400, 'invalid_query', 'the request is not valid', read.problems);
    res.json(
      await clients.list({ ...read.filter, ...page.data }, scopeFor(res, 'clients', 'read')),
    );
  });

  router.get('/clients/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const client = id.success
      ? await clients.view(id.data, scopeFor(res, 'clients', 'read'), {
          leads: scopeFor(res, 'leads', 'read'),
          deals: scopeFor(res, 'deals', 'read'),
        })
      : undefined;
    if (!client) return problem(res, 404, 'not_found', `client ${req.params.id} does not exist`);
    res.json(client);
  });

  router.patch('/clients/:id', requirePermission('write'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const body = clientPatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!id.success)
      return problem(res, 404, 'not_found', `client ${req.params.id} does not exist`);
    const { add, remove, country, custom, ...fields } = body.data;
    let values: Record<string, unknown> | undefined;
    if (custom) {
      const client = await clients.view(id.data, scopeFor(res, 'clients', 'update'));
      if (!client) return problem(res, 404, 'not_found', `client ${id.data} does not exist`);
      values = await customValues(
        res,
        deps.repos.customFields,
        'client',
        client.custom,
        custom,
        country?.toUpperCase() ?? deps.defaultCountry,
      );
      if (!values) return;
    }
    const toAdd = add ? readClientIdentities({ ...add, country }, deps.defaultCountry) : undefined;
    const toRemove = remove
      ? readClientIdentities({ ...remove, country }, deps.defaultCountry)
      : undefined;
    const problems = [...(toAdd?.problems ?? []), ...(toRemove?.problems ?? [])];
    if (problems.length)
      return problem(res, 422, 'invalid_identity', 'some identities are not valid', problems);
    const written = await clients.update(
      id.data,
      {
        ...fields,
        ...(values ? { custom: values } : {}),
        ...(toAdd ? { addIdentities: toAdd.identities } : {}),
        ...(toRemove ? { removeIdentities: toRemove.identities.map((i) => i.key) } : {}),
      },
      changeBy(res),
      scopeFor(res, 'clients', 'update'),
    );
    if (!written.ok && written.problem === 'no-user')
      return problem(res, 422, 'unknown_user', 'no such user', [
        { path: 'responsibleId', message: 'no such user' },
      ]);
    if (!written.ok) return problem(res, 404, 'not_found', `client ${id.data} does not exist`);
    const duplicates = await deps.repos.duplicates.of(
      'client',
      id.data,
      scopeFor(res, 'clients', 'read'),
    );
    res.json({
      ...written.client,
      possibleDuplicates: written.possibleDuplicates,
      duplicates: duplicates ?? [],
    });
  });

  return router;
}
