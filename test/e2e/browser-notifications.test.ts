/**
 * The console's notifications in a real Chromium: a lead assigned to the signed-in operator
 * appears in the page's notifications; once she turns desktop notifications on (the browser's
 * permission granted) the next one is also a desktop notification, whose click opens the lead;
 * the choice is remembered, and a page without a live list of its own (clients) is told too;
 * all of it fits a 390 px screen.
 * `window.Notification` is wrapped by an init script, so the test sees what the page shows.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { api, startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
let system: TestSystem;
let browser: Browser;
let olga: number;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startSystem({ label: 'notify-browser' });
  await system.startInProcessWorker();
  const made = await system.store.users.createUser({
    name: 'Olga Operator',
    email: 'olga@center.test',
    roles: ['operator'],
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  olga = made.user.id;
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}notify-${name}.png`, fullPage: true });

/** A customer's message through the REST intake: the lead's id. */
async function intake(body: Record<string, unknown>) {
  const answer = await api(system)('POST', '/api/v1/leads?wait=true', body);
  expect(answer.body.status).toBe('done');
  return Number(answer.body.leadId);
}

async function assignToOlga(leadId: number) {
  expect(
    (await api(system)('PATCH', `/api/v1/leads/${leadId}`, { responsibleId: olga })).status,
  ).toBe(200);
}

interface Shown {
  title: string;
  body: string;
  onclick: (() => void) | null;
}

/** Stands in for the browser's Notification: records what is shown, asks the real permission. */
function recordNotifications() {
  const Real = window.Notification;
  const shown: Shown[] = [];
  class Recorded {
    title: string;
    body: string;
    onclick: (() => void) | null = null;
    constructor(title: string, options: { body?: string } = {}) {
      this.title = title;
      this.body = options.body ?? '';
      shown.push(this);
    }
    close() {}
    static get permission() {
      return Real.permission;
    }
    static requestPermission() {
      return Real.requestPermission();
    }
  }
  Object.assign(window, { Notification: Recorded, shownNotifications: shown });
}

const shownOn = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { shownNotifications: Shown[] }).shownNotifications.map(
      ({ title, body }) => ({ title, body }),
    ),
  );

/** Waits until the page's live stream is open: changes made after it reach the page. */
const streamOpen = (page: Page) =>
  page.locator('#notices[data-stream="open"]').waitFor({ state: 'attached' });

it(
  'shows a lead assigned to the operator, and after she allows it, as a desktop notification',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    await context.addInitScript(recordNotifications);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${system.baseUrl}/`);
      await page.getByLabel('Email').fill('olga@center.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/leads$/);
      await streamOpen(page);

      // A lead assigned to her appears in the page's notifications; nothing on the desktop yet.
      const first = await intake({
        name: 'Lucía',
        email: 'lucia@customer.test',
        title: 'Andamio para el lunes',
        message: 'Hola',
      });
      await assignToOlga(first);
      const notices = page.getByRole('log', { name: 'Notifications' });
      const notice = notices.locator('.notice').filter({ hasText: 'Andamio para el lunes' });
      await notice.getByText('New lead assigned to you').waitFor();
      expect(await notice.getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(
        `/leads/${first}`,
      );
      await shot(page, '1-toast');
      expect(await shownOn(page)).toEqual([]);

      // She turns desktop notifications on; the browser grants them.
      await context.grantPermissions(['notifications'], { origin: system.baseUrl });
      await page.getByRole('button', { name: 'Turn on desktop notifications' }).click();
      await page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
      expect(await page.evaluate(() => localStorage.getItem('leadwire.notify.desktop'))).toBe('on');

      // The next lead is on her desktop too; a click there opens it.
      const second = await intake({
        name: 'Mateo',
        email: 'mateo@customer.test',
        title: 'Grúa para el viernes',
        message: 'Buenas',
      });
      await assignToOlga(second);
      await expect
        .poll(() => shownOn(page))
        .toEqual([{ title: 'New lead assigned to you', body: 'Grúa para el viernes' }]);
      await notices.getByText('Grúa para el viernes').waitFor();
      await page.evaluate(() =>
        (window as unknown as { shownNotifications: Shown[] }).shownNotifications[0]!.onclick?.(),
      );
      await page.waitForURL(new RegExp(`/leads/${second}$`));

      // Remembered on the next page; a page without a live list of its own is told as well.
      await page.goto(`${system.baseUrl}/clients`);
      await page.getByRole('button', { name: 'Turn off desktop notifications' }).waitFor();
      await streamOpen(page);
      expect(await intake({ email: 'mateo@customer.test', message: '¿Me llaman?' })).toBe(second);
      await notices.getByText('The customer answered').waitFor();
      await expect
        .poll(() => shownOn(page))
        .toEqual([{ title: 'The customer answered', body: 'Grúa para el viernes' }]);
      await shot(page, '2-answer');

      // On a 390 px screen the switch and the notices fit: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 800 });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, '3-narrow');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
