/**
 * The console's notifications over HTTP, read from the live stream as a browser reads it: a lead
 * assigned to an operator is told to them (in their language) and to nobody else, the customer's
 * answer on it too, a new lead given to them is told once (its first message is no answer) with
 * the callback it asked for; their calls due within five minutes and overdue are each told once,
 * on time; and someone responsible for a lead they may not read is told nothing of it.
 * (test/e2e/browser-notifications.test.ts shows them in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { hashPassword } from '../../core/passwords.ts';
import type { Notice } from '../../connectors/http/console/notifications.ts';
import { CALLBACK_WIDGET, createCallbackWidget, postForm, renderToken } from '../helpers/site.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';
const users: Record<string, number> = {};
const cookies: Record<string, string> = {};
const streams: Stream[] = [];

beforeAll(async () => {
  system = await startSystem({
    label: 'console-notify',
    env: { FORM_MIN_FILL_MS: '0', WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  await system.startInProcessWorker();
  const directory = system.store.users;
  const sales = await directory.createDepartment({ name: 'Ventas', parentId: null, headId: null });
  if (!sales.ok) throw new Error(sales.problem);
  // Someone who makes calls but may not read leads, not even their own.
  const caller = await directory.createRole({
    code: 'caller',
    name: 'Caller',
    grants: { activities: { read: 'own', update: 'own' } },
    manage: false,
  });
  if (!caller.ok) throw new Error(caller.problem);
  const people: [string, string, string?][] = [
    ['ana@notify.test', 'operator', 'es'],
    ['bruno@notify.test', 'operator'],
    ['sara@notify.test', 'supervisor'],
    ['dora@notify.test', 'caller'],
    ['root@notify.test', 'admin'],
  ];
  for (const [email, role, language] of people) {
    const made = await directory.createUser({
      name: email.split('@')[0]!,
      email,
      roles: [role],
      departmentId: sales.department.id,
      ...(language ? { language } : {}),
      passwordHash: await hashPassword(PASSWORD),
    });
    if (!made.ok) throw new Error(made.problem);
    users[email] = made.user.id;
    cookies[email] = await signIn(email);
  }
});
afterAll(async () => {
  for (const stream of streams) stream.close();
  await system.close();
});

async function signIn(email: string): Promise<string> {
  const res = await fetch(`${system.baseUrl}/sign-in`, {
    method: 'POST',
    headers: {
      origin: system.baseUrl,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

interface Stream {
  text: string;
  /** The notices read so far, in order. */
  notices(): Notice[];
  close(): void;
}

/** Opens a viewer's live stream from the newest event, and keeps reading it in the background. */
async function openStream(email: string): Promise<Stream> {
  const after = await system.store.events.lastId();
  const abort = new AbortController();
  const res = await fetch(`${system.baseUrl}/stream?after=${after}`, {
    headers: { cookie: cookies[email]! },
    signal: abort.signal,
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream: Stream = {
    text: '',
    notices: () =>
      [...stream.text.matchAll(/^event: notify\ndata: (.*)$/gm)].map(
        (match) => JSON.parse(match[1]!) as Notice,
      ),
    close: () => abort.abort(),
  };
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stream.text += decoder.decode(value, { stream: true });
    }
  })().catch(() => undefined);
  streams.push(stream);
  return stream;
}

const idsOf = (matches: RegExpMatchArray[]) => matches.map((match) => Number(match[1]));
/** The newest id among `stream`'s `id:` lines. */
const newestTold = (stream: Stream) =>
  Math.max(0, ...idsOf([...stream.text.matchAll(/^id: (\d+)$/gm)]));

async function told(stream: Stream, what: string, check: (notices: Notice[]) => boolean) {
  await waitFor(what, () => check(stream.notices()), 20_000);
}

/** Waits until the stream has passed every event written so far. */
async function caughtUp(stream: Stream) {
  const newest = await system.store.events.lastId();
  await waitFor(`the stream to pass event ${newest}`, () => newestTold(stream) >= newest, 20_000);
}

