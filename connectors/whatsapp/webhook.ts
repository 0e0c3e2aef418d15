/**
 * Meta's webhook for one phone number channel:
 * - GET /whatsapp/:channelId/webhook answers the verification handshake (the verify token);
 * - POST /whatsapp/:channelId/webhook takes the raw body, checks X-Hub-Signature-256 with the app
 *   secret before parsing it, records every message and status in ONE transaction, then says 200.
 * An unknown, inactive or unsigned channel answers exactly like a wrong signature (no oracle).
 */
import express, {
  Router,
  type ErrorRequestHandler,
  type Request,
  type RequestHandler,
} from 'express';
import type { WebhookDeps } from '../../core/channel.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { channelWebhookErrors } from '../../core/runtime/metrics.ts';
import { occasionalWarning } from '../../core/runtime/redis-outage.ts';
import { appSecret, readSettings, verifyTokenMatches, type WhatsAppSettings } from './config.ts';
import { inboxRows } from './rows.ts';
import { notification } from './schema.ts';
import { signatureMatches } from './signature.ts';

/** Posts carry no files (media is fetched separately); this is far above any real one. */
const BODY_LIMIT = '3mb';
const PATH = '/whatsapp/:channelId/webhook';
// Meta's challenge is a number; anything else is not echoed back.
const CHALLENGE = /^[\w.-]{1,256}$/;
const UNAUTHORIZED = { ok: false, error: 'missing or wrong X-Hub-Signature-256' };

