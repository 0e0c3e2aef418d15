/**
 * POST /api/v1/leads/:id/messages: an operator's reply, on the channel the customer last wrote on
 * (the thread, the chat, the phone), stored as queued and sent by the outbound worker. The reply
 * keeps who wrote it (`meta.operator`); an `Idempotency-Key` makes a retried request answer the
 * stored reply instead of sending a second one.
 */
import { createHash } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AnyChannel, ReplyInput, ReplyOperator } from '../../../core/channel.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { MessageRecord } from '../../../core/repositories/leads.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import type { Producer } from '../../../core/runtime/queues.ts';
import { withinDeadline } from '../../../core/runtime/redis-outage.ts';
import { requirePermission } from '../auth.ts';
import type { Principal } from '../principal.ts';
import { scopeFor } from './scope.ts';
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

type ReplyBody = z.infer<typeof replyBody>;

/** What a reply sent with an Idempotency-Key keeps in `meta.idempotency`. */
interface ReplyKey {
  /** The caller and their key, hashed: the same on every retry, never the key itself. */
  key: string;
  /** The lead and what was asked: a retry must ask the same. */
  request: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The caller's key as it is kept: scoped to the API key that sent it (an integration's keys never
 * collide with another's), or to the signed-in user (a retry after signing in again still finds
 * it). Undefined without the header; null when the header is unusable.
 */
function replyKey(req: Request, principal: Principal | undefined, leadId: number, body: ReplyBody) {
  const given = req.get('idempotency-key');
  if (given === undefined) return undefined;
  const key = given.trim();
  if (key.length === 0 || key.length > 200) return null;
  const caller =
    principal?.keyId != null
      ? `key:${principal.keyId}`
      : principal?.user
        ? `user:${principal.user.id}`
        : `key:${principal?.name ?? ''}`;
  const request = sha256(JSON.stringify([leadId, body.text ?? null, body.template ?? null]));
  return { key: sha256(`${caller}\n${key}`).slice(0, 32), request } satisfies ReplyKey;
}

/** Who is replying: the signed-in user or the user a key acts as, else the integration's key. */
function replyOperator(principal: Principal | undefined): ReplyOperator {
  if (principal?.user) return { userId: principal.user.id, name: principal.user.name };
  return { userId: null, name: principal?.name ?? 'API' };
}

export function replyRoutes(deps: ReplyDeps): Router {
  const { leads } = deps.repos;
  const replying = deps.channels.filter((channel) => channel.replies);
  const router = Router();

  /** The reply this caller already sent on the lead with this key, if any. */
  const earlierReply = async (
    res: Response,
    leadId: number,
    key: ReplyKey,
  ): Promise<MessageRecord | undefined> => {
    const lead = await leads.get(leadId, scopeFor(res, 'leads', 'update'));
    const found = lead?.messages.find(
      (message) =>
        message.direction === 'out' &&
        (message.meta.idempotency as ReplyKey | undefined)?.key === key.key,
    );
    if (!found) return undefined;
    const { attachments: _attachments, ...message } = found;
    return message;
  };
  /** A retried request gets the reply it made; the key with another lead or text is refused. */
  const answerEarlier = (res: Response, message: MessageRecord | undefined, key: ReplyKey) => {
    if (message && (message.meta.idempotency as ReplyKey).request === key.request) {
      return res.status(200).json(message);
    }
    return problem(
      res,
      422,
      'idempotency_key_reused',
      'this Idempotency-Key was already used for another reply (another lead or another text)',
    );
  };

  router.post('/leads/:id/messages', requirePermission('write'), async (req, res) => {
    const leadId = Number(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (
      !Number.isSafeInteger(leadId) ||
      !(await leads.find(leadId, scopeFor(res, 'leads', 'update')))
    ) {
      return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    }
    const principal = res.locals.principal;
    const key = replyKey(req, principal, leadId, body.data);
    if (key === null) {
      return problem(
        res,
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1–200 characters',
      );
    }
    // Before drafting: the stored reply is the answer even if the channel could not draft it now.
    if (key) {
      const earlier = await earlierReply(res, leadId, key);
      if (earlier) return answerEarlier(res, earlier, key);
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
      ...(key ? { unique: key.key } : {}),
    };
    const draft = await channel.replies.draft({ leadId, ...route }, reply, {
      channels: deps.repos.channels,
    });
    if (!draft.ok) return problem(res, 422, draft.code, draft.message);
    const message = await leads.addOutbound({
      leadId,
      channelId: route.channel.id,
      externalId: draft.externalId,
      sender: principal?.name ?? draft.sender,
      text: draft.text,
      meta: {
        ...draft.meta,
        operator: replyOperator(principal),
        ...(key ? { idempotency: key } : {}),
      },
      at: new Date(),
    });
    if (!message) {
      // The key's id is taken on this channel: the same request racing this one (its reply is
      // on this lead), or the key used before for another lead.
      if (key) return answerEarlier(res, await earlierReply(res, leadId, key), key);
      // Every other draft has a fresh random external id: nothing can be there already.
      throw new Error(`reply ${draft.externalId} collided with a stored message`);
    }
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
