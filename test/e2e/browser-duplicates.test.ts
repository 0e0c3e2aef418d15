/**
 * Duplicates in a real Chromium: an operator opens a client, sees its possible duplicate with
 * the reason, merges it on the merge screen picking the other record's name, sees the notice on
 * the surviving client and undoes the merge from it. Screens go into test/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { normalisePhone, type Identity } from '../../core/identities.ts';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
let system: TestSystem;
let browser: Browser;
let kept: number;
let twin: number;

function phone(text: string): Identity {
  const read = normalisePhone(text, 'ES');
  if (!read.ok) throw new Error(text);
  return read.identity;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startSystem({ label: 'console-duplicates-browser' });
  const made = await system.store.users.createUser({
    name: 'Olivia Operadora',
    email: 'olivia@center.test',
    roles: ['supervisor'],
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  const olivia = made.user.id;
  const { clients } = system.store;
  kept = (
    await clients.create({
      name: 'Jose Martinez',
      responsibleId: olivia,
      identities: [phone('+34 655 123 456')],
    })
  ).id;
  twin = (
    await clients.create({
      name: 'José Martínez',
      responsibleId: olivia,
      identities: [phone('655123456')],
    })
  ).id;
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}duplicates-${name}.png`, fullPage: true });

it(
  'merges a duplicate client picking a value, then undoes the merge',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${system.baseUrl}/`);
      await page.getByLabel('Email').fill('olivia@center.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/leads$/);

      await page.goto(`${system.baseUrl}/clients/${kept}`);
      const panel = page.getByRole('region', { name: 'Possible duplicates' });
      await panel.getByText('same phone +34 655 12 34 56').waitFor();
      await shot(page, '1-client');
      await panel.getByRole('link', { name: 'Merge…' }).click();
      await page.waitForURL(new RegExp(`/merge/clients/${kept}/${twin}$`));
      await page.getByRole('group', { name: 'Name' }).waitFor();
      await page.getByLabel(`From #${twin} José Martínez: José Martínez`).check();
      await shot(page, '2-merge-screen');
      await page.getByRole('button', { name: 'Merge', exact: true }).click();

      await page.waitForURL(new RegExp(`/clients/${kept}\\?merged=\\d+$`));
      await page.getByRole('status').getByText(`Merged: #${twin}`).waitFor();
      await page.getByRole('heading', { level: 1, name: 'José Martínez' }).waitFor();
      await shot(page, '3-merged');
      await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();

      await page.waitForURL(new RegExp(`/clients/${kept}\\?unmerged=\\d+$`));
      await page.getByRole('status').getByText('Merge undone').waitFor();
      await page.getByRole('heading', { level: 1, name: 'Jose Martinez' }).waitFor();
      await page
        .getByRole('region', { name: 'Possible duplicates' })
        .getByRole('link', { name: 'José Martínez' })
        .waitFor();
      await shot(page, '4-undone');
      expect((await system.store.clients.get(twin))?.name).toBe('José Martínez');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