async function intake(body: Record<string, unknown>) {
  const answer = await api(system)('POST', '/api/v1/leads?wait=true', body);
  expect(answer.body.status).toBe('done');
  return Number(answer.body.leadId);
}

async function assign(leadId: number, email: string) {
  const answer = await api(system)('PATCH', `/api/v1/leads/${leadId}`, {
    responsibleId: users[email],
  });
  expect(answer.status).toBe(200);
}

describe('notifications of leads', () => {
  it('tells an operator of a lead assigned to them and of the answer on it, and nobody else', async () => {
    const ana = await openStream('ana@notify.test');
    const bruno = await openStream('bruno@notify.test');
    const sara = await openStream('sara@notify.test');
    const dora = await openStream('dora@notify.test');

    const lead = await intake({
      name: 'Lucía',
      email: 'lucia@customer.test',
      title: 'Andamio para el lunes',
      message: 'Hola, necesito un andamio',
    });
    await assign(lead, 'ana@notify.test');
    await told(ana, 'the assignment told to Ana', (notices) =>
      notices.some((notice) => notice.kind === 'assigned' && notice.leadId === lead),
    );
    // In her language, about that lead, with its link.
    expect(ana.notices()).toEqual([
      {
        id: expect.stringMatching(/^event-\d+$/),
        kind: 'assigned',
        title: 'Nuevo lead asignado a usted',
        body: 'Andamio para el lunes',
        leadId: lead,
        url: `/leads/${lead}`,
      },
    ]);

    // The customer answers: Ana is told, once.
    expect(await intake({ email: 'lucia@customer.test', message: '¿Lo tienen?' })).toBe(lead);
    await told(ana, 'the answer told to Ana', (notices) =>
      notices.some((notice) => notice.kind === 'message'),
    );
    expect(ana.notices().map((notice) => [notice.kind, notice.leadId, notice.title])).toEqual([
      ['assigned', lead, 'Nuevo lead asignado a usted'],
      ['message', lead, 'El cliente respondió'],
    ]);

    // Dora is given a lead, but her role reads no leads: she is told nothing of it.
    const hers = await intake({ email: 'mateo@customer.test', message: 'Buenas' });
    await assign(hers, 'dora@notify.test');

    for (const stream of [bruno, sara, dora]) await caughtUp(stream);
    // Bruno may not read Ana's lead: not a word of it.
    expect(bruno.text).not.toContain(`lead-${lead}`);
    expect(bruno.notices()).toEqual([]);
    // Sara, Ana's supervisor, sees the lead change, but it is not hers to be told of.
    expect(sara.text).toContain(`event: lead-${lead}\n`);
    expect(sara.notices()).toEqual([]);
    expect(dora.text).not.toContain(`lead-${hers}`);
    expect(dora.notices()).toEqual([]);
    // Ana was told of nothing else.
    await caughtUp(ana);
    expect(ana.notices()).toHaveLength(2);
  });

  it('tells a new lead given to an operator once, with the call it asked for', async () => {
    await createCallbackWidget(system, {
      ...CALLBACK_WIDGET,
      slug: 'llamame',
      delayMinutes: 3,
      operatorIds: [users['ana@notify.test']],
    });
    const ana = await openStream('ana@notify.test');
    const lw_token = await renderToken(system, '/cb/llamame');
    const posted = await postForm(
      system,
      '/cb/llamame',
      { phone: '600 123 456', name: 'Rosa', lw_token },
      { json: true },
    );
    expect(posted.status).toBe(202);

    // The call is due in three minutes: told at once, not at the next regular check.
    await told(ana, 'the call told to Ana', (notices) =>
      notices.some((notice) => notice.kind === 'due-soon'),
    );
    await caughtUp(ana);
    const notices = ana.notices();
    const lead = notices.find((notice) => notice.kind === 'assigned')?.leadId;
    expect(lead).toBeTypeOf('number');
    // The new lead's first message is the new lead, not an answer.
    expect(notices).toHaveLength(2);
    expect(notices).toContainEqual(expect.objectContaining({ kind: 'assigned', leadId: lead }));
    expect(notices).toContainEqual(
      expect.objectContaining({
        kind: 'due-soon',
        leadId: lead,
        title: 'Vence en 3 min',
        body: 'Llamada: Call back +34 600 12 34 56',
      }),
    );
  });
});

