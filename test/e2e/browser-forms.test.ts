/**
 * The website channels as a customer meets them, in a real Chromium: the hosted form (with and
 * without JavaScript), server-rendered validation errors, the form and the callback widget
 * embedded in a shop on another origin, and what each submission becomes in the CRM.
 */
import { sql } from 'drizzle-orm';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, servePages, shopPage, type PageServer } from '../helpers/browser.ts';
import {
  CALLBACK_WIDGET,
  CONTACT_FORM,
  createCallbackWidget,
  createForm,
  renderToken,
} from '../helpers/site.ts';
import { count } from '../helpers/rows.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

/** Posts sooner than this after the form was rendered are turned away as "too fast". */
const MIN_FILL_MS = 300;
const CONSENT = 'I agree to be contacted about my request';
const SUCCESS = CONTACT_FORM.successText;
const SLOW = 120_000;

let system: TestSystem;
let browser: Browser;
let shop: PageServer;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // One after the other, so a failed start leaves only started things for afterAll to close.
  system = await startSystem({ label: 'browser', env: { FORM_MIN_FILL_MS: String(MIN_FILL_MS) } });
  await system.startInProcessWorker();
  browser = await launchBrowser();
  shop = await servePages();
}, SLOW);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  await system?.close();
}, SLOW);

async function openPage(options: BrowserContextOptions = {}) {
  const context = await browser.newContext(options);
  contexts.push(context);
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return { page, pageErrors };
}

