/** Web forms end to end over HTTP: definitions, submissions into leads, and hostile input. */
import { sql } from 'drizzle-orm';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../connectors/site/token.ts';
import { siteSecret } from '../../scripts/boot.ts';
import { count, leftoverUploads } from '../helpers/rows.ts';
import { CONTACT_FORM, createForm, postForm, renderToken } from '../helpers/site.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
let form: { id: number; channelId: number; slug: string };
const MIN_FILL_MS = 200;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  system = await startSystem({
    label: 'webform',
    env: {
      FORM_MIN_FILL_MS: String(MIN_FILL_MS),
      FORM_MAX_FILE_MB: '1',
      FORM_MAX_FILES: '2',
      FORM_RATE_LIMIT_PER_MINUTE: '1000',
    },
  });
  await system.startInProcessWorker();
  form = await createForm(system, {
    ...CONTACT_FORM,
    fields: [...CONTACT_FORM.fields, { key: 'document', label: 'Document', type: 'file' }],
    allowedOrigins: ['http://shop.example'],
  });
});
afterAll(() => system.close());

/** A token old enough to pass the "too fast" check. */
async function token(slug = 'contact') {
  const value = await renderToken(system, `/f/${slug}`);
  await pause(MIN_FILL_MS + 20);
  return value;
}

const valid = {
  name: 'Ana Pérez',
  email: 'ana@example.com',
  terms: 'yes',
  message: 'Do you ship to Madrid?',
};

async function inboxRows(): Promise<number> {
  return count(system, sql`SELECT count(*) AS n FROM inbox WHERE channel_id = ${form.channelId}`);
}

async function leadOf(inboxId: number) {
  const call = api(system);
  await waitFor(
    `inbox ${inboxId}`,
    async () => (await call('GET', `/api/v1/inbox/${inboxId}`)).body.status !== 'pending',
  );
  const row = (await call('GET', `/api/v1/inbox/${inboxId}`)).body;
  return (await call('GET', `/api/v1/leads/${row.leadId}`)).body;
}

