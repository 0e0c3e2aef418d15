/**
 * The operations pages: `/metrics` and `/admin/queues` are for admins only (a Bearer key or a
 * login session), and `/metrics` shows what happened in every process, the worker's included.
 */
import { hashPassword } from '../../core/passwords.ts';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CHANNEL_ID } from '../../connectors/api/index.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { producerConnection } from '../../core/runtime/redis.ts';
import {
  api,
  createApiKey,
  startSystem,
  waitFor,
  type TestSystem,
  type WorkerProcess,
} from '../helpers/system.ts';

let system: TestSystem;
let worker: WorkerProcess;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  system = await startSystem({ label: 'ops', env: { LOG_LEVEL: 'info' } });
  worker = system.spawnWorker();
  call = api(system);
});
afterAll(() => system.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${system.baseUrl}${path}`, { headers, redirect: 'manual' });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Value of one series in a Prometheus exposition (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('/metrics', () => {
  it('counts messages processed in the worker process, with the queues, HTTP and process metrics', async () => {
    for (let n = 0; n < 3; n++) {
      const res = await call('POST', '/api/v1/leads', {
        email: `metrics-${n}@example.com`,
        message: `hello ${n}`,
      });
      expect(res.status).toBe(202);
    }
    await call('POST', '/api/v1/leads', { email: 'metrics-0@example.com', message: 'again' });
    // The worker publishes every 5 s; wait until its counts reach the web process.
    let text = '';
    await waitFor('the worker process metrics on /metrics', async () => {
      text = await (await get('/metrics', bearer(system.apiKey))).text();
      return (
        sample(text, 'leadwire_inbound_messages_total', {
          channel: 'api',
          outcome: 'appended',
          process: 'worker',
        }) === 1
      );
    });
    expect(
      sample(text, 'leadwire_inbound_messages_total', {
        channel: 'api',
        outcome: 'created_simple',
        process: 'worker',
      }),
    ).toBe(3);
    expect(sample(text, 'leadwire_inbox_to_lead_seconds_count', { channel: 'api' })).toBe(4);
    expect(sample(text, 'leadwire_queue_jobs', { queue: 'ingest', state: 'completed' })).toBe(4);
    expect(sample(text, 'leadwire_queue_jobs', { queue: 'outbound', state: 'failed' })).toBe(0);
    expect(sample(text, 'leadwire_inbox_pending_rows', {})).toBe(0);
    expect(
      sample(text, 'leadwire_http_requests_total', {
        route: '/api/v1/leads',
        method: 'POST',
        status: '202',
      }),
    ).toBeGreaterThanOrEqual(4);
    // Process metrics of the worker child, told apart by its labels.
    expect(sample(text, 'process_resident_memory_bytes', { process: 'worker' })).toBeGreaterThan(
      10e6,
    );
    // Every family appears once, however many processes report it.
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  it('labels unknown paths as unmatched, so scanning URLs adds no series', async () => {
    await get('/wp-login.php');
    await get('/f/some-slug-that-does-not-exist');
    const text = await (await get('/metrics', bearer(system.apiKey))).text();
    expect(text).not.toContain('wp-login');
    expect(text).not.toContain('some-slug-that-does-not-exist');
    expect(
      sample(text, 'leadwire_http_requests_total', { route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('shows what the alert rules need: roles, dependencies, wanted sessions, free space, intake', async () => {
    const mailbox = {
      defaultCountry: null,
      appendScope: 'any' as const,
      operatorIds: [],
      config: { host: 'imap.example.com', user: 'sales@example.com' },
    };
    await system.store.channels.create({ ...mailbox, kind: 'email', name: 'on', active: true });
    await system.store.channels.create({ ...mailbox, kind: 'email', name: 'off', active: false });
    // A webhook bot has no session, but the telegram process watches its webhook's health.
    await system.store.channels.create({
      ...mailbox,
      kind: 'telegram',
      name: 'bot',
      active: true,
      config: { mode: 'webhook' },
    });
    let text = '';
    await waitFor('the worker role and its free space on /metrics', async () => {
      text = await (await get('/metrics', bearer(system.apiKey))).text();
      return sample(text, 'leadwire_data_dir_free_bytes', { process: 'worker' }) !== undefined;
    });
    expect(sample(text, 'leadwire_process_role', { role: 'worker', process: 'worker' })).toBe(1);
    // No process here runs the email connector: what the role-missing alert looks for.
    expect(sample(text, 'leadwire_process_role', { role: 'email' })).toBeUndefined();
    const channels = (process: string, need: string) =>
      sample(text, 'leadwire_connector_channels', { process, need });
    expect(channels('email', 'session')).toBe(1);
    expect(channels('telegram', 'session')).toBe(0);
    expect(channels('telegram', 'watch')).toBe(1);
    expect(sample(text, 'leadwire_dependency_up', { dependency: 'redis' })).toBe(1);
    expect(sample(text, 'leadwire_dependency_up', { dependency: 'database' })).toBe(1);
    const where = { process: 'worker', path: system.config.dataDir };
    const free = sample(text, 'leadwire_data_dir_free_bytes', where) ?? 0;
    const size = sample(text, 'leadwire_data_dir_size_bytes', where) ?? 0;
    expect(free).toBeGreaterThan(0);
    expect(size).toBeGreaterThanOrEqual(free);
    // The four posts of the first test, each recorded once.
    expect(
      sample(text, 'leadwire_inbox_recorded_total', { channel_id: String(API_CHANNEL_ID) }),
    ).toBe(4);
  });

  it('is refused without an admin key', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', bearer('lw_not-a-key'))).status).toBe(401);
    const { key } = await createApiKey(system.store, 'operator', 'operator');
    expect((await get('/metrics', bearer(key))).status).toBe(403);
  });
});

describe('/admin/queues', () => {
  it('shows every queue to an admin key', async () => {
    const page = await get('/admin/queues', bearer(system.apiKey));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('__UI_CONFIG__');
    const queues = await get('/admin/queues/api/queues', bearer(system.apiKey));
    const shown = ((await queues.json()) as { queues: { name: string; allowRetries: boolean }[] })
      .queues;
    expect(shown.map((q) => q.name).sort()).toEqual(['ingest', 'outbound', 'webhooks']);
    // A failed reply is retried with `queues retry` (its row must go back to queued first).
    expect(Object.fromEntries(shown.map((q) => [q.name, q.allowRetries]))).toEqual({
      ingest: true,
      outbound: false,
      webhooks: false,
    });
  });

  it('sends a browser to the sign-in page; an admin session opens it until sign-out or deactivation', async () => {
    const anonymous = await get('/admin/queues', { accept: 'text/html' });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fqueues');
    expect((await get('/admin/queues/api/queues')).status).toBe(401);

    const person = async (email: string, role: string) => {
      const written = await system.store.users.createUser({
        name: email,
        email,
        roles: [role],
        passwordHash: await hashPassword('correct horse battery'),
      });
      if (!written.ok) throw new Error(written.problem);
      return written.user;
    };
    const login = (email: string, password: string, next = '/admin/queues') =>
      fetch(`${system.baseUrl}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email, password, next }).toString(),
      });
    await person('op@ops.test', 'operator');
    const admin = await person('admin@ops.test', 'admin');
    const wrong = await login('admin@ops.test', 'not the password');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('the email or the password is not right');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    // An operator signs in, but the operations pages are for roles that manage.
    const operator = await login('op@ops.test', 'correct horse battery');
    const operatorCookie = {
      cookie: (operator.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    };
    expect((await get('/admin/queues/api/queues', operatorCookie)).status).toBe(403);

    // A sign-in never redirects off our operations pages.
    const evil = await login('admin@ops.test', 'correct horse battery', 'https://evil.example/');
    expect(evil.headers.get('location')).toBe('/admin/queues');
    const ok = await login('ADMIN@ops.test', 'correct horse battery', '/metrics');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/metrics');
    const setCookie = ok.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^lw_session=/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Lax');
    const cookie = { cookie: setCookie.split(';')[0] ?? '' };
    expect((await get('/admin/queues/api/queues', cookie)).status).toBe(200);
    expect((await get('/metrics', cookie)).status).toBe(200);

    // A tampered cookie is nobody's, and a malformed one is no server error.
    const tampered = { cookie: `${cookie.cookie.slice(0, -3)}abc` };
    expect((await get('/admin/queues/api/queues', tampered)).status).toBe(401);
    expect((await get('/metrics', { cookie: 'lw_session=%zz' })).status).toBe(401);

    // Signing out there ends the session on the server: the old cookie opens nothing.
    const out = await fetch(`${system.baseUrl}/admin/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...cookie, origin: system.baseUrl },
    });
    expect(out.status).toBe(303);
    expect((await get('/admin/queues/api/queues', cookie)).status).toBe(401);
    const ended = await get('/admin/queues', { ...cookie, accept: 'text/html' });
    expect(ended.headers.get('location')).toContain('expired=1');

    // Deactivating the admin ends a session they opened since, at once.
    const again = await login('admin@ops.test', 'correct horse battery');
    const second = { cookie: (again.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
    expect((await get('/metrics', second)).status).toBe(200);
    await system.store.users.updateUser(admin.id, { active: false });
    expect((await get('/metrics', second)).status).toBe(401);
  });

  it('a failed job, fixed and retried from the dashboard, becomes a lead', async () => {
    // A row whose stored event is broken fails at once (malformed input is never retried).
    const { row } = await system.store.inbox.record(
      API_CHANNEL_ID,
      'broken-1',
      '{not json',
      new Date(),
    );
    const redis = producerConnection(system.config.redisUrl);
    const producer = createProducer('ingest', redis, system.config.queuePrefix);
    try {
      await producer.add({ inboxId: row.id });
      const inboxRow = async () => {
        const stored = await system.store.inbox.get(row.id);
        if (!stored) throw new Error(`inbox row ${row.id} is gone`);
        return stored;
      };
      await waitFor('the broken row to fail', async () => (await inboxRow()).status === 'failed');
      expect((await inboxRow()).error).toBe('the stored raw event is not JSON');
      const job = await producer.queue.getJob(`inbox-${row.id}`);
      expect(await job?.getState()).toBe('failed');

      // The fix: the event as it should have been stored.
      const fixed = {
        body: { email: 'fixed@example.com', message: 'fixed' },
        receivedAt: new Date().toISOString(),
      };
      await system.look.run(
        sql`UPDATE inbox SET raw = ${JSON.stringify(fixed)} WHERE id = ${row.id}`,
      );
      const retry = await fetch(
        `${system.baseUrl}/admin/queues/api/queues/ingest/inbox-${row.id}/retry`,
        {
          method: 'PUT',
          headers: bearer(system.apiKey),
        },
      );
      expect(retry.status).toBe(204);
      await waitFor('the retried row to be done', async () => (await inboxRow()).status === 'done');
      expect(await inboxRow()).toMatchObject({ error: null });
      expect((await inboxRow()).leadId).toBeGreaterThan(0);
    } finally {
      await producer.queue.close();
      redis.disconnect();
    }
    expect(worker.child.exitCode).toBeNull();
  });
});

describe('logs', () => {
  it("carry the job's context, and never a message's words or the sender's address at info", () => {
    const lines = worker.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = lines.find((line) => line.msg === 'inbox row failed; kept with its error');
    expect(failed).toMatchObject({ queue: 'ingest', error: 'the stored raw event is not JSON' });
    expect(failed?.jobId).toBe(`inbox-${String(failed?.inboxId)}`);
    const text = worker.logs.join('\n');
    expect(text).not.toMatch(/hello \d|fixed@example\.com|metrics-\d@example\.com/);
  });
});

describe('the failed-authentication guard', () => {
  it('slows key guessing from an address without locking out a valid admin key there', async () => {
    for (let n = 0; n < 31; n++) await get('/metrics', bearer(`lw_guess-${n}`));
    expect((await get('/metrics', bearer('lw_guess-last'))).status).toBe(429);
    expect((await get('/metrics', bearer(system.apiKey))).status).toBe(200);
  });
});
