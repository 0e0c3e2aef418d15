/**
 * One webhook post → inbox rows (pure): every message and every status of the channel's own
 * number becomes one row, keyed by the message's wamid or `status:<wamid>:<status>`.
 */
import type { NewInboxRow } from '../../core/repositories/inbox.ts';
import { statusExternalId, type WhatsAppRaw } from './raw.ts';
import type { Contact, Notification } from './schema.ts';

export interface PostRows {
  rows: NewInboxRow[];
  /** Changes about another phone number (a misconfigured app), skipped. */
  foreign: string[];
  /** Changes of other webhook fields (templates, account updates), not read here. */
  otherFields: string[];
  /** `value.errors`: problems Meta reports about the number itself, not about a message. */
  errors: unknown[];
}

export function inboxRows(
  notification: Notification,
  phoneNumberId: string,
  receivedAt: Date,
): PostRows {
  const result: PostRows = { rows: [], foreign: [], otherFields: [], errors: [] };
  const seen = new Set<string>();
  const add = (externalId: string, raw: WhatsAppRaw) => {
    // Meta may repeat an event within a post; one row each.
    if (seen.has(externalId)) return;
    seen.add(externalId);
    result.rows.push({ externalId, raw: JSON.stringify(raw) });
  };
  for (const entry of notification.entry) {
    for (const change of entry.changes) {
      if (change.field !== undefined && change.field !== 'messages') {
        result.otherFields.push(change.field);
        continue;
      }
      const { value } = change;
      const metadata = value.metadata;
      if (!metadata || metadata.phone_number_id !== phoneNumberId) {
        result.foreign.push(metadata?.phone_number_id ?? '(none)');
        continue;
      }
      const base = { kind: 'whatsapp' as const, metadata, receivedAt: receivedAt.toISOString() };
      for (const message of value.messages ?? []) {
        const contact = senderOf(value.contacts, message.from);
        add(message.id, { ...base, ...(contact ? { contact } : {}), message });
      }
      for (const status of value.statuses ?? [])
        add(statusExternalId(status.id, status.status), { ...base, status });
      result.errors.push(...(value.errors ?? []));
    }
  }
  return result;
}

/** The contacts entry of the message's sender; a post about one sender has just one. */
function senderOf(contacts: Contact[] | undefined, from: string | undefined): Contact | undefined {
  if (!contacts?.length) return undefined;
  return (
    contacts.find((contact) => contact.wa_id === from) ??
    (contacts.length === 1 ? contacts[0] : undefined)
  );
}
