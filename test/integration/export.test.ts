/**
 * CSV exports on the test's store (SQLite, or PostgreSQL with TEST_DATABASE=postgres): the API's
 * three exports with the list routes' filters, the `export` scope (own, none), custom fields, the
 * BOM, quoting and the formula guard read back through csv-parse, thousands of rows across pages,
 * the console's links and their exports, and the CLI writing a file or refusing a wrong entity.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { ACTIONS, ENTITIES, type Grants } from '../../core/permissions.ts';
import { runCli } from '../helpers/cli.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
let dir: string;
const PASSWORD = 'correct horse battery';
const people: Record<'admin' | 'exporter' | 'operator', { id: number; email: string }> =
  {} as never;
/** Leads by what they are for. */
const leads: Record<string, number> = {};

const admin = () => ({ authorization: `Bearer ${system.apiKey}` });

async function get(pathname: string, headers: Record<string, string>) {
  const res = await fetch(`${system.baseUrl}${pathname}`, { headers, redirect: 'manual' });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The CSV as rows of named cells (the BOM checked and dropped). */
function table(bytes: Buffer): Record<string, string>[] {
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
}

async function exported(pathname: string, headers: Record<string, string> = admin()) {
  const { res, bytes } = await get(pathname, headers);
  expect(res.status, bytes.toString()).toBe(200);
  return table(bytes);
}

async function api(method: string, pathname: string, body?: unknown) {
  const res = await fetch(`${system.baseUrl}${pathname}`, {
    method,
    headers: { ...admin(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function signIn(email: string): Promise<Record<string, string>> {
  const res = await fetch(`${system.baseUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
  return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
}

/** A lead through the REST intake, with its responsible, stage and custom values set after. */
async function lead(
  key: string,
  body: Record<string, unknown>,
  patch: Record<string, unknown> = {},
): Promise<number> {
  const taken = await api('POST', '/api/v1/leads?wait=true', { message: 'hello', ...body });
  const id = Number(taken.leadId);
  if (Object.keys(patch).length) await api('PATCH', `/api/v1/leads/${id}`, patch);
  leads[key] = id;
  return id;
}

const own: Grants = Object.fromEntries(
  ENTITIES.map((entity) => [entity, Object.fromEntries(ACTIONS.map((a) => [a, 'own']))]),
);

beforeAll(async () => {
  system = await startSystem({ label: 'export' });
  await system.startInProcessWorker();
  dir = mkdtempSync(path.join(tmpdir(), 'leadwire-export-'));
  const { store } = system;
  const exporterRole = await store.users.createRole({
    code: 'exporter',
    name: 'Exporter',
    grants: own,
    manage: false,
  });
  expect(exporterRole.ok).toBe(true);
  for (const [who, roles] of [
    ['admin', ['admin']],
    ['exporter', ['exporter']],
    ['operator', ['operator']],
  ] as const) {
    const written = await store.users.createUser({
      name: `${who[0]?.toUpperCase()}${who.slice(1)} Person`,
      email: `${who}@crm.test`,
      roles: [...roles],
      passwordHash: await hashPassword(PASSWORD),
    });
    if (!written.ok) throw new Error(written.problem);
    people[who] = { id: written.user.id, email: written.user.email };
  }
  for (const field of [
    { entity: 'lead', key: 'budget', label: 'Budget', type: 'number' },
    { entity: 'lead', key: 'notes', label: 'Call notes', type: 'text' },
    { entity: 'client', key: 'vat', label: 'VAT id', type: 'string' },
    { entity: 'deal', key: 'po', label: 'Purchase order', type: 'string' },
  ] as const) {
    const created = await store.customFields.create({ ...field, required: false, options: [] });
    expect(created.ok).toBe(true);
  }
  await lead(
    'tricky',
    { email: 'ana@example.com', phone: '+34 600 123 456', name: 'Ruiz, Ana', telegram: 5012 },
    {
      responsibleId: people.exporter.id,
      custom: { budget: 1500, notes: 'first line, with a comma\nsecond "quoted" line' },
    },
  );
  await lead(
    'formula',
    { email: 'evil@example.com', name: '=HYPERLINK("http://evil.example","x")' },
    { responsibleId: people.exporter.id, stage: 'IN_PROCESS' },
  );
  await lead('others', { email: 'bo@example.com', name: 'Bo' }, { responsibleId: people.admin.id });
  await lead('nobody', { phone: '+34 611 222 333', name: 'Nadie' });
});
afterAll(async () => {
  await system?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the API', () => {
  it('streams every lead as an attachment, with identities, names, dates and custom fields', async () => {
    const { res, bytes } = await get('/api/v1/leads/export', admin());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const day = new Date().toISOString().slice(0, 10);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="leads-${day}.csv"`);
    const rows = table(bytes);
    expect(rows.map((row) => Number(row.id)).sort((a, b) => a - b)).toEqual(
      Object.values(leads).sort((a, b) => a - b),
    );
    const tricky = rows.find((row) => Number(row.id) === leads.tricky);
    expect(tricky).toMatchObject({
      type: 'simple',
      stage: 'NEW',
      source: 'API',
      name: 'Ruiz, Ana',
      emails: 'ana@example.com',
      phones: "'+34600123456",
      telegram: '5012',
      responsible: 'Exporter Person',
      Budget: '1500',
      'Call notes': 'first line, with a comma\nsecond "quoted" line',
      closed: '',
    });
    expect(tricky?.created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(tricky ?? {})).toContain('Budget');
    const formula = rows.find((row) => Number(row.id) === leads.formula);
    expect(formula?.name).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(rows.find((row) => Number(row.id) === leads.nobody)?.responsible).toBe('');
  });

  it('takes the list route’s filters and selects what the list selects', async () => {
    for (const query of [
      'stage=IN_PROCESS',
      `responsibleId=${people.exporter.id}`,
      'unassigned=true',
      'email=ANA@example.com',
      'phone=611222333',
      'custom.budget=1500',
      'q=Bo',
      'sort=oldest',
    ]) {
      const listed = await api('GET', `/api/v1/leads?${query}&limit=200`);
      const ids = (listed.leads as { id: number }[]).map((row) => row.id);
      const rows = await exported(`/api/v1/leads/export?${query}`);
      expect(
        rows.map((row) => Number(row.id)),
        query,
      ).toEqual(ids);
      expect(ids.length, query).toBeGreaterThan(0);
    }
    const refused = await get('/api/v1/leads/export?stage=not%20a%20stage&limit=5', admin());
    expect(refused.res.status).toBe(400);
    expect(JSON.parse(refused.bytes.toString())).toMatchObject({ error: 'invalid_query' });
    const unknownField = await get('/api/v1/leads/export?custom.nope=1', admin());
    expect(unknownField.res.status).toBe(400);
  });

  it('honours the export scope: own records only, and 403 for none', async () => {
    const exporter = await signIn(people.exporter.email);
    const mine = await exported('/api/v1/leads/export', exporter);
    expect(mine.map((row) => Number(row.id)).sort()).toEqual([leads.tricky, leads.formula].sort());
    const operator = await signIn(people.operator.email);
    for (const entity of ['leads', 'clients', 'deals']) {
      const { res, bytes } = await get(`/api/v1/${entity}/export`, operator);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(bytes.toString())).toEqual({
        error: 'forbidden',
        message: `your roles may not export ${entity}`,
      });
    }
    // The path is the export's, not a lead with id "export".
    const { res } = await get('/api/v1/leads/export', operator);
    expect(res.status).not.toBe(404);
  });

  it('exports thousands of clients and deals across pages, none lost or repeated', async () => {
    const { store } = system;
    const COUNT = 2_345;
    const made: number[] = [];
    for (let start = 0; start < COUNT; start += 50) {
      const batch = Array.from({ length: Math.min(50, COUNT - start) }, (_, i) => start + i);
      made.push(
        ...(await Promise.all(
          batch.map(async (n) => {
            const created = await store.clients.create({
              kind: n % 5 === 0 ? 'company' : 'contact',
              name: `Client ${n}`,
              responsibleId: n % 3 === 0 ? people.exporter.id : people.admin.id,
              custom: { vat: n % 7 === 0 ? `-ES${n}` : `ES${n}` },
              identities: [
                { kind: 'email', key: `email:client${n}@bulk.test`, raw: `client${n}@bulk.test` },
              ],
            });
            return created.id;
          }),
        )),
      );
    }
    const started = Date.now();
    const rows = await exported('/api/v1/clients/export');
    const took = Date.now() - started;
    const ids = rows.map((row) => Number(row.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => made.includes(id))).toHaveLength(COUNT);
    const seventh = rows.find((row) => row.name === 'Client 7');
    expect(seventh).toMatchObject({ emails: 'client7@bulk.test', 'VAT id': "'-ES7" });
    console.info(`exported ${rows.length} clients in ${took} ms`);

    const companies = await exported('/api/v1/clients/export?kind=company');
    expect(companies.every((row) => row.kind === 'company')).toBe(true);
    expect(companies.filter((row) => (row.name ?? '').startsWith('Client '))).toHaveLength(
      Math.ceil(COUNT / 5),
    );
    const exporter = await signIn(people.exporter.email);
    const theirs = await exported('/api/v1/clients/export', exporter);
    expect(theirs.length).toBe(Math.ceil(COUNT / 3));
    expect(theirs.every((row) => row.responsible === 'Exporter Person')).toBe(true);

    const dealIds: number[] = [];
    for (let n = 0; n < 1_100; n += 1) {
      const written = await store.deals.create(
        {
          title: `Deal ${n}`,
          amount: n * 10,
          currency: 'EUR',
          clientId: made[n] ?? null,
          responsibleId: n % 2 ? people.exporter.id : people.admin.id,
          custom: { po: `PO-${n}` },
        },
        { userId: null, at: new Date() },
      );
      if (!written.ok) throw new Error(written.problem);
      dealIds.push(written.deal.id);
    }
    const deals = await exported('/api/v1/deals/export');
    expect(deals.map((row) => Number(row.id)).sort((a, b) => a - b)).toEqual(dealIds);
    expect(deals.find((row) => row.title === 'Deal 3')).toMatchObject({
      amount: '30',
      currency: 'EUR',
      'client id': String(made[3]),
      'Purchase order': 'PO-3',
      responsible: 'Exporter Person',
    });
    const ofOne = await exported(`/api/v1/deals/export?clientId=${made[4]}`);
    expect(ofOne.map((row) => row.title)).toEqual(['Deal 4']);
  });

  it('stops reading when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${system.baseUrl}/api/v1/clients/export`, {
      headers: admin(),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    // The server is still well: the next request is answered in full.
    const rows = await exported('/api/v1/deals/export?clientId=1');
    expect(Array.isArray(rows)).toBe(true);
  });
});

describe('the console', () => {
  it('links the filtered lead list to its export, which exports those filters', async () => {
    const exporter = await signIn(people.exporter.email);
    const page = await get('/leads?view=mine&stage=IN_PROCESS', exporter);
    expect(page.res.status).toBe(200);
    const href = /<a class="export" href="([^"]+)"/.exec(page.bytes.toString())?.[1];
    expect(href?.replace(/&amp;/g, '&')).toBe('/leads/export.csv?view=mine&stage=IN_PROCESS');
    const rows = await exported(href?.replace(/&amp;/g, '&') ?? '', exporter);
    expect(rows.map((row) => Number(row.id))).toEqual([leads.formula]);
    const all = await exported('/leads/export.csv?view=all', exporter);
    expect(all.map((row) => Number(row.id)).sort()).toEqual([leads.tricky, leads.formula].sort());
  });

  it('links the client list, searched, to its export', async () => {
    const adminSession = await signIn(people.admin.email);
    const page = await get('/clients?q=Client%2012', adminSession);
    const href = /<a class="export" href="([^"]+)"/.exec(page.bytes.toString())?.[1];
    expect(href).toBe('/clients/export.csv?q=Client+12');
    const rows = await exported(href ?? '', adminSession);
    expect(rows.length).toBeGreaterThan(0);
    // Every word of the search appears (the list's own rule): Client 12, Client 112, Client 1200…
    expect(rows.map((row) => row.name)).toContain('Client 12');
    expect(rows.every((row) => /^Client \d*12\d*$/.test(row.name ?? ''))).toBe(true);
  });

  it('shows no link and refuses the export to a viewer who may not export', async () => {
    const operator = await signIn(people.operator.email);
    for (const list of ['/leads', '/clients']) {
      const page = await get(list, operator);
      expect(page.res.status).toBe(200);
      expect(page.bytes.toString()).not.toContain('export.csv');
      const { res } = await get(`${list}/export.csv`, operator);
      expect(res.status).toBe(403);
    }
  });
});

