/** Reading the .eml fixtures and parsing them the way the worker does, with a blob store in memory. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { emailSettingsInput, storeEmailSettings } from '../../../../connectors/email/config.ts';
import { parseEmail, type ParseEmailOptions } from '../../../../connectors/email/parse.ts';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../fixtures/email/${name}`, import.meta.url));
}

/** A fixture as text (latin1 keeps every byte), to change a header before parsing it. */
export function fixtureText(name: string): string {
  return fixture(name).toString('latin1');
}

/** Replaces the first header line named `name` (the whole line) in a fixture's text. */
export function withHeader(eml: string, name: string, line: string): string {
  const pattern = new RegExp(`^${name}:.*$`, 'mi');
  if (!pattern.test(eml)) throw new Error(`no ${name} header to replace`);
  return eml.replace(pattern, line);
}

/** Header lines put in front of a fixture (a header block may start with any header). */
export function withHeaders(name: string, ...lines: string[]): string {
  return `${lines.join('\n')}\n${fixtureText(name)}`;
}

export type SenderOptions = Pick<ParseEmailOptions, 'humanSenders' | 'ownIdentityKeys'>;

/** Parses like the worker; stored attachments are kept in `blobs` when given. */
export async function parse(
  eml: Buffer | string,
  options: SenderOptions = {},
  blobs = new Map<string, Buffer>(),
) {
  return parseEmail(typeof eml === 'string' ? Buffer.from(eml, 'latin1') : eml, {
    maxAttachmentBytes: 10 * 1024 * 1024,
    async storeAttachment(content) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      blobs.set(sha256, Buffer.from(content));
      return sha256;
    },
    ...options,
  });
}

/** The sales mailbox's settings as the API stores them, with these human senders. */
export const salesMailbox = (humanSenders: string[]) =>
  storeEmailSettings(
    emailSettingsInput.parse({
      imap: {
        host: 'imap.shop.example',
        user: 'sales@shop.example',
        password: { env: 'LEADWIRE_SECRET_SALES_IMAP' },
      },
      humanSenders,
    }),
    undefined,
    new Date('2026-11-24T10:00:00Z'),
  );
