/**
 * The connector's reading of an email, carried in its inbox row: the connector has the .eml in
 * memory when it records it, so it parses it there and the worker, the busier of the two
 * processes, neither reads the .eml back nor parses it again. Only a help: a row without it
 * (recorded before it existed, a message too large, with files to keep or that failed to parse
 * here, a reading made under other settings or by other parser code) is parsed by the
 * worker from its .eml as before, and a bad .eml fails there, with its reason.
 *
 * A message with files to keep is left to the worker: their blobs would be named by nothing but
 * this reading until the worker commits it, and retention removes blobs nothing names once they
 * are old enough (a row replayed long after), so the worker stores them when it commits.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { EmailSettings } from './config.ts';
import { parseEmail } from './parse.ts';
import type { ParsedEmail, ParsedFor } from './parsed.ts';

/** The libraries a reading depends on, besides this folder's code. */
const MAIL_LIBRARIES = [
  'mailparser',
  '@zone-eu/mailsplit',
  'libmime',
  'iconv-lite',
  'html-to-text',
  'sanitize-html',
  'email-reply-parser',
];

/**
 * What the parser is, as a short hash: this folder's code (parse.ts and everything it calls:
 * reply lines, automated senders, charset repair…) and the mail libraries' versions. Any change
 * to either (a fix, an upgrade) makes rows carried before it parsed again by the worker, so a fix
 * reaches the rows recorded before it and a replay never reuses an old reading — with no version
 * number for anyone to remember to raise. Read once per process: a few dozen small files.
 */
export const PARSER_FINGERPRINT = parserFingerprint(fileURLToPath(import.meta.url));

/** The fingerprint of the code beside `self` (files of its own extension) and the libraries. */
export function parserFingerprint(self: string): string {
  const hash = createHash('sha256');
  const folder = path.dirname(self);
  // `.ts` under tsx, `.js` in dist/: the connector and the worker of one deployment agree.
  const code = readdirSync(folder).filter((name) => path.extname(name) === path.extname(self));
  for (const name of code.sort())
    hash.update(`${name}\0`).update(readFileSync(path.join(folder, name)));
  const require = createRequire(import.meta.url);
  for (const library of MAIL_LIBRARIES) hash.update(`${library}@${versionOf(require, library)}\0`);
  return hash.digest('hex').slice(0, 16);
}

/** An installed package's version (found from its entry point: some hide package.json). */
function versionOf(require: NodeJS.Require, name: string): string {
  try {
    for (let dir = path.dirname(require.resolve(name)); ; dir = path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (existsSync(manifest)) {
        const read = JSON.parse(readFileSync(manifest, 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (read.name === name) return read.version ?? 'unknown';
      }
      if (path.dirname(dir) === dir) return 'unknown';
    }
  } catch {
    return 'missing';
  }
}
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
    parser: PARSER_FINGERPRINT,
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
    parser: z.string(),
    humanSenders: z.array(z.string()),
    ownIdentityKeys: z.array(z.string()),
    maxAttachmentBytes: z.number(),
  }),
});

/**
 * The worker's side: the row's carried reading when it was made the way the worker would make
 * it now (same parser, sender lists and attachment limit), else undefined.
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
    made.parser !== now.parser ||
    made.maxAttachmentBytes !== now.maxAttachmentBytes ||
    !same(made.humanSenders, now.humanSenders) ||
    !same(made.ownIdentityKeys, now.ownIdentityKeys)
  )
    return undefined;
  return read.data.parsed;
}
