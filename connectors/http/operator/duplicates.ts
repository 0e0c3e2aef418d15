/** Possible duplicates as operators ask for them, and pairs they say are not one. */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Entity } from '../../../core/permissions.ts';
import type { DuplicateEntity, Repositories } from '../../../core/repositories/index.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { scopeFor } from './scope.ts';

export interface DuplicateRouteDeps {
  repos: Pick<Repositories, 'duplicates'>;
}

const idParam = z.coerce.number().int().positive();
const entityParam = z.enum(['lead', 'client']);
const duplicateQuery = z
  .object({
    entity: entityParam,
    /** One record's candidates; without it, every pair in pages. */
    id: idParam.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.coerce.number().int().min(0).optional(),
  })
  .strict();
const dismissBody = z.object({ entity: entityParam, ids: z.tuple([idParam, idParam]) }).strict();

/** The permission entity of a duplicate entity. */
export const PERMISSION_ENTITY: Record<DuplicateEntity, Entity> = {
  lead: 'leads',
  client: 'clients',
};

export function duplicateRoutes(deps: DuplicateRouteDeps): Router {
  const { duplicates } = deps.repos;
  const router = Router();
  const notFound = (res: Response, entity: DuplicateEntity, id: number) =>
    problem(res, 404, 'not_found', `${entity} ${id} does not exist`);

  router.get('/duplicates', requirePermission('read'), async (req, res) => {
    const query = duplicateQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { entity, id, limit, cursor } = query.data;
    const scope = scopeFor(res, PERMISSION_ENTITY[entity], 'read');
    if (id === undefined) {
      res.json(await duplicates.pairs(entity, scope, { limit, cursor }));
      return;
    }
    const candidates = await duplicates.of(entity, id, scope);
    if (!candidates) return notFound(res, entity, id);
    res.json({ entity, id, candidates: candidates.slice(0, limit) });
  });

  router.post('/duplicates/dismiss', requirePermission('write'), async (req, res) => {
    const body = dismissBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const { entity, ids } = body.data;
    const [a, b] = ids;
    // Only a pair that is suggested, with both records the actor may change, can be set aside.
    const candidates = await duplicates.of(
      entity,
      a,
      scopeFor(res, PERMISSION_ENTITY[entity], 'update'),
    );
    if (!candidates) return notFound(res, entity, a);
    if (!candidates.some((candidate) => candidate.id === b))
      return problem(res, 404, 'not_found', `${entity} ${b} is not a possible duplicate of ${a}`);
    await duplicates.dismiss(entity, a, b, res.locals.principal?.actor.userId ?? null);
    res.status(204).end();
  });

  return router;
}
