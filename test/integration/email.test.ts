/**
 * The email channel against a real Dovecot: every fixture's outcome, IDLE delivery, a connector
 * killed mid-mailbox, a UIDVALIDITY change, and a reply over SMTP answered back onto the lead.
 */
import { sql } from 'drizzle-orm';
import { snapshot } from '../../core/runtime/metrics.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import type { ConnectorHost } from '../../connectors/connector-host.ts';
import { runChannelCommand } from '../../scripts/cli/channels.ts';
import {
  connectMailbox,
  customerEmail,
  fixture,
  inboxOf,
  type InboxView,
} from '../helpers/email.ts';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let imap: ImapTestServer;
let system: TestSystem;
let connector: ConnectorHost | undefined;
let channelId: number;
const received: ParsedMail[] = [];
let smtp: SMTPServer;
let smtpPort: number;

beforeAll(async () => {
  imap = await startImapServer('email');
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  system = await startSystem({ label: 'email', env: { SECRETS_KEY: 'k'.repeat(40) } });
  await system.startInProcessWorker();
  ({ id: channelId } = await connectMailbox(system, imap, {
    smtp: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'support@test.local' },
  }));
}, 120_000);

afterAll(async () => {
  await connector?.stop();
  await system?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await imap?.stop();
});

const settled = (rows: InboxView[]) => rows.every((row) => row.status !== 'pending');

async function processed(count: number) {
  await waitFor(
    `${count} processed emails`,
    async () => {
      const rows = await inboxOf(system, channelId);
      return rows.length >= count && settled(rows);
    },
    60_000,
  );
  return await inboxOf(system, channelId);
}

const lead = async (id: number) => (await api(system)('GET', `/api/v1/leads/${id}`)).body;

