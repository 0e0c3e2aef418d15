/**
 * An email conversation in the console, in a real Chromium, against a private Dovecot and a local
 * SMTP server: a message APPENDed to the mailbox appears in the open lead list without a reload;
 * its whole HTML message opens in a sandboxed frame with its `cid:` picture from our attachment
 * and nothing that runs; the operator's reply reaches the SMTP server and its status turns to
 * sent on the open page; the customer's answer appears live on the same lead; a lead changed
 * since the operator opened it is marked unread. Screens saved into test/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { connectMailbox, customerEmail } from '../helpers/email.ts';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

const SLOW = 120_000;
const SHOTS = new URL('../screenshots/', import.meta.url).pathname;
const PASSWORD = 'correct horse battery';
let system: TestSystem;
let browser: Browser;
let imap: ImapTestServer;
let smtp: SMTPServer;
const received: ParsedMail[] = [];

/** A 1×1 red PNG: the email's inline picture. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  imap = await startImapServer('console-email');
  system = await startSystem({ label: 'console-email', env: { SECRETS_KEY: 'c'.repeat(40) } });
  await system.startInProcessWorker();
  await connectMailbox(system, imap, {
    smtp: { host: '127.0.0.1', port: smtpPort, secure: false, from: 'support@test.local' },
  });
  await system.startInProcessEmail();
  const made = await system.store.users.createUser({
    name: 'Olga Operator',
    email: 'olga@center.test',
    roles: ['admin'],
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  browser = await launchBrowser();
}, SLOW);

afterAll(async () => {
  await browser?.close();
  await system?.close();
  await imap?.stop();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
}, SLOW);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}console-email-${name}.png`, fullPage: true });

/** An HTML email with a `cid:` picture and a script that must never run. */
function htmlEmail(): string {
  const boundary = 'rel-boundary-1';
  return [
    'From: Irene Vidal <irene@customer.test>',
    'To: support@test.local',
    'Subject: Presupuesto de mudanza',
    'Message-ID: <mudanza-1@customer.test>',
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/related; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    '',
    '<html><body><p>Hola, necesitamos <b>mudanza</b> el viernes.</p>',
    '<p><img src="cid:plano@customer.test" alt="plano"></p>',
    '<script>parent.document.title = "pwned"</script>',
    '<img src="https://tracker.example/pixel.gif" alt="tracker"></body></html>',
    '',
    `--${boundary}`,
    'Content-Type: image/png; name="plano.png"',
    'Content-Transfer-Encoding: base64',
    'Content-ID: <plano@customer.test>',
    'Content-Disposition: inline; filename="plano.png"',
    '',
    PIXEL.toString('base64'),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

it(
  'shows a mailbox’s email live, its whole message safely, sends the reply and shows the answer live',
  async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${system.baseUrl}/`);
      await page.getByLabel('Email').fill('olga@center.test');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/leads$/);

      // The customer's email lands in the mailbox: it appears in the open list, marked new.
      await imap.append(imap.users.support, 'INBOX', htmlEmail());
      const row = page.locator('tr', { hasText: 'Irene Vidal' });
      await row.waitFor();
      expect(await row.getAttribute('class')).toContain('unread');
      await shot(page, '1-list-live');

      // Opened: the new words, and the whole message in a sandboxed frame.
      await row.locator('a.lead-link').click();
      await page.waitForURL(/\/leads\/\d+$/);
      const leadUrl = page.url();
      await page.getByText('necesitamos mudanza', { exact: false }).first().waitFor();
      await page.getByText('Show the whole message').click();
      const frameElement = page.locator('details.whole iframe');
      expect(await frameElement.getAttribute('sandbox')).toBe(
        'allow-popups allow-popups-to-escape-sandbox',
      );
      const frame = page.frameLocator('details.whole iframe');
      await frame.getByText('el viernes').waitFor();
      const picture = frame.getByAltText('plano');
      expect(await picture.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      // The picture really shows (it was read from our attachment), and nothing ran or loaded.
      await expect
        .poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBe(1);
      expect(await frame.locator('script').count()).toBe(0);
      expect(await frame.getByAltText('tracker').count()).toBe(0);
      expect(await page.title()).not.toBe('pwned');
      await shot(page, '2-whole-message');

      // The reply goes out over SMTP to the customer; its status turns to sent on the page.
      await page.getByLabel(/Reply on/).fill('Hola Irene, el viernes a las 9 os va bien?');
      await page.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
      const sent = received[0]!;
      expect(sent.to && 'value' in sent.to ? sent.to.value[0]?.address : '').toBe(
        'irene@customer.test',
      );
      expect(sent.text).toContain('el viernes a las 9');
      expect(sent.inReplyTo).toBe('<mudanza-1@customer.test>');
      await page.locator('.delivery[data-delivery="sent"]').waitFor();
      await shot(page, '3-reply-sent');

      // The customer answers the reply: it appears on the open page by itself.
      await imap.append(
        imap.users.support,
        'INBOX',
        customerEmail(
          'Irene Vidal <irene@customer.test>',
          'mudanza-2@customer.test',
          `Re: ${sent.subject ?? ''}`,
          'Perfecto, a las 9 estaremos.',
          { 'In-Reply-To': sent.messageId ?? '', References: sent.messageId ?? '' },
        ),
      );
      await page.getByText('Perfecto, a las 9 estaremos.').waitFor();
      expect(page.url()).toBe(leadUrl);
      await shot(page, '4-answer-live');

      // Back on the list, the lead is read: the operator saw the answer on its page.
      await page.goto(`${system.baseUrl}/leads`);
      const read = page.locator('tr', { hasText: 'Irene Vidal' });
      await read.waitFor();
      expect(await read.getAttribute('class')).toBeNull();
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  },
  SLOW,
);
