/**
 * Webhooks in the console over HTTP, as an administrator signed in: a subscription made with its
 * signing secret shown on that answer only, a receiver on loopback refused with the reason unless
 * the system allows private targets, events changed, turned off and on, the secret rotated, the
 * subscription deleted after asking; the deliveries log with each delivery's attempts, and
 * Redeliver. Anyone who does not manage is refused. On SQLite and PostgreSQL
 * (TEST_DATABASE=postgres).
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import type { DeliveryRecord } from '../../core/repositories/webhooks.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

const PASSWORD = 'correct horse battery';
/** Nothing listens there, and no worker runs in this test: nothing is ever sent. */
const RECEIVER = 'http://127.0.0.1:9/leadwire-hooks';
const SECRET = /whsec_[A-Za-z0-9+/=]{40,}/;

interface Answer {
  status: number;
  html: string;
  location: string | null;
  cacheControl: string | null;
}

type FormValues = Record<string, string | string[]>;

async function signIn(system: TestSystem, email: string, roles: string[]) {
  const written = await system.store.users.createUser({
    name: email.split('@')[0] ?? email,
    email,
    roles,
    departmentId: null,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!written.ok) throw new Error(written.problem);
  const signed = await fetch(`${system.baseUrl}/sign-in`, {
    method: 'POST',
    headers: { origin: system.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
    redirect: 'manual',
  });
  expect(signed.status).toBe(303);
  const cookie = (signed.headers.get('set-cookie') ?? '').split(';')[0]!;
  const send = async (method: string, path: string, body?: string): Promise<Answer> => {
    const res = await fetch(`${system.baseUrl}${path}`, {
      method,
      headers: {
        origin: system.baseUrl,
        cookie,
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    return {
      status: res.status,
      html: await res.text(),
      location: res.headers.get('location'),
      cacheControl: res.headers.get('cache-control'),
    };
  };
  const csrf = /name="_csrf" value="([^"]+)"/.exec((await send('GET', '/leads')).html)?.[1] ?? '';
  return {
    userId: written.user.id,
    get: (path: string) => send('GET', path),
    /** A form as a browser posts it: a name once per ticked checkbox, and the session's token. */
    post: (path: string, form: FormValues = {}) => {
      const body = new URLSearchParams({ _csrf: csrf });
      for (const [name, value] of Object.entries(form))
        for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
      return send('POST', path, body.toString());
    },
  };
}

type Viewer = Awaited<ReturnType<typeof signIn>>;

let system: TestSystem;
let admin: Viewer;

beforeAll(async () => {
  system = await startSystem({
    label: 'console-webhooks',
    env: { WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  admin = await signIn(system, 'admin@webhooks.test', ['admin']);
});
afterAll(() => system.close());

/** Creates a subscription in the console; its id and the secret its answer showed. */
async function subscribe(form: FormValues): Promise<{ id: number; secret: string }> {
  const made = await admin.post('/settings/webhooks', form);
  expect(made.status).toBe(201);
  const id = Number(/href="\/settings\/webhooks\/(\d+)"/.exec(made.html)?.[1]);
  const secret = SECRET.exec(made.html)?.[0] ?? '';
  expect(secret).not.toBe('');
  return { id, secret };
}

describe('webhook subscriptions in the console', () => {
  let id: number;
  let firstSecret: string;

  it('creates a subscription and shows its secret on that answer only', async () => {
    expect((await admin.get('/settings')).html).toContain('href="/settings/webhooks"');
    const form = await admin.get('/settings/webhooks');
    expect(form.status).toBe(200);
    // Events as checkboxes: everything, a family, and one type.
    expect(form.html).toContain('name="events" value="*"');
    expect(form.html).toContain('name="events" value="lead.*"');
    expect(form.html).toContain('name="events" value="message.received"');

    const made = await admin.post('/settings/webhooks', {
      url: RECEIVER,
      description: 'Mirror to the warehouse',
      events: ['lead.*', 'client.created'],
    });
    expect(made.status).toBe(201);
    expect(made.cacheControl).toBe('no-store');
    firstSecret = SECRET.exec(made.html)?.[0] ?? '';
    expect(firstSecret).not.toBe('');
    expect(made.html).toContain('standardwebhooks');

    const [stored] = await system.store.webhooks.list();
    expect(stored).toMatchObject({
      url: RECEIVER,
      description: 'Mirror to the warehouse',
      events: ['lead.*', 'client.created'],
      active: true,
      createdBy: admin.userId,
    });
    id = stored!.id;

    const list = await admin.get('/settings/webhooks');
    expect(list.html).toContain(RECEIVER);
    expect(list.html).toContain('lead.*, client.created');
    expect(list.html).not.toContain('whsec_');
    const page = await admin.get(`/settings/webhooks/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain('whsec_');
  });

  it('refuses what cannot be a subscription, keeping what was typed', async () => {
    const noEvents = await admin.post('/settings/webhooks', { url: RECEIVER });
    expect(noEvents.status).toBe(422);
    expect(noEvents.html).toContain('Choose at least one event.');
    expect(noEvents.html).toContain(`value="${RECEIVER}"`);

    // The cloud metadata service is refused even where private targets are allowed.
    const metadata = await admin.post('/settings/webhooks', {
      url: 'http://169.254.169.254/latest/meta-data',
      events: ['lead.created'],
    });
    expect(metadata.status).toBe(422);
    expect(metadata.html).toContain('link-local');
    expect(metadata.html).toMatch(/name="events" value="lead.created" checked/);
    expect(await system.store.webhooks.list()).toHaveLength(1);
  });

  it('changes the events and the description, keeping the URL', async () => {
    const saved = await admin.post(`/settings/webhooks/${id}`, {
      url: RECEIVER,
      description: '',
      events: ['message.received', 'deal.*'],
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/settings/webhooks/${id}?saved=1`);
    expect(await system.store.webhooks.get(id)).toMatchObject({
      url: RECEIVER,
      description: null,
      events: ['message.received', 'deal.*'],
    });
    const page = await admin.get(`/settings/webhooks/${id}?saved=1`);
    expect(page.html).toMatch(/name="events" value="deal.\*" checked/);
    expect(page.html).not.toMatch(/name="events" value="lead.\*" checked/);
  });

  it('turns it off and on', async () => {
    expect((await admin.post(`/settings/webhooks/${id}/active`, { active: 'off' })).status).toBe(
      303,
    );
    expect((await system.store.webhooks.get(id))?.active).toBe(false);
    const off = await admin.get(`/settings/webhooks/${id}`);
    expect(off.html).toContain('class="badge off"');
    expect(off.html).toContain('Turn on');

    expect((await admin.post(`/settings/webhooks/${id}/active`, { active: 'on' })).status).toBe(
      303,
    );
    expect((await system.store.webhooks.get(id))?.active).toBe(true);
  });

  it('rotates the secret, showing the new one once', async () => {
    const rotated = await admin.post(`/settings/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.cacheControl).toBe('no-store');
    const secret = SECRET.exec(rotated.html)?.[0] ?? '';
    expect(secret).not.toBe('');
    expect(secret).not.toBe(firstSecret);
    expect((await admin.get(`/settings/webhooks/${id}`)).html).not.toContain('whsec_');
  });

  it('deletes it after asking', async () => {
    const asking = await admin.get(`/settings/webhooks/${id}/delete`);
    expect(asking.status).toBe(200);
    expect(asking.html).toContain(`action="/settings/webhooks/${id}/delete"`);
    expect(await system.store.webhooks.get(id)).toBeDefined();

    const deleted = await admin.post(`/settings/webhooks/${id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toBe('/settings/webhooks?saved=1');
    expect(await system.store.webhooks.get(id)).toBeUndefined();
    expect((await admin.get(`/settings/webhooks/${id}`)).status).toBe(404);
  });

  it('is refused to anyone who does not manage', async () => {
    const operator = await signIn(system, 'operator@webhooks.test', ['operator']);
    expect((await operator.get('/settings/webhooks')).status).toBe(403);
    const posted = await operator.post('/settings/webhooks', {
      url: RECEIVER,
      events: ['*'],
    });
    expect(posted.status).toBe(403);
    expect(posted.html).not.toContain('whsec_');
    expect(await system.store.webhooks.list()).toHaveLength(0);
  });
});

describe('a system that does not allow private targets', () => {
  let strict: TestSystem;
  beforeAll(async () => {
    strict = await startSystem({ label: 'console-webhooks-strict' });
  });
  afterAll(() => strict.close());

  it('refuses a receiver on loopback with the reason', async () => {
    const owner = await signIn(strict, 'admin@strict.test', ['admin']);
    const refused = await owner.post('/settings/webhooks', {
      url: RECEIVER,
      events: ['lead.created'],
    });
    expect(refused.status).toBe(422);
    expect(refused.html).toContain('127.0.0.1 is a loopback address');
    expect(refused.html).not.toContain('whsec_');
    expect(await strict.store.webhooks.list()).toHaveLength(0);
  });
});

describe('the deliveries log', () => {
  let id: number;
  let delivery: DeliveryRecord;

  beforeAll(async () => {
    ({ id } = await subscribe({ url: RECEIVER, description: 'clients', events: ['client.*'] }));
    // A client written after the subscription: its `client.created` event, dispatched.
    await system.store.clients.create(
      { name: 'Ada Lovelace', identities: [] },
      { userId: null, at: new Date() },
    );
    const made = await system.store.webhooks.dispatch(500, new Date());
    delivery = made.deliveries.find((one) => one.webhookId === id)!;
    expect(delivery).toMatchObject({ eventType: 'client.created', status: 'pending' });
    // Two attempts as the worker writes them: a 503, then a 410 that turns the webhook off.
    const at = new Date();
    expect(
      await system.store.webhooks.recordAttempt(delivery.id, {
        attempt: {
          attempt: 1,
          at,
          status: 503,
          durationMs: 42,
          answer: 'upstream is resting',
          error: null,
        },
        status: 'pending',
        nextAt: new Date(at.getTime() + 5000),
        disable: null,
        retire: null,
      }),
    ).toBeTruthy();
    expect(
      await system.store.webhooks.recordAttempt(delivery.id, {
        attempt: {
          attempt: 2,
          at,
          status: 410,
          durationMs: 7,
          answer: 'gone for good',
          error: null,
        },
        status: 'failed',
        nextAt: null,
        disable: 'the receiver answered 410 Gone',
        retire: null,
      }),
    ).toBeTruthy();
  });

  it('shows why Leadwire turned the webhook off', async () => {
    const list = await admin.get('/settings/webhooks');
    expect(list.html).toContain('Turned off by Leadwire: the receiver answered 410 Gone');
    const page = await admin.get(`/settings/webhooks/${id}`);
    expect(page.html).toContain('Turned off by Leadwire: the receiver answered 410 Gone');
  });

  it('lists the delivery with its status, attempts and last answer', async () => {
    const log = await admin.get(`/settings/webhooks/${id}/deliveries`);
    expect(log.status).toBe(200);
    const row = new RegExp(`<tr data-delivery="${delivery.id}">.*?</tr>`, 's').exec(log.html)?.[0];
    expect(row).toContain('client.created');
    expect(row).toContain('data-status="failed"');
    expect(row).toMatch(/<td>2<\/td>/);
    expect(row).toContain('410');
  });

  it('shows each attempt of the delivery', async () => {
    const page = await admin.get(`/settings/webhooks/${id}/deliveries/${delivery.id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`evt_${delivery.eventId}`);
    expect(page.html).toContain('upstream is resting');
    expect(page.html).toContain('42 ms');
    expect(page.html).toContain('gone for good');
    // Through another webhook's path it is not found.
    expect((await admin.get(`/settings/webhooks/${id + 1}/deliveries/${delivery.id}`)).status).toBe(
      404,
    );
  });

  it('redelivers: the delivery is pending again and its job is queued', async () => {
    const base = `/settings/webhooks/${id}/deliveries/${delivery.id}`;
    const sent = await admin.post(`${base}/redeliver`);
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`${base}?redelivered=1`);
    expect((await system.store.webhooks.delivery(delivery.id))?.status).toBe('pending');
    expect((await admin.get(`${base}?redelivered=1`)).html).toContain('Sent again');
    const queue = new Queue('webhooks', {
      connection: { url: system.config.redisUrl },
      prefix: system.config.queuePrefix,
    });
    try {
      expect(await queue.getJob(`wh-${delivery.id}-3`)).toBeDefined();
    } finally {
      await queue.close();
    }
  });

  it('pages the log newest first with `before`', async () => {
    // Turned on again, it hears of the next events: 50 more deliveries make two pages.
    await admin.post(`/settings/webhooks/${id}/active`, { active: 'on' });
    for (let n = 0; n < 50; n++)
      await system.store.clients.create(
        { name: `Client ${n}`, identities: [] },
        { userId: null, at: new Date() },
      );
    await system.store.webhooks.dispatch(500, new Date());
    const first = await admin.get(`/settings/webhooks/${id}/deliveries`);
    const ids = [...first.html.matchAll(/data-delivery="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toHaveLength(50);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(ids).not.toContain(delivery.id);
    const older = /href="([^"]*\?before=\d+)"/.exec(first.html)?.[1] ?? '';
    expect(older).toBe(`/settings/webhooks/${id}/deliveries?before=${ids[49]}`);
    const second = await admin.get(older);
    const rest = [...second.html.matchAll(/data-delivery="(\d+)"/g)].map((m) => Number(m[1]));
    expect(rest).toEqual([delivery.id]);
  });
});
