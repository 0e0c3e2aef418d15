/** POST /api/v1/leads/:id/messages: an operator's reply, stored as queued and sent by the outbound worker. */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import type { Db } from '../../db/open.ts';
import { createOutbound, lastInboundOn, leadExists } from '../../db/outbound.ts';
import { composeReply, newMessageId } from '../email/compose.ts';
import { emailSettings } from '../email/config.ts';
import { requirePermission } from '../http/auth.ts';
import { invalidQuery, problem } from './index.ts';

const replyBody = z.object({ text: z.string().trim().min(1).max(50_000) }).strict();

export interface ReplyDeps {
  db: Db;
  outbound: Producer<'outbound'>;
  log: Logger;
}

export function replyRoutes(deps: ReplyDeps): Router {
  const { db } = deps;
  const router = Router();
  router.post('/leads/:id/messages', requirePermission('write'), async (req, res) => {
    const leadId = Number(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!Number.isInteger(leadId) || !leadExists(db, leadId)) {
      return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    }
    const route = lastInboundOn(db, leadId, 'email');
    if (!route) {
      return problem(
        res,
        422,
        'no_reply_channel',
        `lead ${leadId} has no email conversation to answer`,
      );
    }
    const settings = emailSettings.safeParse(route.channel.config);
    const smtp = settings.success ? settings.data.smtp : undefined;
    const reply = composeReply(route.message, leadId);
    if (!smtp || !reply) {
      return problem(
        res,
        422,
        'cannot_send',
        smtp
          ? 'the message this would answer has no sender address'
          : `channel ${route.channel.id} has no SMTP settings; add "smtp" to it to send replies`,
      );
    }
    const principal = res.locals.principal;
    const message = createOutbound(db, {
      leadId,
      channelId: route.channel.id,
      externalId: newMessageId(smtp.from, randomUUID()),
      sender: principal?.name ?? smtp.from,
      text: body.data.text,
      meta: { email: { ...reply, from: smtp.from } },
      at: new Date(),
    });
    await deps.outbound.add({ messageId: message.id }).catch((error: unknown) =>
      // The row stays `queued`; the reconciler hands it to the queue when Redis is back.
      deps.log.warn({ err: error, messageId: message.id, leadId }, 'reply stored but not enqueued'),
    );
    res.status(202).json(message);
  });
  return router;
}