describe('the CLI', () => {
  it('writes a filtered export to a file', async () => {
    const file = path.join(dir, 'leads.csv');
    const run = await runCli(system.env, [
      'export',
      'leads',
      '--out',
      file,
      '--responsible',
      people.exporter.email.toUpperCase(),
      '--stage',
      'new',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`exported 1 leads to ${file}`);
    const rows = table(readFileSync(file));
    expect(rows.map((row) => Number(row.id))).toEqual([leads.tricky]);
    expect(rows[0]?.Budget).toBe('1500');
  });

  it('writes to standard output, nothing but the CSV', async () => {
    const run = await runCli(system.env, ['export', 'deals', '--open']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('exported 1100 deals\n');
    const rows = table(Buffer.from(run.stdout));
    expect(rows).toHaveLength(1_100);
    expect(run.stdout.endsWith('\n') && !run.stdout.endsWith('\n\n')).toBe(true);
  });

  it('answers a wrong entity or option with what to type, not a stack trace', async () => {
    const typo = await runCli(system.env, ['export', 'lead']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('cannot export "lead": did you mean `export leads`?');
    expect(typo.stderr).toContain('export leads|clients|deals [--out FILE]');
    expect(typo.stderr).not.toMatch(/\n\s+at /);
    const wrongFilter = await runCli(system.env, ['export', 'clients', '--stage', 'NEW']);
    expect(wrongFilter.code).toBe(2);
    expect(wrongFilter.stderr).toContain('export clients takes --responsible, --kind, not --stage');
    const noStage = await runCli(system.env, ['export', 'deals', '--stage', 'NOPE']);
    expect(noStage.code).toBe(2);
    expect(noStage.stderr).toMatch(/no deal stage NOPE; the deal stages are \w+/);
  });
});
