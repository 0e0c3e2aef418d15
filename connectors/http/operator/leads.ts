/**
 * The operator's view of leads: search and filters, one lead with its whole conversation and
 * timeline, changes (stage, responsible, junk, fields), conversion, notes. Every route asks the
 * actor's scope (core/permissions.ts): a lead out of scope answers 404, as if it did not exist.
 */
import { Router } from 'express';
import { z } from 'zod';
import { foldAlbums } from '../../../core/conversation.ts';
import { filterValue, type CustomFieldDefinition } from '../../../core/custom-fields.ts';
import { SOURCES } from '../../../core/inbound.ts';
import { LEAD_SORTS, type LeadProblem } from '../../../core/repositories/leads.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { decodeCursor } from '../../../core/lead-cursor.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { convertRoute } from './convert.ts';
import { customBody, customValues } from './custom-fields.ts';
import { departmentSubtree } from './people.ts';
import { changeBy, scopeFor, searchKeys } from './scope.ts';

export interface LeadRouteDeps {
  repos: Pick<Repositories, 'leads' | 'users' | 'clients' | 'stages' | 'customFields'>;
  defaultCountry: string | undefined;
}

const id = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .transform((value) => new Date(value));
const leadQuery = z
  .object({
    /** Full text over name, title, company and the conversation's words. */
    q: z.string().trim().min(1).max(200).optional(),
    type: z.enum(['simple', 'repeat']).optional(),
    stage: z.string().regex(STAGE_CODE).optional(),
    source: z.enum(SOURCES).optional(),
    clientId: id.optional(),
    /** `true`: only leads flagged for review (e.g. from a form over its daily cap). */
    review: flag.optional(),
    responsibleId: id.optional(),
    unassigned: flag.optional(),
    departmentId: id.optional(),
    channelId: id.optional(),
    open: flag.optional(),
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    /** The country a national phone number is read in (default: DEFAULT_COUNTRY). */
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/)
      .optional(),
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
    sort: z.enum(LEAD_SORTS).optional(),
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
    // `custom.<key>=value` filters by a custom field; every other name is the schema's.
    const given = req.query as Record<string, unknown>;
    const customNames = Object.keys(given).filter((name) => name.startsWith('custom.'));
    const query = leadQuery.safeParse(
      Object.fromEntries(Object.entries(given).filter(([name]) => !name.startsWith('custom.'))),
    );
    if (!query.success) return invalidQuery(res, query.error);
    const { email, phone, country, departmentId, ...filter } = query.data;
    const custom = customNames.length
      ? customFilters(
          await deps.repos.customFields.list('lead'),
          customNames.map((name) => [name.slice('custom.'.length), given[name]]),
          country?.toUpperCase() ?? deps.defaultCountry,
        )
      : { filters: [] };
    if ('problems' in custom)
      return problem(res, 400, 'invalid_query', 'the request is not valid', custom.problems);
    const search = searchKeys({ email, phone }, country?.toUpperCase() ?? deps.defaultCountry);
    if (search.problem)
      return problem(res, 400, 'invalid_query', 'the request is not valid', [search.problem]);
    const departmentIds =
      departmentId === undefined
        ? undefined
        : departmentSubtree(await users.listDepartments(), departmentId);
    if (filter.cursor !== undefined && !decodeCursor(filter.sort ?? 'newest', filter.cursor))
      return problem(res, 400, 'invalid_cursor', 'give the nextCursor of a page of the same sort', [
        { path: 'cursor', message: 'not a cursor of this sort' },
      ]);
    const page = await leads.list(
      {
        ...filter,
        ...(search.keys ? { identityKeys: search.keys } : {}),
        ...(custom.filters.length ? { custom: custom.filters } : {}),
        ...(departmentIds ? { departmentIds } : {}),
      },
      scopeFor(res, 'leads', 'read'),
    );
    res.json(page);
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

/** `custom.<key>=value` query parameters as filters in the fields' canonical form. */
function customFilters(
  definitions: readonly CustomFieldDefinition[],
  given: [string, unknown][],
  country: string | undefined,
):
  | { filters: { key: string; value: string | number | boolean }[] }
  | { problems: { path: string; message: string }[] } {
  const filters: { key: string; value: string | number | boolean }[] = [];
  const problems: { path: string; message: string }[] = [];
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
