/**
 * A stored WhatsApp message or status (and its fetched file) → InboundMessage (pure). The
 * customer is their phone number (`wa_id`), so WhatsApp meets calls and forms on one identity; a
 * status is a delivery report on one of our replies, never a lead.
 */
import { z } from 'zod';
import type { NormaliseContext } from '../../core/channel.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { normalisePhone, uniqueIdentities, type Identity } from '../../core/identities.ts';
import type { DeliveryStatus, InboundMessage } from '../../core/inbound.ts';
import { readContent } from './content.ts';
import { compact } from './parts.ts';
import { describeErrors } from './errors.ts';
import type { ExpandedWhatsApp } from './raw.ts';
import {
  contact as contactSchema,
  message as messageSchema,
  status as statusSchema,
} from './schema.ts';

const stored = z.object({
  kind: z.literal('whatsapp'),
  metadata: z.looseObject({
    phone_number_id: z.string(),
    display_phone_number: z.string().optional(),
  }),
  contact: z.unknown().optional(),
  message: z.unknown().optional(),
  status: z.unknown().optional(),
  receivedAt: z.string(),
  media: z
    .object({
      mediaId: z.string(),
      filename: z.string(),
      contentType: z.string(),
      size: z.number(),
      sha256: z.string().nullable(),
      skipped: z.string().optional(),
    })
    .optional(),
});

const USERNAME_ONLY =
  'WhatsApp hides this customer behind a username: no phone number to match or answer';

const DELIVERY: Record<string, DeliveryStatus> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  // A voice note played has been read.
  played: 'read',
  failed: 'failed',
};

export function normaliseWhatsApp(raw: unknown, context: NormaliseContext): InboundMessage {
  const parsed = stored.safeParse(raw);
  if (!parsed.success) throw malformed('not a stored WhatsApp event', parsed.error);
  const event: ExpandedWhatsApp = parsed.data;
  if (event.status !== undefined) return normaliseStatus(event, context);
  if (event.message !== undefined) return normaliseMessage(event);
  throw new MalformedInputError('the stored WhatsApp event has neither a message nor a status');
}

function normaliseMessage(event: ExpandedWhatsApp): InboundMessage {
  const parsed = messageSchema.safeParse(event.message);
  if (!parsed.success) throw malformed('not a WhatsApp message', parsed.error);
  const message = parsed.data;
  const contact = contactSchema.safeParse(event.contact).data;
  const waId = digits(message.from ?? contact?.wa_id);
  const { identities, unrecognised } = customer(waId, message.from_user_id ?? contact?.user_id);
  const content = readContent(message, waId, event.media);
  const name = contact?.profile?.name?.trim() || undefined;
  const context = message.context;
  return {
    externalId: message.id,
    source: 'WHATSAPP',
    sentAt: fromSeconds(message.timestamp) ?? new Date(event.receivedAt),
    identities: uniqueIdentities([...identities, ...content.identities]),
    unrecognised: [...unrecognised, ...content.unrecognised],
    threadRefs: [...new Set(content.threadRefs)],
    sender: name ? { name } : {},
    title: `WhatsApp: ${name ?? (waId ? `+${waId}` : 'customer')}`,
    text: content.text,
    fields: content.fields,
    utm: content.utm,
    attachments: content.attachments,
    meta: {
      whatsapp: compact({
        waId,
        userId: message.from_user_id ?? contact?.user_id,
        profileName: name,
        messageId: message.id,
        type: message.type,
        phoneNumberId: event.metadata.phone_number_id,
        displayPhoneNumber: event.metadata.display_phone_number,
        replyTo: context?.id,
        forwarded: context?.frequently_forwarded
          ? 'frequently'
          : context?.forwarded
            ? 'once'
            : undefined,
        errors: message.errors?.length ? message.errors : undefined,
      }),
      ...content.meta,
    },
  };
}

/** What became of one of our replies: moves it forward (never back) by its wamid. */
function normaliseStatus(event: ExpandedWhatsApp, context: NormaliseContext): InboundMessage {
  const parsed = statusSchema.safeParse(event.status);
  if (!parsed.success) throw malformed('not a WhatsApp status', parsed.error);
  const status = parsed.data;
  const delivery = DELIVERY[status.status];
  const error =
    status.status === 'failed' ? (describeErrors(status.errors) ?? 'no reason given') : undefined;
  const reason = `WhatsApp status: ${status.status}${error ? ` — ${error}` : ''}`;
  const recipient = digits(status.recipient_id);
  return {
    externalId: context.externalId,
    source: 'WHATSAPP',
    sentAt: fromSeconds(status.timestamp) ?? new Date(event.receivedAt),
    ...customer(recipient, undefined),
    threadRefs: [],
    automated: {
      reason,
      ...(delivery
        ? { delivery: { of: status.id, status: delivery, ...(error ? { error } : {}) } }
        : {}),
    },
    sender: {},
    title: `WhatsApp: status of ${status.id}`,
    text: `[${reason}]`,
    fields: {},
    utm: {},
    meta: {
      whatsapp: compact({
        status: status.status,
        of: status.id,
        waId: recipient,
        phoneNumberId: event.metadata.phone_number_id,
        pricingCategory: status.pricing?.category,
        errors: status.errors?.length ? status.errors : undefined,
      }),
    },
  };
}

/** The customer's phone as an identity: `wa_id` is the number in international form. */
function customer(waId: string | undefined, userId: string | undefined) {
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  if (waId) {
    const read = normalisePhone(`+${waId}`);
    if (read.ok) identities.push(read.identity);
    else unrecognised.push({ kind: 'phone', raw: waId, reason: read.reason });
  } else if (userId) {
    unrecognised.push({ kind: 'whatsapp', raw: userId, reason: USERNAME_ONLY });
  }
  return { identities, unrecognised };
}

const digits = (value: string | undefined) => value?.replace(/\D/g, '') || undefined;

function fromSeconds(value: string | undefined): Date | undefined {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : undefined;
}

function malformed(what: string, error: z.ZodError): MalformedInputError {
  return new MalformedInputError(
    what,
    error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(event)',
      message: issue.message,
    })),
  );
}
