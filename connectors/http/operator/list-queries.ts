/**
 * The list routes' filters (GET /leads, /clients, /deals) read from a query into the
 * repositories' filters, once: the lists and the CSV exports of the same records read them
 * here. The page (`limit`, `cursor`) is each caller's own.
 */
import { z } from 'zod';
import { filterValue, type CustomFieldDefinition } from '../../../core/custom-fields.ts';
import type { ExportFilters } from '../../../core/export/pages.ts';
import { SOURCES } from '../../../core/inbound.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { LEAD_SORTS } from '../../../core/repositories/leads.ts';
import { STAGE_CODE } from '../../../core/stages.ts';
import { departmentSubtree } from './people.ts';
import { searchKeys } from './scope.ts';

export interface QueryDeps {
  repos: Pick<Repositories, 'customFields' | 'users'>;
  defaultCountry: string | undefined;
}

export type Detail = { path: string; message: string };
/** A query read into a filter, or what was wrong with it. */
export type Read<F> = { filter: F } | { problems: Detail[] };

const id = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/)
  .optional();
const instant = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .transform((value) => new Date(value));

/** GET /leads's filters, without its page and cursor. */
const leadQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    type: z.enum(['simple', 'repeat']).optional(),
    stage: z.string().regex(STAGE_CODE).optional(),
    source: z.enum(SOURCES).optional(),
    clientId: id.optional(),
    review: flag.optional(),
    responsibleId: id.optional(),
    unassigned: flag.optional(),
    departmentId: id.optional(),
    channelId: id.optional(),
    open: flag.optional(),
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    country,
    createdFrom: instant.optional(),
    createdTo: instant.optional(),
    sort: z.enum(LEAD_SORTS).optional(),
  })
  .strict();

/** GET /clients's filters, without its page and cursor. */
const clientQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    email: z.string().trim().min(3).max(320).optional(),
    phone: z.string().trim().min(3).max(64).optional(),
    country,
    responsibleId: id.optional(),
    kind: z.enum(['contact', 'company']).optional(),
  })
  .strict();

/** GET /deals's filters, without its page and cursor. */
const dealQuery = z
  .object({
    clientId: id.optional(),
    responsibleId: id.optional(),
    leadId: id.optional(),
    stage: z.string().regex(STAGE_CODE).optional(),
    open: flag.optional(),
  })
  .strict();

const issues = (error: z.ZodError): Detail[] =>
  error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(query)',
    message: issue.message,
  }));

/** The lead filter of a query: `custom.<key>=value` by a custom field, every other name the schema's. */
export async function readLeadQuery(
  given: Record<string, unknown>,
  deps: QueryDeps,
): Promise<Read<ExportFilters['leads']>> {
  const customNames = Object.keys(given).filter((name) => name.startsWith('custom.'));
  const query = leadQuery.safeParse(
    Object.fromEntries(Object.entries(given).filter(([name]) => !name.startsWith('custom.'))),
  );
  if (!query.success) return { problems: issues(query.error) };
  const { email, phone, country: spoken, departmentId, ...filter } = query.data;
  const at = spoken?.toUpperCase() ?? deps.defaultCountry;
  const custom = customFilters(
    customNames.length ? await deps.repos.customFields.list('lead') : [],
    customNames.map((name) => [name.slice('custom.'.length), given[name]]),
    at,
  );
  if ('problems' in custom) return custom;
  const search = searchKeys({ email, phone }, at);
  if (search.problem) return { problems: [search.problem] };
  const departmentIds =
    departmentId === undefined
      ? undefined
      : departmentSubtree(await deps.repos.users.listDepartments(), departmentId);
  return {
    filter: {
      ...filter,
      ...(search.keys ? { identityKeys: search.keys } : {}),
      ...(custom.filters.length ? { custom: custom.filters } : {}),
      ...(departmentIds ? { departmentIds } : {}),
    },
  };
}

export function readClientQuery(
  given: Record<string, unknown>,
  defaultCountry: string | undefined,
): Read<ExportFilters['clients']> {
  const query = clientQuery.safeParse(given);
  if (!query.success) return { problems: issues(query.error) };
  const { email, phone, country: spoken, ...filter } = query.data;
  const search = searchKeys({ email, phone }, spoken?.toUpperCase() ?? defaultCountry);
  if (search.problem) return { problems: [search.problem] };
  return { filter: { ...filter, ...(search.keys ? { identityKeys: search.keys } : {}) } };
}

export function readDealQuery(given: Record<string, unknown>): Read<ExportFilters['deals']> {
  const query = dealQuery.safeParse(given);
  return query.success ? { filter: query.data } : { problems: issues(query.error) };
}

/** `custom.<key>=value` query parameters as filters in the fields' canonical form. */
function customFilters(
  definitions: readonly CustomFieldDefinition[],
  given: [string, unknown][],
  country: string | undefined,
): { filters: { key: string; value: string | number | boolean }[] } | { problems: Detail[] } {
  const filters: { key: string; value: string | number | boolean }[] = [];
  const problems: Detail[] = [];
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

/** The page of a client or deal list: how many, and the last id of the previous page. */
export const idPage = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: id.optional(),
  })
  .strict();