describe('notifications of due calls', () => {
  it('tells each call due within five minutes, then overdue, once each and on time', async () => {
    const lead = await intake({ email: 'pedro@customer.test', message: 'Llámenme' });
    await assign(lead, 'ana@notify.test');
    const call = async (subject: string, dueInMs: number, email = 'ana@notify.test') => {
      const made = await api(system)('POST', '/api/v1/activities', {
        leadId: lead,
        kind: 'call',
        subject,
        dueAt: new Date(Date.now() + dueInMs).toISOString(),
        responsibleId: users[email],
      });
      expect(made.status).toBe(201);
      return Number(made.body.id);
    };
    const soon = await call('Llamar a Pedro', 8_000);
    const overdue = await call('Devolver la llamada', -10 * 60_000);
    const later = await call('Confirmar el pedido', 5 * 60_000 + 12_000);
    const old = await call('Llamada de hace días', -3 * 24 * 3600_000);
    const brunos = await call('La llamada de Bruno', 60_000, 'bruno@notify.test');

    const ana = await openStream('ana@notify.test');
    const about = (id: number) =>
      ana.notices().filter((notice) => notice.id.startsWith(`activity-${id}-`));
    await told(ana, 'the first check', () => about(soon).length > 0 && about(overdue).length > 0);
    expect(about(soon).map((notice) => notice.title)).toEqual(['Vence en 1 min']);
    expect(about(overdue)).toEqual([
      {
        id: expect.stringMatching(new RegExp(`^activity-${overdue}-\\d+-overdue$`)),
        kind: 'overdue',
        title: 'Vencida',
        body: 'Llamada: Devolver la llamada',
        leadId: lead,
        url: `/leads/${lead}`,
      },
    ]);
    // At its due time the first call is overdue; five minutes before its own, the later one is
    // due soon. Each of these is a later check, which reads the calls told before again.
    await told(ana, 'the first call overdue', () => about(soon).length === 2);
    await told(ana, 'the later call due soon', () => about(later).length > 0);
    expect(about(soon).map((notice) => notice.kind)).toEqual(['due-soon', 'overdue']);
    expect(about(overdue)).toHaveLength(1);
    expect(about(later).map((notice) => [notice.kind, notice.title])).toEqual([
      ['due-soon', 'Vence en 5 min'],
    ]);
    // A call overdue for days is the activities page's, not news; Bruno's is his.
    expect(about(old)).toEqual([]);
    expect(about(brunos)).toEqual([]);
  });
});

describe('notifications for administrators', () => {
  it('tells the admins, and only them, of a webhook Leadwire turned off', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      receiver.answers = [410];
      const made = await api(system)('POST', '/api/v1/webhooks', {
        url: receiver.url,
        events: ['lead.created'],
      });
      expect(made.status).toBe(201);
      const root = await openStream('root@notify.test');
      const ana = await openStream('ana@notify.test');
      await intake({ email: 'gone.receiver@example.com', message: 'Hola' });
      await told(root, 'the admin told of the webhook', (notices) =>
        notices.some((notice) => notice.kind === 'webhook'),
      );
      const [notice] = root.notices().filter((n) => n.kind === 'webhook');
      const webhookId = (made.body as { id: number }).id;
      expect(notice).toMatchObject({
        title: 'A webhook was turned off',
        body: `#${webhookId}: the receiver answered 410 Gone`,
        url: `/settings/webhooks/${webhookId}`,
      });
      expect(JSON.stringify(notice)).not.toContain(receiver.url);
      await caughtUp(ana);
      expect(ana.notices().filter((n) => n.kind === 'webhook')).toEqual([]);
    } finally {
      await receiver.stop();
    }
  });
});
