/**
 * Custom field definitions (`/custom-fields`: everyone reads them, roles that manage edit them),
 * and the check every write of custom values passes through.
 */
import { Router, type Response } from 'express';
import { z } from 'zod';
import {
  CUSTOM_FIELD_KEY,
  CUSTOM_FIELD_TYPES,
  applyCustom,
  type CustomFieldEntity,
} from '../../../core/custom-fields.ts';
import type { CustomFieldRepository } from '../../../core/repositories/custom-fields.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';

/** What a request may carry as `custom`: values by field key (null removes a value). */
export const customBody = z.record(z.string().max(40), z.unknown()).optional();

/**
 * A record's custom values after `changes`, checked against the entity's definitions. When a
 * value is not right the request is answered 422 with each field and why, and this gives
 * undefined: the caller stops.
 */
export async function customValues(
  res: Response,
  fields: Pick<CustomFieldRepository, 'list'>,
  entity: CustomFieldEntity,
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
  country: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  const checked = applyCustom(await fields.list(entity), current, changes, country);
  if (!checked.problems.length) return checked.values;
  problem(res, 422, 'invalid_custom', 'some custom values are not valid', checked.problems);
  return undefined;
}

const options = z.array(z.string().trim().min(1).max(200)).max(500);
/** The API's and the console's rules for a new custom field and a change to one. */
export const newField = z
  .object({
    entity: z.enum(['lead', 'client', 'deal']),
    key: z.string().regex(CUSTOM_FIELD_KEY, 'lower-case letters, digits and _, at most 40'),
    label: z.string().trim().min(1).max(200),
    type: z.enum(CUSTOM_FIELD_TYPES),
    required: z.boolean().default(false),
    options: options.default([]),
    sort: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict()
  .refine((field) => !['list', 'multi-list'].includes(field.type) || field.options.length > 0, {
    message: 'a list needs its options',
    path: ['options'],
  });
export const fieldPatch = z
  .object({
    label: z.string().trim().min(1).max(200),
    required: z.boolean(),
    options,
    sort: z.number().int().min(0).max(1_000_000),
  })
  .partial()
  .strict();

export function customFieldRoutes(deps: {
  repos: { customFields: CustomFieldRepository };
}): Router {
  const { customFields } = deps.repos;
  const router = Router();
  const id = z.coerce.number().int().positive();

  router.get('/custom-fields', requirePermission('read'), async (req, res) => {
    const entity = z.enum(['lead', 'client', 'deal']).optional().safeParse(req.query.entity);
    if (!entity.success) return invalidQuery(res, entity.error);
    res.json({ fields: await customFields.list(entity.data) });
  });
  router.post('/custom-fields', requirePermission('admin'), async (req, res) => {
    const body = newField.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const written = await customFields.create(body.data);
    if (!written.ok)
      return problem(res, 409, 'key_taken', `a ${body.data.entity} field ${body.data.key} exists`);
    res.status(201).json(written.field);
  });
  router.patch('/custom-fields/:id', requirePermission('admin'), async (req, res) => {
    const fieldId = id.safeParse(req.params.id);
    const body = fieldPatch.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const written = fieldId.success
      ? await customFields.update(fieldId.data, body.data)
      : undefined;
    if (!written?.ok)
      return problem(res, 404, 'not_found', `custom field ${req.params.id} does not exist`);
    res.json(written.field);
  });
  router.delete('/custom-fields/:id', requirePermission('admin'), async (req, res) => {
    const fieldId = id.safeParse(req.params.id);
    if (!fieldId.success || !(await customFields.delete(fieldId.data)))
      return problem(res, 404, 'not_found', `custom field ${req.params.id} does not exist`);
    res.status(204).end();
  });
  return router;
}
