/**
 * The operator console in a real Chromium, as a contact center meets it: the first run creates
 * the administrator; a customer's message appears in the open lead list without a reload; the
 * keyboard opens it; a note, a stage change and the customer's next message (live, on the open
 * page) follow; customer content stays text; sign-out ends the session; the 390 px layout. Each
 * screen is saved into test/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startSystem({ label: 'console' });
  await system.startInProcessWorker();
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}console-${name}.png`, fullPage: true });

async function intake(body: Record<string, unknown>) {
  const answer = await api(system)('POST', '/api/v1/leads?wait=true', body);
  expect(answer.body.status).toBe('done');
  return Number(answer.body.leadId);
}

it(
  'runs the first time, shows leads live, opens one by keyboard, works it and signs out',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => pageErrors.push(`dialog: ${dialog.message()}`));
    try {
      // First run: nobody has an account, so / creates the administrator.
      await page.goto(`${system.baseUrl}/`);
      await shot(page, '1-first-run');
      await page.getByLabel('Your name').fill('Marta Admin');
      await page.getByLabel('Email').fill('marta@center.test');
      await page.getByLabel('Password (at least 10 characters)').fill('a long enough passphrase');
      await page.getByLabel('The password again').fill('a long enough passphrase');
      await page.getByRole('button', { name: 'Create the administrator' }).click();
      await page.waitForURL(/\/leads\?welcome=1/);
      await page.getByRole('status').getByRole('link', { name: 'Connect a channel' }).waitFor();
      await page.getByText('No leads yet').waitFor();
      await shot(page, '2-empty-list');

      // A customer writes: the lead appears in the open list, no reload.
      const leadId = await intake({
        name: '<script>alert("x")</script> Lucía',
        email: 'lucia@customer.test',
        title: 'Presupuesto andamio',
        message: 'Hola, necesito un andamio para el lunes',
      });
      const link = page.locator('a.lead-link').first();
      await expect.poll(() => link.textContent()).toContain('Lucía');
      expect(await link.textContent()).toContain('<script>');
      await shot(page, '3-lead-live');

      // Keyboard: j focuses the first lead, Enter opens it.
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('j');
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.className))
        .toBe('lead-link');
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`/leads/${leadId}$`));
      await page.getByText('necesito un andamio').waitFor();
      await shot(page, '4-lead');

      // A note and a stage change, through the page's forms.
      await page.getByLabel('Internal note').fill('Llamar antes de las 12');
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.getByText('Llamar antes de las 12').waitFor();
      await page.getByLabel('Stage', { exact: true }).selectOption('IN_PROCESS');
      await page.getByRole('button', { name: 'Save' }).first().click();
      await expect
        .poll(() => page.getByLabel('Stage', { exact: true }).inputValue())
        .toBe('IN_PROCESS');
      // Assigned to herself: the responsible shows on the page, the timeline and the API.
      await page.getByLabel('Responsible').selectOption({ label: 'Marta Admin' });
      await page.getByRole('button', { name: 'Save' }).nth(1).click();
      await page.getByText('responsible Nobody → Marta Admin').waitFor();
      const assigned = (await api(system)('GET', `/api/v1/leads/${leadId}`)).body;
      expect(assigned.responsibleId).toBe(
        (await system.store.users.listUsers({})).find((user) => user.name === 'Marta Admin')?.id,
      );

      // The customer writes again: the message appears on the open page by itself.
      expect(
        await intake({ email: 'lucia@customer.test', message: 'Mejor el martes, gracias' }),
      ).toBe(leadId);
      await page.getByText('Mejor el martes').waitFor();
      await shot(page, '5-lead-live-message');

      // Search from the list with /.
      await page.goto(`${system.baseUrl}/leads`);
      await page.keyboard.press('/');
      await page.keyboard.type('andamio');
      await page.keyboard.press('Enter');
      await page.waitForURL(/q=andamio/);
      await expect.poll(() => page.locator('a.lead-link').count()).toBe(1);

      // The board: a column per stage with its count.
      await page.getByRole('link', { name: 'Board by stage' }).click();
      await page.getByRole('region', { name: 'In progress: 1 lead' }).waitFor();
      await shot(page, '6-board');
      // A card dragged to another column moves the lead to that stage, and back.
      const card = page.locator(`.board [data-lead="${leadId}"]`);
      await card.dragTo(page.locator('.column[data-stage="NEW"]'));
      await page.getByRole('region', { name: 'New: 1 lead' }).waitFor();
      expect((await api(system)('GET', `/api/v1/leads/${leadId}`)).body.stage).toBe('NEW');
      await card.dragTo(page.locator('.column[data-stage="IN_PROCESS"]'));
      await page.getByRole('region', { name: 'In progress: 1 lead' }).waitFor();

      // Converted into a contact, the customer's next message is a repeat lead of that client.
      await page.goto(`${system.baseUrl}/leads/${leadId}`);
      await page.locator('details.convert summary').click();
      await shot(page, '7-convert');
      await page.getByRole('button', { name: 'Convert', exact: true }).click();
      await expect
        .poll(() => page.getByLabel('Stage', { exact: true }).inputValue())
        .toBe('CONVERTED');
      await page.getByRole('link', { name: /Lucía/ }).first().waitFor();
      const repeat = await intake({ email: 'lucia@customer.test', message: 'Quiero otro andamio' });
      expect(repeat).not.toBe(leadId);
      await page.goto(`${system.baseUrl}/leads`);
      await page.locator(`tr[data-lead="${repeat}"] .badge.repeat`).waitFor();
      await shot(page, '8-repeat-lead');

      // The 390 px layout: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${system.baseUrl}/leads/${leadId}`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, '9-narrow');

      // Sign out: the session ends on the server, the pages send to sign-in.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/signedOut=1/);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await shot(page, '10-signed-out');
      await page.goto(`${system.baseUrl}/leads`);
      expect(new URL(page.url()).pathname).toBe('/');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
