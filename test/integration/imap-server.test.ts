/** The test IMAP server (a private Dovecot per test file) works: APPEND, FETCH, IDLE, UIDVALIDITY. */
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';

let server: ImapTestServer;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  server = await startImapServer('imap-server');
});

afterAll(async () => {
  for (const client of clients.splice(0)) await client.logout().catch(() => client.close());
  await server?.stop();
});

function eml(n: number): string {
  return [
    'From: Ada Customer <ada@example.com>',
    'To: support@test.local',
    `Subject: Question ${n}`,
    `Message-ID: <q${n}@example.com>`,
    'Date: Mon, 02 Nov 2026 08:00:00 +0000',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, question number ${n}.`,
    '',
  ].join('\r\n');
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function inboxUids(client: ImapFlow): Promise<{ uid: number; subject: string }[]> {
  const lock = await client.getMailboxLock('INBOX');
  try {
    const messages: { uid: number; subject: string }[] = [];
    for await (const message of client.fetch('1:*', { uid: true, envelope: true })) {
      messages.push({ uid: message.uid, subject: message.envelope?.subject ?? '' });
    }
    return messages;
  } finally {
    lock.release();
  }
}

it('stores appended messages with ascending UIDs and lists them', async () => {
  const { support } = server.users;
  const first = await server.append(support.user, 'INBOX', eml(1));
  const second = await server.append(support.user, 'INBOX', Buffer.from(eml(2)), ['\\Seen']);
  expect(second).toBeGreaterThan(first);

  const client = await server.connect(support);
  clients.push(client);
  const listed = await inboxUids(client);
  expect(listed).toEqual([
    { uid: first, subject: 'Question 1' },
    { uid: second, subject: 'Question 2' },
  ]);
});

it('wakes an IDLE client when a message arrives', async () => {
  const watcher = await server.connect(server.users.support);
  clients.push(watcher);
  await watcher.mailboxOpen('INBOX');
  const before = watcher.mailbox ? watcher.mailbox.exists : 0;
  const exists = new Promise<number>((resolve) => {
    watcher.on('exists', (event) => resolve(event.count));
  });
  const idling = watcher.idle();

  const uid = await server.append('support@test.local', 'INBOX', eml(3));
  const count = await within(exists, 5_000, 'EXISTS while idling');
  expect(count).toBe(before + 1);
  expect(uid).toBeGreaterThan(0);
  await watcher.noop(); // ends IDLE
  await idling;
});

it('gives a recreated mailbox a new UIDVALIDITY and restarts its UIDs', async () => {
  const user = server.users.support;
  const status = async (mailbox: string) => {
    const client = await server.connect(user);
    try {
      const result = await client.status(mailbox, { uidValidity: true, messages: true });
      if (!result) throw new Error(`no STATUS for ${mailbox}`);
      return result;
    } finally {
      await client.logout();
    }
  };

  const inboxBefore = await status('INBOX');
  expect(inboxBefore.messages).toBe(3);
  // The reset throws the user's sessions out first, as a real server migration would.
  const selected = await server.connect(user);
  clients.push(selected);
  await selected.mailboxOpen('INBOX');
  const closed = new Promise<void>((resolve) => selected.once('close', () => resolve()));
  await server.recreateMailbox(user, 'INBOX');
  await within(closed, 5_000, 'session closed');
  const inboxAfter = await status('INBOX');
  expect(inboxAfter.uidValidity).not.toBe(inboxBefore.uidValidity);
  expect(inboxAfter.messages).toBe(0);
  expect(await server.append(user, 'INBOX', eml(4))).toBe(1);

  // Any other mailbox is deleted and created again.
  await server.append(user, 'Archive', eml(5));
  const archiveBefore = await status('Archive');
  await server.recreateMailbox(user, 'Archive');
  const archiveAfter = await status('Archive');
  expect(archiveAfter.uidValidity).not.toBe(archiveBefore.uidValidity);
  expect(archiveAfter.messages).toBe(0);
  expect(await server.append(user, 'Archive', eml(6))).toBe(1);
});
