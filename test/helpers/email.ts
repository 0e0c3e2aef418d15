/** Email test helpers: fixtures, generated messages, a mailbox channel for a test Dovecot. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImapTestServer } from './imap.ts';
import { api, type TestSystem } from './system.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/email/', import.meta.url));

export const fixture = (name: string): Buffer => readFileSync(`${FIXTURES}${name}.eml`);

/** A small customer email; `headers` adds or overrides header lines. */
export function customerEmail(
  from: string,
  id: string,
  subject: string,
  body: string,
  headers: Record<string, string> = {},
): string {
  const all: Record<string, string> = {
    From: from,
    To: 'support@test.local',
    Subject: subject,
    'Message-ID': `<${id}>`,
    Date: new Date().toUTCString(),
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
  };
  return `${Object.entries(all)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\r\n')}\r\n\r\n${body}\r\n`;
}

export async function connectMailbox(
  system: TestSystem,
  imap: ImapTestServer,
  extra: Record<string, unknown> = {},
): Promise<{ id: number }> {
  const created = await api(system)('POST', '/api/v1/channels', {
    kind: 'email',
    name: 'Support mailbox',
    defaultCountry: 'ES',
    imap: {
      host: imap.host,
      port: imap.port,
      secure: false,
      user: imap.users.support.user,
      password: { value: imap.users.support.pass },
    },
    addresses: ['sales@shop.example'],
    ingestSince: '2000-01-01T00:00:00Z',
    pollSeconds: 5,
    ...extra,
  });
  if (created.status !== 201)
    throw new Error(`channel not created: ${JSON.stringify(created.body)}`);
  return created.body as { id: number };
}

export { inboxOf, type InboxView } from './rows.ts';
