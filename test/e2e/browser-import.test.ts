/**
 * CSV imports in a real Chromium. An administrator imports clients: opens Clients, follows
 * "Import from CSV", uploads a semicolon-separated Spanish file, sees the suggested columns,
 * counts in a dry run that writes nothing, goes back, imports, watches the progress until it is
 * finished and downloads the refused row with its reason. Then leads: a file whose rows are
 * messages from a person with an open lead and from a new person twice, merged into the open
 * leads, the new lead opened with its title and the imported comment. A role that may not create
 * every lead sees no import at all. Screens go into test/screenshots/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 180_000;
/** Long enough for an import's poll on a loaded two-core machine. */
const PATIENT = 60_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
const all = { kind: 'all' } as const;
let system: TestSystem;
let browser: Browser;
let files: string;

/** Three good clients and, on line 4 (the header is line 1), one with no email address. */
const CLIENTS_CSV = [
  'Nombre;Teléfono;Email;Empresa',
  'Lucía Gómez;655 111 222;lucia@andamios.test;Andamios Norte',
  'Pablo Ruiz;+34 911 222 333;pablo@obras.test;Obras Sur',
  'Carmen Vidal;622 333 444;carmen-sin-arroba;Vidal SL',
  'Íñigo Sáez;633 444 555;inigo@saez.test;',
].join('\r\n');

/** Rosa already has an open lead; Tomás is new and writes twice. */
const LEADS_CSV = [
  'Name,Email,Title,Comment',
  'Rosa Prieto,rosa@cliente.test,Seguimiento,Quiero ampliar el pedido a 60 metros',
  'Tomás Herrera,tomas@cliente.test,Presupuesto de andamio,Necesito 40 metros para el lunes',
  'Tomás Herrera,tomas@cliente.test,Presupuesto de andamio,También necesito el montaje',
].join('\r\n');

