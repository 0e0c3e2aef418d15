/**
 * Duplicates and merges in the console over HTTP: a client's and a lead's possible duplicates
 * with their reasons in words, "Not a duplicate" remembered for the pair, the merge screen's
 * choices and the values a merge keeps, undo (and its refusal, with what changed), permissions
 * (read to see, update on both records to act: 404 otherwise), CSRF, and hostile names as text.
 * On SQLite and PostgreSQL (TEST_DATABASE=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, ENTITIES, type Grants } from '../../core/permissions.ts';
import { normaliseEmail, normalisePhone, type Identity } from '../../core/identities.ts';
import { hashPassword } from '../../core/passwords.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';
const people: Record<string, number> = {};

interface Answer {
  status: number;
  html: string;
  location: string | null;
}

async function send(
  method: string,
  path: string,
  options: { cookie?: string; form?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: system.baseUrl };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return { status: res.status, html: await res.text(), location: res.headers.get('location') };
}

/** A signed-in browser: `get` a page, `post` a form with the session's CSRF token. */
async function signIn(email: string) {
  const signed = await fetch(`${system.baseUrl}/sign-in`, {
    method: 'POST',
    headers: { origin: system.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password: PASSWORD, next: '/leads' }).toString(),
    redirect: 'manual',
  });
  expect(signed.status).toBe(303);
  const cookie = (signed.headers.get('set-cookie') ?? '').split(';')[0]!;
  const page = await send('GET', '/leads', { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  expect(csrf).toBeDefined();
  return {
    get: (path: string) => send('GET', path, { cookie }),
    post: (path: string, form: Record<string, string> = {}, token = csrf!) =>
      send('POST', path, { cookie, form: token ? { ...form, _csrf: token } : form }),
  };
}

function email(text: string): Identity {
  const read = normaliseEmail(text);
  if (!read.ok) throw new Error(text);
  return read.identity;
}
function phone(text: string): Identity {
  const read = normalisePhone(text, 'ES');
  if (!read.ok) throw new Error(text);
  return read.identity;
}

async function client(
  fields: { name?: string; company?: string; responsibleId?: number; custom?: object },
  identities: Identity[],
) {
  return (await system.store.clients.create({ ...fields, identities } as never)).id;
}

async function intake(body: Record<string, unknown>) {
  const answer = await api(system)('POST', '/api/v1/leads?wait=true', body);
  expect(answer.body.status).toBe('done');
  return Number(answer.body.leadId);
}

/** The part of a page between two markers (a panel), to assert what it holds and not. */
const section = (html: string, id: string) => {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};

const grants = (scope: 'all' | 'none', read: 'all' | 'none' = scope): Grants =>
  Object.fromEntries(
    ENTITIES.map((entity) => [
      entity,
      Object.fromEntries(ACTIONS.map((action) => [action, action === 'read' ? read : scope])),
    ]),
  ) as Grants;

beforeAll(async () => {
  system = await startSystem({ label: 'console-duplicates' });
  await system.startInProcessWorker();
  const { users } = system.store;
  expect(
    (
      await users.createRole({
        code: 'auditor',
        name: 'Auditor',
        grants: grants('none', 'all'),
        manage: false,
      })
    ).ok,
  ).toBe(true);
  for (const [key, name, roles, language] of [
    ['marta', 'Marta Admin', ['admin'], 'en'],
    ['olga', 'Ольга Иванова', ['admin'], 'ru'],
    ['audit', 'Ada Auditor', ['auditor'], 'en'],
    ['pablo', 'Pablo Operador', ['operator'], 'es'],
  ] as const) {
    const made = await users.createUser({
      name,
      email: `${key}@dup.test`,
      roles: [...roles],
      language,
      passwordHash: await hashPassword(PASSWORD),
    });
    if (!made.ok) throw new Error(made.problem);
    people[key] = made.user.id;
  }
  const field = await system.store.customFields.create({
    entity: 'client',
    key: 'segment',
    label: 'Customer segment',
    type: 'text',
    required: false,
    options: [],
  });
  expect(field.ok).toBe(true);
}, 60_000);
afterAll(() => system.close());

describe('clients', () => {
  let ana: number;
  let anaAgain: number;
  let hostile: number;
  let marta: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    ana = await client(
      {
        name: 'Ana García',
        company: 'Acme',
        responsibleId: people.marta!,
        custom: { segment: 'retail' },
      },
      [phone('+34 600 111 222'), email('ana@acme.es')],
    );
    anaAgain = await client(
      {
        name: 'Ana Garcia',
        company: 'ACME S.L.',
        responsibleId: people.olga!,
        custom: { segment: 'wholesale' },
      },
      [phone('600111222'), email('compras@acme.es')],
    );
    hostile = await client({ name: '<img src=x onerror=alert(1)>' }, [email('ana@acme.es')]);
    marta = await signIn('marta@dup.test');
  });

  it('shows possible duplicates with their reasons in words, names as text', async () => {
    const page = await marta.get(`/clients/${ana}`);
    expect(page.status).toBe(200);
    const panel = section(page.html, 'duplicates-title');
    expect(panel).toContain(`href="/clients/${anaAgain}"`);
    expect(panel).toContain('same phone +34 600 11 12 22');
    expect(panel).toMatch(/similar name \(\d{2,3} %\)/);
    expect(panel).toContain('same company');
    expect(panel).toContain('same email domain acme.es');
    expect(panel).toContain(`href="/clients/${hostile}"`);
    expect(panel).toContain('same email ana@acme.es');
    expect(panel).toContain('&lt;img src=x onerror=alert(1)>');
    expect(page.html).not.toContain('<img src=x');
    expect(panel).toContain(`href="/merge/clients/${ana}/${anaAgain}"`);
    expect(panel).toContain(`action="/duplicates/clients/${ana}/${hostile}/dismiss"`);
    // A client without duplicates has no panel at all.
    const alone = await client({ name: 'Zoe Quintana' }, [email('zoe@quintana.test')]);
    expect((await marta.get(`/clients/${alone}`)).html).not.toContain('Possible duplicates');
  });

  it('forgets a pair dismissed as not a duplicate, from both sides; only with the CSRF token', async () => {
    const path = `/duplicates/clients/${ana}/${hostile}/dismiss`;
    expect((await marta.post(path, {}, '')).status).toBe(403);
    const dismissed = await marta.post(path);
    expect(dismissed.status).toBe(303);
    expect(dismissed.location).toBe(`/clients/${ana}`);
    expect(section((await marta.get(`/clients/${ana}`)).html, 'duplicates-title')).not.toContain(
      `href="/clients/${hostile}"`,
    );
    expect((await marta.get(`/clients/${hostile}`)).html).not.toContain('Possible duplicates');
    expect((await marta.post(`/duplicates/clients/${ana}/999999/dismiss`)).status).toBe(404);
  });

  it('lists the conflicts on the merge screen and merges with the values picked', async () => {
    const screen = await marta.get(`/merge/clients/${ana}/${anaAgain}`);
    expect(screen.status).toBe(200);
    expect(screen.html).toContain('Merge two clients');
    for (const field of ['name', 'company', 'responsibleId', 'custom.segment'])
      expect(screen.html).toContain(`name="pick.${field}"`);
    // Both values, a responsible by name and a custom field by its label.
    expect(screen.html).toContain('Marta Admin');
    expect(screen.html).toContain('Ольга Иванова');
    expect(screen.html).toContain('<legend>Customer segment</legend>');
    expect(screen.html).toContain(`From #${anaAgain} Ana Garcia: wholesale`);
    expect(screen.html).toContain(`href="/merge/clients/${anaAgain}/${ana}"`);
    expect(screen.html).toContain('contacts, email addresses, phones and chats');

    const merged = await marta.post(`/merge/clients/${ana}/${anaAgain}`, {
      'pick.name': 'merged',
      'pick.company': 'survivor',
      'pick.responsibleId': 'newer',
      'pick.custom.segment': 'merged',
    });
    expect(merged.status).toBe(303);
    const mergeId = Number(/\?merged=(\d+)$/.exec(merged.location ?? '')?.[1]);
    expect(merged.location).toBe(`/clients/${ana}?merged=${mergeId}`);
    const kept = await system.store.clients.get(ana);
    expect(kept).toMatchObject({
      name: 'Ana Garcia',
      company: 'Acme',
      responsibleId: people.olga,
      custom: { segment: 'wholesale' },
    });
    expect(kept?.identities.map((identity) => identity.key)).toContain('email:compras@acme.es');

    const survivor = await marta.get(merged.location!);
    expect(survivor.html).toContain(`Merged: #${anaAgain} Ana Garcia is now part of this record.`);
    expect(survivor.html).toContain(`action="/merges/${mergeId}/undo"`);
    const away = await marta.get(`/clients/${anaAgain}`);
    expect(away.html).toContain('This record was merged into');
    expect(away.html).toContain(`href="/clients/${ana}"`);
    expect(away.html).toContain(`action="/merges/${mergeId}/undo"`);
    // Merged away: no merge screen for it any more.
    expect((await marta.get(`/merge/clients/${ana}/${anaAgain}`)).status).toBe(404);

    // Undo puts both back.
    const undone = await marta.post(`/merges/${mergeId}/undo`);
    expect(undone.status).toBe(303);
    expect(undone.location).toBe(`/clients/${ana}?unmerged=${mergeId}`);
    expect(await system.store.clients.get(ana)).toMatchObject({
      name: 'Ana García',
      responsibleId: people.marta,
      custom: { segment: 'retail' },
    });
    expect((await marta.get(undone.location!)).html).toContain('Merge undone');
    const back = await marta.get(`/clients/${anaAgain}`);
    expect(back.html).not.toContain('This record was merged into');
    expect(section(back.html, 'duplicates-title')).toContain(`href="/clients/${ana}"`);
    // Twice: it is said, not done again.
    const again = await marta.post(`/merges/${mergeId}/undo`);
    expect(again.status).toBe(409);
    expect(again.html).toContain('This merge was already undone.');
  });

  it('refuses to undo a merge after a change, saying what changed in the viewer’s language', async () => {
    const merged = await marta.post(`/merge/clients/${ana}/${anaAgain}`, {
      'pick.name': 'survivor',
    });
    const mergeId = Number(/\?merged=(\d+)$/.exec(merged.location ?? '')?.[1]);
    const changed = await api(system)('PATCH', `/api/v1/clients/${ana}`, {
      name: 'Ana García López',
    });
    expect(changed.status).toBe(200);
    const olga = await signIn('olga@dup.test');
    const refused = await olga.post(`/merges/${mergeId}/undo`);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('Это объединение нельзя отменить');
    expect(refused.html).toContain(`client ${ana} name`);
    expect(refused.html).toContain('Ana García López');
    expect((await system.store.merges.get(mergeId))?.undoneAt).toBeNull();
    // The survivor's page still offers it, in its list of merges.
    const page = await olga.get(`/clients/${ana}`);
    expect(section(page.html, 'merges-title')).toContain(`action="/merges/${mergeId}/undo"`);
    expect(page.html).toContain('Отменить объединение');
  });

  it('shows a reader the duplicates but no buttons, and answers 404 to what they may not do', async () => {
    const other = await client({ name: 'Luis Pérez' }, [phone('+34 611 000 111')]);
    const twin = await client({ name: 'Luis Perez' }, [phone('611000111')]);
    const audit = await signIn('audit@dup.test');
    const page = await audit.get(`/clients/${other}`);
    const panel = section(page.html, 'duplicates-title');
    expect(panel).toContain(`href="/clients/${twin}"`);
    expect(panel).toContain('same phone +34 611 00 01 11');
    expect(panel).not.toContain('Not a duplicate');
    expect(panel).not.toContain('/merge/');
    const screen = await audit.get(`/merge/clients/${other}/${twin}`);
    expect(screen.status).toBe(200);
    expect(screen.html).toContain('You may look at these records, but not merge them.');
    expect(screen.html).not.toContain('method="post" action="/merge/');
    expect((await audit.post(`/merge/clients/${other}/${twin}`)).status).toBe(404);
    expect((await audit.post(`/duplicates/clients/${other}/${twin}/dismiss`)).status).toBe(404);
    const merged = await marta.post(`/merge/clients/${other}/${twin}`);
    const mergeId = Number(/\?merged=(\d+)$/.exec(merged.location ?? '')?.[1]);
    expect((await audit.get(`/clients/${other}`)).html).not.toContain('/undo"');
    expect((await audit.post(`/merges/${mergeId}/undo`)).status).toBe(404);
    expect((await system.store.merges.get(mergeId))?.undoneAt).toBeNull();
    // An operator who may not even read them: nothing there at all.
    const pablo = await signIn('pablo@dup.test');
    expect((await pablo.get(`/merge/clients/${other}/${twin}`)).status).toBe(404);
    expect((await pablo.post(`/merges/${mergeId}/undo`)).status).toBe(404);
    expect((await audit.get('/merge/things/1/2')).status).toBe(404);
  });
});