describe('a connected mailbox', () => {
  it('shows the channel without its password', async () => {
    const shown = (await api(system)('GET', `/api/v1/channels/${channelId}`)).body;
    expect(shown.imap.password).toEqual({ stored: true });
    expect(JSON.stringify(shown)).not.toContain(imap.users.support.pass + '"');
    expect(shown.ownIdentityKeys).toEqual(
      expect.arrayContaining(['email:sales@shop.example', 'email:support@test.local']),
    );
  });

  it('turns each fixture into the right outcome', async () => {
    const user = imap.users.support;
    await imap.append(user, 'INBOX', fixture('plain'));
    connector = await system.startInProcessEmail();
    const [plain] = await processed(1);
    // The session shows as connected in the metrics.
    const sessions = (await snapshot()).find(
      (m) => m.name === 'leadwire_channel_session_connected',
    );
    expect(sessions?.values).toContainEqual(
      expect.objectContaining({
        labels: { kind: 'email', channel_id: String(channelId) },
        value: 1,
      }),
    );
    expect(plain).toMatchObject({
      external_id: 'CAF=plain.4711@mail.example.com',
      outcome: 'created_simple',
    });
    // An earlier reply of ours on Ana's lead, so her bounce and her answer have something to find.
    await system.look.run(
      sql`INSERT INTO messages (lead_id, channel_id, direction, external_id, text, sent_at, meta, delivery)
          VALUES (${plain?.lead_id}, ${channelId}, 'out', 'lw.out-123@mail.example.com',
            'Your order is on its way', ${system.look.at(new Date())}, '{}', 'sent')`,
    );
    const names = [
      'html-only',
      'multipart-attachments',
      'iso-8859-1',
      'koi8-r',
      'utf8-headers',
      'out-of-office',
      'autoreply-x-headers',
      'dsn-bounce',
      'reply-thread',
      'forward',
      'no-message-id',
      'loop',
      'reply-to',
    ];
    for (const name of names) await imap.append(user, 'INBOX', fixture(name));
    const rows = await processed(names.length + 1);
    const by = (id: string) => rows.find((row) => row.external_id === id);
    expect(rows.filter((row) => row.status === 'failed')).toEqual([]);
    for (const id of [
      'CAF=ooo.4712@mail.example.com',
      'ticket-88231.ack@helpdesk.mueblessol.example',
      '20261124093001.4Hq3B80RkPz1xyz@mail.example.com',
      'lw.out-456@mail.example.com',
    ]) {
      expect(by(id), id).toMatchObject({ status: 'ignored', outcome: 'ignored', lead_id: null });
    }
    expect(by('CAF=ooo.4712@mail.example.com')?.reason).toMatch(/auto-replied/i);
    const delivery = await system.look.get<{ delivery: string }>(
      sql`SELECT delivery FROM messages WHERE external_id = 'lw.out-123@mail.example.com'`,
    );
    expect(delivery?.delivery).toBe('undelivered');
    // Ana's answer to our reply continues her lead; Bob forwarding her thread starts his own.
    expect(by('CAF=reply.4713@mail.example.com')).toMatchObject({
      outcome: 'appended',
      lead_id: plain?.lead_id,
    });
    const forward = by('CAB=fwd.9001@mail.partner.example');
    expect(forward?.outcome).toBe('created_simple');
    expect(forward?.lead_id).not.toBe(plain?.lead_id);
    expect(rows.find((row) => row.external_id.startsWith('sha256-'))?.outcome).toBe(
      'created_simple',
    );

    const iso = await lead(by('5f1c2a9e.1d44@smtp.example.es')?.lead_id as number);
    expect(iso.title).toBe('Información sobre el envío a Logroño');
    const koi = await lead(by('1796101544.123456@example.ru')?.lead_id as number);
    expect(koi.title).toMatch(/^[А-яЁё ]+$/);
    const withFiles = await lead(by('20261124091500.GA1234@laptop.example.net')?.lead_id as number);
    const files = withFiles.messages[0].attachments as { filename: string; sha256: string }[];
    expect(files.map((file) => file.filename)).toEqual(expect.arrayContaining(['plano-salón.pdf']));
    expect(files).toHaveLength(3);
    expect(files.every((file) => /^[0-9a-f]{64}$/.test(file.sha256))).toBe(true);
    const viaForm = await lead(by('contact-form.5521@web-1.shop.example')?.lead_id as number);
    expect(viaForm.identities.map((i: { key: string }) => i.key)).not.toContain(
      'email:no-reply@shop.example',
    );
    const ana = await lead(plain?.lead_id as number);
    const answer = ana.messages.find(
      (m: { externalId: string }) => m.externalId === 'CAF=reply.4713@mail.example.com',
    );
    expect(answer.text).not.toMatch(/^>/m);
  });

  it('delivers a new message under IDLE within seconds', async () => {
    const before = (await inboxOf(system, channelId)).length;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the session go idle
    const sent = Date.now();
    await imap.append(
      imap.users.support,
      'INBOX',
      customerEmail(
        'Eva <eva@example.com>',
        'idle-1@example.com',
        'Hello',
        'Are you open on Sunday?',
      ),
    );
    const rows = await processed(before + 1);
    expect(rows.at(-1)).toMatchObject({
      external_id: 'idle-1@example.com',
      outcome: 'created_simple',
    });
    expect(Date.now() - sent).toBeLessThan(10_000);
  });

  it('resyncs after a UIDVALIDITY change without duplicating what it already has', async () => {
    const before = (await inboxOf(system, channelId)).length;
    await imap.recreateMailbox(imap.users.support, 'INBOX');
    await imap.append(imap.users.support, 'INBOX', fixture('plain'));
    await imap.append(
      imap.users.support,
      'INBOX',
      customerEmail('Nora <nora@example.com>', 'after-reset@example.com', 'New', 'Hi'),
    );
    await waitFor(
      'the new message after the reset',
      async () =>
        (await inboxOf(system, channelId)).some(
          (row) => row.external_id === 'after-reset@example.com',
        ),
      60_000,
    );
    const rows = await processed(before + 1);
    expect(rows).toHaveLength(before + 1);
    const checkpoint = (await api(system)('GET', `/api/v1/channels/${channelId}`)).body
      .checkpoints[0];
    expect(checkpoint).toMatchObject({ folder: 'INBOX', lastUid: 2 });
  });

  it('sends a reply over SMTP with threading headers, and the customer answer threads back', async () => {
    const call = api(system);
    const rows = await inboxOf(system, channelId);
    const eva = rows.find((row) => row.external_id === 'idle-1@example.com');
    const sent = await call('POST', `/api/v1/leads/${eva?.lead_id}/messages`, {
      text: 'Yes, 10:00 to 14:00.',
    });
    expect(sent.status).toBe(202);
    await waitFor('the reply at the SMTP server', () => received.length > 0, 30_000);
    const mail = received[0] as ParsedMail;
    expect(mail.subject).toBe(`Re: Hello [#L${eva?.lead_id}]`);
    expect(mail.inReplyTo).toBe('<idle-1@example.com>');
    expect([mail.references].flat()).toEqual(['<idle-1@example.com>']);
    expect(mail.headers.get('x-leadwire-loop')).toBe(String(channelId));
    expect(mail.messageId).toBe(`<${sent.body.externalId}>`);
    await waitFor('delivery sent', async () => {
      const evaLead = await lead(eva?.lead_id as number);
      return evaLead.messages.some(
        (m: { direction: string; delivery: string }) =>
          m.direction === 'out' && m.delivery === 'sent',
      );
    });

    await imap.append(
      imap.users.support,
      'INBOX',
      customerEmail(
        'Eva <eva@example.com>',
        'eva-answer@example.com',
        `Re: Hello [#L${eva?.lead_id}]`,
        'Great, see you!',
        {
          'In-Reply-To': `<${sent.body.externalId}>`,
          References: `<idle-1@example.com> <${sent.body.externalId}>`,
        },
      ),
    );
    await imap.append(
      imap.users.support,
      'INBOX',
      customerEmail(
        'Mallory <mallory@example.com>',
        'mallory@example.com',
        `Re: Hello [#L${eva?.lead_id}]`,
        'Me too',
        {
          'In-Reply-To': `<${sent.body.externalId}>`,
        },
      ),
    );
    const after = await processed((await inboxOf(system, channelId)).length + 2);
    expect(after.find((row) => row.external_id === 'eva-answer@example.com')).toMatchObject({
      outcome: 'appended',
      lead_id: eva?.lead_id,
    });
    const other = after.find((row) => row.external_id === 'mallory@example.com');
    expect(other?.outcome).toBe('created_simple');
  });

  it('`channels test` logs in and reports the folders and SMTP', async () => {
    const report = await runChannelCommand(
      system.store,
      system.config,
      ['channels', 'test', String(channelId)],
      {},
    );
    expect(report).toMatch(/IMAP 127\.0\.0\.1:\d+: logged in as support@test\.local/);
    expect(report).toMatch(/ {2}INBOX: \d+ messages, \d+ unseen, UIDVALIDITY \d+/);
    expect(report).toMatch(/SMTP 127\.0\.0\.1:\d+: ready to send as support@test\.local/);
    expect(report).not.toContain(imap.users.support.pass);
  });

  it('refuses a reply on a lead without an email conversation', async () => {
    const created = await api(system)('POST', '/api/v1/leads?wait=true', {
      email: 'api@example.com',
      message: 'hi',
    });
    const refused = await api(system)('POST', `/api/v1/leads/${created.body.leadId}/messages`, {
      text: 'Hello',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('no_reply_channel');
  });
});
