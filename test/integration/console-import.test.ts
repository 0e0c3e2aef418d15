/**
 * Importing clients and leads in the console over HTTP: the upload (its own CSRF check, before the file is
 * taken), the columns suggested from the headers, a dry run that writes nothing, the import with
 * its progress polled until done, the refused rows to download, and who may import at all.
 * On SQLite and PostgreSQL (TEST_DATABASE=postgres).
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';
const SPANISH = readFileSync(new URL('../fixtures/csv/spanish-clients-1252.csv', import.meta.url));

interface Answer {
  status: number;
  html: string;
  location: string | null;
}

async function send(
  method: string,
  path: string,
  options: { cookie: string; body?: BodyInit; headers?: Record<string, string> },
): Promise<Answer> {
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers: { origin: system.baseUrl, cookie: options.cookie, ...options.headers },
    redirect: 'manual',
    ...(options.body ? { body: options.body } : {}),
  });
  return { status: res.status, html: await res.text(), location: res.headers.get('location') };
}

async function signIn(email: string, roles: string[]) {
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
  const page = await send('GET', '/leads', { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  return {
    csrf,
    cookie,
    get: (path: string, headers: Record<string, string> = {}) =>
      send('GET', path, { cookie, headers }),
    post: (path: string, form: Record<string, string>) =>
      send('POST', path, {
        cookie,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, _csrf: csrf }).toString(),
      }),
    upload: (file: Buffer, name: string, token = csrf, to = '/clients/import') => {
      const form = new FormData();
      if (token) form.append('_csrf', token);
      form.append('file', new Blob([new Uint8Array(file)]), name);
      return send('POST', to, { cookie, body: form });
    },
  };
}

type Viewer = Awaited<ReturnType<typeof signIn>>;

/** Polls the progress fragment as the page does, until the job says it is done. */
async function finished(viewer: Viewer, token: string, root = '/clients'): Promise<string> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const fragment = await viewer.get(`${root}/import/${token}/progress`, {
      'hx-request': 'true',
    });
    expect(fragment.status).toBe(200);
    if (!fragment.html.includes('hx-trigger')) return fragment.html;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the import did not finish');
}

let admin: Viewer;

beforeAll(async () => {
  system = await startSystem({ label: 'console-import' });
  admin = await signIn('admin@import.test', ['admin']);
});
afterAll(() => system.close());

const clientCount = async () =>
  (await system.store.clients.list({ limit: 200 }, { kind: 'all' })).clients.length;

