/**
 * The connector's reading of an email, carried in its inbox row: the connector has the .eml in
 * memory when it records it, so it parses it there and the worker, the busier of the two
 * processes, neither reads the .eml back nor parses it again. Only a help: a row without it
 * (recorded before it existed, a message too large, with files to keep or that failed to parse
 * here, a reading made under other settings or another version of the parser) is parsed by the
 * worker from its .eml as before, and a bad .eml fails there, with its reason.
 *
 * A message with files to keep is left to the worker: their blobs would be named by nothing but
 * this reading until the worker commits it, and retention removes blobs nothing names once they
 * are old enough (a row replayed long after), so the worker stores them when it commits.
 */
import { z } from 'zod';
import type { EmailSettings } from './config.ts';
import { parseEmail } from './parse.ts';
import type { ParsedEmail, ParsedFor } from './parsed.ts';

/**
 * Raise when parseEmail reads a message differently: rows carrying a reading of an older version
 * are parsed again by the worker, so a fix reaches the rows recorded before it.
 */
export const PARSE_VERSION = 1;
/** Larger messages are parsed by the worker alone: the connector answers its mailbox meanwhile. */
export const CARRY_MAX_EML_BYTES = 256 * 1024;
/** A reading whose texts are longer than this (big HTML) is not carried: rows stay small. */
export const CARRY_MAX_CHARS = 64 * 1024;

/** A reading and what it was made with. */
export interface CarriedParse {
  parsed: ParsedEmail;
  parsedFor: ParsedFor;
}

export function parsedFor(
  humanSenders: readonly string[],
  ownIdentityKeys: readonly string[],
  maxAttachmentBytes: number,
): ParsedFor {
  return {
    version: PARSE_VERSION,
    humanSenders: [...humanSenders],
    ownIdentityKeys: [...ownIdentityKeys],
    maxAttachmentBytes,
  };
}

export interface CarryOptions {
  settings: Pick<EmailSettings, 'humanSenders' | 'ownIdentityKeys'>;
  maxAttachmentBytes: number;
}

/** Thrown by the connector's parse at the first file it would keep: the worker keeps them. */
class FilesLeftToWorker extends Error {}

/**
 * The connector's side: a fetched .eml's reading to carry in its row, or undefined when the
 * worker should parse it (too large, with files to keep, or it did not parse: the worker then
 * records why).
 */
export async function carryParse(
  eml: Buffer,
  options: CarryOptions,
): Promise<CarriedParse | undefined> {
  if (eml.length > CARRY_MAX_EML_BYTES) return undefined;
  const made = parsedFor(
    options.settings.humanSenders,
    options.settings.ownIdentityKeys,
    options.maxAttachmentBytes,
  );
  try {
    const parsed = await parseEmail(eml, {
      storeAttachment: () => Promise.reject(new FilesLeftToWorker()),
      maxAttachmentBytes: options.maxAttachmentBytes,
      humanSenders: made.humanSenders,
      ownIdentityKeys: made.ownIdentityKeys,
    });
    // The texts are nearly all of it (counted, not serialised once more to be measured).
    const chars = parsed.text.length + parsed.reply.length + (parsed.html?.length ?? 0);
    if (chars > CARRY_MAX_CHARS) return undefined;
    return { parsed, parsedFor: made };
  } catch {
    return undefined;
  }
}

const address = z.object({ address: z.string(), name: z.string().optional() });
const parsedEmail = z.object({
  messageId: z.string(),
  from: address.nullable(),
  fromRole: z.enum(['no-reply', 'form-mailer', 'own-address']).optional(),
  replyTo: address.nullable(),
  to: z.array(address),
  cc: z.array(address),
  subject: z.string(),
  date: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  text: z.string(),
  reply: z.string(),
  html: z.string().nullable(),
  attachments: z.array(
    z.object({
      filename: z.string(),
      contentType: z.string(),
      size: z.number(),
      sha256: z.string().nullable(),
      skipped: z.string().optional(),
      inline: z.boolean().optional(),
      cid: z.string().optional(),
    }),
  ),
  automated: z.object({ reason: z.string(), bounceOf: z.string().optional() }).nullable(),
}) satisfies z.ZodType<Omit<ParsedEmail, 'truncated'>>;

const carried = z.object({
  parsed: parsedEmail,
  parsedFor: z.object({
    version: z.number(),
    humanSenders: z.array(z.string()),
    ownIdentityKeys: z.array(z.string()),
    maxAttachmentBytes: z.number(),
  }),
});

/**
 * The worker's side: the row's carried reading when it was made the way the worker would make
 * it now (same parser version, sender lists and attachment limit), else undefined.
 */
export function usableParse(raw: unknown, now: ParsedFor): ParsedEmail | undefined {
  const read = carried.safeParse(raw);
  // Never made by the connector (it leaves files to the worker); a row that says otherwise is
  // read from its .eml.
  if (!read.success || read.data.parsed.attachments.some((file) => file.sha256 !== null))
    return undefined;
  const made = read.data.parsedFor;
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((value, i) => value === b[i]);
  if (
    made.version !== now.version ||
    made.maxAttachmentBytes !== now.maxAttachmentBytes ||
    !same(made.humanSenders, now.humanSenders) ||
    !same(made.ownIdentityKeys, now.ownIdentityKeys)
  )
    return undefined;
  return read.data.parsed;
}
