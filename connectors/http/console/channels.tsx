/**
 * Channels: connecting mailboxes, bots and WhatsApp numbers (the kind's own fields, no JSON), web
 * forms and callback widgets, each channel's health and its operator queue. Admins only.
 */
import { Router } from 'express';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { SiteGuard } from '../../site/guard.ts';
import type { ChannelAdminDeps } from '../../channel-admin.ts';

export interface ChannelPagesDeps {
  channelAdmin: ChannelAdminDeps;
  widgets: { repos: Pick<Repositories, 'forms' | 'users'>; guard: SiteGuard };
}

export function channelPages(_deps: ChannelPagesDeps): Router {
  const router = Router();
  return router;
}
