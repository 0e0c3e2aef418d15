/**
 * The console's channel screens over HTTP: admins only; a mailbox connected through the form
 * (its password sealed, never in a page or the API), a refused form answered beside the input,
 * an edit that keeps the stored password, the operator queue, the channel's activity, Telegram's
 * own view of a bot's webhook (local Bot API) and "Test connection" against a real Dovecot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';
import { freePort } from '../helpers/private-redis.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import { newBotToken } from '../helpers/telegram.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

const PASSWORD = 'correct horse battery';
const SMTP_PASSWORD = 'smtp-Pa55-never-shown';

let system: TestSystem;
let imap: ImapTestServer;
let botApi: BotApi;
let admin: Browser;
let operator: Browser;
const users: Record<string, number> = {};

interface Browser {
  cookie: string;
  csrf: string;
}

interface Answer {
  status: number;
  html: string;
  location: string | null;
}

type Form = Record<string, string> | [string, string][];

async function send(method: string, path: string, who?: Browser, form?: Form): Promise<Answer> {
  const body = form && new URLSearchParams(form);
  if (body && who) body.set('_csrf', who.csrf);
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      origin: system.baseUrl,
      ...(who ? { cookie: who.cookie } : {}),
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(body ? { body: body.toString() } : {}),
  });
  return { status: res.status, html: await res.text(), location: res.headers.get('location') };
}

async function person(email: string, roles: string[], language = 'en'): Promise<Browser> {
  const made = await system.store.users.createUser({
    name: email.split('@')[0]!,
    email,
    roles,
    language,
    timeZone: 'Europe/Madrid',
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  users[email] = made.user.id;
  const signed = await fetch(`${system.baseUrl}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: system.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
  });
  const cookie = (signed.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await send('GET', '/leads', { cookie, csrf: '' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  if (!csrf) throw new Error(`no session for ${email}`);
  return { cookie, csrf };
}

const channelOf = async (id: number) => (await api(system)('GET', `/api/v1/channels/${id}`)).body;
const idOf = (location: string | null) =>
  Number(/^\/channels\/(\d+)\?created=1$/.exec(location ?? '')?.[1]);

let smtpPort: number;
const mailboxForm = (): Record<string, string> => ({
  kind: 'email',
  name: 'Ventas <b>mailbox</b>',
  defaultCountry: 'es',
  'imap.host': imap.host,
  'imap.port': String(imap.port),
  'imap.user': imap.users.support.user,
  'imap.password': imap.users.support.pass,
  'smtp.host': '127.0.0.1',
  'smtp.port': String(smtpPort),
  'smtp.user': 'support@test.local',
  'smtp.password': SMTP_PASSWORD,
  'smtp.from': 'support@test.local',
  'smtp.replyFromName': 'operator',
});

beforeAll(async () => {
  imap = await startImapServer('console-channels');
  botApi = await startBotApi();
  smtpPort = await freePort();
  system = await startSystem({ label: 'console-channels', env: { SECRETS_KEY: 'c'.repeat(40) } });
  admin = await person('ana@channels.test', ['admin']);
  operator = await person('oscar@channels.test', ['operator']);
}, 120_000);

afterAll(async () => {
  await system?.close();
  await botApi?.close();
  await imap?.stop();
});

let mailbox: number;

describe('the channel screens', () => {
  it('are for administrators only: every page and every post', async () => {
    const made = await api(system)('POST', '/api/v1/channels', {
      kind: 'email',
      name: 'Existing',
      imap: {
        host: imap.host,
        port: imap.port,
        secure: false,
        user: 'x',
        password: { value: 'y' },
      },
    });
    const id = made.body.id as number;
    for (const path of ['/channels', '/channels/new?kind=email', `/channels/${id}`])
      expect((await send('GET', path, operator)).status, path).toBe(403);
    for (const path of ['/channels', `/channels/${id}`, `/channels/${id}/test`])
      expect(
        (await send('POST', path, operator, { ...mailboxForm(), section: 'general' })).status,
        path,
      ).toBe(403);
    expect((await channelOf(id)).name).toBe('Existing');
    expect((await send('GET', '/channels', admin)).status).toBe(200);
  });

  it('connects a mailbox through the form, its passwords sealed and never shown', async () => {
    const created = await send('POST', '/channels', admin, mailboxForm());
    expect(created.status).toBe(303);
    mailbox = idOf(created.location);
    const shown = await channelOf(mailbox);
    expect(shown).toMatchObject({
      kind: 'email',
      name: 'Ventas <b>mailbox</b>',
      defaultCountry: 'ES',
      imap: { host: imap.host, port: imap.port, secure: false, user: 'support@test.local' },
      smtp: { port: smtpPort, from: 'support@test.local', replyFromName: 'operator' },
    });
    expect(shown.imap.password).toEqual({ stored: true });
    expect(shown.smtp.password).toEqual({ stored: true });
    expect(JSON.stringify(shown)).not.toContain(SMTP_PASSWORD);
    const stored = await system.store.channels.get(mailbox);
    expect(JSON.stringify(stored?.config)).not.toContain(SMTP_PASSWORD);
    expect(JSON.stringify(stored?.config)).toContain('"encrypted"');

    const page = await send('GET', `/channels/${mailbox}?created=1`, admin);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Connected.');
    // Content is text: the name's markup is escaped.
    expect(page.html).toContain('Ventas &lt;b>mailbox&lt;/b>');
    expect(page.html).toContain('stored — leave empty to keep');
    expect(page.html).not.toContain(SMTP_PASSWORD);
    expect(page.html).not.toMatch(/type="password"[^>]*value="[^"]/);
    // No email process runs in this test: the page says so rather than guessing.
    expect(page.html).toContain('not running: no email process reads it');
    const list = await send('GET', '/channels', admin);
    expect(list.html).toContain(`href="/channels/${mailbox}"`);
    expect(list.html).not.toContain(SMTP_PASSWORD);
  });

  it('answers a refused form with 422, the reason beside its input, what was typed kept but secrets', async () => {
    const channelsBefore = (await api(system)('GET', '/api/v1/channels')).body.channels.length;
    const typed = 'typed-but-refused-77';
    const refused = await send('POST', '/channels', admin, {
      ...mailboxForm(),
      name: 'Keep this name',
      'imap.host': '',
      'imap.password': typed,
      'smtp.from': 'not an address',
    });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('role="alert"');
    expect(refused.html).toMatch(/id="f-imap-host"[^>]*aria-invalid="true"/);
    expect(refused.html).toContain('id="f-imap-host-error"');
    expect(refused.html).toContain('id="f-smtp-from-error"');
    expect(refused.html).toContain('value="Keep this name"');
    expect(refused.html).toContain('value="not an address"');
    expect(refused.html).not.toContain(typed);
    expect(refused.html).not.toContain(SMTP_PASSWORD);
    expect((await api(system)('GET', '/api/v1/channels')).body.channels).toHaveLength(
      channelsBefore,
    );
  });

  it('keeps the stored password when an edit leaves it empty, and asks for it when the server moves', async () => {
    const before = (await system.store.channels.get(mailbox))!.config as {
      imap: { password: unknown };
    };
    const kept = await send('POST', `/channels/${mailbox}`, admin, {
      section: 'imap',
      'imap.host': imap.host,
      'imap.port': String(imap.port),
      'imap.user': imap.users.support.user,
      'imap.password': '',
    });
    expect(kept.status).toBe(303);
    expect(kept.location).toBe(`/channels/${mailbox}?saved=1`);
    const after = (await system.store.channels.get(mailbox))!.config as {
      imap: { password: unknown };
    };
    expect(after.imap.password).toEqual(before.imap.password);

    const moved = await send('POST', `/channels/${mailbox}`, admin, {
      section: 'imap',
      'imap.host': 'imap.elsewhere.test',
      'imap.port': String(imap.port),
      'imap.user': imap.users.support.user,
    });
    expect(moved.status).toBe(422);
    expect(moved.html).toContain('id="f-imap-password-error"');
    expect(moved.html).toContain('give imap.password again');
    expect(moved.html).toContain('value="imap.elsewhere.test"');
    expect((await channelOf(mailbox)).imap.host).toBe(imap.host);

    const handling = await send('POST', `/channels/${mailbox}`, admin, {
      section: 'handling',
      folders: ' INBOX \n',
      afterIngest: 'seen',
      pollSeconds: '30',
      addresses: 'ventas@shop.test',
    });
    expect(handling.status).toBe(303);
    expect(await channelOf(mailbox)).toMatchObject({
      folders: ['INBOX'],
      afterIngest: 'seen',
      pollSeconds: 30,
      addresses: ['ventas@shop.test'],
      imap: { password: { stored: true } },
      smtp: { password: { stored: true } },
    });
  });

  it('saves the operator queue chosen by name, and the general settings', async () => {
    const queue = await send('POST', `/channels/${mailbox}`, admin, [
      ['section', 'queue'],
      ['operatorIds', String(users['oscar@channels.test'])],
      ['operatorIds', String(users['ana@channels.test'])],
    ]);
    expect(queue.status).toBe(303);
    expect((await channelOf(mailbox)).operatorIds).toEqual([
      users['oscar@channels.test'],
      users['ana@channels.test'],
    ]);
    const page = await send('GET', `/channels/${mailbox}`, admin);
    expect(page.html).toMatch(
      new RegExp(`name="operatorIds" value="${users['oscar@channels.test']}" checked`),
    );

    const general = await send('POST', `/channels/${mailbox}`, admin, {
      section: 'general',
      name: 'Ventas',
      defaultCountry: '',
      appendScope: 'same-channel',
    });
    expect(general.status).toBe(303);
    expect(await channelOf(mailbox)).toMatchObject({
      name: 'Ventas',
      defaultCountry: null,
      appendScope: 'same-channel',
      active: false,
      operatorIds: [users['oscar@channels.test'], users['ana@channels.test']],
    });
    expect((await send('GET', `/channels/${mailbox}`, admin)).html).toContain('switched off');
    await send('POST', `/channels/${mailbox}`, admin, {
      section: 'general',
      name: 'Ventas',
      appendScope: 'any',
      active: '1',
    });
    expect((await channelOf(mailbox)).active).toBe(true);
  });

  it("shows the channel's newest message and newest failure in the viewer's time zone", async () => {
    await system.store.inbox.record(mailbox, 'older', '{}', new Date('2026-04-01T08:00:00Z'));
    const failed = await system.store.inbox.record(
      mailbox,
      'newest',
      '{}',
      new Date('2026-04-02T08:00:00Z'),
    );
    await system.store.inbox.markFailed(
      failed.row.id,
      'the <eml> could not be parsed',
      8,
      new Date('2026-04-02T08:01:00Z'),
    );
    const list = (await send('GET', '/channels', admin)).html;
    expect(list).toContain('datetime="2026-04-02T08:00:00.000Z"');
    // Europe/Madrid: 10:00 in summer time.
    expect(list).toMatch(/Apr 2, 2026, 10:00/);
    expect(list).toContain('the &lt;eml> could not be parsed');
  });

  it('tests the connection and shows what each server answered', async () => {
    const tested = await send('POST', `/channels/${mailbox}/test`, admin, {});
    expect(tested.status).toBe(200);
    expect(tested.html).toContain('Test results');
    expect(tested.html).toContain(`IMAP ${imap.host}:${imap.port}`);
    expect(tested.html).toContain('logged in as support@test.local');
    expect(tested.html).toMatch(/INBOX: \d+ messages/);
    expect(tested.html).toContain(`SMTP 127.0.0.1:${smtpPort}`);
    expect(tested.html).toContain('ECONNREFUSED');
    expect(tested.html).toMatch(/works<\/strong>/);
    expect(tested.html).toMatch(/failed<\/strong>/);
    expect(tested.html).not.toContain(SMTP_PASSWORD);
  });

  it("connects a Telegram bot and shows Telegram's own view of its webhook", async () => {
    const token = newBotToken();
    botApi.addBot(token);
    const created = await send('POST', '/channels', admin, {
      kind: 'telegram',
      name: 'Bot de ventas',
      token,
      mode: 'webhook',
      publicBaseUrl: system.baseUrl,
      maxFileMb: '10',
      apiRoot: botApi.apiRoot,
    });
    expect(created.status).toBe(303);
    const bot = idOf(created.location);
    expect(botApi.webhook(token)?.url).toBe(`${system.baseUrl}/telegram/${bot}/webhook`);
    const page = await send('GET', `/channels/${bot}`, admin);
    expect(page.html).toContain('What the service says');
    expect(page.html).toContain('webhook info · url');
    expect(page.html).toContain(`${system.baseUrl}/telegram/${bot}/webhook`);
    expect(page.html).toContain('webhook info · pending updates');
    expect(page.html).toContain('receives what its service sends');
    expect(page.html).not.toContain(token);
    expect(page.html).not.toContain(token.split(':')[1]!);
    const shown = await channelOf(bot);
    expect(shown).toMatchObject({ mode: 'webhook', maxFileMb: 10, token: { stored: true } });
  });

  it('saves an operator queue of a whole floor of operators in one post', async () => {
    const floor: number[] = [];
    for (let i = 0; i < 40; i++) {
      const made = await system.store.users.createUser({
        name: `Floor operator ${i}`,
        email: `floor${i}@channels.test`,
        roles: ['operator'],
      });
      if (!made.ok) throw new Error(made.problem);
      floor.push(made.user.id);
    }
    const queue = await send('POST', `/channels/${mailbox}`, admin, [
      ['section', 'queue'],
      ...floor.map((id): [string, string] => ['operatorIds', String(id)]),
    ]);
    expect(queue.status).toBe(303);
    expect((await channelOf(mailbox)).operatorIds).toEqual(floor);
  });

  it('speaks Spanish to a Spanish admin, the kinds’ own fields too', async () => {
    const marta = await person('marta@channels.test', ['admin'], 'es');
    const list = (await send('GET', '/channels', marta)).html;
    expect(list).toContain('Canales conectados');
    expect(list).toContain('Conectar: Buzón de correo');
    const form = (await send('GET', '/channels/new?kind=email', marta)).html;
    expect(form).toContain('Servidor IMAP');
    expect(form).toContain('Correo saliente (SMTP)');
  });
});
