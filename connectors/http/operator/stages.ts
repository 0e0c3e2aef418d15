/**
 * Lead stages (`/stages`) and deal stages (`/deal-stages`): everyone reads them; roles that manage
 * create, rename, reorder and delete them (a deleted stage's records move to another one).
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Repositories, StageWrite } from '../../../core/repositories/index.ts';
import { STAGE_CODE, type StageKind, type StageProblem } from '../../../core/stages.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { changeBy } from './scope.ts';

/** The API's and the console's rules for a stage code, a stage's name, a new stage. */
export const stageCode = z
  .string()
  .regex(STAGE_CODE, 'Latin letters, digits and _, at most 21 characters');
export const stageName = z.string().trim().min(1).max(100);
export const newStage = z
  .object({
    code: stageCode,
    name: stageName,
    semantics: z.enum(['process', 'success', 'failure']),
    sort: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();

const PROBLEMS: Record<StageProblem, [number, string, string]> = {
  'code-taken': [409, 'code_taken', 'a stage with this code exists'],
  'no-stage': [404, 'not_found', 'no such stage'],
  'no-target': [422, 'unknown_stage', 'moveTo must be another existing stage'],
  'last-of-semantics': [
    409,
    'last_of_its_kind',
    'one stage of each semantics (process, success, failure) must remain',
  ],
  initial: [409, 'initial_stage', 'new leads start in this stage: rename it instead'],
  'not-a-permutation': [422, 'invalid_order', 'give every stage code exactly once'],
};

export function stageRoutes(deps: { repos: Pick<Repositories, 'stages'> }): Router {
  const { stages } = deps.repos;
  const router = Router();
  for (const [path, kind] of [
    ['/stages', 'lead'],
    ['/deal-stages', 'deal'],
  ] as [string, StageKind][]) {
    const answer = (res: Response, result: StageWrite, status = 200) => {
      if (result.ok) return res.status(status).json({ stages: result.stages });
      const [code, error, message] = PROBLEMS[result.problem];
      problem(res, code, error, message);
    };
    router.get(path, requirePermission('read'), async (_req, res) => {
      res.json({ stages: await stages.list(kind) });
    });
    router.post(path, requirePermission('admin'), async (req, res) => {
      const body = newStage.safeParse(req.body);
      if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
      answer(res, await stages.create(kind, body.data), 201);
    });
    router.put(`${path}/order`, requirePermission('admin'), async (req, res) => {
      const body = z
        .object({ codes: z.array(stageCode).min(1).max(200) })
        .strict()
        .safeParse(req.body);
      if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
      answer(res, await stages.reorder(kind, body.data.codes));
    });
    router.patch(`${path}/:code`, requirePermission('admin'), async (req, res) => {
      const body = z.object({ name: stageName }).strict().safeParse(req.body);
      if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
      answer(res, await stages.rename(kind, String(req.params.code), body.data.name));
    });
    router.delete(`${path}/:code`, requirePermission('admin'), async (req, res) => {
      const moveTo = stageCode.safeParse(req.query.moveTo);
      if (!moveTo.success)
        return problem(
          res,
          400,
          'invalid_query',
          'give ?moveTo=<stage code>: where its records go',
        );
      const deleted = await stages.delete(
        kind,
        String(req.params.code),
        moveTo.data,
        changeBy(res),
      );
      if (!deleted.ok) return answer(res, deleted);
      res.json({ stages: deleted.stages, moved: deleted.moved });
    });
  }
  return router;
}