async function addUser(email: string, name: string, roles: string[]) {
  const made = await system.store.users.createUser({
    name,
    email,
    roles,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  files = mkdtempSync(path.join(tmpdir(), 'leadwire-browser-import-'));
  system = await startSystem({ label: 'console-import-browser' });
  // The REST intake's leads are decided by the worker.
  await system.startInProcessWorker();
  // Importing needs a role that may create every record: of the seeded ones, only admin.
  await addUser('ana@center.test', 'Ana Admin', ['admin']);
  await addUser('oscar@center.test', 'Óscar Operador', ['operator']);
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
  if (files) rmSync(files, { recursive: true, force: true });
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}import-${name}.png`, fullPage: true });

/** A file written for the browser to upload. */
function csvFile(name: string, text: string): string {
  const file = path.join(files, name);
  writeFileSync(file, text);
  return file;
}

/** A fresh browser signed in as `email`; the page is on the leads list. */
async function signedIn(email: string, test: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ acceptDownloads: true });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    await page.goto(`${system.baseUrl}/`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/leads$/);
    await test(page);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
}

/** Waits, while htmx polls the progress, for its status line to say `status`. */
async function waitForStatus(page: Page, status: string) {
  await page
    .locator('#import-progress')
    .getByRole('status')
    .getByText(status, { exact: true })
    .waitFor({ timeout: PATIENT });
}

const progressCounts = (page: Page) =>
  page.locator('#import-progress p[aria-live="polite"]').textContent();

async function clientsNamed(names: string[]) {
  const { clients } = await system.store.clients.list({ limit: 200 }, all);
  return clients
    .map((client) => client.name ?? '')
    .filter((name) => names.includes(name))
    .sort();
}

it(
  'imports clients from a CSV: suggested columns, a dry run, the import and its refused row',
  async () => {
    const file = csvFile('clientes.csv', CLIENTS_CSV);
    const imported = ['Lucía Gómez', 'Pablo Ruiz', 'Íñigo Sáez'];
    await signedIn('ana@center.test', async (page) => {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Clients' })
        .click();
      await page.waitForURL(/\/clients$/);
      await page.getByRole('link', { name: 'Import from CSV' }).click();
      await page.waitForURL(/\/clients\/import$/);
      await page.getByRole('heading', { level: 1, name: 'Import clients' }).waitFor();
      await page.getByLabel('CSV file').setInputFiles(file);
      await page.getByRole('button', { name: 'Upload and choose the columns' }).click();

      // The columns, each with what its header suggests.
      await page.waitForURL(/\/clients\/import\/[a-f0-9]{32}$/);
      const mapping = page.url();
      await page.getByText('clientes.csv: utf-8, separated by “;”.').waitFor();
      await expect.poll(() => page.getByLabel('Nombre').inputValue()).toBe('name');
      expect(await page.getByLabel('Teléfono').inputValue()).toBe('phone');
      expect(await page.getByLabel('Email', { exact: true }).inputValue()).toBe('email');
      expect(await page.getByLabel('Empresa').inputValue()).toBe('company');
      expect(await page.getByLabel('fill in what the client lacks').isChecked()).toBe(true);
      await page.getByLabel('Country of phone numbers written without +code').fill('ES');
      await shot(page, 'clients-1-columns');

      // A dry run counts and writes nothing.
      await page.getByRole('button', { name: 'Dry run: count only' }).click();
      await page.waitForURL(/\/progress$/);
      await waitForStatus(page, 'Dry run finished: nothing was written.');
      expect(await progressCounts(page)).toBe(
        '4 records read · would create 3 · would update 0 · skipped as duplicates 0 · refused 1',
      );
      await shot(page, 'clients-2-dry-run');
      expect(await clientsNamed(imported)).toEqual([]);

      // Back to the columns, and the import itself.
      await page.getByRole('link', { name: 'Choose other columns' }).click();
      await page.waitForURL(mapping);
      await page.getByLabel('Country of phone numbers written without +code').fill('ES');
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.waitForURL(/\/progress$/);
      await waitForStatus(page, 'Finished.');
      expect(await progressCounts(page)).toBe(
        '4 records read · created 3 · updated 0 · skipped as duplicates 0 · refused 1',
      );
      expect(await page.locator('#import-progress progress').getAttribute('value')).toBe('100');
      await shot(page, 'clients-3-finished');

      // The refused row comes back with its line and why.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page
          .getByRole('link', { name: 'Download the refused rows with their reasons (CSV)' })
          .click(),
      ]);
      expect(download.suggestedFilename()).toBe('clientes.errors.csv');
      const refused = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
      expect(refused.split('\r\n').filter(Boolean)).toEqual([
        'line;reason;Nombre;Teléfono;Email;Empresa',
        // The reason holds quotes, so it is quoted, its own quotes doubled.
        '4;"Email: ""carmen-sin-arroba"" is not an email address";Carmen Vidal;622 333 444;carmen-sin-arroba;Vidal SL',
      ]);

      // The clients are in the list and in the store, with the phone read as Spanish.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Clients' })
        .click();
      for (const name of imported) await page.getByRole('link', { name }).waitFor();
      await shot(page, 'clients-4-list');
    });
    expect(await clientsNamed([...imported, 'Carmen Vidal'])).toEqual([...imported].sort());
    const { clients } = await system.store.clients.list({ q: 'Lucía', limit: 10 }, all);
    expect(clients.map((client) => client.company)).toEqual(['Andamios Norte']);
    expect(clients[0]?.identities.map((identity) => identity.key).sort()).toEqual([
      'email:lucia@andamios.test',
      'phone:+34655111222',
    ]);
  },
  SLOW,
);

it(
  'imports leads from a CSV as messages: one more on an open lead, a new lead, then one more on it',
  async () => {
    const opened = await api(system)('POST', '/api/v1/leads?wait=true', {
      name: 'Rosa Prieto',
      email: 'rosa@cliente.test',
      title: 'Andamio para fachada',
      message: 'Hola, necesito un andamio',
    });
    expect(opened.body.status).toBe('done');
    const rosaLead = Number(opened.body.leadId);
    const file = csvFile('leads.csv', LEADS_CSV);

    await signedIn('ana@center.test', async (page) => {
      await page.locator('a.import').click();
      await page.waitForURL(/\/leads\/import$/);
      await page.getByRole('heading', { level: 1, name: 'Import leads' }).waitFor();
      await page.getByLabel('CSV file').setInputFiles(file);
      await page.getByRole('button', { name: 'Upload and choose the columns' }).click();

      await page.waitForURL(/\/leads\/import\/[a-f0-9]{32}$/);
      await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('title');
      expect(await page.getByLabel('Comment').inputValue()).toBe('comment');
      expect(await page.getByLabel('add the row to that lead').isChecked()).toBe(true);
      await shot(page, 'leads-1-columns');
      await page.getByRole('button', { name: 'Import', exact: true }).click();

      await page.waitForURL(/\/leads\/import\/[a-f0-9]{32}\/progress$/);
      await waitForStatus(page, 'Finished.');
      expect(await progressCounts(page)).toBe(
        '3 records read · created 1 · updated 2 · skipped as duplicates 0 · refused 0',
      );
      expect(
        await page
          .getByRole('link', { name: 'Download the refused rows with their reasons (CSV)' })
          .count(),
      ).toBe(0);
      await shot(page, 'leads-2-finished');

      // The new lead, from the list: its title, and both of Tomás's rows as his messages.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Leads' })
        .click();
      await page.waitForURL(/\/leads$/);
      await page.locator('a.lead-link', { hasText: 'Tomás Herrera' }).click();
      await page.waitForURL(/\/leads\/\d+$/);
      await page.getByRole('heading', { level: 1, name: 'Tomás Herrera' }).waitFor();
      await page.locator('.lead-head .sub').getByText('Presupuesto de andamio').waitFor();
      const conversation = page.getByRole('region', { name: 'Conversation' });
      await expect
        .poll(() => conversation.locator('li.message .text').allTextContents())
        .toEqual(['Necesito 40 metros para el lunes', 'También necesito el montaje']);
      await shot(page, 'leads-3-new-lead');
    });

    // Rosa's row went to her open lead: no second lead for her.
    const rosa = await system.store.leads.get(rosaLead, all);
    expect(rosa?.messages.map((message) => message.text)).toEqual([
      'Hola, necesito un andamio',
      'Quiero ampliar el pedido a 60 metros',
    ]);
    const { leads } = await system.store.leads.list({ q: 'Rosa', limit: 10 }, all);
    expect(leads.map((lead) => lead.id)).toEqual([rosaLead]);
  },
  SLOW,
);

it(
  'shows no import to a role that may not create every lead, and refuses it',
  async () => {
    await signedIn('oscar@center.test', async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Leads' }).waitFor();
      await page.getByRole('link', { name: 'Board by stage' }).waitFor();
      expect(await page.locator('a.import').count()).toBe(0);
      const answer = await page.goto(`${system.baseUrl}/leads/import`);
      expect(answer?.status()).toBe(403);
      await page.getByRole('heading', { level: 1, name: 'Not for you' }).waitFor();
      await shot(page, 'leads-4-operator-refused');
    });
  },
  SLOW,
);