describe('leads', () => {
  it('merges a lead into a similar one, hides it from the list, and brings it back on undo', async () => {
    const marta = await signIn('marta@dup.test');
    const first = await intake({
      name: 'Юлия Смирнова',
      email: 'yulia@mail.example',
      title: 'Доставка в Мадрид',
      message: 'Нужна доставка',
    });
    const second = await intake({
      name: 'Iuliia Smirnova',
      phone: '+34 622 333 444',
      title: 'Envío a Madrid',
      message: 'Necesito un envío',
    });
    const page = await marta.get(`/leads/${first}`);
    const panel = section(page.html, 'duplicates-title');
    expect(panel).toContain(`href="/leads/${second}"`);
    expect(panel).toMatch(/similar name \(\d{2,3} %\)/);
    const screen = await marta.get(`/merge/leads/${first}/${second}`);
    expect(screen.html).toContain('Merge two leads');
    expect(screen.html).toContain('name="pick.title"');
    expect(screen.html).toContain('messages, notes, activities, deals');

    const merged = await marta.post(`/merge/leads/${first}/${second}`, {
      'pick.title': 'merged',
      'pick.name': 'survivor',
    });
    expect(merged.status).toBe(303);
    const mergeId = Number(/\?merged=(\d+)$/.exec(merged.location ?? '')?.[1]);
    const survivor = await marta.get(`/leads/${first}`);
    expect(survivor.html).toContain('Envío a Madrid');
    expect(survivor.html).toContain('Necesito un envío');
    expect(survivor.html).toContain(`merged #${second} into this record`);
    expect((await marta.get('/leads')).html).not.toContain(`href="/leads/${second}"`);
    expect((await marta.get(`/leads/${second}`)).html).toContain('This record was merged into');

    expect((await marta.post(`/merges/${mergeId}/undo`)).status).toBe(303);
    expect((await marta.get('/leads')).html).toContain(`href="/leads/${second}"`);
    const restored = await system.store.leads.get(first, { kind: 'all' });
    expect(restored?.title).toBe('Доставка в Мадрид');
    expect(restored?.messages.map((message) => message.text)).toEqual(['Нужна доставка']);
  });

  it('says on the screen that leads of two different clients cannot merge', async () => {
    const marta = await signIn('marta@dup.test');
    const one = await intake({ name: 'Carmen Ruiz', email: 'carmen@one.example', message: 'uno' });
    const two = await intake({ name: 'Carmen Ruíz', email: 'carmen@two.example', message: 'dos' });
    for (const id of [one, two])
      expect(
        (await api(system)('POST', `/api/v1/leads/${id}/convert`, { contact: {} })).status,
      ).toBe(201);
    const refused = await marta.post(`/merge/leads/${one}/${two}`);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain('These leads belong to two different clients');
    expect(refused.html).toContain('role="alert"');
    const itself = await marta.get(`/merge/leads/${one}/${one}`);
    expect(itself.html).toContain('A record cannot be merged into itself.');
    expect(itself.html).not.toContain('method="post" action="/merge/');
  });
});
