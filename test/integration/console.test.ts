/**
 * The operator console over HTTP: the first run, sign-in and its refusals, pages that need a
 * session and forms that need its CSRF token from our own origin, customer content escaped, and
 * permissions on every path — a supervisor never sees another department's lead, not in the
 * list, not by its address, not on the live stream — and a stream that resumes from
 * Last-Event-ID. (test/e2e/browser-console.test.ts drives the same pages in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  system = await startSystem({ label: 'console-http' });
  await system.startInProcessWorker();
});
afterAll(() => system.close());

interface Page {
  status: number;
  html: string;
  location: string | null;
  cookie: string | null;
}

async function send(
  method: string,
  path: string,
  options: { cookie?: string; form?: Record<string, string>; origin?: string | null } = {},
): Promise<Page> {
  const headers: Record<string, string> = {};
  if (options.cookie) headers.cookie = options.cookie;
  if (options.origin !== null) headers.origin = options.origin ?? system.baseUrl;
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return {
    status: res.status,
    html: await res.text(),
    location: res.headers.get('location'),
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] || null,
  };
}

/** A signed-in browser: its cookie, and the CSRF token its pages carry in every form. */
async function signIn(email: string) {
  const signed = await send('POST', '/sign-in', {
    form: { email, password: PASSWORD, next: '/leads' },
  });
  expect(signed.status).toBe(303);
  const cookie = signed.cookie!;
  const page = await send('GET', '/leads', { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  expect(csrf).toBeDefined();
  return { cookie, csrf: csrf! };
}

async function intake(body: Record<string, unknown>) {
  const answer = await api(system)('POST', '/api/v1/leads?wait=true', body);
  expect(answer.body.status).toBe('done');
  return Number(answer.body.leadId);
}

/** Reads a live stream until `done` says it has what it waits for (or 20 s pass). */
async function readStream(
  cookie: string,
  done: (text: string) => boolean,
  lastEventId?: string,
  start?: () => Promise<unknown>,
) {
  const abort = new AbortController();
  const res = await fetch(`${system.baseUrl}/stream`, {
    headers: { cookie, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const deadline = setTimeout(() => abort.abort(), 20_000);
  try {
    // The first chunk (retry:) says the stream is open; only then is the change made.
    text += decoder.decode((await reader.read()).value);
    await start?.();
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      text += decoder.decode(value);
    }
  } catch {
    // Aborted at the deadline: the caller's assertions say what was missing.
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
    abort.abort();
  }
  return text;
}

describe('the first run and signing in', () => {
  it('creates the first administrator once, from our own page only, then asks to sign in', async () => {
    const first = await send('GET', '/');
    expect(first.html).toContain('Create the administrator');
    const form = {
      name: 'Marta',
      email: 'marta@console.test',
      password: PASSWORD,
      confirm: PASSWORD,
    };
    expect((await send('POST', '/setup', { form, origin: 'https://evil.test' })).status).toBe(403);
    expect(
      (await send('POST', '/setup', { form: { ...form, confirm: 'something else' } })).html,
    ).toContain('The two passwords differ');
    const made = await send('POST', '/setup', { form });
    expect(made.status).toBe(303);
    expect(made.location).toBe('/leads?welcome=1');
    expect(made.cookie).toMatch(/^lw_session=/);
    // Once someone exists, the first run is over: no second administrator from a visitor.
    const again = await send('POST', '/setup', {
      form: { ...form, email: 'mallory@console.test' },
    });
    expect(again.status).toBe(303);
    expect((await system.store.users.listUsers({})).map((user) => user.email)).toEqual([
      'marta@console.test',
    ]);
    expect((await send('GET', '/')).html).toContain('Sign in');
  });

  it('refuses a wrong password and a sign-in posted from another site', async () => {
    const wrong = await send('POST', '/sign-in', {
      form: { email: 'marta@console.test', password: 'nope nope nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('not right');
    expect(wrong.html).toContain('value="marta@console.test"');
    const foreign = await send('POST', '/sign-in', {
      form: { email: 'marta@console.test', password: PASSWORD },
      origin: 'https://evil.test',
    });
    expect(foreign.status).toBe(403);
    expect(foreign.cookie).toBeNull();
    // Back to where one was going, never to another site.
    const signed = await send('POST', '/sign-in', {
      form: { email: 'marta@console.test', password: PASSWORD, next: '//evil.test/x' },
    });
    expect(signed.location).toBe('/leads');
  });
});

describe('pages and forms', () => {
  it('need a session, and a form post its CSRF token from our origin', async () => {
    const leadId = await intake({
      name: '<img src=x onerror=alert(1)> Ana',
      email: 'ana@console.test',
      message: 'Quiero <b>precio</b>',
    });
    const away = await send('GET', `/leads/${leadId}`);
    expect(away.status).toBe(303);
    expect(away.location).toBe(`/?next=${encodeURIComponent(`/leads/${leadId}`)}`);

    const { cookie, csrf } = await signIn('marta@console.test');
    const page = await send('GET', `/leads/${leadId}`, { cookie });
    expect(page.status).toBe(200);
    // Customer content is text, never markup.
    expect(page.html).toContain('&lt;img src=x onerror=alert(1)>');
    expect(page.html).not.toContain('<img src=x');
    expect(page.html).toContain('Quiero &lt;b>precio&lt;/b>');

    const note = { text: 'call back at noon' };
    expect((await send('POST', `/leads/${leadId}/notes`, { cookie, form: note })).status).toBe(403);
    expect(
      (
        await send('POST', `/leads/${leadId}/notes`, {
          cookie,
          form: { ...note, _csrf: csrf },
          origin: 'https://evil.test',
        })
      ).status,
    ).toBe(403);
    const posted = await send('POST', `/leads/${leadId}/notes`, {
      cookie,
      form: { ...note, _csrf: csrf },
    });
    expect(posted.status).toBe(303);
    const noted = (await send('GET', `/leads/${leadId}`, { cookie })).html;
    expect(noted).toContain('call back at noon');
    // The timeline in words, with who did it.
    expect(noted).toContain('Marta: added a note');

    // A reply that bounced says so, with the server's answer.
    const bounced = await system.store.leads.addOutbound({
      leadId,
      channelId: 1,
      externalId: 'console-bounce-1',
      sender: 'Marta',
      text: 'Le enviamos el precio',
      meta: {},
      at: new Date(),
    });
    await system.store.leads.setDelivery(bounced!.id, 'undelivered', {
      error: { message: '550 mailbox full' },
    });
    const withBounce = await send('GET', `/leads/${leadId}`, { cookie });
    expect(withBounce.status).toBe(200);
    expect(withBounce.html).toContain('not delivered: 550 mailbox full');

    // What cannot be done is said on the page, with its reason.
    const badStage = await send('POST', `/leads/${leadId}/stage`, {
      cookie,
      form: { stage: 'NOPE', _csrf: csrf },
    });
    expect(badStage.status).toBe(422);
    expect(badStage.html).toContain('No such stage');

    // Signing out ends the session on the server: the old cookie opens nothing.
    expect((await send('POST', '/sign-out', { cookie, form: { _csrf: csrf } })).status).toBe(303);
    expect((await send('GET', '/leads', { cookie })).status).toBe(303);
  });
});

describe('permissions', () => {
  it('never shows a supervisor another department’s lead: list, address, stream', async () => {
    const users = system.store.users;
    const department = async (name: string) => {
      const made = await users.createDepartment({ name, parentId: null, headId: null });
      if (!made.ok) throw new Error(made.problem);
      return made.department.id;
    };
    const madrid = await department('Madrid');
    const sevilla = await department('Sevilla');
    const person = async (email: string, roles: string[], departmentId: number) => {
      const made = await users.createUser({
        name: email.split('@')[0]!,
        email,
        roles,
        departmentId,
        passwordHash: await hashPassword(PASSWORD),
      });
      if (!made.ok) throw new Error(made.problem);
      return made.user.id;
    };
    await person('sara@console.test', ['supervisor'], madrid);
    const pablo = await person('pablo@console.test', ['operator'], madrid);
    const rocio = await person('rocio@console.test', ['operator'], sevilla);
    const ours = await intake({
      name: 'Cliente Madrid',
      email: 'mad@customer.test',
      message: 'hola madrid',
    });
    const theirs = await intake({
      name: 'Cliente Sevilla',
      email: 'sev@customer.test',
      message: 'hola sevilla',
    });
    const admin = api(system);
    expect((await admin('PATCH', `/api/v1/leads/${ours}`, { responsibleId: pablo })).status).toBe(
      200,
    );
    expect((await admin('PATCH', `/api/v1/leads/${theirs}`, { responsibleId: rocio })).status).toBe(
      200,
    );

    const { cookie } = await signIn('sara@console.test');
    const list = await send('GET', '/leads', { cookie });
    expect(list.html).toContain('Cliente Madrid');
    expect(list.html).not.toContain('Cliente Sevilla');
    expect((await send('GET', `/leads?q=sevilla`, { cookie })).html).not.toContain(
      'Cliente Sevilla',
    );
    // The board counts only what she may see, per stage.
    const board = await send('GET', '/leads?board=1', { cookie });
    expect(board.html).toContain('<h2>New <span class="count">1</span></h2>');
    expect(board.html).toContain('Cliente Madrid');
    expect(board.html).not.toContain('Cliente Sevilla');
    expect((await send('GET', `/leads/${theirs}`, { cookie })).status).toBe(404);
    expect((await send('GET', `/leads/${theirs}/conversation`, { cookie })).status).toBe(404);

    // Both customers write again; only Madrid's lead reaches Sara's stream.
    const text = await readStream(
      cookie,
      (seen) => seen.includes(`event: lead-${ours}\n`),
      undefined,
      async () => {
        await intake({ email: 'sev@customer.test', message: 'otra vez sevilla' });
        await intake({ email: 'mad@customer.test', message: 'otra vez madrid' });
      },
    );
    expect(text).toContain(`event: lead-${ours}\n`);
    expect(text).toContain('event: leads\n');
    expect(text).not.toContain(`lead-${theirs}`);
    expect(text).not.toMatch(new RegExp(`data: .*\\b${theirs}\\b`));

    // A stream that reconnects with the last id it had gets what it missed, and only that.
    const lastId = /id: (\d+)\n/.exec(text)?.[1];
    expect(lastId).toBeDefined();
    await intake({ email: 'mad@customer.test', message: 'y una más' });
    const resumed = await readStream(
      cookie,
      (seen) => seen.includes(`event: lead-${ours}\n`),
      lastId,
    );
    expect(resumed).toContain(`event: lead-${ours}\n`);
    expect(resumed).not.toContain(`lead-${theirs}`);

    // Sevilla's customer becomes a client of Rocío's: not Sara's to see, an admin's to find.
    const converted = await admin('POST', `/api/v1/leads/${theirs}/convert`, { contact: {} });
    expect(converted.status).toBe(201);
    const clientId = Number(converted.body.clientId);
    expect((await send('GET', `/clients/${clientId}`, { cookie })).status).toBe(404);
    expect((await send('GET', '/clients?q=sevilla', { cookie })).html).not.toContain(
      'Cliente Sevilla',
    );
    const marta = await signIn('marta@console.test');
    const found = await send('GET', '/clients?q=sev%40customer.test', { cookie: marta.cookie });
    expect(found.html).toContain(`href="/clients/${clientId}"`);
    const client = await send('GET', `/clients/${clientId}`, { cookie: marta.cookie });
    expect(client.html).toContain('sev@customer.test');
    expect(client.html).toContain(`href="/leads/${theirs}"`);

    // Pablo's overdue call: on his activities, marked, until he marks it done.
    const call = await admin('POST', '/api/v1/activities', {
      leadId: ours,
      kind: 'call',
      subject: 'Llamar a Cliente Madrid',
      dueAt: '2026-01-01T10:00:00Z',
    });
    expect(call.status).toBe(201);
    const pabloIn = await signIn('pablo@console.test');
    const mine = await send('GET', '/activities', { cookie: pabloIn.cookie });
    expect(mine.html).toContain('Llamar a Cliente Madrid');
    expect(mine.html).toContain('overdue');
    // Sara may not close Pablo's call from another session's form; Pablo may.
    expect(
      (
        await send('POST', `/activities/${call.body.id}/done`, {
          cookie,
          form: { _csrf: pabloIn.csrf },
        })
      ).status,
    ).toBe(403);
    // On the lead's page too, and marked done there it comes back to the lead.
    expect((await send('GET', `/leads/${ours}`, { cookie: pabloIn.cookie })).html).toContain(
      'Llamar a Cliente Madrid',
    );
    const done = await send('POST', `/activities/${call.body.id}/done`, {
      cookie: pabloIn.cookie,
      form: { _csrf: pabloIn.csrf, back: `/leads/${ours}` },
    });
    expect(done.location).toBe(`/leads/${ours}`);
    expect(done.status).toBe(303);
    expect((await send('GET', '/activities', { cookie: pabloIn.cookie })).html).not.toContain(
      'Llamar a Cliente Madrid',
    );
  });
});

describe('the list and a lead for one operator', () => {
  it('marks a lead changed since the operator opened it, and shows a form’s answers', async () => {
    const { cookie } = await signIn('marta@console.test');
    const leadId = await intake({
      name: 'Unread Ulises',
      email: 'ulises@customer.test',
      message: 'quiero un presupuesto',
      fields: { Tamaño: '3 habitaciones', Planta: '<b>4ª</b>' },
    });
    const row = (html: string) =>
      new RegExp(`<tr data-lead="${leadId}"( class="unread")?>`).exec(html)?.[1] ?? 'read';
    expect((await send('GET', '/leads', { cookie })).html).toContain(`data-lead="${leadId}"`);
    expect(row((await send('GET', '/leads', { cookie })).html)).toBe(' class="unread"');
    const page = await send('GET', `/leads/${leadId}`, { cookie });
    // The answers as fields, escaped.
    expect(page.html).toContain('<dt>Tamaño</dt><dd>3 habitaciones</dd>');
    expect(page.html).toContain('<dd>&lt;b>4ª&lt;/b></dd>');
    expect(row((await send('GET', '/leads', { cookie })).html)).toBe('read');
    // The customer writes again: unread again, for this operator.
    await intake({ email: 'ulises@customer.test', message: 'y otra cosa' });
    expect(row((await send('GET', '/leads', { cookie })).html)).toBe(' class="unread"');
    // Someone else never opened it: unread for them whatever Marta did.
    const made = await system.store.users.createUser({
      name: 'Second Admin',
      email: 'second@console.test',
      roles: ['admin'],
      passwordHash: await hashPassword(PASSWORD),
    });
    expect(made.ok).toBe(true);
    const second = await signIn('second@console.test');
    await send('GET', `/leads/${leadId}`, { cookie });
    expect(row((await send('GET', '/leads', { cookie })).html)).toBe('read');
    expect(row((await send('GET', '/leads', { cookie: second.cookie })).html)).toBe(
      ' class="unread"',
    );
  });

  it('saves a filter of the list’s own parameters under a name, per operator', async () => {
    const { cookie, csrf } = await signIn('marta@console.test');
    const saved = await send('POST', '/leads/filters', {
      cookie,
      form: { _csrf: csrf, name: 'Nuevos <míos>', query: 'view=mine&stage=NEW&evil=1&q=andamio' },
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/leads?view=mine&q=andamio&stage=NEW');
    const list = await send('GET', '/leads', { cookie });
    expect(list.html).toContain(
      'href="/leads?view=mine&amp;q=andamio&amp;stage=NEW">Nuevos &lt;míos></a>',
    );
    // Another operator neither sees nor deletes it.
    const sara = await signIn('sara@console.test');
    expect((await send('GET', '/leads', { cookie: sara.cookie })).html).not.toContain('Nuevos');
    const [filter] = await system.store.leads.savedFilters(
      (await system.store.users.listUsers({})).find((u) => u.email === 'marta@console.test')!.id,
    );
    await send('POST', `/leads/filters/${filter!.id}/delete`, {
      cookie: sara.cookie,
      form: { _csrf: sara.csrf },
    });
    expect((await send('GET', '/leads', { cookie })).html).toContain('Nuevos &lt;míos>');
    // Without the session's token, nothing is saved or deleted.
    expect(
      (await send('POST', `/leads/filters/${filter!.id}/delete`, { cookie, form: {} })).status,
    ).toBe(403);
    await send('POST', `/leads/filters/${filter!.id}/delete`, { cookie, form: { _csrf: csrf } });
    expect((await send('GET', '/leads', { cookie })).html).not.toContain('Nuevos');
  });

  it('filters by channel', async () => {
    const { cookie } = await signIn('marta@console.test');
    await intake({ name: 'Canal Carla', email: 'carla@customer.test', message: 'hola' });
    const channels = await system.store.channels.list();
    const intakeChannel = channels.find((channel) => channel.kind === 'api')!;
    expect((await send('GET', `/leads?channel=${intakeChannel.id}`, { cookie })).html).toContain(
      'Canal Carla',
    );
    const other = Math.max(...channels.map((channel) => channel.id)) + 1;
    expect((await send('GET', `/leads?channel=${other}`, { cookie })).html).not.toContain(
      'Canal Carla',
    );
  });
});

describe('an email’s whole message', () => {
  it('is served into its frame cleaned, under a policy that runs and loads nothing, to whoever may see the lead', async () => {
    const { cookie } = await signIn('marta@console.test');
    const leadId = await intake({
      name: 'Frame Fabio',
      email: 'fabio@customer.test',
      message: 'hola',
    });
    const other = await intake({
      name: 'Other Olga',
      email: 'olga@customer.test',
      message: 'hola',
    });
    const channelId = (await system.store.channels.list()).find((c) => c.kind === 'api')!.id;
    // Stored as an older version might have kept it: the frame must not trust it.
    const message = await system.store.leads.addOutbound({
      leadId,
      channelId,
      externalId: 'frame-test-1',
      sender: 'Frame Fabio',
      text: 'see below',
      meta: {
        email: {
          subject: 'Presupuesto <b>',
          html:
            '<p>Hola <b>equipo</b></p><script>alert(1)</script>' +
            '<img src="https://tracker.example/p.gif"><meta http-equiv="refresh" content="0;url=https://evil.example">' +
            '<a href="https://shop.example/catalogue">catálogo</a>' +
            '<form action="https://evil.example"><input name="pw"></form>',
        },
      },
      at: new Date(),
    });
    const path = `/leads/${leadId}/messages/${message!.id}/email`;
    const res = await fetch(`${system.baseUrl}${path}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain('img-src data:;');
    expect(policy).toMatch(/(^|; )sandbox allow-popups allow-popups-to-escape-sandbox$/);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const html = await res.text();
    expect(html).toContain('<p>Hola <b>equipo</b></p>');
    expect(html).toContain('<title>Presupuesto &lt;b&gt;</title>');
    for (const gone of ['<script', 'tracker.example', 'http-equiv', '<form', 'name="pw"'])
      expect(html).not.toContain(gone);
    expect(html).toContain(
      '<a target="_blank" rel="noopener noreferrer" href="https://shop.example/catalogue">',
    );
    // The lead's page offers it in a sandboxed frame.
    const page = await send('GET', `/leads/${leadId}`, { cookie });
    expect(page.html).toContain(
      `sandbox="allow-popups allow-popups-to-escape-sandbox" src="${path}"`,
    );
    // Not through another lead's address, and not to someone who may not see the lead.
    expect(
      (await send('GET', `/leads/${other}/messages/${message!.id}/email`, { cookie })).status,
    ).toBe(404);
    const rocio = await signIn('rocio@console.test');
    expect((await send('GET', path, { cookie: rocio.cookie })).status).toBe(404);
    expect((await send('GET', path)).status).toBe(303);
  });
});
