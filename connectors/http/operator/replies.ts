/**
 * POST /api/v1/leads/:id/messages: an operator's reply, on the channel the customer last wrote on
 * (the thread, the chat, the phone), stored as queued and sent by the outbound worker.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AnyChannel, ReplyInput } from '../../../core/channel.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import type { Producer } from '../../../core/runtime/queues.ts';
import { withinDeadline } from '../../../core/runtime/redis-outage.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';

const template = z
  .object({
    name: z.string().trim().min(1).max(512),
    language: z.string().trim().min(2).max(15),
    parameters: z.array(z.string().max(1024)).max(20).default([]),
  })
  .strict();
const replyBody = z
  .object({ text: z.string().trim().min(1).max(50_000).optional(), template: template.optional() })
  .strict()
  .refine((body) => body.text !== undefined || body.template !== undefined, {
    message: 'give text, or a template where the channel needs one',
    path: ['text'],
  });

export interface ReplyDeps {
  repos: Pick<Repositories, 'leads' | 'channels'>;
  channels: readonly AnyChannel[];
  outbound: Producer<'outbound'>;
  log: Logger;
}

export function replyRoutes(deps: ReplyDeps): Router {
  const { leads } = deps.repos;
  const replying = deps.channels.filter((channel) => channel.replies);
  const router = Router();
  router.post('/leads/:id/messages', requirePermission('write'), async (req, res) => {
    const leadId = Number(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!Number.isSafeInteger(leadId) || !(await leads.exists(leadId))) {
      return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    }
    const route = await leads.lastInboundOn(
      leadId,
      replying.map((channel) => channel.kind),
    );
    const channel = replying.find((c) => c.kind === route?.channel.kind);
    if (!route || !channel?.replies) {
      const names = replying.map((c) => c.label).join(', ');
      return problem(
        res,
        422,
        'no_reply_channel',
        `lead ${leadId} has no conversation to answer on (${names})`,
      );
    }
    const { template: given, text } = body.data;
    const reply: ReplyInput = {
      text: text ?? `[template ${given?.name ?? ''}] ${given?.parameters.join(' · ') ?? ''}`.trim(),
      ...(given ? { template: given } : {}),
    };
    const draft = await channel.replies.draft({ leadId, ...route }, reply, {
      channels: deps.repos.channels,
    });
    if (!draft.ok) return problem(res, 422, draft.code, draft.message);
    const principal = res.locals.principal;
    const message = await leads.addOutbound({
      leadId,
      channelId: route.channel.id,
      externalId: draft.externalId,
      sender: principal?.name ?? draft.sender,
      text: draft.text,
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
