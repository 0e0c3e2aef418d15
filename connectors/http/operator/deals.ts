/** Deals: list and filter, open one with its timeline, create, change (stage, amount, responsible). */
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { DealProblem } from '../../../core/repositories/deals.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { customValues } from './custom-fields.ts';
import { idPage, readDealQuery } from './list-queries.ts';
import { changeBy, scopeFor } from './scope.ts';

const id = z.coerce.number().int().positive();
const dealFields = {
  title: z.string().trim().min(1).max(500),
  amount: z.number().finite().nonnegative().nullable(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code, e.g. EUR')
    .transform((code) => code.toUpperCase())
    .nullable(),
  stage: z.string().regex(STAGE_CODE),
  clientId: z.number().int().positive().nullable(),
  responsibleId: z.number().int().positive().nullable(),
  custom: z.record(z.string().max(40), z.unknown()),
};
const newDeal = z.object(dealFields).partial().required({ title: true }).strict();
const dealPatch = z
  .object(dealFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

const PROBLEMS: Record<Exclude<DealProblem, 'no-deal'>, [string, string]> = {
  'no-stage': ['stage', 'no such deal stage (GET /api/v1/deal-stages)'],
  'no-client': ['clientId', 'no such client'],
  'no-user': ['responsibleId', 'no such user'],
};

export function dealRoutes(deps: {
  repos: Pick<Repositories, 'deals' | 'customFields' | 'clients'>;
  defaultCountry: string | undefined;
}): Router {
  const { deals, clients } = deps.repos;
  const router = Router();
  /** A deal goes only to a client the caller may change (its page will show the deal). */
  const clientOutOfReach = async (res: Response, clientId: number | null | undefined) => {
    if (clientId == null || (await clients.view(clientId, scopeFor(res, 'clients', 'update'))))
      return false;
    const message = 'no such client';
    problem(res, 422, 'invalid_reference', message, [{ path: 'clientId', message }]);
    return true;
  };

  router.get('/deals', requirePermission('read'), async (req, res) => {
    // The filters as the export reads them (list-queries.ts); the page is the list's own.
    const { limit, cursor, ...given } = req.query as Record<string, unknown>;
    const page = idPage.safeParse({ limit, cursor });
    if (!page.success) return invalidQuery(res, page.error);
    const read = readDealQuery(given);
    if ('problems' in read)
      return problem(res, 400, 'invalid_query', 'the request is not valid', read.problems);
    res.json(await deals.list({ ...read.filter, ...page.data }, scopeFor(res, 'deals', 'read')));
  });
  router.get('/deals/:id', requirePermission('read'), async (req, res) => {
    const dealId = id.safeParse(req.params.id);
    const deal = dealId.success
      ? await deals.get(dealId.data, scopeFor(res, 'deals', 'read'))
      : undefined;
    if (!deal) return problem(res, 404, 'not_found', `deal ${req.params.id} does not exist`);
    res.json(deal);
  });
  router.post('/deals', requirePermission('write'), async (req, res) => {
    if (scopeFor(res, 'deals', 'create').kind === 'none')
      return problem(res, 403, 'forbidden', 'your roles may not create deals');
    const body = newDeal.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (await clientOutOfReach(res, body.data.clientId)) return;
    const context = changeBy(res);
    const custom = await customValues(
      res,
      deps.repos.customFields,
      'deal',
      {},
      body.data.custom ?? {},
      deps.defaultCountry,
    );
    if (!custom) return;
    const written = await deals.create(
      {
        ...body.data,
        custom,
        responsibleId: body.data.responsibleId ?? context.userId,
      },
      context,
    );
    if (!written.ok) {
      const [path, message] = PROBLEMS[written.problem as Exclude<DealProblem, 'no-deal'>];
      return problem(res, 422, 'invalid_reference', message, [{ path, message }]);
    }
    res.status(201).json(written.deal);
  });
  router.patch('/deals/:id', requirePermission('write'), async (req, res) => {
    const dealId = id.safeParse(req.params.id);
    const body = dealPatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const scope = scopeFor(res, 'deals', 'update');
    const current = dealId.success ? await deals.get(dealId.data, scope) : undefined;
    if (!current) return problem(res, 404, 'not_found', `deal ${req.params.id} does not exist`);
    if (await clientOutOfReach(res, body.data.clientId)) return;
    let patch = body.data;
    if (body.data.custom) {
      const custom = await customValues(
        res,
        deps.repos.customFields,
        'deal',
        current.custom,
        body.data.custom,
        deps.defaultCountry,
      );
      if (!custom) return;
      patch = { ...patch, custom };
    }
    const written = await deals.update(current.id, patch, changeBy(res), scope);
    if (!written.ok && written.problem === 'no-deal')
      return problem(res, 404, 'not_found', `deal ${req.params.id} does not exist`);
    if (!written.ok) {
      const [path, message] = PROBLEMS[written.problem as Exclude<DealProblem, 'no-deal'>];
      return problem(res, 422, 'invalid_reference', message, [{ path, message }]);
    }
    res.json(written.deal);
  });
  return router;
}