describe('form definitions', () => {
  it('rejects a definition that could never reach the customer, naming each problem', async () => {
    const response = await api(system)('POST', '/api/v1/forms', {
      slug: 'Bad Slug',
      title: 'Broken',
      fields: [
        { key: 'name', label: 'Name', type: 'text' },
        { key: 'kind', label: 'Kind', type: 'select' },
      ],
      allowedOrigins: ['https://shop.example/path'],
      operatorIds: [999],
    });
    expect(response.status).toBe(422);
    const paths = (response.body.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['slug', 'fields', 'fields.1.options', 'allowedOrigins.0']),
    );
  });

  it('refuses a taken slug and an unknown operator', async () => {
    const response = await api(system)('POST', '/api/v1/forms', {
      ...CONTACT_FORM,
      operatorIds: [999],
    });
    expect(response.status).toBe(422);
    expect(response.body.details).toEqual(
      expect.arrayContaining([
        { path: 'slug', message: 'the slug contact is taken' },
        { path: 'operatorIds', message: 'user 999 does not exist' },
      ]),
    );
  });

  it('needs an admin key to create a form', async () => {
    const anonymous = await fetch(`${system.baseUrl}/api/v1/forms`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
  });

  it('lists, reads and edits a form; a closed form answers 410 and takes nothing', async () => {
    const call = api(system);
    const other = await createForm(system, { ...CONTACT_FORM, slug: 'closing' });
    expect(
      (await call('GET', '/api/v1/forms')).body.forms.map((f: { slug: string }) => f.slug),
    ).toContain('closing');
    const read = await call('GET', `/api/v1/forms/${other.id}`);
    expect(read.body.urls.snippet).toContain('/f/closing/embed.js');
    const edited = await call('PATCH', `/api/v1/forms/${other.id}`, {
      title: 'Closed now',
      active: false,
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      title: 'Closed now',
      active: false,
      fields: CONTACT_FORM.fields.map((f) => expect.objectContaining({ key: f.key })),
    });
    const page = await fetch(`${system.baseUrl}/f/closing`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('no longer accepts submissions');
  });
});

describe('submissions', () => {
  it('turns a submission into a lead with its fields, consent, visit and UTM', async () => {
    const posted = await postForm(
      system,
      '/f/contact',
      {
        ...valid,
        topic: 'Sales',
        lw_token: await token(),
        lw_page: 'https://shop.example/p?utm_source=ads&utm_campaign=nov',
        lw_referrer: 'https://search.example/',
      },
      { json: true, headers: { 'user-agent': 'TestBrowser/1.0' } },
    );
    expect(posted.status).toBe(202);
    expect(posted.json()).toMatchObject({ ok: true, message: CONTACT_FORM.successText });
    const lead = await leadOf(posted.json().inboxId as number);
    expect(lead).toMatchObject({
      type: 'simple',
      source: 'WEBFORM',
      name: 'Ana Pérez',
      title: 'Contact us: Ana Pérez',
      utm: { utm_source: 'ads', utm_campaign: 'nov' },
      fields: expect.objectContaining({
        topic: 'Sales',
        campaign: 'autumn',
        comment: valid.message,
      }),
    });
    expect(lead.identities).toEqual([expect.objectContaining({ key: 'email:ana@example.com' })]);
    const [message] = lead.messages;
    expect(message.text).toMatch(/^Do you ship to Madrid\?\n\nYour name: Ana Pérez/);
    expect(message.meta.visit).toMatchObject({
      pageUrl: 'https://shop.example/p?utm_source=ads&utm_campaign=nov',
      referrer: 'https://search.example/',
      userAgent: 'TestBrowser/1.0',
      ip: expect.any(String),
    });
    expect(message.meta.consent).toEqual({
      text: CONTACT_FORM.fields[6]?.label,
      at: expect.any(String),
    });
  });

  it('makes a double click one submission', async () => {
    const fields = { ...valid, email: 'double@example.com', lw_token: await token() };
    const before = await inboxRows();
    const [first, second] = await Promise.all([
      postForm(system, '/f/contact', fields, { json: true }),
      postForm(system, '/f/contact', fields, { json: true }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.json().inboxId).toBe(second.json().inboxId);
    expect(await inboxRows()).toBe(before + 1);
  });

  it('works without JavaScript: urlencoded post answers a page, errors keep the values', async () => {
    const bad = await postForm(system, '/f/contact', {
      name: 'Bo',
      email: 'not-an-email',
      lw_token: await token(),
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('aria-describedby="lw-e-email"');
    expect(bad.text).toContain(
      '<p id="lw-e-email" class="lw-error">Please enter an email address like name@example.com.</p>',
    );
    expect(bad.text).toContain('<p id="lw-e-terms" class="lw-error">Please agree to continue.</p>');
    expect(bad.text).toContain('value="not-an-email"');
    const good = await postForm(system, '/f/contact', {
      ...valid,
      email: 'bo@example.com',
      lw_token: await token(),
    });
    expect(good.status).toBe(200);
    expect(good.text).toContain(CONTACT_FORM.successText);
  });

  it('fills fields from the hosted page link, but never ticks a consent box', async () => {
    const page = await (
      await fetch(`${system.baseUrl}/f/contact?name=Eva&campaign=spring&terms=yes`)
    ).text();
    expect(page).toContain('name="name" value="Eva"');
    expect(page).toContain('<input type="hidden" name="campaign" value="spring">');
    expect(page).not.toMatch(/name="terms" value="yes" checked/);
  });

  it('asks for an email or a phone when neither is given', async () => {
    const posted = await postForm(
      system,
      '/f/contact',
      { name: 'Nobody', terms: 'yes', lw_token: await token() },
      { json: true },
    );
    expect(posted.status).toBe(422);
    expect(posted.json().errors).toEqual([
      {
        field: 'email',
        message: 'Please give an email address or a phone number so we can answer you.',
      },
      {
        field: 'phone',
        message: 'Please give an email address or a phone number so we can answer you.',
      },
    ]);
  });

  it('keeps a file under the limit in the blob store and notes one over it', async () => {
    const body = new FormData();
    for (const [key, value] of Object.entries({
      ...valid,
      email: 'files@example.com',
      lw_token: await token(),
    }))
      body.set(key, value);
    body.set('document', new Blob([Buffer.alloc(2 * 1024 * 1024, 1)]), 'huge.pdf');
    const over = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      body,
      headers: { accept: 'application/json' },
    });
    const overAnswer = (await over.json()) as { message: string; inboxId: number };
    expect(over.status).toBe(202);
    expect(overAnswer.message).toContain('“huge.pdf” was not attached: larger than the 1 MB limit');
    const overLead = await leadOf(overAnswer.inboxId);
    expect(overLead.messages[0].attachments).toEqual([
      expect.objectContaining({
        filename: 'huge.pdf',
        sha256: null,
        skipped: 'larger than the 1 MB limit',
      }),
    ]);

    const small = new FormData();
    for (const [key, value] of Object.entries({
      ...valid,
      email: 'files2@example.com',
      lw_token: await token(),
    }))
      small.set(key, value);
    const content = Buffer.from('%PDF-1.4 small file');
    small.set('document', new Blob([content], { type: 'application/pdf' }), 'offer.pdf');
    const kept = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      body: small,
      headers: { accept: 'application/json' },
    });
    const keptLead = await leadOf(((await kept.json()) as { inboxId: number }).inboxId);
    const [attachment] = keptLead.messages[0].attachments;
    expect(attachment).toMatchObject({
      filename: 'offer.pdf',
      contentType: 'application/pdf',
      size: content.length,
    });
    const download = await fetch(`${system.baseUrl}/api/v1/attachments/${attachment.id}`, {
      headers: { authorization: `Bearer ${system.apiKey}` },
    });
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="?offer\.pdf"?$/,
    );
    expect(Buffer.from(await download.arrayBuffer())).toEqual(content);
  });

  it('flags submissions over the daily cap for review and still keeps them', async () => {
    await createForm(system, { ...CONTACT_FORM, slug: 'capped', dailyCap: 1 });
    const first = await postForm(
      system,
      '/f/capped',
      { ...valid, email: 'cap1@example.com', lw_token: await token('capped') },
      { json: true },
    );
    const second = await postForm(
      system,
      '/f/capped',
      { ...valid, email: 'cap2@example.com', lw_token: await token('capped') },
      { json: true },
    );
    expect([first.status, second.status]).toEqual([202, 202]);
    expect((await leadOf(first.json().inboxId as number)).review).toBeNull();
    expect((await leadOf(second.json().inboxId as number)).review).toBe(
      "submission 2 today, over the form's daily cap of 1",
    );
    const flagged = await api(system)('GET', '/api/v1/leads?review=true');
    expect(flagged.body.leads.map((l: { id: number }) => l.id)).toEqual([
      (await leadOf(second.json().inboxId as number)).id,
    ]);
  });
});

