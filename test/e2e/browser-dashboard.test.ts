/**
 * The queue dashboard as an ops engineer meets it, in a real Chromium: sent to the login page,
 * logged in with an admin key, the bull-board UI showing Leadwire's queues (its scripts running
 * under our CSP), and logged out again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { createApiKey, startSystem, type TestSystem } from '../helpers/system.ts';

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
  'logs in with an admin key, shows the queues, and logs out',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    try {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));

      await page.goto(`${system.baseUrl}/admin/queues`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.getByLabel('Admin API key').fill('lw_wrong-key');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');

      const { key } = await createApiKey(system.store, 'ops', 'admin');
      await page.getByLabel('Admin API key').fill(key);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/admin\/queues/);
      // bull-board renders the queue list with its own scripts: both queues appear.
      await page.getByText('ingest', { exact: true }).first().waitFor();
      await page.getByText('outbound', { exact: true }).first().waitFor();
      expect(pageErrors).toEqual([]);
      const cookie = (await context.cookies()).find((c) => c.name === 'lw_admin');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

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
