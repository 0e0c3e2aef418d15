/** The operator's view of leads: list and filter, one lead with its whole conversation, stage changes. */
import { Router } from 'express';
import { z } from 'zod';
import { foldAlbums } from '../../../core/conversation.ts';
import { SOURCES } from '../../../core/inbound.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';

export interface LeadRouteDeps {
  repos: Pick<Repositories, 'leads'>;
}

const idParam = z.coerce.number().int().positive();
const leadQuery = z.object({
  type: z.enum(['simple', 'repeat']).optional(),
  stage: z.string().regex(STAGE_CODE).optional(),
  source: z.enum(SOURCES).optional(),
  clientId: z.coerce.number().int().positive().optional(),
  /** `true`: only leads flagged for review (e.g. from a form over its daily cap). */
  review: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});

export function leadRoutes(deps: LeadRouteDeps): Router {
  const { leads } = deps.repos;
  const router = Router();

  router.get('/leads', requirePermission('read'), async (req, res) => {
    const query = leadQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { review, ...filter } = query.data;
    res.json(await leads.list({ ...filter, ...(review ? { review: review === 'true' } : {}) }));
  });

  router.get('/leads/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const lead = id.success ? await leads.get(id.data) : undefined;
    if (!lead) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    // An album sent as several messages (Telegram, WhatsApp) reads as one entry with its files.
    res.json({ ...lead, messages: foldAlbums(lead.messages) });
  });

  router.patch('/leads/:id', requirePermission('write'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const body = z
      .object({ stage: z.string().regex(STAGE_CODE, 'Latin letters, digits and _, at most 21') })
      .strict()
      .safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!id.success) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    const changed = await leads.setStage(id.data, body.data.stage, new Date());
    if (!changed.ok && changed.reason === 'no-stage') {
      return problem(res, 422, 'unknown_stage', `stage ${body.data.stage} does not exist`, [
        { path: 'stage', message: 'unknown stage' },
      ]);
    }
    if (!changed.ok) return problem(res, 404, 'not_found', `lead ${id.data} does not exist`);
    res.json(await leads.get(id.data));
  });

  return router;
}
