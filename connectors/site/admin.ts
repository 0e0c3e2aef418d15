/**
 * The admin API of a website channel: POST/GET/PATCH /api/v1/forms (and /callbacks), plus the
 * rejections kept for review. The body is flat: the channel settings (slug, title, country,
 * operator queue, active) beside the kind-specific definition, validated by its own schema.
 */
import { Router, type Request, type Response } from 'express';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Widget, WidgetInput, WidgetKind } from '../../core/repositories/forms.ts';
import { problem } from '../http/problem.ts';
import { requirePermission } from '../http/auth.ts';
import type { SiteGuard } from './guard.ts';

const settingsSchema = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -, at most 64'),
  title: z.string().trim().min(1).max(200),
  defaultCountry: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine(isSupportedCountry, 'an ISO 3166 alpha-2 country code such as ES')
    .nullable()
    .default(null),
  operatorIds: z.array(z.number().int().positive()).max(200).default([]),
  active: z.boolean().default(true),
});
const SETTINGS_KEYS = new Set(Object.keys(settingsSchema.shape));

export type WidgetRepos = Pick<Repositories, 'forms' | 'users'>;

export interface AdminDeps {
  repos: WidgetRepos;
  guard: SiteGuard;
}

export function widgetAdminRoutes(
  deps: AdminDeps,
  kind: WidgetKind,
  path: '/forms' | '/callbacks',
  mount: '/f' | '/cb',
  definitionSchema: z.ZodType<Record<string, unknown>>,
): Router {
  const { forms } = deps.repos;
  const router = Router();
  const represent = (req: Request, widget: Widget) => {
    const base = `${req.protocol}://${req.get('host')}${mount}/${widget.slug}`;
    const { definition, ...rest } = widget;
    return {
      ...rest,
      ...definition,
      urls: {
        page: base,
        embed: `${base}/embed.js`,
        snippet: `<script src="${base}/embed.js" async></script>`,
      },
    };
  };

  /** Validates a whole body; answers the problem itself and returns undefined when invalid. */
  const validate = async (res: Response, body: Record<string, unknown>, exceptId?: number) => {
    const checked = await validateWidget(deps.repos, definitionSchema, body, exceptId);
    if (checked.ok) return checked.input;
    problem(res, 422, 'invalid_body', `the ${kind} definition is not valid`, checked.issues);
    return undefined;
  };

  router.post(path, requirePermission('admin'), async (req, res) => {
    const input = await validate(res, asObject(req.body));
    if (!input) return;
    res.status(201).json(represent(req, await forms.create(kind, input, new Date())));
  });

  router.get(path, requirePermission('read'), async (req, res) => {
    const widgets = await forms.list(kind);
    res.json({ [path.slice(1)]: widgets.map((widget) => represent(req, widget)) });
  });

  const find = async (req: Request, res: Response) => {
    const id = Number(req.params.id);
    const widget = Number.isSafeInteger(id) && id > 0 ? await forms.get(kind, id) : undefined;
    if (!widget) problem(res, 404, 'not_found', `${kind} ${req.params.id} does not exist`);
    return widget;
  };

  router.get(`${path}/:id`, requirePermission('read'), async (req, res) => {
    const widget = await find(req, res);
    if (!widget) return;
    const rejectionsToday = await deps.guard.rejectionsOn(widget.id, new Date()).catch(() => null);
    res.json({ ...represent(req, widget), rejectionsToday });
  });

  router.patch(`${path}/:id`, requirePermission('admin'), async (req, res) => {
    const widget = await find(req, res);
    if (!widget) return;
    const merged = { ...flatWidget(widget), ...asObject(req.body) };
    const input = await validate(res, merged, widget.id);
    if (!input) return;
    res.json(represent(req, await forms.update(widget, input, new Date())));
  });

  router.get(`${path}/:id/rejections`, requirePermission('read'), async (req, res) => {
    const widget = await find(req, res);
    if (!widget) return;
    const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), 500);
    res.json({
      rejections: (await forms.rejections(widget.id, limit)).map((row) => ({
        ...row,
        body: JSON.parse(row.body) as unknown,
      })),
    });
  });

  return router;
}

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
