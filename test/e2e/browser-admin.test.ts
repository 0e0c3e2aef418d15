/**
 * The admin screens in a real Chromium: an administrator creates an operator through the users
 * screen using the keyboard alone, the operator signs in; every admin screen fits a 390 px
 * screen without sideways scrolling, and each is saved into test/screenshots/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startSystem({ label: 'console-admin-browser' });
  const made = await system.store.users.createUser({
    name: 'Ada Admin',
    email: 'ada@center.test',
    roles: ['admin'],
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}admin-${name}.png`, fullPage: true });

async function signIn(page: Page, email: string) {
  await page.goto(`${system.baseUrl}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/leads$/);
}

const SCREENS = [
  'settings',
  'settings/users',
  'settings/departments',
  'settings/roles',
  'settings/stages',
  'settings/fields',
  'settings/api-keys',
];

it(
  'creates an operator by keyboard, and every admin screen fits a phone',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await signIn(page, 'ada@center.test');
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('link', { name: 'Users' }).first().click();
      await page.waitForURL(/\/settings\/users$/);

      // The new-user form by keyboard: focus its first field, type, Tab to the next ones.
      await page.getByLabel('Name', { exact: true }).focus();
      await page.keyboard.type('Omar Operator');
      await page.keyboard.press('Tab');
      await page.keyboard.type('omar@center.test');
      await page.getByLabel(/Initial password/).focus();
      await page.keyboard.type(PASSWORD);
      await shot(page, 'users-new');
      await page.getByRole('button', { name: 'Create the user' }).focus();
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Omar Operator' }).waitFor();
      const omar = (await system.store.users.listUsers({})).find(
        (user) => user.email === 'omar@center.test',
      );
      expect(omar).toMatchObject({ name: 'Omar Operator', active: true });

      for (const screen of SCREENS) {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.goto(`${system.baseUrl}/${screen}`);
        expect(await page.locator('h1').count()).toBe(1);
        await shot(page, screen.replace(/\//g, '-'));
        await page.setViewportSize({ width: 390, height: 800 });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect({ screen, overflow }).toEqual({ screen, overflow: 0 });
      }
      await shot(page, 'api-keys-narrow');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }

    // The new operator signs in with what the admin typed, and has no admin screens.
    const operator = await browser.newContext();
    try {
      const page = await operator.newPage();
      await signIn(page, 'omar@center.test');
      expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
      const refused = await page.goto(`${system.baseUrl}/settings/users`);
      expect(refused?.status()).toBe(403);
    } finally {
      await operator.close();
    }
  },
  SLOW,
);