export function whatsappWebhook(deps: WebhookDeps): Router {
  const router = Router();
  const log = deps.log.child({ connector: 'whatsapp' });
  // Refusals are logged the first time, then at most once a minute per channel with a count.
  const perChannel = (context: Record<string, unknown>) => String(context.channel);
  const unverified = occasionalWarning(log, 'webhook verification refused', 60_000, perChannel);
  const unsigned = occasionalWarning(log, 'unsigned or wrongly signed post', 60_000, perChannel);

  const channelOf = async (param: string, activeOnly: boolean) => {
    const id = Number(param);
    const channel =
      Number.isSafeInteger(id) && id > 0 ? await deps.repos.channels.get(id) : undefined;
    const settings = channel?.kind === 'whatsapp' ? readSettings(channel.config) : undefined;
    if (!channel || !settings || (activeOnly && !channel.active)) return undefined;
    return { channel, settings };
  };
  const ipOf = (req: Request) => req.ip ?? '';
  const counted = (reason: string, channelId: number | undefined, by = 1) =>
    channelWebhookErrors.inc(
      { kind: 'whatsapp', channel_id: channelId ? String(channelId) : 'unknown', reason },
      by,
    );

  const notBlocked: RequestHandler = async (req, res, next) => {
    if (await deps.authFailures.blocked(ipOf(req)))
      return res.status(429).json({ ok: false, error: 'too many failed attempts; wait a minute' });
    next();
  };

  router.get(PATH, notBlocked, async (req, res) => {
    const { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': challenge } = req.query;
    // Inactive channels verify too: the admin connects the webhook before switching one on.
    const found = await channelOf(String(req.params.channelId), false);
    const ok =
      mode === 'subscribe' &&
      typeof challenge === 'string' &&
      CHALLENGE.test(challenge) &&
      found !== undefined &&
      verifyTokenMatches(found.settings, token);
    if (!ok) {
      await deps.authFailures.failed(ipOf(req));
      unverified('refused', { channel: String(req.params.channelId), ip: ipOf(req) });
      return res.status(403).type('text/plain').send('Forbidden');
    }
    log.info({ channel: found.channel.id }, 'Meta verified the WhatsApp webhook');
    res.status(200).type('text/plain').send(challenge);
  });

  const tooLarge: ErrorRequestHandler = (error: { type?: string }, req, res, next) => {
    if (error.type !== 'entity.too.large') return next(error);
    // Unsigned as far as anyone knows (the body was never read): no channel's error.
    counted('too_large', undefined);
    log.warn(
      { channel: req.params.channelId, ip: ipOf(req) },
      'WhatsApp webhook body over the limit',
    );
    res.status(413).json({ ok: false, error: `the body is over ${BODY_LIMIT}` });
  };

  const receive: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const found = await channelOf(String(req.params.channelId), true);
    const secret = found && openAppSecret(found.channel, found.settings, deps, log);
    // A right signature passes before the guard is asked: wrong posts from an address Meta
    // shares must not hold up Meta's deliveries.
    if (!found || !secret || !signatureMatches(body, req.get('x-hub-signature-256'), secret)) {
      if (await deps.authFailures.blocked(ipOf(req)))
        return res
          .status(429)
          .json({ ok: false, error: 'too many failed attempts; wait a minute' });
      // A secret we cannot open is our problem, not the caller's: not counted against it.
      if (!found || secret) await deps.authFailures.failed(ipOf(req));
      counted('refused', found?.channel.id);
      unsigned('refused', { channel: String(req.params.channelId), ip: ipOf(req) });
      return res.status(401).json(UNAUTHORIZED);
    }
    const { channel, settings } = found;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      log.warn({ channel: channel.id }, 'WhatsApp webhook body is not valid JSON');
      counted('invalid', channel.id);
      return res.status(400).json({ ok: false, error: 'the body is not valid JSON' });
    }
    const parsed = notification.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      log.warn({ channel: channel.id, issues }, 'WhatsApp webhook body is not a notification');
      counted('invalid', channel.id);
      return res
        .status(400)
        .json({ ok: false, error: 'not a whatsapp_business_account notification', issues });
    }
    const receivedAt = new Date();
    const post = inboxRows(parsed.data, settings.phoneNumberId, receivedAt);
    // Meta sends every number of an app to the app's one callback URL: changes about another
    // number go to the channel of that number, when its app secret signed this very post.
    const batches = [{ channelId: channel.id, rows: post.rows }];
    const unowned: string[] = [];
    for (const phoneNumberId of new Set(post.foreign)) {
      const sibling = await siblingOf(phoneNumberId, body, req.get('x-hub-signature-256'));
      if (!sibling) unowned.push(phoneNumberId);
      else
        batches.push({
          channelId: sibling,
          rows: inboxRows(parsed.data, phoneNumberId, receivedAt).rows,
        });
    }
    if (unowned.length) {
      log.warn(
        { channel: channel.id, phoneNumberIds: unowned, expected: settings.phoneNumberId },
        'webhook changes for a phone number no active channel has (connect it to keep them)',
      );
    }
    if (post.otherFields.length)
      log.debug({ channel: channel.id, fields: post.otherFields }, 'webhook fields not read');
    if (post.errors.length) {
      log.warn({ channel: channel.id, errors: post.errors }, 'WhatsApp reports errors');
      counted('reported', channel.id, post.errors.length);
    }
    let recorded = 0;
    for (const batch of batches) {
      if (!batch.rows.length) continue;
      await deps.recorder.recordBatch(batch.channelId, batch.rows, receivedAt);
      recorded += batch.rows.length;
    }
    res.status(200).json({ ok: true, recorded });
  };

  /** The active channel of `phoneNumberId` whose app secret also verifies the post, if any. */
  const siblingOf = async (
    phoneNumberId: string,
    body: Buffer,
    signature: string | undefined,
  ): Promise<number | undefined> => {
    for (const candidate of await deps.repos.channels.list('whatsapp')) {
      const settings = readSettings(candidate.config);
      if (!candidate.active || settings?.phoneNumberId !== phoneNumberId) continue;
      const secret = openAppSecret(candidate, settings, deps, log);
      if (secret && signatureMatches(body, signature, secret)) return candidate.id;
    }
    return undefined;
  };

  router.post(PATH, express.raw({ type: () => true, limit: BODY_LIMIT }), receive, tooLarge);
  return router;
}

function openAppSecret(
  channel: ChannelRecord,
  settings: WhatsAppSettings,
  deps: WebhookDeps,
  log: Logger,
): string | undefined {
  try {
    return appSecret(settings, deps.credentials);
  } catch (error) {
    log.error(
      { channel: channel.id, err: (error as Error).message },
      'the app secret cannot be read: WhatsApp posts are refused until appSecret is fixed',
    );
    return undefined;
  }
}
