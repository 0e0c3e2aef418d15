/** A recorded callback request → InboundMessage (pure), carrying the call it asks for. */
import { z } from 'zod';
import { MalformedInputError } from '../../core/errors.ts';
import { formatPhone, normalisePhone } from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import { siteEnvelope } from '../site/envelope.ts';

const callbackRaw = siteEnvelope.extend({
  kind: z.literal('callback'),
  country: z.string().nullable(),
  phone: z.string(),
  name: z.string().optional(),
  comment: z.string().optional(),
  preferredTime: z.string().optional(),
  due: z.object({
    at: z.iso.datetime(),
    kind: z.enum(['within', 'at-opening', 'preferred']),
    text: z.string(),
  }),
});

export function normaliseCallback(raw: unknown, context: NormaliseContext): InboundMessage {
  const parsed = callbackRaw.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedInputError('the stored callback request is not valid', [
      { path: issue?.path.join('.') || '(raw)', message: issue?.message ?? 'invalid' },
    ]);
  }
  const request = parsed.data;
  const phone = normalisePhone(request.phone, request.country ?? context.defaultCountry);
  if (!phone.ok) {
    throw new MalformedInputError(
      'no reachable identity: the phone number cannot be called',
      [{ path: 'phone', message: phone.reason }],
      'unreachable',
    );
  }
  const display = formatPhone(phone.identity.key.slice('phone:'.length));
  const text = [`Please call me back: ${display}, ${request.due.text}.`, request.comment]
    .filter(Boolean)
    .join('\n\n');
  return {
    externalId: context.externalId,
    source: 'CALLBACK',
    sentAt: new Date(request.receivedAt),
    identities: [phone.identity],
    unrecognised: [],
    threadRefs: [],
    sender: request.name ? { name: request.name } : {},
    title: `${request.title}: ${request.name ?? display}`,
    text,
    fields: {
      phone: display,
      ...(request.preferredTime ? { preferredTime: request.preferredTime } : {}),
    },
    utm: request.visit.utm,
    callback: {
      identityKey: phone.identity.key,
      display,
      dueAt: new Date(request.due.at),
      promise: request.due.text,
      widget: request.slug,
      ...(request.name ? { name: request.name } : {}),
      ...(request.comment ? { comment: request.comment } : {}),
    },
    meta: {
      callback: {
        id: request.formId,
        slug: request.slug,
        submissionId: request.submissionId,
        due: request.due,
      },
      visit: request.visit,
    },
    ...(request.review ? { review: request.review } : {}),
  };
}
