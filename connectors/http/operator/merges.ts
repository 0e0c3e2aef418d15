/** Merging two leads or two clients through the API, previewing it, and undoing it. */
import { Router } from 'express';
import { z } from 'zod';
import {
  MERGE_PICKS,
  mergeConflicts,
  mergesAutomatically,
  unknownPicks,
  type MergeEntity,
} from '../../../core/merge.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { PERMISSION_ENTITY } from './duplicates.ts';
import { changeBy, scopeFor } from './scope.ts';

export interface MergeRouteDeps {
  repos: Pick<Repositories, 'merges'>;
}

const idParam = z.coerce.number().int().positive();
const entity = z.enum(['lead', 'client']);
const pair = { entity, survivorId: idParam, mergedId: idParam };
const previewQuery = z.object(pair).strict();
const mergeBody = z
  .object({
    ...pair,
    /** Field → whose value the survivor keeps (`custom.<key>` for a custom field). */
    picks: z.record(z.string().max(60), z.enum(MERGE_PICKS)).default({}),
  })
  .strict();

export function mergeRoutes(deps: MergeRouteDeps): Router {
  const { merges } = deps.repos;
  const router = Router();
  const notFound = (res: Parameters<typeof problem>[0], what: string) =>
    problem(res, 404, 'not_found', `${what} does not exist`);
  const updateScope = (res: Parameters<typeof scopeFor>[0], kind: MergeEntity) =>
    scopeFor(res, PERMISSION_ENTITY[kind], 'update');

  // What a merge would ask: the fields whose values differ, and whether it could go unasked.
  router.get('/merges/preview', requirePermission('read'), async (req, res) => {
    const query = previewQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { entity: kind, survivorId, mergedId } = query.data;
    const sides = await merges.sides(kind, survivorId, mergedId, updateScope(res, kind));
    if (!sides) return notFound(res, `${kind} ${survivorId} or ${mergedId}`);
    res.json({
      entity: kind,
      survivorId,
      mergedId,
      conflicts: mergeConflicts(kind, sides.survivor, sides.merged),
      automatic: mergesAutomatically(kind, sides.survivor, sides.merged),
    });
  });

  router.post('/merges', requirePermission('write'), async (req, res) => {
    const body = mergeBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const unknown = unknownPicks(body.data.entity, body.data.picks);
    if (unknown.length)
      return problem(
        res,
        422,
        'invalid_body',
        'picks name fields a merge does not choose between',
        unknown.map((field) => ({ path: `picks.${field}`, message: 'not a merge field' })),
      );
    const merged = await merges.merge(body.data, changeBy(res), updateScope(res, body.data.entity));
    if (merged.ok) return res.status(201).json(merged.merge);
    if (merged.problem === 'not-found') return notFound(res, merged.message.split(' does')[0]!);
    return problem(
      res,
      merged.problem === 'same-record' ? 422 : 409,
      merged.problem.replace('-', '_'),
      merged.message,
    );
  });

  router.get('/merges/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const merge = id.success ? await merges.get(id.data) : undefined;
    // A merge is seen by whoever may read its survivor (`sides` of the survivor with itself).
    const readable =
      merge &&
      (await merges.sides(
        merge.entity,
        merge.survivorId,
        merge.survivorId,
        scopeFor(res, PERMISSION_ENTITY[merge.entity], 'read'),
      ));
    if (!merge || !readable) return notFound(res, `merge ${req.params.id}`);
    res.json(merge);
  });

  router.post('/merges/:id/undo', requirePermission('write'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success) return notFound(res, `merge ${req.params.id}`);
    const merge = await merges.get(id.data);
    if (!merge) return notFound(res, `merge ${id.data}`);
    const undone = await merges.undo(id.data, changeBy(res), updateScope(res, merge.entity));
    if (undone.ok) return res.json(undone.merge);
    if (undone.problem === 'not-found') return notFound(res, `merge ${id.data}`);
    if (undone.problem === 'already-undone')
      return problem(res, 409, 'already_undone', `merge ${id.data} was undone already`);
    return problem(
      res,
      409,
      'undo_blocked',
      'the records changed after the merge: undoing it would lose those changes',
      undone.blocks.map((block) => ({ path: block.what, message: block.why })),
    );
  });

  return router;
}
