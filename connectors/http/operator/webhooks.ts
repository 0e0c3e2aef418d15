/**
 * /api/v1/webhooks: subscriptions (administrators only). `POST` answers 201 with the signing
 * secret, shown this once; `POST /:id/rotate-secret` makes a new one. Deliveries are listed per
 * subscription with their attempts, and `POST /api/v1/webhook-deliveries/:id/redeliver` sends
 * one again with the same webhook-id.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import {
  createWebhook,
  describeDelivery,
  describeWebhook,
  redeliver,
  rotateSecret,
  updateWebhook,
  type Refusal,
  type WebhookAdminDeps,
} from '../../webhook-admin.ts';
import { requirePermission } from '../auth.ts';
import { problem } from '../problem.ts';

const idParam = z.coerce.number().int().positive();
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.coerce.number().int().positive().optional(),
});

export function webhookRoutes(deps: WebhookAdminDeps): Router {
  const router = Router();
  const admin = requirePermission('admin');
  const refused = (res: Response, refusal: Refusal) =>
    problem(res, refusal.status, refusal.code, refusal.message, refusal.details);
  const idOf = (req: Request, res: Response, what = 'webhook') => {
    const id = idParam.safeParse(req.params.id);
    if (!id.success)
      problem(res, 404, 'not_found', `${what} ${String(req.params.id)} does not exist`);
    return id.success ? id.data : undefined;
  };

  router.post('/webhooks', admin, async (req, res) => {
    const userId = res.locals.principal?.user?.id ?? null;
    const made = await createWebhook(deps, req.body, userId);
    if (!made.ok) return refused(res, made);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...describeWebhook(made.webhook), secret: made.secret });
  });

  router.get('/webhooks', admin, async (_req, res) => {
    res.json({ webhooks: (await deps.repos.webhooks.list()).map(describeWebhook) });
  });

  router.get('/webhooks/:id', admin, async (req, res) => {
    const id = idOf(req, res);
    if (id === undefined) return;
    const webhook = await deps.repos.webhooks.get(id);
    if (!webhook) return problem(res, 404, 'not_found', `webhook ${id} does not exist`);
    res.json(describeWebhook(webhook));
  });

  router.patch('/webhooks/:id', admin, async (req, res) => {
    const id = idOf(req, res);
    if (id === undefined) return;
    const updated = await updateWebhook(deps, id, req.body);
    if (!updated.ok) return refused(res, updated);
    res.json(describeWebhook(updated.webhook));
  });

  router.post('/webhooks/:id/rotate-secret', admin, async (req, res) => {
    const id = idOf(req, res);
    if (id === undefined) return;
    const secret = await rotateSecret(deps, id);
    if (!secret) return problem(res, 404, 'not_found', `webhook ${id} does not exist`);
    res.set('Cache-Control', 'no-store').json({ id, secret });
  });

  router.delete('/webhooks/:id', admin, async (req, res) => {
    const id = idOf(req, res);
    if (id === undefined) return;
    if (!(await deps.repos.webhooks.delete(id)))
      return problem(res, 404, 'not_found', `webhook ${id} does not exist`);
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', admin, async (req, res) => {
    const id = idOf(req, res);
    if (id === undefined) return;
    const page = pageQuery.safeParse(req.query);
    if (!page.success) return problem(res, 400, 'invalid_query', 'limit is 1–200, before an id');
    if (!(await deps.repos.webhooks.get(id)))
      return problem(res, 404, 'not_found', `webhook ${id} does not exist`);
    const list = await deps.repos.webhooks.deliveries(id, page.data.limit, page.data.before);
    const last = list[list.length - 1];
    res.json({
      deliveries: list.map(describeDelivery),
      next: list.length === page.data.limit && last ? last.id : null,
    });
  });

  router.get('/webhook-deliveries/:id', admin, async (req, res) => {
    const id = idOf(req, res, 'delivery');
    if (id === undefined) return;
    const delivery = await deps.repos.webhooks.delivery(id);
    if (!delivery) return problem(res, 404, 'not_found', `delivery ${id} does not exist`);
    const attempts = await deps.repos.webhooks.attempts(id);
    res.json({ ...describeDelivery(delivery), attempts });
  });

  router.post('/webhook-deliveries/:id/redeliver', admin, async (req, res) => {
    const id = idOf(req, res, 'delivery');
    if (id === undefined) return;
    const delivery = await redeliver(deps, id);
    if (!delivery) return problem(res, 404, 'not_found', `delivery ${id} does not exist`);
    res.status(202).json(describeDelivery(delivery));
  });

  return router;
}
