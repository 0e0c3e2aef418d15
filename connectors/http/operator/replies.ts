/**
 * POST /api/v1/leads/:id/messages: an operator's reply, on the channel the customer last wrote on
 * (the thread, the chat, the phone), stored as queued and sent by the outbound worker. The reply
 * keeps who wrote it (`meta.operator`); an `Idempotency-Key` makes a retried request answer the
 * stored reply instead of sending a second one.
 */
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AnyChannel, ReplyInput, ReplyOperator } from '../../../core/channel.ts';
import type { RecordScope } from '../../../core/permissions.ts';
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

export type ReplyBody = z.infer<typeof replyBody>;

/** What a reply sent with an Idempotency-Key keeps in `meta.idempotency`. */
export interface ReplyKey {
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
  return given === undefined ? undefined : replyKeyOf(principal, given, leadId, body);
}

/** The caller's key (an Idempotency-Key, the console's form token) as a reply keeps it. */
export function replyKeyOf(
  principal: Principal | undefined,
  given: string,
  leadId: number,
  body: ReplyBody,
): ReplyKey | null {
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

/** What a reply came to: the message (202 new, 200 the retried one), or why there is none. */
export type ReplyResult =
  | { ok: true; status: 200 | 202; message: MessageRecord }
  | { ok: false; status: 404 | 422; code: string; message: string };

/**
 * Sends an operator's reply on the channel the customer last wrote on: drafted by the channel,
 * stored as a queued outbound message, handed to the outbound queue. The API and the console
 * both reply through here. `scope`: the leads the caller may change.
 */
export async function sendReply(
  deps: ReplyDeps,
  principal: Principal | undefined,
  scope: RecordScope,
  leadId: number,
  body: ReplyBody,
  key: ReplyKey | undefined,
): Promise<ReplyResult> {
  const { leads } = deps.repos;
  const replying = deps.channels.filter((channel) => channel.replies);
  if (!Number.isSafeInteger(leadId) || !(await leads.find(leadId, scope))) {
    return { ok: false, status: 404, code: 'not_found', message: `lead ${leadId} does not exist` };
  }
  /** The reply this caller already sent on the lead with this key, if any. */
  const earlierReply = async (replyKey: ReplyKey): Promise<MessageRecord | undefined> => {
    const lead = await leads.get(leadId, scope);
    const found = lead?.messages.find(
      (message) =>
        message.direction === 'out' &&
        (message.meta.idempotency as ReplyKey | undefined)?.key === replyKey.key,
    );
    if (!found) return undefined;
    const { attachments: _attachments, ...message } = found;
    return message;
  };
  /** A retried request gets the reply it made; the key with another lead or text is refused. */
  const answerEarlier = (message: MessageRecord | undefined, replyKey: ReplyKey): ReplyResult =>
    message && (message.meta.idempotency as ReplyKey).request === replyKey.request
      ? { ok: true, status: 200, message }
      : {
          ok: false,
          status: 422,
          code: 'idempotency_key_reused',
          message:
            'this Idempotency-Key was already used for another reply (another lead or another text)',
        };
  // Before drafting: the stored reply is the answer even if the channel could not draft it now.
  if (key) {
    const earlier = await earlierReply(key);
    if (earlier) return answerEarlier(earlier, key);
  }
  const route = await leads.lastInboundOn(
    leadId,
    replying.map((channel) => channel.kind),
  );
  const channel = replying.find((c) => c.kind === route?.channel.kind);
  if (!route || !channel?.replies) {
    const names = replying.map((c) => c.label).join(', ');
    return {
      ok: false,
      status: 422,
      code: 'no_reply_channel',
      message: `lead ${leadId} has no conversation to answer on (${names})`,
    };
  }
  const { template: given, text } = body;
  const reply: ReplyInput = {
    text: text ?? `[template ${given?.name ?? ''}] ${given?.parameters.join(' · ') ?? ''}`.trim(),
    ...(given ? { template: given } : {}),
    ...(key ? { unique: key.key } : {}),
  };
  const draft = await channel.replies.draft({ leadId, ...route }, reply, {
    channels: deps.repos.channels,
  });
  if (!draft.ok) return { ok: false, status: 422, code: draft.code, message: draft.message };
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
    if (key) return answerEarlier(await earlierReply(key), key);
    // Every other draft has a fresh random external id: nothing can be there already.
    throw new Error(`reply ${draft.externalId} collided with a stored message`);
  }
  // A deadline: a reply must be answered even while Redis is away or frozen, or the caller
  // retries it and the customer gets it twice.
  await withinDeadline(deps.outbound, () => deps.outbound.add({ messageId: message.id })).catch(
    (error: unknown) =>
      // The row stays `queued`; the reconciler hands it to the queue when Redis is back.
      deps.log.warn({ err: error, messageId: message.id, leadId }, 'reply stored but not enqueued'),
  );
  return { ok: true, status: 202, message };
}

export function replyRoutes(deps: ReplyDeps): Router {
  const router = Router();
  router.post('/leads/:id/messages', requirePermission('write'), async (req, res) => {
    const leadId = Number(req.params.id);
    const body = replyBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
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
    const sent = await sendReply(
      deps,
      principal,
      scopeFor(res, 'leads', 'update'),
      leadId,
      body.data,
      key,
    );
    if (!sent.ok) {
      const message =
        sent.code === 'not_found' ? `lead ${req.params.id} does not exist` : sent.message;
      return problem(res, sent.status, sent.code, message);
    }
    res.status(sent.status).json(sent.message);
  });
  return router;
}
