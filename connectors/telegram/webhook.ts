/**
 * POST /telegram/:channelId/webhook: the secret_token header is checked (constant time) before
 * the body is read, the update is recorded in the inbox, and Telegram gets its 200 at once.
 * A wrong secret and a channel that is not a webhook bot answer alike (401, counted against the
 * address like a wrong API key, logged at most once a minute), so the endpoint tells a prober
 * nothing. Anything else is answered with the status Telegram shows in getWebhookInfo.
 */
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import type { WebhookDeps } from '../../core/channel.ts';
import { channelWebhookErrors } from '../../core/runtime/metrics.ts';
import { occasionalWarning } from '../../core/runtime/redis-outage.ts';
import { webhookSecretMatches } from './config.ts';
import { readTelegramSettings } from './settings.ts';
import { isKnownUpdate, type TelegramRaw } from './update.ts';

/** Updates are small (files are fetched separately); this is far above any real one. */
const BODY_LIMIT = '1mb';

export function telegramWebhookRoutes(deps: WebhookDeps): Router {
  const router = Router();
  const { log, authFailures } = deps;
  const refused = occasionalWarning(
    log,
    'telegram webhook refused: wrong secret token or no such webhook bot',
    60_000,
    (context) => String(context.channel),
  );
  // Only a bot's own id labels a series: an id that names no bot is `unknown`.
  const counted = (reason: string, channelId: number | undefined) =>
    channelWebhookErrors.inc({
      kind: 'telegram',
      channel_id: channelId === undefined ? 'unknown' : String(channelId),
      reason,
    });

  const verify: RequestHandler = async (req, res, next) => {
    const ip = req.ip ?? '';
    const channelId = Number(req.params.channelId);
    const channel = Number.isSafeInteger(channelId)
      ? await deps.repos.channels.get(channelId)
      : undefined;
    const settings =
      channel?.kind === 'telegram' ? readTelegramSettings(channel.config) : undefined;
    const live = channel?.active && settings?.mode === 'webhook';
    const given = req.get('x-telegram-bot-api-secret-token');
    // The right secret passes before the guard is asked: a flood of wrong ones from the same
    // address (a proxy shared with Telegram) must not hold up Telegram's deliveries.
    if (live && settings && webhookSecretMatches(settings, given)) {
      res.locals.channelId = channelId;
      return next();
    }
    if (await authFailures.blocked(ip)) {
      res.status(429).set('Retry-After', '60').json({ ok: false, error: 'too many failures' });
      return;
    }
    await authFailures.failed(ip);
    counted('refused', settings ? channelId : undefined);
    refused(new Error(given ? 'wrong secret token' : 'no secret token'), {
      channel: req.params.channelId,
      ip,
    });
    res.status(401).json({ ok: false, error: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
  };

  const badBody: ErrorRequestHandler = (error: { type?: string }, req, res, next) => {
    const channel = res.locals.channelId as number | undefined;
    if (error.type === 'entity.too.large') {
      counted('too_large', channel);
      log.warn({ channel }, 'telegram webhook body over the limit');
      return res.status(413).json({ ok: false, error: `the update is over ${BODY_LIMIT}` });
    }
    if (error.type === 'entity.parse.failed') {
      counted('invalid', channel);
      log.warn({ channel }, 'telegram webhook body is not valid JSON');
      return res.status(400).json({ ok: false, error: 'the body is not valid JSON' });
    }
    next(error);
  };

  router.post(
    '/telegram/:channelId/webhook',
    verify,
    express.json({ limit: BODY_LIMIT, type: () => true }),
    async (req, res) => {
      const channelId = res.locals.channelId as number;
      const known = isKnownUpdate(req.body);
      if (!known.ok) {
        counted('invalid', channelId);
        log.warn(
          { channel: channelId, reason: known.reason },
          'telegram webhook body is not an update',
        );
        return res.status(400).json({ ok: false, error: `not a Telegram update: ${known.reason}` });
      }
      const update = req.body as { update_id: number };
      const receivedAt = new Date();
      const raw: TelegramRaw = { kind: 'telegram', update, receivedAt: receivedAt.toISOString() };
      await deps.recorder.record(channelId, `u${String(update.update_id)}`, raw, receivedAt);
      res.status(200).json({ ok: true });
    },
  );
  router.use(badBody);
  return router;
}
