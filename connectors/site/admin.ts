/**
 * Defining a website widget (a web form, a callback widget), shared by the operator API and the
 * CLI. The body is flat: the channel settings (slug, title, country, operator queue, active)
 * beside the kind-specific definition, validated by its own schema.
 */
import { z } from 'zod';
import { defaultCountryField } from '../channel-fields.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Widget, WidgetInput } from '../../core/repositories/forms.ts';

const settingsSchema = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -, at most 64'),
  title: z.string().trim().min(1).max(200),
  defaultCountry: defaultCountryField,
  operatorIds: z.array(z.number().int().positive()).max(200).default([]),
  active: z.boolean().default(true),
});
const SETTINGS_KEYS = new Set(Object.keys(settingsSchema.shape));

export type WidgetRepos = Pick<Repositories, 'forms' | 'users'>;

export type WidgetCheck =
  { ok: true; input: WidgetInput } | { ok: false; issues: { path: string; message: string }[] };

/** The whole flat body checked: settings, the kind's definition, slug free, operators known. */
export async function validateWidget(
  repos: WidgetRepos,
  definitionSchema: z.ZodType<Record<string, unknown>>,
  body: Record<string, unknown>,
  exceptId?: number,
): Promise<WidgetCheck> {
  // `null` removes an optional setting (a redirect URL, an intro) when editing.
  const given = Object.fromEntries(
    Object.entries(body).filter(([key, value]) => value !== null || key === 'defaultCountry'),
  );
  const settings = settingsSchema.safeParse(given);
  const rest = Object.fromEntries(Object.entries(given).filter(([key]) => !SETTINGS_KEYS.has(key)));
  const definition = definitionSchema.safeParse(rest);
  const issues = [
    ...(settings.success ? [] : settings.error.issues),
    ...(definition.success ? [] : definition.error.issues),
  ].map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message }));
  if (settings.success) {
    if (await repos.forms.slugTaken(settings.data.slug, exceptId))
      issues.push({ path: 'slug', message: `the slug ${settings.data.slug} is taken` });
    for (const id of await repos.users.unknownUsers(settings.data.operatorIds))
      issues.push({ path: 'operatorIds', message: `user ${id} does not exist` });
  }
  if (issues.length || !settings.success || !definition.success) return { ok: false, issues };
  return { ok: true, input: { ...settings.data, definition: definition.data } };
}

/** What PATCH merges onto: the stored widget as a flat body. */
export function flatWidget(widget: Widget): Record<string, unknown> {
  const { definition, ...current } = widget;
  return {
    slug: current.slug,
    title: current.title,
    defaultCountry: current.defaultCountry,
    operatorIds: current.operatorIds,
    active: current.active,
    ...definition,
  };
}

export function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
