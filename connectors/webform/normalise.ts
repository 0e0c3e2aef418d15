/** A recorded web form submission → InboundMessage (pure): fields to identities, lead fields and text. */
import { z } from 'zod';
import { fieldRecord } from '../site/field-values.ts';
import { MalformedInputError } from '../../core/errors.ts';
import {
  normaliseEmail,
  normalisePhone,
  uniqueIdentities,
  type Identity,
} from '../../core/identities.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import { siteEnvelope } from '../site/envelope.ts';
import { FIELD_TYPES } from './definition.ts';

const webformRaw = siteEnvelope.extend({
  kind: z.literal('webform'),
  country: z.string().nullable(),
  fields: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      type: z.enum(FIELD_TYPES),
      target: z.string(),
      value: z.string(),
    }),
  ),
  files: z.array(
    z.object({
      field: z.string(),
      filename: z.string(),
      contentType: z.string(),
      size: z.number(),
      sha256: z.string().nullable(),
      skipped: z.string().optional(),
    }),
  ),
  consent: z.object({ text: z.string(), at: z.string() }).optional(),
});

export function normaliseWebform(raw: unknown, context: NormaliseContext): InboundMessage {
  const parsed = webformRaw.safeParse(raw);
  if (!parsed.success) {
    throw new MalformedInputError('the stored form submission is not valid', [
      {
        path: parsed.error.issues[0]?.path.join('.') ?? '(raw)',
        message: parsed.error.issues[0]?.message ?? '',
      },
    ]);
  }
  const submission = parsed.data;
  const country = submission.country ?? context.defaultCountry;
  const identities: Identity[] = [];
  const unrecognised: InboundMessage['unrecognised'] = [];
  const standard: Record<string, string> = {};
  // A form made before `constructor` and the like were reserved may still have such a key.
  const fields = fieldRecord();
  for (const field of submission.fields) {
    const read =
      field.target === 'email'
        ? normaliseEmail(field.value)
        : field.target === 'phone'
          ? normalisePhone(field.value, country)
          : undefined;
    if (read?.ok) identities.push(read.identity);
    else if (read) unrecognised.push({ kind: field.target, raw: read.raw, reason: read.reason });
    if (['name', 'company', 'comment'].includes(field.target))
      standard[field.target] ??= field.value;
    fields[field.target] = field.value;
  }
  if (submission.consent)
    fields.consent = `${submission.consent.text} (agreed ${submission.consent.at})`;
  if (identities.length === 0) {
    throw new MalformedInputError(
      'no reachable identity: the lead could never be answered',
      unrecognised.map(({ kind, reason }) => ({ path: kind, message: reason })),
      'unreachable',
    );
  }
  const who = standard.name ?? identities[0]?.raw ?? 'website visitor';
  // The history shows the comment first, then every answer as the customer saw the labels.
  const lines = submission.fields
    .filter((field) => field.target !== 'comment' && field.type !== 'hidden')
    .map((field) => `${field.label}: ${field.value}`);
  const attached = submission.files.map(
    (file) => `Attachment: ${file.filename}${file.skipped ? ` (not kept: ${file.skipped})` : ''}`,
  );
  const text = [standard.comment, lines.join('\n'), attached.join('\n')]
    .filter(Boolean)
    .join('\n\n');
  return {
    externalId: context.externalId,
    source: 'WEBFORM',
    sentAt: new Date(submission.receivedAt),
    identities: uniqueIdentities(identities),
    unrecognised,
    threadRefs: [],
    sender: {
      ...(standard.name ? { name: standard.name } : {}),
      ...(standard.company ? { company: standard.company } : {}),
    },
    title: `${submission.title}: ${who}`,
    text,
    fields,
    utm: submission.visit.utm,
    attachments: submission.files.map((file) => ({
      filename: file.filename,
      contentType: file.contentType,
      size: file.size,
      sha256: file.sha256,
      ...(file.skipped ? { skipped: file.skipped } : {}),
    })),
    meta: {
      form: { id: submission.formId, slug: submission.slug, submissionId: submission.submissionId },
      visit: submission.visit,
      ...(submission.consent ? { consent: submission.consent } : {}),
    },
    ...(submission.review ? { review: submission.review } : {}),
  };
}
