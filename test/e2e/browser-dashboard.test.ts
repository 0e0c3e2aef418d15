/**
 * The queue dashboard as an ops engineer meets it, in a real Chromium: sent to the sign-in page,
 * signed in as an administrator, the bull-board UI showing Leadwire's queues (its scripts running
 * under our CSP), and signed out again (the session ends on the server).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { hashPassword } from '../../core/passwords.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  system = await startSystem({ label: 'dashboard' });
  await system.startInProcessWorker();
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
}, SLOW);

it(
  'signs in as an administrator, shows the queues, and signs out',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    try {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      await page.goto(`${system.baseUrl}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await system.store.users.createUser({
        name: 'Ops',
        email: 'ops@example.com',
        roles: ['admin'],
        passwordHash: await hashPassword('a long enough passphrase'),
      });
      await page.getByLabel('Email').fill('ops@example.com');
      await page.getByLabel('Password').fill('not the passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('not right');

      await page.getByLabel('Email').fill('ops@example.com');
      await page.getByLabel('Password').fill('a long enough passphrase');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/admin\/queues/);
      // bull-board renders the queue list with its own scripts: both queues appear.
      await page.getByText('ingest', { exact: true }).first().waitFor();
      await page.getByText('outbound', { exact: true }).first().waitFor();
      expect(pageErrors).toEqual([]);
      const cookie = (await context.cookies()).find((c) => c.name === 'lw_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

      const response = await page.request.post(`${system.baseUrl}/admin/logout`, {
        maxRedirects: 0,
      });
      expect(response.status()).toBe(303);
      await page.goto(`${system.baseUrl}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
    } finally {
      await context.close();
    }
  },
  SLOW,
);