describe('importing clients in the console', () => {
  let token: string;

  it('takes the upload only with the session’s token, then suggests the columns', async () => {
    expect((await admin.upload(SPANISH, 'clientes.csv', '')).status).toBe(403);
    expect((await admin.upload(SPANISH, 'clientes.csv', 'forged')).status).toBe(403);
    const uploaded = await admin.upload(SPANISH, 'clientes.csv');
    expect(uploaded.status).toBe(303);
    token = /\/clients\/import\/([a-f0-9]{32})$/.exec(uploaded.location ?? '')?.[1] ?? '';
    expect(token).not.toBe('');
    const mapping = await admin.get(`/clients/import/${token}`);
    expect(mapping.html).toContain('windows-1252');
    expect(mapping.html).toContain('Teléfono');
    // Each column's select has its suggestion chosen.
    expect(mapping.html).toMatch(
      /name="column-3"[^>]*>(?:(?!<\/select>).)*value="phone" selected/s,
    );
    expect(mapping.html).toMatch(
      /name="column-0"[^>]*>(?:(?!<\/select>).)*value="first_name" selected/s,
    );
  });

  it('counts in a dry run without writing a client', async () => {
    const before = await clientCount();
    const started = await admin.post(`/clients/import/${token}`, {
      ...columns(),
      mode: 'merge',
      country: 'ES',
      action: 'dry',
    });
    expect(started.status).toBe(303);
    const done = await finished(admin, token);
    expect(done).toContain('would create 4');
    expect(done).toContain('refused 1');
    expect(await clientCount()).toBe(before);
  });

  it('imports, shows the counts, and hands back the refused rows with their reasons', async () => {
    const before = await clientCount();
    await admin.post(`/clients/import/${token}`, {
      ...columns(),
      mode: 'merge',
      country: 'ES',
      action: 'run',
    });
    const done = await finished(admin, token);
    expect(done).toContain('created 4');
    expect(done).toContain('Finished.');
    expect(await clientCount()).toBe(before + 4);
    const errors = await admin.get(`/clients/import/${token}/errors.csv`);
    expect(errors.status).toBe(200);
    // (A text body loses its BOM in decoding: the bytes keep it.)
    const bytes = Buffer.from(
      await (
        await fetch(`${system.baseUrl}/clients/import/${token}/errors.csv`, {
          headers: { cookie: admin.cookie },
        })
      ).arrayBuffer(),
    );
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(errors.html).toContain('is not a valid phone number');
    const page = await admin.get('/clients/import');
    expect(page.html).toContain('clientes.csv');
    expect((await admin.get('/clients')).html).toContain('href="/clients/import"');
  });

  it('lets only a role that may create every client import', async () => {
    const operator = await signIn('operator@import.test', ['operator']);
    expect((await operator.get('/clients/import')).status).toBe(403);
    expect((await operator.get('/clients')).html).not.toContain('href="/clients/import"');
    expect((await operator.upload(SPANISH, 'clientes.csv')).status).toBe(403);
    expect((await operator.get(`/clients/import/${token}`)).status).toBe(403);
    expect((await admin.get('/clients/import/0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await admin.get('/clients/import/../../etc')).status).toBe(404);
  });

  it('says what is wrong with a file that is no CSV', async () => {
    const empty = await admin.upload(Buffer.alloc(0), 'empty.csv');
    expect(empty.status).toBe(422);
    expect(empty.html).toContain('cannot be read as CSV');
  });
});

describe('importing leads in the console', () => {
  const LEADS = Buffer.from(
    [
      'Nombre,Correo,Asunto,Comentario',
      'Lucía Fernández,lucia@console-leads.test,Presupuesto,Quiere 20 licencias',
      'Lucía Fernández,lucia@console-leads.test,Presupuesto,Y formación',
      'Sin Contacto,,Nada,',
      '',
    ].join('\r\n'),
  );
  let token: string;
  const leadCount = async () =>
    (await system.look.all<{ n: number }>(sql`SELECT count(*) AS n FROM leads`)).map((row) =>
      Number(row.n),
    )[0];

  it('suggests lead columns and imports each row as a message from that person', async () => {
    const uploaded = await admin.upload(LEADS, 'prospectos.csv', undefined, '/leads/import');
    expect(uploaded.status).toBe(303);
    token = /\/leads\/import\/([a-f0-9]{32})$/.exec(uploaded.location ?? '')?.[1] ?? '';
    expect(token).not.toBe('');
    const mapping = await admin.get(`/leads/import/${token}`);
    expect(mapping.html).toContain('Import leads');
    expect(mapping.html).toMatch(
      /name="column-2"[^>]*>(?:(?!<\/select>).)*value="title" selected/s,
    );
    expect(mapping.html).toMatch(
      /name="column-3"[^>]*>(?:(?!<\/select>).)*value="comment" selected/s,
    );
    // A lead upload is no client upload.
    expect((await admin.get(`/clients/import/${token}`)).status).toBe(404);

    const form = {
      'column-0': 'name',
      'column-1': 'email',
      'column-2': 'title',
      'column-3': 'comment',
      mode: 'merge',
    };
    const before = await leadCount();
    await admin.post(`/leads/import/${token}`, { ...form, action: 'dry' });
    const dry = await finished(admin, token, '/leads');
    expect(dry).toContain('would create 1 · would update 1');
    expect(dry).toContain('refused 1');
    expect(await leadCount()).toBe(before);

    await admin.post(`/leads/import/${token}`, { ...form, action: 'run' });
    const done = await finished(admin, token, '/leads');
    expect(done).toContain('created 1 · updated 1');
    expect(done).toContain('Finished.');
    expect(await leadCount()).toBe((before ?? 0) + 1);
    const errors = await admin.get(`/leads/import/${token}/errors.csv`);
    expect(errors.html).toContain('no reachable identity');
    expect((await admin.get('/leads')).html).toContain('href="/leads/import"');
  });

  it('lets only a role that may create every lead import them', async () => {
    const operator = await signIn('lead-operator@import.test', ['operator']);
    expect((await operator.get('/leads/import')).status).toBe(403);
    expect((await operator.get('/leads')).html).not.toContain('href="/leads/import"');
    expect((await operator.upload(LEADS, 'p.csv', undefined, '/leads/import')).status).toBe(403);
    expect((await operator.get(`/leads/import/${token}`)).status).toBe(403);
  });
});

/** The mapping the page suggests for the Spanish file, as its form would post it. */
function columns(): Record<string, string> {
  const targets = [
    'first_name',
    'last_name',
    'company',
    'phone',
    'phone',
    'email',
    'skip',
    'skip',
    'skip',
  ];
  return Object.fromEntries(targets.map((target, index) => [`column-${index}`, target]));
}
