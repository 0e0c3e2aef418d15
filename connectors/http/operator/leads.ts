/**
 * The operator's view of leads: search and filters, one lead with its whole conversation and
 * timeline, changes (stage, responsible, junk, fields), conversion, notes. Every route asks the
 * actor's scope (core/permissions.ts): a lead out of scope answers 404, as if it did not exist.
 */
import { Router } from 'express';
import { z } from 'zod';
import { foldAlbums } from '../../../core/conversation.ts';
import type { LeadProblem } from '../../../core/repositories/leads.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { decodeCursor } from '../../../core/lead-cursor.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { convertRoute } from './convert.ts';
import { customBody, customValues } from './custom-fields.ts';
import { readLeadQuery } from './list-queries.ts';
import { changeBy, scopeFor } from './scope.ts';

export interface LeadRouteDeps {
  repos: Pick<Repositories, 'leads' | 'users' | 'clients' | 'stages' | 'customFields'>;
  defaultCountry: string | undefined;
}

const id = z.coerce.number().int().positive();
const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(64).optional(),
  })
  .strict();

const patchBody = z
  .object({
    stage: z.string().regex(STAGE_CODE, 'Latin letters, digits and _, at most 21').optional(),
    responsibleId: z.number().int().positive().nullable().optional(),
    junkReason: z.string().regex(STAGE_CODE).optional(),
    title: z.string().trim().min(1).max(500).optional(),
    name: z.string().trim().min(1).max(200).nullable().optional(),
    company: z.string().trim().min(1).max(200).nullable().optional(),
    custom: customBody,
    /** The country national phone numbers in custom fields are read in. */
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });

const PATCH_PROBLEMS = {
  'no-stage': [422, 'unknown_stage', 'stage', 'no such stage (GET /api/v1/stages)'],
  'no-user': [422, 'unknown_user', 'responsibleId', 'no such user'],
  'no-junk-reason': [
    422,
    'unknown_junk_reason',
    'junkReason',
    'a junk reason from GET /api/v1/junk-reasons, with a failure stage',
  ],
  closed: [409, 'closed', 'stage', 'the lead is closed'],
} as const;

export function leadRoutes(deps: LeadRouteDeps): Router {
  const { leads, users } = deps.repos;
  const router = Router();

  router.get('/leads', requirePermission('read'), async (req, res) => {
    // The filters as the export reads them (list-queries.ts); the page is the list's own.
    const { limit, cursor, ...given } = req.query as Record<string, unknown>;
    const page = pageQuery.safeParse({ limit, cursor });
    if (!page.success) return invalidQuery(res, page.error);
    const read = await readLeadQuery(given, deps);
    if ('problems' in read)
      return problem(res, 400, 'invalid_query', 'the request is not valid', read.problems);
    const sort = read.filter.sort ?? 'newest';
    if (page.data.cursor !== undefined && !decodeCursor(sort, page.data.cursor))
      return problem(res, 400, 'invalid_cursor', 'give the nextCursor of a page of the same sort', [
        { path: 'cursor', message: 'not a cursor of this sort' },
      ]);
    res.json(await leads.list({ ...read.filter, ...page.data }, scopeFor(res, 'leads', 'read')));
  });

  router.get('/leads/:id', requirePermission('read'), async (req, res) => {
    const leadId = id.safeParse(req.params.id);
    const lead = leadId.success
      ? await leads.get(leadId.data, scopeFor(res, 'leads', 'read'))
      : undefined;
    if (!lead) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    // An album sent as several messages (Telegram, WhatsApp) reads as one entry with its files.
    res.json({ ...lead, messages: foldAlbums(lead.messages) });
  });

  router.patch('/leads/:id', requirePermission('write'), async (req, res) => {
    const leadId = id.safeParse(req.params.id);
    const body = patchBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!leadId.success)
      return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    const { responsibleId, custom, country, ...fields } = body.data;
    const scope = scopeFor(res, 'leads', 'update');
    let values: Record<string, unknown> | undefined;
    if (custom) {
      const lead = await leads.find(leadId.data, scope);
      if (!lead) return problem(res, 404, 'not_found', `lead ${leadId.data} does not exist`);
      values = await customValues(
        res,
        deps.repos.customFields,
        'lead',
        lead.custom,
        custom,
        country?.toUpperCase() ?? deps.defaultCountry,
      );
      if (!values) return;
    }
    if (responsibleId != null && !(await users.getUser(responsibleId))?.active) {
      return problem(res, 422, 'unknown_user', `user ${responsibleId} is not an active user`, [
        { path: 'responsibleId', message: 'no such active user' },
      ]);
    }
    const changed = await leads.update(
      leadId.data,
      {
        ...fields,
        ...(responsibleId !== undefined ? { responsibleId } : {}),
        ...(values ? { custom: values } : {}),
      },
      changeBy(res),
      scope,
    );
    if (!changed.ok && changed.problem === 'no-lead')
      return problem(res, 404, 'not_found', `lead ${leadId.data} does not exist`);
    if (!changed.ok) {
      const [status, code, path, message] =
        PATCH_PROBLEMS[changed.problem as Exclude<LeadProblem, 'no-lead'>];
      return problem(res, status, code, message, [{ path, message }]);
    }
    // Handed to someone else, the lead may be out of the caller's reach now: then only itself.
    res.json((await leads.get(leadId.data, scopeFor(res, 'leads', 'read'))) ?? changed.lead);
  });

  router.post('/leads/:id/notes', requirePermission('write'), async (req, res) => {
    const leadId = id.safeParse(req.params.id);
    const body = z
      .object({ text: z.string().trim().min(1).max(10_000) })
      .strict()
      .safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const note = leadId.success
      ? await leads.addNote(
          leadId.data,
          body.data.text,
          changeBy(res),
          scopeFor(res, 'leads', 'update'),
        )
      : undefined;
    if (!note) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    res.status(201).json(note);
  });

  router.post('/leads/:id/convert', requirePermission('write'), convertRoute(deps));

  router.get('/junk-reasons', requirePermission('read'), async (_req, res) => {
    res.json({ junkReasons: await leads.junkReasons() });
  });

  return router;
}
