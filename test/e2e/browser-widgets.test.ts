/**
 * The console's website-channel screens in a real Chromium: an administrator builds a web form
 * with the mouse and the keyboard, the preview follows a label while it is typed, Enter saves,
 * the snippet copies, and the public page then serves the form; the callback widget's working
 * hours are edited at 390 px wide with nothing wider than the screen. No script error and no
 * Content Security Policy complaint on the way. Screens are saved into test/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
let system: TestSystem;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startSystem({ label: 'browser-widgets' });
  const made = await system.store.users.createUser({
    name: 'Ada Admin',
    email: 'ada@widgets.test',
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
  page.screenshot({ path: `${SHOTS}widgets-${name}.png`, fullPage: true });

/** A signed-in page at `path`; script errors and CSP complaints are collected in `problems`. */
async function signedIn(path: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    // A failed load is reported below with its address.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
      problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${system.baseUrl}/?next=${encodeURIComponent(path)}`);
  await page.getByLabel('Email').fill('ada@widgets.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${system.baseUrl}${path}`);
  return { context, page, problems };
}

const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

it(
  'builds a web form: the preview follows the typing, Enter saves, the public page shows it',
  async () => {
    const { context, page, problems } = await signedIn('/channels/forms/new');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: system.baseUrl,
    });
    try {
      await page.getByRole('heading', { name: 'New web form' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Shop contact');
      await page.getByLabel('Address (slug)').fill('shop-contact');
      const preview = page.frameLocator('iframe.preview-frame');
      await preview.getByRole('heading', { name: 'Shop contact' }).waitFor();

      // "Add a field" posts the form back with a new row; the focus waits in its label.
      await page.getByRole('button', { name: 'Add a field' }).click();
      await page.getByRole('group', { name: 'Field 3: no label yet' }).waitFor();
      await expect.poll(() => focusedId(page)).toBe('f-2-label');
      await page.keyboard.type('Favourite colour');
      await preview.getByLabel('Favourite colour').waitFor();
      await page.getByLabel('Type').nth(2).selectOption('textarea');
      await expect.poll(() => preview.locator('textarea[name="favourite_colour"]').count()).toBe(1);
      await page.getByLabel('Required').nth(2).check();
      // Moving the new row up: the button keeps the focus on the moved row.
      await page.getByRole('button', { name: 'Move up Favourite colour' }).click();
      await expect.poll(() => focusedId(page)).toBe('f-1-up');
      await page.getByRole('group', { name: 'Field 2: Favourite colour' }).waitFor();
      await shot(page, '1-builder');
      await page
        .getByRole('region', { name: 'Fields' })
        .screenshot({ path: `${SHOTS}widgets-1-fields.png` });

      // Enter in a text box presses the form's first button: Save.
      await page.getByLabel('Name', { exact: true }).press('Enter');
      await page.waitForURL(/\/channels\/forms\/\d+\?saved=1$/);
      await page.getByRole('status').getByText('Saved.').waitFor();
      const id = /\/channels\/forms\/(\d+)/.exec(page.url())?.[1];
      const stored = await api(system)('GET', `/api/v1/forms/${id}`);
      expect(stored.body.fields.map((field: { key: string }) => field.key)).toEqual([
        'name',
        'favourite_colour',
        'email',
      ]);
      expect(stored.body.fields[1]).toEqual({
        key: 'favourite_colour',
        label: 'Favourite colour',
        type: 'textarea',
        required: true,
      });

      // The snippet is the API's; the copy button (shown by the script) says it copied.
      expect(await page.getByLabel('Snippet to paste into the page').inputValue()).toBe(
        stored.body.urls.snippet,
      );
      await page.getByRole('button', { name: 'Copy the snippet' }).click();
      await page.getByRole('status').getByText('Copied.').waitFor();
      await page.getByRole('region', { name: 'Health' }).waitFor();
      await preview.getByRole('heading', { name: 'Shop contact' }).waitFor();
      await shot(page, '2-saved');

      await page.goto(`${system.baseUrl}/f/shop-contact`);
      await page.getByRole('heading', { name: 'Shop contact' }).waitFor();
      await page.getByLabel('Favourite colour').waitFor();
      expect(problems, problems.join('\n')).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);

it(
  'edits a callback widget’s working hours at 390 px wide, in its own time zone',
  async () => {
    const { context, page, problems } = await signedIn('/channels/callbacks/new', {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      await page.getByRole('heading', { name: 'New callback widget' }).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Call desk');
      await page.getByLabel('Time zone of the working hours').selectOption('Europe/Madrid');
      await page.getByLabel('Monday, range 1: to').fill('14:00');
      await page.getByRole('button', { name: 'Add a range: Monday' }).click();
      await expect.poll(() => focusedId(page)).toBe('h-mon-1-from');
      await page.getByLabel('Monday, range 2: From').fill('16:00');
      await page.getByLabel('Monday, range 2: to').fill('20:00');
      await page.getByRole('group', { name: 'Saturday' }).getByLabel('Open').check();
      await page.getByLabel('Saturday, range 1: From').fill('10:00');
      await page.getByLabel('Saturday, range 1: to').fill('00:00');
      const preview = page.frameLocator('iframe.preview-frame');
      await expect.poll(() => preview.locator('body').textContent()).toContain('Sat 10:00–24:00');
      // Nothing is wider than the phone's screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await shot(page, '3-callback-390');
      await page
        .getByRole('region', { name: 'Working hours' })
        .screenshot({ path: `${SHOTS}widgets-4-hours-390.png` });

      await page.getByRole('button', { name: 'Save' }).first().click();
      await page.waitForURL(/\/channels\/callbacks\/\d+\?saved=1$/);
      const id = /\/channels\/callbacks\/(\d+)/.exec(page.url())?.[1];
      const stored = await api(system)('GET', `/api/v1/callbacks/${id}`);
      const office = [{ from: '09:00', to: '18:00' }];
      expect(stored.body).toMatchObject({
        slug: 'call-desk',
        timeZone: 'Europe/Madrid',
        hours: {
          mon: [
            { from: '09:00', to: '14:00' },
            { from: '16:00', to: '20:00' },
          ],
          tue: office,
          wed: office,
          thu: office,
          fri: office,
          sat: [{ from: '10:00', to: '24:00' }],
        },
      });
      expect(problems, problems.join('\n')).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
