/** POST /api/v1/leads/:id/messages: an operator's reply, stored as queued and sent by the outbound worker. */
import { withinDeadline } from '../../core/runtime/redis-outage.ts';
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import type { ChannelRepository } from '../../core/repositories/channels.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import { composeReply, newMessageId } from '../email/compose.ts';
import { emailSettings } from '../email/config.ts';
import { requirePermission } from '../http/auth.ts';
import { invalidQuery, problem } from './index.ts';

const replyBody = z.object({ text: z.string().trim().min(1).max(50_000) }).strict();

export interface ReplyDeps {
  repos: Pick<Repositories, 'leads' | 'channels'>;
  outbound: Producer<'outbound'>;
  log: Logger;
}

export function replyRoutes(deps: ReplyDeps): Router {
  const { leads, channels } = deps.repos;
  const router = Router();
  router.post('/leads/:id/messages', requirePermission('write'), async (req, res) => {
    const leadId = Number(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!Number.isSafeInteger(leadId) || !(await leads.exists(leadId))) {
      return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    }
    // A reply answers where the customer wrote last (email thread or Telegram chat).
    const route = await leads.lastInboundOn(leadId, ['email', 'telegram']);
    if (!route) {
      return problem(
        res,
        422,
        'no_reply_channel',
        `lead ${leadId} has no email or Telegram conversation to answer`,
      );
    }
    const principal = res.locals.principal;
    const draft =
      route.channel.kind === 'telegram'
        ? await telegramDraft(channels, route)
        : emailDraft(route, leadId);
    if ('problem' in draft) return problem(res, 422, draft.code, draft.problem);
    const message = await leads.addOutbound({
      leadId,
      channelId: route.channel.id,
      externalId: draft.externalId,
      sender: principal?.name ?? draft.sender,
      text: body.data.text,
      meta: draft.meta,
      at: new Date(),
    });
    // Every draft has a fresh random external id: nothing can be there already.
    if (!message) throw new Error(`reply ${draft.externalId} collided with a stored message`);
    // A deadline: a reply must be answered even while Redis is away or frozen, or the caller
    // retries it and the customer gets it twice.
    await withinDeadline(deps.outbound, () => deps.outbound.add({ messageId: message.id })).catch(
      (error: unknown) =>
        // The row stays `queued`; the reconciler hands it to the queue when Redis is back.
        deps.log.warn(
          { err: error, messageId: message.id, leadId },
          'reply stored but not enqueued',
        ),
    );
    res.status(202).json(message);
  });
  return router;
}

type Route = NonNullable<Awaited<ReturnType<LeadRepository['lastInboundOn']>>>;
type Draft =
  | { externalId: string; sender: string; meta: Record<string, unknown> }
  | { code: string; problem: string };

function emailDraft(route: Route, leadId: number): Draft {
  const settings = emailSettings.safeParse(route.channel.config);
  const smtp = settings.success ? settings.data.smtp : undefined;
  if (!smtp) {
    return {
      code: 'cannot_send',
      problem: `channel ${route.channel.id} has no SMTP settings; add "smtp" to it to send replies`,
    };
  }
  const reply = composeReply(route.message, leadId);
  if (!reply)
    return { code: 'cannot_send', problem: 'the message this would answer has no sender address' };
  return {
    externalId: newMessageId(smtp.from, randomUUID()),
    sender: smtp.from,
    meta: { email: { ...reply, from: smtp.from } },
  };
}

async function telegramDraft(
  channels: Pick<ChannelRepository, 'blockOf'>,
  route: Route,
): Promise<Draft> {
  const telegram = route.message.meta.telegram as
    { chatId?: number; fromId?: number; userId?: number } | undefined;
  const chatId = telegram?.chatId;
  if (chatId === undefined)
    return { code: 'cannot_send', problem: 'the Telegram message has no chat to answer' };
  const identityKey = `telegram:${chatId}`;
  const blocked = await channels.blockOf(route.channel.id, identityKey);
  if (blocked) {
    return {
      code: 'unreachable',
      problem: `the customer cannot be answered on Telegram: ${blocked.reason}`,
    };
  }
  return {
    externalId: `tg-out-${randomUUID()}`,
    sender: route.channel.name,
    meta: { telegram: { chatId, identityKey } },
  };
}
