/**
 * The channel screens in a real Chromium, as an administrator meets them: connecting a mailbox
 * (a private Dovecot) through the form, "Test connection" with the server's answer, the mailbox's
 * next message becoming a lead (the email connector and the ingest worker run in-process), the
 * channel's health on the list, and the 390 px layout. Screens go to test/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectorHost } from '../../connectors/connector-host.ts';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { customerEmail } from '../helpers/email.ts';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'a long enough passphrase';
let system: TestSystem;
let browser: Browser;
let imap: ImapTestServer;
let email: ConnectorHost;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  imap = await startImapServer('browser-channels');
  system = await startSystem({ label: 'browser-channels', env: { SECRETS_KEY: 'b'.repeat(40) } });
  await system.startInProcessWorker();
  email = await system.startInProcessEmail();
  const made = await system.store.users.createUser({
    name: 'Marta Admin',
    email: 'marta@center.test',
    roles: ['admin'],
    timeZone: 'Europe/Madrid',
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await email?.stop();
  await system?.close();
  await imap?.stop();
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}channels-${name}.png`, fullPage: true });

it(
  'connects a mailbox through the screens, tests it, and its next message becomes a lead',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${system.baseUrl}/channels`);
      await page.getByLabel('Email').fill('marta@center.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/channels$/);
      await page.getByRole('heading', { name: 'Connected channels' }).waitFor();
      await shot(page, '1-list-empty');

      await page.getByRole('link', { name: 'Connect: Mailbox' }).click();
      await page.waitForURL(/\/channels\/new\?kind=email$/);
      await page.getByLabel('Name (required)', { exact: true }).fill('Soporte <b>');
      const incoming = page.getByRole('group', { name: 'Incoming mail (IMAP)' });
      await incoming.getByLabel('IMAP server (required)').fill(imap.host);
      await incoming.getByLabel('Port', { exact: true }).fill(String(imap.port));
      await incoming.getByLabel('TLS from the start (port 993)').uncheck();
      await incoming.getByLabel('User name (required)').fill(imap.users.support.user);
      await incoming.getByLabel('Password (required)').fill(imap.users.support.pass);
      await shot(page, '2-new-mailbox');
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.waitForURL(/\/channels\/\d+\?created=1$/);
      const channelId = Number(/\/channels\/(\d+)/.exec(page.url())?.[1]);
      await page.getByRole('status').getByText('Connected.').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Soporte <b>');

      // The test logs in with what was stored and shows Dovecot's answer.
      await page.getByRole('button', { name: 'Test connection' }).click();
      await page.getByRole('heading', { name: 'Test results' }).waitFor();
      const results = page.locator('ul.checks');
      await expect.poll(() => results.textContent()).toContain('logged in as support@test.local');
      expect(await results.textContent()).toMatch(/INBOX: \d+ messages/);
      expect(await page.content()).not.toContain(`value="${imap.users.support.pass}"`);
      await shot(page, '3-channel-tested');

      // The email process picks the new mailbox up; its next message is a lead (IDLE tells it).
      await email.refresh();
      await imap.append(
        imap.users.support,
        'INBOX',
        customerEmail(
          'Lucía Pérez <lucia@customer.test>',
          'andamio-1@customer.test',
          'Presupuesto andamio',
          'Hola, necesito un andamio para el lunes.',
        ),
      );
      await waitFor('the message to become a lead', async () => {
        const { body } = await api(system)('GET', '/api/v1/leads');
        return (body.leads as { title: string; channelId: number }[]).some(
          (lead) => lead.title === 'Presupuesto andamio' && lead.channelId === channelId,
        );
      });
      await page.goto(`${system.baseUrl}/leads`);
      await page.getByText('Lucía Pérez').first().waitFor();

      // The list says the session is connected and when its last message came.
      await page.goto(`${system.baseUrl}/channels`);
      const row = page.locator(`tr[data-channel="${channelId}"]`);
      await expect.poll(() => row.textContent()).toContain('connected');
      await row.locator('time').waitFor();
      await shot(page, '4-list');

      // 390 px wide: nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 800 });
      for (const path of ['/channels', `/channels/${channelId}`, '/channels/new?kind=email']) {
        await page.goto(`${system.baseUrl}${path}`);
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
      await shot(page, '5-narrow-new');
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
