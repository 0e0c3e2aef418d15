/** What every kind of Telegram update is read with: who sent it, how a message is keyed, dates. */
import { telegramIdentity, type Identity } from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { Chat, User } from './schema.ts';

/**
 * The external id of a message: its chat and id. A Business account's chat with a customer has
 * the customer's id, like the bot's own chat with them, but numbers its messages apart: its
 * messages are keyed by the business connection too.
 */
export function messageKey(chatId: number, messageId: number, businessConnectionId?: string) {
  return businessConnectionId === undefined
    ? `tg-${chatId}-${messageId}`
    : `tg-b${businessConnectionId}-${chatId}-${messageId}`;
}

export function senderIdentities(
  from: User | undefined,
): Pick<InboundMessage, 'identities' | 'unrecognised'> {
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  const read = from && telegramIdentity(from.id, from.username);
  if (read?.ok) identities.push(read.identity);
  else if (read) unrecognised.push({ kind: 'telegram', raw: read.raw, reason: read.reason });
  return { identities, unrecognised };
}

/** What meta.telegram keeps of a person. */
export function person(from: User | undefined) {
  return {
    username: from?.username,
    firstName: from?.first_name,
    lastName: from?.last_name,
    languageCode: from?.language_code,
  };
}

export function displayName(from: User): string | undefined {
  return fullName(from.first_name, from.last_name) || (from.username && `@${from.username}`);
}

/** A group's or channel's title, a private chat's person, else its @username or id. */
export function chatName(chat: Chat): string {
  return (
    chat.title ||
    fullName(chat.first_name, chat.last_name) ||
    (chat.username ? `@${chat.username}` : String(chat.id))
  );
}

export function fullName(first: string | undefined, last: string | undefined): string {
  return [first, last]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
}

export function fromSeconds(seconds: number): Date {
  return new Date(seconds * 1000);
}

/** Drops undefined values, so meta holds only what Telegram sent. */
export function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