/** Lets the spam defence's minimum fill time pass since `since`, as a person's typing would. */
async function humanPause(page: Page, since: number) {
  const left = since + MIN_FILL_MS + 200 - Date.now();
  if (left > 0) await page.waitForTimeout(left);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- REST answers are read as JSON
type Json = any;

async function leadsOn(channelId: number, source: string): Promise<Json[]> {
  const listed = await api(system)('GET', `/api/v1/leads?source=${source}&limit=200`);
  expect(listed.status).toBe(200);
  return (listed.body.leads as Json[]).filter((lead) => lead.channelId === channelId);
}

/** Waits for the one lead a channel should have, then reads it whole (messages, activities). */
async function theLeadOn(channelId: number, source: string): Promise<Json> {
  await waitFor(
    `a ${source} lead from channel ${channelId}`,
    async () => (await leadsOn(channelId, source)).length > 0,
    45_000,
  );
  const leads = await leadsOn(channelId, source);
  expect(leads).toHaveLength(1);
  const lead = await api(system)('GET', `/api/v1/leads/${leads[0].id}`);
  expect(lead.status).toBe(200);
  return lead.body;
}

function inboxRowsOf(channelId: number): Promise<number> {
  return count(system, sql`SELECT count(*) AS n FROM inbox WHERE channel_id = ${channelId}`);
}

describe('the hosted web form', () => {
  it(
    'is filled with accessible locators and becomes a WEBFORM lead with consent and UTM',
    async () => {
      const form = await createForm(system);
      const { page, pageErrors } = await openPage();
      const url = `${system.baseUrl}/f/contact?utm_source=newsletter&utm_campaign=nov`;
      const opened = await page.goto(url);
      expect(opened?.status()).toBe(200);
      const since = Date.now();
      await page.getByRole('heading', { name: 'Contact us' }).waitFor();

      await page.getByLabel('Your name').fill('Ana García');
      await page.getByLabel('Email').fill('Ana.Garcia@Example.com');
      await page.getByLabel('Topic').selectOption('Sales');
      await page.getByLabel('Message').fill('Please send me a quote for 40 chairs.');
      await page.getByLabel(CONSENT).check();
      await humanPause(page, since);
      const [posted] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send' }).click(),
      ]);
      expect(posted.status()).toBe(200);
      await page.getByRole('status').getByText(SUCCESS).waitFor();
      expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(0);

      const lead = await theLeadOn(form.channelId, 'WEBFORM');
      expect(lead).toMatchObject({
        source: 'WEBFORM',
        name: 'Ana García',
        title: 'Contact us: Ana García',
        fields: { campaign: 'autumn', topic: 'Sales' },
        utm: { utm_source: 'newsletter', utm_campaign: 'nov' },
      });
      expect(lead.identities).toEqual([
        expect.objectContaining({ kind: 'email', key: 'email:ana.garcia@example.com' }),
      ]);
      expect(lead.messages).toHaveLength(1);
      const [message] = lead.messages;
      expect(message.direction).toBe('in');
      expect(message.text).toContain('Please send me a quote for 40 chairs.');
      expect(message.text).toContain('Topic: Sales');
      expect(message.meta.consent).toEqual({ text: CONSENT, at: expect.any(String) });
      expect(Date.now() - Date.parse(message.meta.consent.at)).toBeLessThan(5 * 60_000);
      expect(message.meta.form).toMatchObject({ id: form.id, slug: 'contact' });
      expect(message.meta.visit.pageUrl).toBe(url);
      expect(message.attachments).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'shows each error next to its field, keeps what was typed, and sends once corrected',
    async () => {
      const form = await createForm(system, { ...CONTACT_FORM, slug: 'contact-errors' });
      const { page } = await openPage();
      await page.goto(`${system.baseUrl}/f/contact-errors`);
      const since = Date.now();
      const name = page.getByLabel('Your name');
      const email = page.getByLabel('Email');
      const comment = page.getByLabel('Message');
      const consent = page.getByLabel(CONSENT);
      await email.fill('bruno@');
      await page.getByLabel('Topic').selectOption('Support');
      await comment.fill('My order never arrived.');
      await consent.check();
      await humanPause(page, since);
      const [rejected] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send' }).click(),
      ]);
      expect(rejected.status()).toBe(422);
      await page.getByText('Please correct 2 fields:').waitFor();

      const describedError = async (input: typeof email, text: string) => {
        expect(await input.getAttribute('aria-invalid')).toBe('true');
        const ids = (await input.getAttribute('aria-describedby'))?.split(' ') ?? [];
        expect(ids.length).toBeGreaterThan(0);
        const described = page.locator(ids.map((id) => `[id="${id}"]`).join(', '));
        expect(await described.allTextContents()).toContain(text);
        const error = page.locator(`[id="${ids[0]}"]`);
        expect(await error.isVisible()).toBe(true);
        expect(await error.textContent()).toBe(text);
      };
      await describedError(email, 'Please enter an email address like name@example.com.');
      await describedError(name, 'Please fill this in.');
      // Fields without a problem are not marked, and every value typed is still there.
      expect(await comment.getAttribute('aria-invalid')).toBeNull();
      expect(await consent.getAttribute('aria-invalid')).toBeNull();
      expect(await email.inputValue()).toBe('bruno@');
      expect(await comment.inputValue()).toBe('My order never arrived.');
      expect(await page.getByLabel('Topic').inputValue()).toBe('Support');
      expect(await consent.isChecked()).toBe(true);
      // The summary links each problem to its field.
      await page.getByRole('link', { name: /^Email: Please enter an email address/ }).click();
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('lw-f-email');

      await name.fill('Bruno Díaz');
      await email.fill('bruno@example.com');
      const [accepted] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send' }).click(),
      ]);
      expect(accepted.status()).toBe(200);
      await page.getByRole('status').getByText(SUCCESS).waitFor();

      const lead = await theLeadOn(form.channelId, 'WEBFORM');
      expect(lead.name).toBe('Bruno Díaz');
      expect(lead.identities).toEqual([
        expect.objectContaining({ kind: 'email', key: 'email:bruno@example.com' }),
      ]);
      expect(lead.messages).toHaveLength(1);
      expect(lead.messages[0].text).toContain('My order never arrived.');
      expect(lead.fields.topic).toBe('Support');
      expect(await inboxRowsOf(form.channelId)).toBe(1);
    },
    SLOW,
  );

  it(
    'still submits with JavaScript disabled',
    async () => {
      const form = await createForm(system, { ...CONTACT_FORM, slug: 'contact-no-js' });
      const { page } = await openPage({ javaScriptEnabled: false });
      await page.goto(`${system.baseUrl}/f/contact-no-js`);
      const since = Date.now();
      await page.getByLabel('Your name').fill('Carla Ruiz');
      await page.getByLabel('Phone').fill('611 222 333');
      await page.getByLabel('Message').fill('Call me about the offer, please.');
      await page.getByLabel(CONSENT).check();
      await humanPause(page, since);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('status').getByText(SUCCESS).waitFor();
      expect(new URL(page.url()).pathname).toBe('/f/contact-no-js');

      const lead = await theLeadOn(form.channelId, 'WEBFORM');
      expect(lead.name).toBe('Carla Ruiz');
      expect(lead.identities).toEqual([
        expect.objectContaining({ kind: 'phone', key: 'phone:+34611222333' }),
      ]);
      expect(lead.messages[0].text).toContain('Call me about the offer, please.');
      expect(lead.messages[0].meta.consent.text).toBe(CONSENT);
    },
    SLOW,
  );

  it(
    'fits a phone screen and a desktop (screenshots in /tmp)',
    async () => {
      const views = [
        {
          file: '/tmp/leadwire-form-mobile.png',
          options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
        },
        {
          file: '/tmp/leadwire-form-desktop.png',
          options: { viewport: { width: 1280, height: 900 } },
        },
      ];
      const buttonWidths: number[] = [];
      for (const view of views) {
        const { page } = await openPage(view.options);
        await page.goto(`${system.baseUrl}/f/contact`);
        const button = page.getByRole('button', { name: 'Send' });
        await button.waitFor();
        const width = view.options.viewport.width;
        // No sideways scrolling, and the button is a comfortable touch target.
        expect(
          await page.evaluate<number>('document.documentElement.scrollWidth'),
        ).toBeLessThanOrEqual(width);
        const box = await button.boundingBox();
        expect(box?.height).toBeGreaterThanOrEqual(44);
        buttonWidths.push(box?.width ?? 0);
        await page.screenshot({ path: view.file, fullPage: true });
      }
      const [mobile = 0, desktop = 0] = buttonWidths;
      // Full width on a phone, its own size on a wide screen.
      expect(mobile).toBeGreaterThan(280);
      expect(desktop).toBeLessThan(200);
    },
    SLOW,
  );
});

