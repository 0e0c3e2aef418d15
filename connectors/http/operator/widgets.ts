/**
 * The admin API of the website channels: POST/GET/PATCH /api/v1/forms (and /callbacks), plus the
 * rejections kept for review.
 */
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Widget, WidgetKind } from '../../../core/repositories/forms.ts';
import { asObject, flatWidget, validateWidget, type WidgetRepos } from '../../site/admin.ts';
import type { SiteGuard } from '../../site/guard.ts';
import { requirePermission } from '../auth.ts';
import { problem } from '../problem.ts';

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