describe('hostile input', () => {
  async function rejections(): Promise<{ reason: string }[]> {
    return (await api(system)('GET', `/api/v1/forms/${form.id}/rejections`)).body.rejections;
  }

  it('turns away a filled honeypot, keeps it for review and counts it', async () => {
    const before = await inboxRows();
    const posted = await postForm(
      system,
      '/f/contact',
      { ...valid, lw_website: 'http://spam.example', lw_token: await token() },
      { json: true },
    );
    expect(posted.status).toBe(400);
    expect(posted.json()).toMatchObject({ ok: false, error: 'honeypot' });
    expect(await inboxRows()).toBe(before);
    expect((await rejections())[0]).toMatchObject({
      reason: 'honeypot',
      body: expect.objectContaining({ email: 'ana@example.com' }),
    });
    const stats = await api(system)('GET', `/api/v1/forms/${form.id}`);
    expect(stats.body.rejectionsToday.honeypot).toBeGreaterThanOrEqual(1);
  });

  it('answers a post faster than a person with the form again; the same token works a moment later', async () => {
    const fresh = await renderToken(system, '/f/contact');
    const fields = { ...valid, email: 'quick@example.com', lw_token: fresh };
    const quick = await postForm(system, '/f/contact', fields);
    expect(quick.status).toBe(422);
    expect(quick.text).toContain('That was quick!');
    expect(quick.text).toContain('value="quick@example.com"');
    expect((await rejections())[0]?.reason).toBe('too_fast');
    await pause(MIN_FILL_MS + 20);
    expect((await postForm(system, '/f/contact', fields)).status).toBe(200);
  });

  it('answers an expired form with a fresh one keeping the values, and a forged or missing token with a 400', async () => {
    const secret = await siteSecret(system.store, undefined);
    const old = issueToken(secret, form.id, new Date(Date.now() - 25 * 3_600_000));
    const expired = await postForm(system, '/f/contact', {
      ...valid,
      email: 'late@example.com',
      lw_token: old,
    });
    expect(expired.status).toBe(409);
    expect(expired.text).toContain('we refreshed it');
    expect(expired.text).toContain('value="late@example.com"');
    expect(expired.text).not.toContain(old);
    const forged = `${old.slice(0, -4)}AAAA`;
    expect((await postForm(system, '/f/contact', { ...valid, lw_token: forged })).status).toBe(400);
    expect((await postForm(system, '/f/contact', { ...valid })).status).toBe(400);
    const otherForm = issueToken(secret, form.id + 100, new Date(Date.now() - 10_000));
    expect(
      (
        await postForm(system, '/f/contact', { ...valid, lw_token: otherForm }, { json: true })
      ).json().error,
    ).toBe('bad_token');
  });

  it('refuses a wrong content type, an oversized body and an unknown form', async () => {
    const plain = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(plain.status).toBe(415);
    const huge = await postForm(system, '/f/contact', {
      ...valid,
      message: 'x'.repeat(200_000),
      lw_token: await token(),
    });
    expect(huge.status).toBe(413);
    const multipart = new FormData();
    multipart.set('lw_token', await token());
    multipart.set('document', new Blob([Buffer.alloc(6 * 1024 * 1024)]), 'too-much.bin');
    const tooMuch = await fetch(`${system.baseUrl}/f/contact`, { method: 'POST', body: multipart });
    expect(tooMuch.status).toBe(413);
    // Without a Content-Length (chunked), the limit holds as the body arrives.
    const chunk = new TextEncoder().encode(`message=${'y'.repeat(64 * 1024)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const chunked = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const unknown = await fetch(`${system.baseUrl}/f/no-such-form`);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${system.baseUrl}/f/no-such-form`, { method: 'POST' })).status).toBe(404);
  });

  it('leaves no temporary file behind when an upload is refused or cut off', async () => {
    const boundary = 'leadwire-test';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="big.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const chunk = Buffer.alloc(64 * 1024, 7);
    const refused = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
          for (let i = 0; i < 100; i++) controller.enqueue(chunk); // 6.4 MB, over the 5 MB total
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).then(
      (response) => response.status,
      () => 'connection closed',
    );
    expect([413, 'connection closed']).toContain(refused);

    const cut = http.request(`${system.baseUrl}/f/contact`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    cut.on('error', () => undefined);
    cut.write(head);
    cut.write(chunk);
    await pause(200);
    cut.destroy();
    await waitFor(
      'temporary uploads removed',
      async () => (await leftoverUploads(system)) === 0,
      10_000,
    );
  });

  it('stores script tags as text and renders them escaped', async () => {
    const evil = '<script>alert(1)</script>';
    const fields = {
      name: evil,
      email: 'not valid' + evil,
      message: evil,
      topic: evil,
      campaign: evil,
      terms: 'yes',
      lw_token: await token(),
    };
    const page = await postForm(system, '/f/contact', fields);
    expect(page.status).toBe(422);
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const accepted = await postForm(
      system,
      '/f/contact',
      { ...fields, email: 'evil@example.com', topic: 'Support', lw_token: await token() },
      { json: true },
    );
    const lead = await leadOf(accepted.json().inboxId as number);
    expect(lead.name).toBe(evil);
    expect(lead.fields).toMatchObject({ comment: evil, campaign: evil });
  });

  it('answers CORS only for allowed origins and refuses posts from others', async () => {
    const allowed = await fetch(`${system.baseUrl}/f/contact/fragment`, {
      headers: { origin: 'http://shop.example' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://shop.example');
    const other = await fetch(`${system.baseUrl}/f/contact/fragment`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${system.baseUrl}/f/contact`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example' },
    });
    expect(preflight.status).toBe(403);
    const before = await inboxRows();
    const posted = await postForm(
      system,
      '/f/contact',
      { ...valid, lw_token: await token() },
      { headers: { origin: 'http://evil.example' } },
    );
    expect(posted.status).toBe(403);
    expect(posted.headers.get('content-type')).toMatch(/^text\/html/);
    expect(posted.text).toContain('This form cannot be sent from the page it is on.');
    expect(await inboxRows()).toBe(before);
  });

  it("takes a post from the form's own origin as the trusted proxy says it was reached", async () => {
    const host = new URL(system.baseUrl).host;
    // The test's proxy is on loopback, which is trusted: X-Forwarded-Proto names the scheme.
    const behindTls = { 'x-forwarded-proto': 'https' };
    const posts = [
      { origin: `https://${host}`, ...behindTls },
      { origin: `http://${host}`, ...behindTls },
      { origin: `https://${host}`, ...behindTls },
      { origin: `http://${host}` },
    ];
    const statuses = [];
    for (const headers of posts) {
      const fields = { ...valid, email: `own-origin@example.com`, lw_token: await token() };
      statuses.push((await postForm(system, '/f/contact', fields, { json: true, headers })).status);
    }
    expect(statuses).toEqual([202, 403, 202, 202]);
  });
});

describe('per-IP limit', () => {
  /** Posts answered under the route template `/f/:slug` with `status`, as /metrics counts them. */
  async function postsCounted(system: TestSystem, status: number): Promise<number> {
    const metrics = await fetch(`${system.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${system.apiKey}` },
    });
    const series = `leadwire_http_requests_total{route="/f/:slug",method="POST",status="${status}"`;
    const line = (await metrics.text()).split('\n').find((each) => each.startsWith(series));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  it('answers 429 past the limit with its RateLimit headers, and counts it', async () => {
    const limited = await startSystem({
      label: 'webform-limit',
      env: { FORM_MIN_FILL_MS: '0', FORM_RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      const created = await createForm(limited);
      const before = {
        ok: await postsCounted(limited, 200),
        refused: await postsCounted(limited, 429),
      };
      const answers = [];
      for (let i = 0; i < 4; i++) {
        const fresh = await renderToken(limited, '/f/contact');
        answers.push(
          await postForm(limited, '/f/contact', {
            ...valid,
            email: `r${i}@example.com`,
            lw_token: fresh,
          }),
        );
      }
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
      const [first, , , refused] = answers;
      expect(first?.headers.get('ratelimit')).toBe('"3-in-1min"; r=2; t=60');
      expect(refused?.headers.get('ratelimit')).toMatch(/^"3-in-1min"; r=0; t=\d+$/);
      expect(refused?.headers.get('ratelimit-policy')).toMatch(
        /^"3-in-1min"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:$/,
      );
      expect(refused?.headers.get('retry-after')).toBe(
        /t=(\d+)$/.exec(refused?.headers.get('ratelimit') ?? '')?.[1],
      );
      expect(refused?.text).toContain('Too many submissions from your network.');
      const stats = await api(limited)('GET', `/api/v1/forms/${created.id}`);
      expect(stats.body.rejectionsToday).toEqual({ rate_limited: 1 });
      // Counted under the route template, not the slug.
      expect(await postsCounted(limited, 200)).toBe(before.ok + 3);
      expect(await postsCounted(limited, 429)).toBe(before.refused + 1);
    } finally {
      await limited.close();
    }
  });
});
