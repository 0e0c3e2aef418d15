/**
 * POST/GET/PATCH /api/v1/channels: connecting mailboxes, bots and WhatsApp numbers (every kind in
 * the registry with settings). Secrets go in as `{"env": "LEADWIRE_SECRET_…"}` or `{"value": "…"}`
 * (sealed with SECRETS_KEY) and never come back out.
 */
import { Router, type Request, type Response } from 'express';
import type { ChannelRecord } from '../../../core/repositories/channels.ts';
import {
  describeChannel,
  editChannel,
  inspectChannel,
  saveChannel,
  type ChannelAdminDeps,
  type SavedChannel,
} from '../../channel-admin.ts';
import { objectOf } from '../../channel-fields.ts';
import { requirePermission } from '../auth.ts';
import { problem } from '../problem.ts';

export function channelRoutes(deps: ChannelAdminDeps): Router {
  const router = Router();

  const answer = (res: Response, saved: SavedChannel, status: number) => {
    if (!saved.ok) return problem(res, 422, saved.code, saved.message, saved.issues);
    res.status(status).json({ ...describeChannel(deps, saved.channel), ...(saved.saved ?? {}) });
  };

  router.post('/channels', requirePermission('admin'), async (req, res) =>
    answer(res, await saveChannel(deps, objectOf(req.body)), 201),
  );

  router.get('/channels', requirePermission('admin'), async (_req, res) => {
    const all = await deps.repos.channels.list();
    res.json({ channels: all.map((channel) => describeChannel(deps, channel)) });
  });

  const find = async (req: Request, res: Response): Promise<ChannelRecord | undefined> => {
    const id = Number(req.params.id);
    const channel =
      Number.isSafeInteger(id) && id > 0 ? await deps.repos.channels.get(id) : undefined;
    if (!channel) problem(res, 404, 'not_found', `channel ${String(req.params.id)} does not exist`);
    return channel;
  };

  router.get('/channels/:id', requirePermission('admin'), async (req, res) => {
    const channel = await find(req, res);
    if (channel) res.json(await inspectChannel(deps, channel));
  });

  router.patch('/channels/:id', requirePermission('admin'), async (req, res) => {
    const channel = await find(req, res);
    if (channel) answer(res, await editChannel(deps, channel, objectOf(req.body)), 200);
  });

  return router;
}
