/**
 * POST /telegram/:channelId/webhook: the secret_token header is checked (constant time) before
 * the body is read, the update is recorded in the inbox, and Telegram gets its 200 at once.
 * Anything else is answered with the status Telegram shows in getWebhookInfo, and logged.
 */
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from '../../core/runtime/logger.ts';
import type { ChannelRepository } from '../../core/repositories/channels.ts';
import type { InboundRecorder } from '../record-inbound.ts';
import { telegramSettings, webhookSecretMatches } from './config.ts';
import type { TelegramRaw } from './update.ts';

export interface WebhookDeps {
  repos: { channels: Pick<ChannelRepository, 'get'> };
  recorder: InboundRecorder;
  log: Logger;
}

/** Updates are small (files are fetched separately); this is far above any real one. */
const BODY_LIMIT = '1mb';

export function telegramWebhookRoutes(deps: WebhookDeps): Router {
  const router = Router();
  const { log } = deps;

  const verify: RequestHandler = async (req, res, next) => {
    const channelId = Number(req.params.channelId);
    const channel = Number.isSafeInteger(channelId)
      ? await deps.repos.channels.get(channelId)
      : undefined;
    const settings =
      channel?.kind === 'telegram' ? telegramSettings.safeParse(channel.config) : undefined;
    if (!channel || !settings?.success || settings.data.mode !== 'webhook' || !channel.active) {
      log.warn({ channel: req.params.channelId }, 'telegram webhook for no active webhook channel');
      return res.status(404).json({ ok: false, error: 'no such bot channel' });
    }
    if (!webhookSecretMatches(settings.data, req.get('x-telegram-bot-api-secret-token'))) {
      log.warn(
        { channel: channelId, ip: req.ip },
        'telegram webhook with a missing or wrong secret token',
      );
      return res
        .status(401)
        .json({ ok: false, error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
    }
    res.locals.channelId = channelId;
    next();
  };

  const badBody: ErrorRequestHandler = (error: { type?: string }, req, res, next) => {
    const channel = res.locals.channelId as number | undefined;
    if (error.type === 'entity.too.large') {
      log.warn({ channel }, 'telegram webhook body over the limit');
      return res.status(413).json({ ok: false, error: `the update is over ${BODY_LIMIT}` });
    }
    if (error.type === 'entity.parse.failed') {
      log.warn({ channel }, 'telegram webhook body is not valid JSON');
      return res.status(400).json({ ok: false, error: 'the body is not valid JSON' });
    }
    next(error);
  };

  router.post(
    '/telegram/:channelId/webhook',
    verify,
    express.json({ limit: BODY_LIMIT, type: () => true }),
    async (req: Request, res: Response) => {
      const channelId = res.locals.channelId as number;
      const update = req.body as { update_id?: unknown } | undefined;
      if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
        log.warn({ channel: channelId }, 'telegram webhook body is not an update (no update_id)');
        return res
          .status(400)
          .json({ ok: false, error: 'not a Telegram update: update_id is missing' });
      }
      const receivedAt = new Date();
      const raw: TelegramRaw = { kind: 'telegram', update, receivedAt: receivedAt.toISOString() };
      await deps.recorder.record(channelId, `u${String(update.update_id)}`, raw, receivedAt);
      res.status(200).json({ ok: true });
    },
  );
  router.use(badBody);
  return router;
}
