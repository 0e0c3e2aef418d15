/** Updates that are not anybody's words: kept on the inbox with their reason, never a lead. */
import type { NormaliseContext } from '../../core/channel.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import { compact, displayName, fromSeconds, person, senderIdentities } from './common.ts';
import { actor, type Membership, type Update, type User } from './schema.ts';
import { updateType, type ExpandedUpdate } from './update.ts';

/** A private chat's `kicked` is the user blocking the bot; `kicked` → `member` is unblocking it. */
export function membershipChange(change: Membership) {
  const { chat } = change;
  const before = change.old_chat_member.status;
  const now = change.new_chat_member.status;
  const blocked = chat.type === 'private' && now === 'kicked';
  const unblocked = chat.type === 'private' && now === 'member' && before === 'kicked';
  const reason = blocked
    ? 'the user blocked the bot'
    : unblocked
      ? 'the user unblocked the bot'
      : `the bot's membership changed in a ${chat.type} chat: ${before} → ${now}`;
  return { before, now, blocked, unblocked, reason };
}

/**
 * A block or unblock also changes whether the user can be answered. Telegram may deliver them
 * out of order; `at` (the change's own date) lets the store keep only the newest.
 */
export function normaliseMembership(
  update: Update,
  change: Membership,
  context: NormaliseContext,
): InboundMessage {
  const { chat, from } = change;
  const { before, now, blocked, unblocked, reason } = membershipChange(change);
  const at = fromSeconds(change.date);
  const message = notice(from, reason, at, context, {
    updateId: update.update_id,
    chatId: chat.id,
    chatType: chat.type,
    oldStatus: before,
    newStatus: now,
  });
  if (!blocked && !unblocked) return message;
  const identityKey = `telegram:${from.id}`;
  const said = blocked ? 'blocked the bot' : 'unblocked the bot';
  // Telegram dates are whole seconds; a reply refused (403) in that same second is recorded at
  // our millisecond. The change happened by the end of its second, which is when it counts: an
  // unblock then wins over a refusal it followed within that second.
  const changedAt = new Date(at.getTime() + 999);
  return {
    ...message,
    reachability: { identityKey, reachable: unblocked, reason: said, at: changedAt },
  };
}

export function unsupportedReason(update: Update): string {
  return `unsupported update type: ${updateType(update) ?? 'unknown'}`;
}

/** Inline queries, reactions, polls…: kept on the inbox, never a lead, never an error. */
export function normaliseOther(
  update: Update,
  expanded: ExpandedUpdate,
  context: NormaliseContext,
): InboundMessage {
  const type = updateType(update) ?? 'unknown';
  const payload = actor.safeParse((update as Record<string, unknown>)[type]);
  const who = payload.success ? (payload.data.from ?? payload.data.user) : undefined;
  const date = payload.success ? payload.data.date : undefined;
  const sentAt = date !== undefined ? fromSeconds(date) : new Date(expanded.receivedAt);
  return notice(who, unsupportedReason(update), sentAt, context, {
    updateId: update.update_id,
    type,
  });
}

/** An update that is not a message: stored on the inbox with its reason, never a lead. */
export function notice(
  who: User | undefined,
  reason: string,
  sentAt: Date,
  context: NormaliseContext,
  telegram: Record<string, unknown>,
): InboundMessage {
  const name = who && displayName(who);
  return {
    externalId: context.externalId,
    source: 'TELEGRAM',
    sentAt,
    ...senderIdentities(who),
    threadRefs: [],
    automated: { reason },
    sender: name ? { name } : {},
    title: `Telegram: ${name ?? who?.id ?? 'update'}`,
    text: `[${reason}]`,
    fields: {},
    utm: {},
    meta: { telegram: compact({ ...telegram, ...person(who) }) },
  };
}
