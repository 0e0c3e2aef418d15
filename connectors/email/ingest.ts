/**
 * The worker's side of an email: the reading the connector carried in the row when it is still
 * good (carried-parse.ts), else the stored .eml read from the blob store and parsed (attachments
 * into the blob store too); then normalised by the pure `normaliseEmail`.
 */
import { z } from 'zod';
import { readEmailSettings } from './settings.ts';
import { MalformedInputError } from '../../core/errors.ts';
import { BlobMissingError } from '../../core/repositories/blobs.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import type { NormaliseContext } from '../../core/channel.ts';
import type { ExpandDeps } from '../../core/channel.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import { normaliseEmail } from './normalise.ts';
import { parsedFor, usableParse } from './carried-parse.ts';
import { parseEmail } from './parse.ts';
import type { EmailRaw, ParsedEmail } from './parsed.ts';

const emailRaw = z.object({
  kind: z.literal('email'),
  folder: z.string(),
  uidValidity: z.number(),
  uid: z.number(),
  size: z.number(),
  blob: z.string().regex(/^[0-9a-f]{64}$/),
  truncated: z.object({ limit: z.number() }).optional(),
  receivedAt: z.string(),
}) satisfies z.ZodType<EmailRaw>;

interface ExpandedEmail {
  parsed: ParsedEmail;
  receivedAt: string;
}

export async function expandEmail(
  raw: unknown,
  deps: ExpandDeps,
  channel: ChannelInfo,
): Promise<ExpandedEmail> {
  const stored = emailRaw.safeParse(raw);
  if (!stored.success) throw new MalformedInputError('the stored email event is not valid');
  const email = stored.data;
  // Settings that do not parse leave the sender rules at their defaults.
  const humanSenders = readEmailSettings(channel.settings)?.humanSenders ?? [];
  if (!email.truncated) {
    const now = parsedFor(humanSenders, channel.ownIdentityKeys, deps.maxAttachmentBytes);
    const carried = usableParse(raw, now);
    if (carried) return { parsed: carried, receivedAt: email.receivedAt };
  }
  const eml = await deps.blobs.readAll(email.blob).catch((error: unknown) => {
    // Missing for good is bad input; anything else (EMFILE, EIO, the database away) is worth
    // the queue's retries.
    if (!(error instanceof BlobMissingError)) throw error;
    throw new MalformedInputError(
      `the .eml ${email.blob} is missing from the blob store (do the email and worker processes share DATA_DIR, BLOB_DIR or the database?)`,
    );
  });
  const parsed = await parseEmail(eml, {
    storeAttachment: (content) => deps.blobs.putDurable(content),
    maxAttachmentBytes: deps.maxAttachmentBytes,
    humanSenders,
    ownIdentityKeys: channel.ownIdentityKeys,
    ...(email.truncated ? { truncated: { size: email.size, limit: email.truncated.limit } } : {}),
  });
  return { parsed, receivedAt: email.receivedAt };
}

export function normaliseExpandedEmail(
  expanded: unknown,
  context: NormaliseContext,
): InboundMessage {
  const { parsed, receivedAt } = expanded as ExpandedEmail;
  return normaliseEmail(parsed, { ...context, receivedAt });
}
