/**
 * What a message says, in parts (pure): the shape `readContent` fills, and the structured types —
 * shared contact cards, interactive replies and flows, orders.
 */
import type { Identity } from '../../core/identities.ts';
import type { AttachmentRef, InboundMessage } from '../../core/inbound.ts';
import type { Message, SharedContact } from './schema.ts';

export interface Content {
  text: string;
  threadRefs: string[];
  /** Numbers that are the sender's own (a number change WhatsApp reports). */
  identities: Identity[];
  unrecognised: InboundMessage['unrecognised'];
  attachments: AttachmentRef[];
  fields: Record<string, string>;
  utm: Record<string, string>;
  meta: Record<string, unknown>;
}

const NOT_OWN_NUMBER = "a contact shared by the customer is not the customer's own number";

export function sharedContacts(
  contacts: SharedContact[],
  waId: string | undefined,
  content: Content,
) {
  const shown = contacts.map((card) => {
    const name =
      card.name?.formatted_name ??
      [card.name?.first_name, card.name?.last_name].filter(Boolean).join(' ');
    const phones = (card.phones ?? []).flatMap((phone) => {
      const number = phone.phone ?? phone.wa_id;
      return number ? [number] : [];
    });
    for (const phone of card.phones ?? []) {
      const number = phone.phone ?? phone.wa_id;
      // The customer's own card adds nothing; anyone else's number is not theirs.
      if (number && !(waId && phone.wa_id === waId))
        content.unrecognised.push({ kind: 'phone', raw: number, reason: NOT_OWN_NUMBER });
    }
    const emails = (card.emails ?? []).flatMap((email) => (email.email ? [email.email] : []));
    return { name, phones, emails, company: card.org?.company };
  });
  content.meta.contacts = shown.map((card) => compact({ ...card }));
  const lines = shown.map((card) =>
    [card.name || '(no name)', card.phones.length ? `(${card.phones.join(', ')})` : '']
      .join(' ')
      .trim(),
  );
  return `Shared contact${lines.length === 1 ? '' : 's'}: ${lines.join('; ') || '(empty)'}`;
}

export function interactiveReply(interactive: Message['interactive'], content: Content): string {
  const choice = interactive?.button_reply ?? interactive?.list_reply;
  if (choice) {
    content.meta.interactive = compact({ type: interactive?.type, ...choice });
    return interactive?.button_reply
      ? `Button: ${choice.title}`
      : `Chose: ${choice.title}${choice.description ? ` — ${choice.description}` : ''}`;
  }
  const flow = interactive?.nfm_reply;
  if (flow) {
    const answers = flowAnswers(flow.response_json);
    Object.assign(content.fields, answers);
    content.meta.flow = compact({ name: flow.name, body: flow.body, response: flow.response_json });
    const lines = Object.entries(answers).map(([key, value]) => `${key}: ${value}`);
    return [`Form sent${flow.name ? ` (${flow.name})` : ''}`, ...lines].join('\n');
  }
  return `[interactive reply: ${interactive?.type ?? 'unknown'}]`;
}

/** A flow's answers as text fields; the flow_token is ours, not the customer's. */
function flowAnswers(json: string | undefined): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(json) : undefined;
  } catch {
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed)
      .filter(([key, value]) => key !== 'flow_token' && value !== null && value !== undefined)
      .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
}

function price(item: { item_price?: number | string; currency?: string }): string {
  return item.item_price === undefined
    ? ''
    : `(${item.item_price} ${item.currency ?? ''})`.replace(' )', ')');
}

export function orderOf(order: Message['order'], content: Content): string {
  const items = (order?.product_items ?? []).map((item) =>
    [`${item.quantity ?? 1} × ${item.product_retailer_id ?? '?'}`, price(item)].join(' ').trim(),
  );
  content.meta.order = compact({
    catalogId: order?.catalog_id,
    items: order?.product_items,
    text: order?.text,
  });
  return [`Order of ${items.length} item(s):`, ...items.map((line) => `- ${line}`)]
    .concat(order?.text ? [order.text] : [])
    .join('\n');
}

/** Drops undefined values and empty strings, so meta holds only what WhatsApp sent. */
export function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(record).filter(([, value]) => value !== undefined && value !== ''),
  );
}
