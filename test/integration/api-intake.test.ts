/** Every decision-table row end to end: HTTP → inbox → BullMQ → ingest worker → lead. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../core/api-keys.ts';
import { addUser } from '../helpers/rows.ts';
import { api, createApiKey, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  system = await startSystem({ label: 'intake' });
  await system.startInProcessWorker();
  call = api(system);
});
afterAll(() => system.close());

const intake = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/leads?wait=true', body, headers);

describe('decision table over HTTP', () => {
  it('row 6: a first contact becomes a simple lead with its identities and first message', async () => {
    const res = await intake({
      name: 'Ana García',
      email: 'Ana.Garcia+web@GMail.com',
      phone: '600 123 456',
      message: 'Hola, quiero información',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'created_simple', status: 'done' });
    const lead = (await call('GET', `/api/v1/leads/${res.body.leadId}`)).body;
    expect(lead).toMatchObject({
      type: 'simple',
      stage: 'NEW',
      source: 'API',
      clientId: null,
      name: 'Ana García',
      open: true,
    });
    expect(lead.identities.map((i: { key: string }) => i.key).sort()).toEqual([
      'email:anagarcia@gmail.com',
      'phone:+34600123456',
    ]);
    expect(lead.messages).toHaveLength(1);
    expect(lead.messages[0]).toMatchObject({ direction: 'in', text: 'Hola, quiero información' });
  });

  it('row 5: the same person, spelled differently, lands on the open simple lead and adds what is new', async () => {
    const first = await intake({ email: 'pablo@example.com', message: 'one' });
    const second = await intake({
      email: ' PABLO+x@Example.COM ',
      telegram: 777001,
      message: 'two',
    });
    expect(second.body).toMatchObject({ outcome: 'appended', leadId: first.body.leadId });
    const lead = (await call('GET', `/api/v1/leads/${first.body.leadId}`)).body;
    expect(lead.messages.map((m: { text: string }) => m.text)).toEqual(['one', 'two']);
    expect(lead.identities.map((i: { key: string }) => i.key)).toContain('telegram:777001');
  });

  it('row 4 and row 3: a known client gets a repeat lead for its responsible, then messages append to it', async () => {
    const owner = await addUser(system, { name: 'Olga', email: 'olga@center.test' });
    const client = await call('POST', '/api/v1/clients', {
      name: 'Marta Ruiz',
      emails: ['marta@client.test'],
      phones: ['+34 611 222 333'],
      responsibleId: owner?.id,
    });
    expect(client.status).toBe(201);
    const repeat = await intake({ phone: '0034611222333', message: 'Soy Marta otra vez' });
    expect(repeat.body.outcome).toBe('created_repeat');
    const lead = (await call('GET', `/api/v1/leads/${repeat.body.leadId}`)).body;
    expect(lead).toMatchObject({
      type: 'repeat',
      clientId: client.body.id,
      responsibleId: owner?.id,
    });
    expect(lead.client).toMatchObject({ id: client.body.id, name: 'Marta Ruiz' });

    const again = await intake({ email: 'MARTA@client.test', telegram: 424242, message: 'y otra' });
    expect(again.body).toMatchObject({ outcome: 'appended', leadId: repeat.body.leadId });
    const stored = (await call('GET', `/api/v1/clients/${client.body.id}`)).body;
    expect(stored.identities.map((i: { key: string }) => i.key)).toContain('telegram:424242');
  });

  it('row 4 with an inactive responsible falls back to the channel queue', async () => {
    const gone = await addUser(system, {
      name: 'Left',
      email: 'left@center.test',
      active: false,
    });
    const client = await call('POST', '/api/v1/clients', {
      company: 'Acme SL',
      emails: ['buy@acme.test'],
      responsibleId: gone?.id,
    });
    const res = await intake({ email: 'buy@acme.test' });
    expect(res.body.outcome).toBe('created_repeat');
    const lead = (await call('GET', `/api/v1/leads/${res.body.leadId}`)).body;
    expect(lead).toMatchObject({ clientId: client.body.id, responsibleId: null });
  });

  it('row 2: a reply continues the lead it answers when the sender is the same, a forward does not', async () => {
    const a = await intake(
      { email: 'thread@example.com', message: 'first question' },
      { 'idempotency-key': 'thread-a' },
    );
    const b = await intake({ phone: '+34 622 000 111', message: 'other conversation' });
    expect(b.body.leadId).not.toBe(a.body.leadId);
    // Matching alone would pick the newest lead (b); the reply reference wins.
    const reply = await intake({
      email: 'thread@example.com',
      phone: '622000111',
      replyTo: 'thread-a',
      message: 'about my first question',
    });
    expect(reply.body).toMatchObject({ outcome: 'appended', leadId: a.body.leadId });
    const forward = await intake({
      email: 'colleague@example.com',
      replyTo: 'thread-a',
      message: 'forwarded to me',
    });
    expect(forward.body.outcome).toBe('created_simple');
    expect(forward.body.leadId).not.toBe(a.body.leadId);
  });

  it('row 1: a message from our own address is stored as ignored, never a lead', async () => {
    await system.store.channels.setConfig(1, { ownIdentityKeys: ['email:support@leadwire.test'] });
    const res = await intake({
      email: 'Support@leadwire.test',
      message: 'auto: we got your message',
    });
    expect(res.body).toMatchObject({ outcome: 'ignored', status: 'ignored', leadId: null });
    expect(res.body.reason).toMatch(/own address/);
    await system.store.channels.setConfig(1, {});
  });

  it('row 0: the same Idempotency-Key twice is one message', async () => {
    const body = { email: 'twice@example.com', message: 'only once please' };
    const first = await intake(body, { 'idempotency-key': 'order-1001' });
    const second = await intake(body, { 'idempotency-key': 'order-1001' });
    expect(second.body).toMatchObject({
      inboxId: first.body.inboxId,
      leadId: first.body.leadId,
      outcome: 'duplicate',
    });
    const lead = (await call('GET', `/api/v1/leads/${first.body.leadId}`)).body;
    expect(lead.messages).toHaveLength(1);
    const viaBodyId = await call('POST', '/api/v1/leads', { ...body, externalId: 'order-1002' });
    const viaBodyIdAgain = await call('POST', '/api/v1/leads', {
      ...body,
      externalId: 'order-1002',
    });
    expect(viaBodyIdAgain.body).toMatchObject({ inboxId: viaBodyId.body.inboxId, duplicate: true });
    const conflict = await intake(
      { ...body, message: 'something else' },
      { 'idempotency-key': 'order-1001' },
    );
    expect(conflict.status).toBe(409);
  });

  it('a closed lead is not continued: a new simple lead links to it as a possible duplicate', async () => {
    const first = await intake({ email: 'closed@example.com', message: 'buy' });
    const patched = await call('PATCH', `/api/v1/leads/${first.body.leadId}`, {
      stage: 'CONVERTED',
    });
    expect(patched.body).toMatchObject({ stage: 'CONVERTED', open: false });
    const next = await intake({ email: 'closed@example.com', message: 'buy more' });
    expect(next.body.outcome).toBe('created_simple');
    const lead = (await call('GET', `/api/v1/leads/${next.body.leadId}`)).body;
    expect(lead.duplicateOfLeadId).toBe(first.body.leadId);
  });

  it('a sender matching two clients goes to the best match and the pair is recorded', async () => {
    const one = await call('POST', '/api/v1/clients', {
      name: 'Twin One',
      emails: ['twin@example.com'],
      phones: ['+34633000001'],
    });
    const two = await call('POST', '/api/v1/clients', {
      name: 'Twin Two',
      phones: ['+34633000002'],
    });
    const res = await intake({ email: 'twin@example.com', phone: '+34633000001', message: 'hi' });
    const both = await intake({
      email: 'twin@example.com',
      phone: '+34633000002',
      message: 'hi again',
    });
    expect(res.body.outcome).toBe('created_repeat');
    expect(both.body).toMatchObject({ outcome: 'appended', leadId: res.body.leadId });
    const pairs = await system.look.all<{ other_client_id: number }>(
      sql`SELECT other_client_id FROM client_duplicates WHERE client_id = ${one.body.id}`,
    );
    expect(pairs.map((p) => p.other_client_id)).toEqual([two.body.id]);
  });
});

describe('responsible assignment', () => {
  it('new simple leads go round-robin among the active operators of the channel queue', async () => {
    const created = [
      await addUser(system, { name: 'Op A', email: 'a@ops.test' }),
      await addUser(system, { name: 'Op B', email: 'b@ops.test' }),
      await addUser(system, { name: 'Op C', email: 'c@ops.test', active: false }),
    ];
    for (const user of created) await system.store.users.addToQueue(1, user.id);
    const responsible: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await intake({ email: `rr${i}@example.com` });
      responsible.push((await call('GET', `/api/v1/leads/${res.body.leadId}`)).body.responsibleId);
    }
    const [a, b] = created;
    expect(responsible).toEqual([a?.id, b?.id, a?.id, b?.id]);
    await system.look.run(sql`DELETE FROM channel_operators`);
  });
});

describe('the door', () => {
  it('answers 202 with the inbox id, then the inbox row shows the outcome', async () => {
    const res = await call('POST', '/api/v1/leads', { phone: '+34 644 555 666', message: 'async' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ inboxId: expect.any(Number), status: 'pending' });
    let row = (await call('GET', `/api/v1/inbox/${res.body.inboxId}`)).body;
    for (let i = 0; i < 100 && row.status === 'pending'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      row = (await call('GET', `/api/v1/inbox/${res.body.inboxId}`)).body;
    }
    expect(row).toMatchObject({
      status: 'done',
      outcome: 'created_simple',
      leadId: expect.any(Number),
    });
  });

  it('rejects a request without a valid key', async () => {
    const none = await fetch(`${system.baseUrl}/api/v1/leads`);
    expect(none.status).toBe(401);
    const wrong = await api({ baseUrl: system.baseUrl, apiKey: 'lw_not-a-real-key' })(
      'GET',
      '/api/v1/leads',
    );
    expect(wrong.status).toBe(401);
  });

  it('names the problem when there is no reachable identity', async () => {
    const res = await intake({ name: 'No Contact', phone: '12', message: 'call me' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      error: 'unreachable',
      details: [{ path: 'phone', message: 'not a valid phone number' }],
    });
  });

  it('keeps an invalid phone as text when another identity can be answered', async () => {
    const res = await intake({
      email: 'textphone@example.com',
      phone: 'call after 5',
      message: 'x',
    });
    expect(res.body.outcome).toBe('created_simple');
    const lead = (await call('GET', `/api/v1/leads/${res.body.leadId}`)).body;
    expect(lead.messages[0].meta.unrecognised).toEqual([
      { kind: 'phone', raw: 'call after 5', reason: 'not a valid phone number' },
    ]);
  });

  it('answers 400 per field for a malformed body, 415 for a wrong content type, 413 over 1 MB', async () => {
    const bad = await intake({ email: 42, sentAt: 'yesterday', surprise: true });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '(body)',
      'email',
      'sentAt',
    ]);
    const text = await fetch(`${system.baseUrl}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(text.status).toBe(415);
    const huge = await intake({ email: 'big@example.com', message: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    const broken = await fetch(`${system.baseUrl}/api/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${system.apiKey}`, 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(broken.status).toBe(400);
  });

  it('lists leads with filters and a cursor', async () => {
    const page = await call('GET', '/api/v1/leads?type=repeat&limit=1');
    expect(page.body.leads).toHaveLength(1);
    expect(page.body.leads[0].type).toBe('repeat');
    const next = await call(
      'GET',
      `/api/v1/leads?type=repeat&limit=1&cursor=${page.body.nextCursor}`,
    );
    expect(next.body.leads[0].id).toBeLessThan(page.body.leads[0].id);
    expect((await call('GET', '/api/v1/leads?type=bogus')).status).toBe(400);
    expect(
      (await call('PATCH', `/api/v1/leads/${page.body.leads[0].id}`, { stage: 'NOPE' })).status,
    ).toBe(422);
  });
});

describe('the worker', () => {
  it('fails malformed input without retries and keeps the error on the inbox row', async () => {
    const { row } = await system.store.inbox.record(
      1,
      'broken-1',
      '{"body": {"email": 5}, "receivedAt": "2026-01-01T00:00:00.000Z"}',
      new Date(),
    );
    const { createProducer } = await import('../../core/runtime/queues.ts');
    const { producerConnection } = await import('../../core/runtime/redis.ts');
    const redis = producerConnection(system.config.redisUrl);
    const producer = createProducer('ingest', redis, system.config.queuePrefix);
    await producer.add({ inboxId: row.id });
    let stored = await system.store.inbox.get(row.id);
    for (let i = 0; i < 200 && stored?.status === 'pending'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stored = await system.store.inbox.get(row.id);
    }
    expect(stored).toMatchObject({ status: 'failed', attempts: 1 });
    expect(stored?.error).toMatch(/email/);
    const job = await producer.queue.getJob(`inbox-${row.id}`);
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    await producer.queue.close();
    redis.disconnect();
  });
});

describe('API keys', () => {
  it('scopes idempotency keys and inbox rows to the key that sent them', async () => {
    const partner = api({
      baseUrl: system.baseUrl,
      apiKey: (await createApiKey(system.store, 'partner', 'intake')).key,
    });
    const body = { email: 'scoped@example.com', message: 'from the partner' };
    const mine = await call('POST', '/api/v1/leads?wait=true', body, {
      'idempotency-key': 'shared-1',
    });
    const theirs = await partner('POST', '/api/v1/leads?wait=true', body, {
      'idempotency-key': 'shared-1',
    });
    expect(theirs.body.inboxId).not.toBe(mine.body.inboxId);
    // An intake key learns that its message is in, never what it became (a client's address?).
    expect(theirs.body).toEqual({ inboxId: expect.any(Number), status: 'done' });
    expect((await partner('GET', `/api/v1/inbox/${theirs.body.inboxId}`)).body).toEqual({
      inboxId: theirs.body.inboxId,
      status: 'done',
    });
    expect((await partner('GET', `/api/v1/inbox/${theirs.body.inboxId}`)).status).toBe(200);
    expect((await partner('GET', `/api/v1/inbox/${mine.body.inboxId}`)).status).toBe(404);
    expect((await partner('GET', `/api/v1/leads/${mine.body.leadId}`)).status).toBe(403);
  });

  it('stops the intake key of a user at once when an admin deactivates the user here', async () => {
    const user = await addUser(system, { name: 'Leaving Partner', email: 'leaving@partner.test' });
    const { key, prefix, hash } = newApiKey();
    await system.store.users.createApiKey({
      name: 'partner of a user',
      role: 'intake',
      prefix,
      hash,
      userId: user.id,
    });
    const partner = api({ baseUrl: system.baseUrl, apiKey: key });
    const body = { email: 'before@partner.test', message: 'while they work here' };
    // Twice, so the second answer may come from the keys verified a moment ago.
    expect((await partner('POST', '/api/v1/leads', body)).status).toBe(202);
    expect((await partner('POST', '/api/v1/leads', body)).status).toBe(202);
    const off = await call('PATCH', `/api/v1/users/${user.id}`, { active: false });
    expect(off.status).toBe(200);
    const after = await partner('POST', '/api/v1/leads', { email: 'after@partner.test' });
    expect(after.status).toBe(401);
  });
});

describe('limits', () => {
  it('rate-limits each key past its budget, however the header is written, and slows key guessing', async () => {
    const limited = await startSystem({ label: 'ratelimit', env: { RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const auth = `Bearer${' '.repeat(i + 1)}${limited.apiKey}`;
        const res = await fetch(`${limited.baseUrl}/api/v1/leads`, {
          headers: { authorization: auth },
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const guesses: number[] = [];
      for (let i = 0; i < 32; i++) {
        const res = await fetch(`${limited.baseUrl}/api/v1/leads`, {
          headers: { authorization: `Bearer lw_guess${i}` },
        });
        guesses.push(res.status);
      }
      expect(guesses.slice(0, 30).every((status) => status === 401)).toBe(true);
      expect(guesses.slice(30)).toEqual([429, 429]);
    } finally {
      await limited.close();
    }
  });

  it('refuses a client whose responsible does not exist', async () => {
    const res = await call('POST', '/api/v1/clients', {
      name: 'Nobody',
      emails: ['n@example.com'],
      responsibleId: 99999,
    });
    expect(res.status).toBe(422);
    expect(res.body.details).toEqual([{ path: 'responsibleId', message: 'no such user' }]);
  });
});