describe('widgets embedded on a shop on another origin', () => {
  it(
    'sends the embedded form from inside its shadow root and records the shop page',
    async () => {
      const form = await createForm(system, {
        ...CONTACT_FORM,
        slug: 'shop-contact',
        allowedOrigins: [shop.origin],
      });
      const url = shop.page(
        '/contact?utm_source=shop',
        shopPage(`${system.baseUrl}/f/shop-contact/embed.js`),
      );
      expect(new URL(url).origin).not.toBe(new URL(system.baseUrl).origin);
      const { page, pageErrors } = await openPage();
      await page.goto(url);
      const widget = page.locator('div.leadwire-widget');
      await widget.getByLabel('Your name').waitFor();
      const since = Date.now();
      // The form lives in the widget's shadow root, not in the shop's own DOM.
      expect(await page.evaluate<number>('document.querySelectorAll("form").length')).toBe(0);

      await widget.getByLabel('Your name').fill('Diego Pardo');
      await widget.getByLabel('Email').fill('diego@example.com');
      await widget.getByLabel('Message').fill('Do you ship to the Canaries?');
      await widget.getByLabel(CONSENT).check();
      await humanPause(page, since);
      const [posted] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        widget.getByRole('button', { name: 'Send' }).click(),
      ]);
      expect(posted.status()).toBe(202);
      await widget.getByRole('status').getByText(SUCCESS).waitFor();
      expect(page.url()).toBe(url);
      await page.getByRole('heading', { name: 'Shop' }).waitFor();

      const lead = await theLeadOn(form.channelId, 'WEBFORM');
      expect(lead.name).toBe('Diego Pardo');
      expect(lead.identities).toEqual([
        expect.objectContaining({ kind: 'email', key: 'email:diego@example.com' }),
      ]);
      expect(lead.utm).toEqual({ utm_source: 'shop' });
      const [message] = lead.messages;
      expect(message.text).toContain('Do you ship to the Canaries?');
      expect(message.meta.visit.pageUrl).toBe(url);
      expect(message.meta.consent.text).toBe(CONSENT);
      expect(pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'cannot be loaded or posted from an origin the form does not allow',
    async () => {
      const form = await createForm(system, {
        ...CONTACT_FORM,
        slug: 'elsewhere',
        allowedOrigins: ['https://www.example.com'],
      });
      const url = shop.page('/elsewhere', shopPage(`${system.baseUrl}/f/elsewhere/embed.js`));
      const { page } = await openPage();
      await page.goto(url);
      // The message is a bare text node in the shadow root, so it is found through its host.
      await page
        .locator('div.leadwire-widget', {
          hasText: 'The form could not be loaded. Please try again later.',
        })
        .waitFor();
      expect(await page.getByLabel('Your name').count()).toBe(0);

      // A script on the shop posting a complete, validly tokened submission is refused too.
      const token = await renderToken(system, '/f/elsewhere');
      await page.waitForTimeout(MIN_FILL_MS + 200);
      const outcome = await page.evaluate(
        async ({ action, fields }) => {
          try {
            await fetch(action, { method: 'POST', body: new URLSearchParams(fields) });
            return 'answered';
          } catch {
            return 'blocked';
          }
        },
        {
          action: `${system.baseUrl}/f/elsewhere`,
          fields: {
            lw_token: token,
            name: 'Eve',
            email: 'eve@example.com',
            terms: 'yes',
          },
        },
      );
      expect(outcome).toBe('blocked');
      await waitFor('the origin rejection to be counted', async () => {
        const read = await api(system)('GET', `/api/v1/forms/${form.id}`);
        return read.body.rejectionsToday?.origin === 1;
      });
      expect(await inboxRowsOf(form.channelId)).toBe(0);
      expect(await leadsOn(form.channelId, 'WEBFORM')).toEqual([]);
    },
    SLOW,
  );

  it(
    'takes a callback request and books the call',
    async () => {
      const widget = await createCallbackWidget(system, {
        ...CALLBACK_WIDGET,
        allowedOrigins: [shop.origin],
      });
      const url = shop.page('/call', shopPage(`${system.baseUrl}/cb/call-me/embed.js`));
      const { page, pageErrors } = await openPage();
      await page.goto(url);
      const phone = page.getByLabel('Phone number');
      await phone.waitFor();
      const since = Date.now();
      await phone.fill('600 123 456');
      await page.getByLabel('Your name').fill('Elena Soto');
      await humanPause(page, since);
      const before = Date.now();
      await page.getByRole('button', { name: 'Call me back' }).click();
      await page.getByText('Thank you! We will call you within 15 minutes.').waitFor();
      const after = Date.now();

      const lead = await theLeadOn(widget.channelId, 'CALLBACK');
      expect(lead.name).toBe('Elena Soto');
      expect(lead.identities).toEqual([
        expect.objectContaining({ kind: 'phone', key: 'phone:+34600123456' }),
      ]);
      expect(lead.messages[0].text).toContain('Please call me back: +34 600 12 34 56');
      expect(lead.messages[0].meta.visit.pageUrl).toBe(url);
      expect(lead.activities).toHaveLength(1);
      const [call] = lead.activities;
      expect(call).toMatchObject({
        kind: 'call',
        subject: 'Call back +34 600 12 34 56',
        status: 'open',
        identityKey: 'phone:+34600123456',
      });
      const due = Date.parse(call.dueAt);
      expect(due).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1_000);
      expect(due).toBeLessThanOrEqual(after + 15 * 60_000 + 1_000);

      const open = await api(system)('GET', '/api/v1/activities?status=open');
      expect(open.status).toBe(200);
      expect((open.body.activities as Json[]).map((activity) => activity.id)).toContain(call.id);
      const events = await api(system)('GET', '/api/v1/events?type=callback.requested');
      expect(events.status).toBe(200);
      const requested = (events.body.events as Json[]).filter((event) => event.leadId === lead.id);
      expect(requested).toHaveLength(1);
      expect(requested[0].payload).toMatchObject({
        leadId: lead.id,
        activityId: call.id,
        repeated: false,
        phone: '+34600123456',
        dueAt: new Date(due).toISOString(),
        promise: 'within 15 minutes',
        widget: 'call-me',
        name: 'Elena Soto',
      });
      expect(pageErrors).toEqual([]);
    },
    SLOW,
  );
});
