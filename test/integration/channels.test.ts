/** Mailbox channels over the admin API, and how a reply that the mail server refuses ends. */
import { sql } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSettings } from '../../connectors/email/config.ts';
import { openSecret } from '../../core/runtime/secrets.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

const SECRETS_KEY = 's'.repeat(40);
let system: TestSystem;
let refusing: SMTPServer;
let refusingPort: number;

beforeAll(async () => {
  refusing = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(_address, _session, callback) {
      callback(Object.assign(new Error('5.1.1 mailbox unknown'), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  refusingPort = (refusing.server.address() as AddressInfo).port;
  system = await startSystem({ label: 'channels', env: { SECRETS_KEY } });
  await system.startInProcessWorker();
});
afterAll(async () => {
  await system.close();
  await new Promise<void>((resolve) => refusing.close(() => resolve()));
});

const mailbox = (extra: Record<string, unknown> = {}) => ({
  kind: 'email',
  name: 'Sales',
  imap: { host: 'imap.example.com', user: 'sales@shop.example', password: { value: 'hunter2' } },
  smtp: { host: '127.0.0.1', port: 2525, from: 'sales@shop.example' },
  ...extra,
});

describe('mailbox channels', () => {
  it('stores the password sealed, shows where it is, and keeps it across an edit', async () => {
    const call = api(system);
    const created = await call(
      'POST',
      '/api/v1/channels',
      mailbox({ addresses: ['info@shop.example'] }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'email',
      imap: { host: 'imap.example.com', port: 993, secure: true, password: { stored: true } },
      folders: ['INBOX'],
      afterIngest: 'leave',
      ownIdentityKeys: ['email:info@shop.example', 'email:sales@shop.example'],
    });
    expect(JSON.stringify(created.body)).not.toContain('hunter2');
    const stored = await system.store.channels.get(created.body.id);
    expect(JSON.stringify(stored?.config)).not.toContain('hunter2');

    const edited = await call('PATCH', `/api/v1/channels/${created.body.id}`, {
      name: 'Sales ES',
      folders: ['INBOX', 'Leads'],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      name: 'Sales ES',
      folders: ['INBOX', 'Leads'],
      imap: { password: { stored: true } },
    });
    const moved = await call('PATCH', `/api/v1/channels/${created.body.id}`, {
      imap: { host: 'imap.attacker.example' },
    });
    expect(moved.status).toBe(422);
    expect(moved.body.error).toBe('password_required');
    const settings = emailSettings.parse(
      (await system.store.channels.get(created.body.id))?.config,
    );
    expect(openSecret(settings.imap.password, SECRETS_KEY, () => undefined)).toBe('hunter2');
  });

  it('names what is wrong with a mailbox definition', async () => {
    const response = await api(system)('POST', '/api/v1/channels', {
      kind: 'email',
      name: '',
      imap: { user: 'x', password: { plain: 'x' } },
      afterIngest: 'move',
    });
    expect(response.status).toBe(422);
    const paths = (response.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'imap.host', 'imap.password']));
    const noFolder = await api(system)(
      'POST',
      '/api/v1/channels',
      mailbox({ afterIngest: 'move' }),
    );
    expect(noFolder.body.details).toEqual([
      { path: 'moveTo', message: 'afterIngest "move" needs moveTo (a folder name)' },
    ]);
  });

  it('refuses to keep a password without SECRETS_KEY but accepts an environment reference', async () => {
    const bare = await startSystem({ label: 'channels-nokey', web: true });
    try {
      const refused = await api(bare)('POST', '/api/v1/channels', mailbox());
      expect(refused.status).toBe(422);
      expect(refused.body.message).toMatch(/set SECRETS_KEY/);
      const byReference = await api(bare)(
        'POST',
        '/api/v1/channels',
        mailbox({
          imap: {
            host: 'imap.example.com',
            user: 'sales@shop.example',
            password: { env: 'LEADWIRE_SECRET_SALES_IMAP' },
          },
        }),
      );
      expect(byReference.status).toBe(201);
      expect(byReference.body.imap.password).toEqual({ env: 'LEADWIRE_SECRET_SALES_IMAP' });
      // Only the channel's own variables: naming Leadwire's settings is refused…
      const own = await api(bare)(
        'POST',
        '/api/v1/channels',
        mailbox({
          imap: { host: 'imap.evil.example', user: 'x', password: { env: 'SECRETS_KEY' } },
        }),
      );
      expect(own.status).toBe(422);
      expect(own.body.details).toEqual([
        { path: 'imap.password.env', message: expect.stringContaining('LEADWIRE_SECRET_') },
      ]);
      // …and so is another channel's, which would go to this channel's server.
      const taken = await api(bare)(
        'POST',
        '/api/v1/channels',
        mailbox({
          name: 'Elsewhere',
          imap: {
            host: 'imap.evil.example',
            user: 'x',
            password: { env: 'LEADWIRE_SECRET_SALES_IMAP' },
          },
        }),
      );
      expect(taken.status).toBe(422);
      expect(taken.body.details).toEqual([
        {
          path: 'imap.password',
          message: `LEADWIRE_SECRET_SALES_IMAP is the secret of channel ${byReference.body.id} (imap.password); give this channel a variable of its own`,
        },
      ]);
      // The channel itself may keep naming it when it is edited.
      const renamed = await api(bare)('PATCH', `/api/v1/channels/${byReference.body.id}`, {
        name: 'Sales (renamed)',
      });
      expect(renamed.status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('a reply the mail server refuses', () => {
  it('ends as failed with the server’s answer on the message, without retrying', async () => {
    const call = api(system);
    const channel = await call(
      'POST',
      '/api/v1/channels',
      mailbox({
        name: 'Refusing',
        smtp: { host: '127.0.0.1', port: refusingPort, from: 'sales@shop.example' },
      }),
    );
    const intake = await call('POST', '/api/v1/leads?wait=true', {
      email: 'gone@example.com',
      message: 'hi',
    });
    const leadId = intake.body.leadId as number;
    const meta = JSON.stringify({
      email: {
        messageId: 'in-1@example.com',
        subject: 'Hi',
        from: { address: 'gone@example.com' },
        replyAddress: 'gone@example.com',
      },
    });
    await system.look.run(
      sql`INSERT INTO messages (lead_id, channel_id, direction, external_id, text, sent_at, meta)
          VALUES (${leadId}, ${channel.body.id}, 'in', 'in-1@example.com', 'Hello',
            ${system.look.at(new Date())}, ${meta})`,
    );
    const reply = await call('POST', `/api/v1/leads/${leadId}/messages`, { text: 'Thanks!' });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ direction: 'out', delivery: 'queued' });
    await waitFor('the failure on the message', async () => {
      const lead = (await call('GET', `/api/v1/leads/${leadId}`)).body;
      return lead.messages.some((m: { delivery: string }) => m.delivery === 'failed');
    });
    const lead = (await call('GET', `/api/v1/leads/${leadId}`)).body;
    const failed = lead.messages.find((m: { delivery: string }) => m.delivery === 'failed');
    expect(failed.meta).toMatchObject({
      attempts: 1,
      error: { status: 550, message: expect.stringContaining('mailbox unknown') },
    });
  });

  it('refuses an empty reply', async () => {
    expect((await api(system)('POST', '/api/v1/leads/1/messages', { text: '  ' })).status).toBe(
      400,
    );
  });
});
