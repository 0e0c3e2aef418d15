/**
 * The console's website-channel screens over HTTP, posted the way a browser without JavaScript
 * posts them: the form as the page rendered it, changed, sent with the button pressed. Admins
 * only; the field builder's buttons change the draft and save nothing; what is saved is what the
 * API then shows and the public page serves; refusals come back with 422, beside their inputs,
 * nothing typed lost; the callback widget's working hours keep their time zone; and a label's
 * HTML stays text in the console and in the preview. (test/e2e/browser-widgets.test.ts drives the
 * same screens in Chromium.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { postForm, renderToken } from '../helpers/site.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';
const SHOP = 'https://shop.example';

interface Browser {
  cookie: string;
  csrf: string;
}
let admin: Browser;
let operator: Browser;

beforeAll(async () => {
  system = await startSystem({ label: 'console-widgets', env: { FORM_MIN_FILL_MS: '0' } });
  await system.startInProcessWorker();
  for (const [email, role] of [
    ['ada@widgets.test', 'admin'],
    ['otto@widgets.test', 'operator'],
  ] as const) {
    const made = await system.store.users.createUser({
      name: email.split('@')[0]!,
      email,
      roles: [role],
      passwordHash: await hashPassword(PASSWORD),
    });
    if (!made.ok) throw new Error(made.problem);
  }
  admin = await signIn('ada@widgets.test');
  operator = await signIn('otto@widgets.test');
});
afterAll(() => system?.close());

type Pairs = [string, string][];

interface Answer {
  status: number;
  html: string;
  location: string | null;
  cookie: string;
}

async function send(
  method: string,
  path: string,
  options: { cookie?: string; form?: Pairs } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: system.baseUrl };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(options.form ? { body: new URLSearchParams(options.form).toString() } : {}),
  });
  return {
    status: res.status,
    html: await res.text(),
    location: res.headers.get('location'),
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
  };
}

async function signIn(email: string): Promise<Browser> {
  const signed = await send('POST', '/sign-in', {
    form: [
      ['email', email],
      ['password', PASSWORD],
      ['next', '/leads'],
    ],
  });
  expect(signed.status).toBe(303);
  const { cookie } = signed;
  const page = await send('GET', '/leads', { cookie });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
  expect(csrf).toBeDefined();
  return { cookie, csrf: csrf! };
}

const decode = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const flag = (tag: string, name: string) => new RegExp(`\\s${name}(?=[\\s/>]|$)`).test(tag);

/**
 * What a browser would send for the editor form as rendered (our own markup: quoted attributes,
 * one element per tag): inputs, ticked boxes, chosen options, text areas, in document order.
 */
function formOf(html: string): Pairs {
  const form = /<form[^>]*class="widget-form"[^>]*>([\s\S]*?)<\/form>/.exec(html)?.[1];
  if (!form) throw new Error(`no editor form in:\n${html.slice(0, 2000)}`);
  const pairs: Pairs = [];
  const element =
    /<input\b((?:[^>"]|"[^"]*")*)>|<textarea\b((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/textarea>|<select\b((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/select>/g;
  for (const [, input, area, text = '', select, options = ''] of form.matchAll(element)) {
    const tag = input ?? area ?? select ?? '';
    const name = attribute(tag, 'name');
    if (!name) continue;
    if (area !== undefined) pairs.push([decode(name), decode(text)]);
    else if (select !== undefined) {
      const all = [...options.matchAll(/<option((?:[^>"]|"[^"]*")*)>/g)].map(([, o = '']) => o);
      const chosen = all.find((o) => flag(o, 'selected')) ?? all[0] ?? '';
      pairs.push([decode(name), decode(attribute(chosen, 'value') ?? '')]);
    } else {
      const type = attribute(tag, 'type') ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !flag(tag, 'checked')) continue;
      const fallback = type === 'checkbox' || type === 'radio' ? 'on' : '';
      pairs.push([decode(name), decode(attribute(tag, 'value') ?? fallback)]);
    }
  }
  return pairs;
}

/** The form with some inputs changed (set), some boxes unticked (a value of null), some added. */
function changed(pairs: Pairs, changes: Record<string, string | null>): Pairs {
  const out: Pairs = pairs
    .filter(([name]) => changes[name] !== null)
    .map(([name, value]) => [name, name in changes ? changes[name]! : value]);
  for (const [name, value] of Object.entries(changes))
    if (value !== null && !pairs.some(([n]) => n === name)) out.push([name, value]);
  return out;
}

/** Presses a button of the editor: the page comes back (or, for Save, a redirect). */
async function press(
  path: string,
  html: string,
  action: string,
  changes: Record<string, string | null> = {},
  who: Browser = admin,
) {
  return send('POST', path, {
    cookie: who.cookie,
    form: [...changed(formOf(html), changes), ['action', action]],
  });
}

const value = (pairs: Pairs, name: string) => pairs.find(([n]) => n === name)?.[1];

describe('only admins', () => {
  it('answers 403 to everyone else, on every page and every post', async () => {
    const form = await send('GET', '/channels/forms/new', { cookie: admin.cookie });
    expect(form.status).toBe(200);
    const before = (await system.store.forms.list('webform')).length;
    const existing = await api(system)('POST', '/api/v1/forms', {
      slug: 'not-for-operators',
      title: 'Not for operators',
      fields: [{ key: 'email', label: 'Email', type: 'email' }],
    });
    const callback = await api(system)('POST', '/api/v1/callbacks', {
      slug: 'no-calls-for-operators',
      title: 'No calls',
      timeZone: 'UTC',
    });
    for (const path of [
      '/channels/forms',
      '/channels/forms/new',
      `/channels/forms/${existing.body.id}`,
      '/channels/callbacks',
      '/channels/callbacks/new',
      `/channels/callbacks/${callback.body.id}`,
    ]) {
      const page = await send('GET', path, { cookie: operator.cookie });
      expect(page.status, path).toBe(403);
      expect(page.html).toContain('Your role does not allow this.');
    }
    const post: Pairs = [
      ...formOf(form.html).filter(([name]) => name !== '_csrf'),
      ['_csrf', operator.csrf],
      ['title', 'Sneaky'],
      ['slug', 'sneaky'],
      ['action', 'save'],
    ];
    for (const path of [
      '/channels/forms',
      '/channels/forms/preview',
      `/channels/forms/${existing.body.id}`,
      '/channels/callbacks',
      '/channels/callbacks/preview',
      `/channels/callbacks/${callback.body.id}`,
    ]) {
      expect((await send('POST', path, { cookie: operator.cookie, form: post })).status, path).toBe(
        403,
      );
    }
    expect((await system.store.forms.list('webform')).length).toBe(before + 1);
    expect((await api(system)('GET', `/api/v1/forms/${existing.body.id}`)).body.title).toBe(
      'Not for operators',
    );
  });
});

describe('the web form builder', () => {
  let formId: number;

  it('adds, moves and removes fields without saving, then saves exactly that', async () => {
    let page = await send('GET', '/channels/forms/new', { cookie: admin.cookie });
    expect(page.status).toBe(200);
    const settings = { title: 'Builder test', slug: 'builder-test', allowedOrigins: SHOP };

    page = await press('/channels/forms', page.html, 'add', settings);
    expect(page.status).toBe(200);
    // The new row's label has the focus; nothing is stored yet.
    expect(page.html).toMatch(/<input id="f-2-label"[^>]*autofocus/);
    expect(await system.store.forms.bySlug('webform', 'builder-test')).toBeUndefined();
    page = await press('/channels/forms', page.html, 'add', {
      'fields[2][label]': 'Phone',
      'fields[2][type]': 'phone',
    });
    page = await press('/channels/forms', page.html, 'add', {
      'fields[3][label]': 'Topic',
      'fields[3][type]': 'select',
      'fields[3][options]': 'Sales\nSupport',
    });
    page = await press('/channels/forms', page.html, 'preview', {
      'fields[4][label]': 'Scratch',
    });
    // Keys come from labels; the preview follows the draft.
    expect(value(formOf(page.html), 'fields[4][key]')).toBe('scratch');
    expect(decode(/srcdoc="([^"]*)"/.exec(page.html)?.[1] ?? '')).toContain('Scratch');

    page = await press('/channels/forms', page.html, 'up-3');
    expect(page.html).toMatch(/<button[^>]*id="f-2-up"[^>]*autofocus/);
    page = await press('/channels/forms', page.html, 'remove-4');
    const rows = formOf(page.html).filter(([name]) => /^fields\[\d+\]\[label\]$/.test(name));
    expect(rows.map(([, label]) => label)).toEqual(['Your name', 'Email', 'Topic', 'Phone']);

    const saved = await press('/channels/forms', page.html, 'save');
    expect(saved.status).toBe(303);
    formId = Number(/^\/channels\/forms\/(\d+)\?saved=1$/.exec(saved.location ?? '')?.[1]);
    expect(formId).toBeGreaterThan(0);

    const stored = await api(system)('GET', `/api/v1/forms/${formId}`);
    expect(stored.body).toMatchObject({
      slug: 'builder-test',
      title: 'Builder test',
      active: true,
      allowedOrigins: [SHOP],
    });
    expect(stored.body.fields).toEqual([
      { key: 'name', label: 'Your name', type: 'text', required: false },
      { key: 'email', label: 'Email', type: 'email', required: true },
      {
        key: 'topic',
        label: 'Topic',
        type: 'select',
        required: false,
        options: ['Sales', 'Support'],
      },
      { key: 'phone', label: 'Phone', type: 'phone', required: false },
    ]);

    const hosted = await fetch(`${system.baseUrl}/f/builder-test`);
    const html = await hosted.text();
    expect(hosted.status).toBe(200);
    for (const label of ['Your name', 'Email', 'Topic', 'Phone', '<option>Support</option>'])
      expect(html).toContain(label);
    expect(html).not.toContain('Scratch');
  });

  it('shows the same snippet as the API, and a visitor post from the allowed site becomes a lead', async () => {
    const stored = await api(system)('GET', `/api/v1/forms/${formId}`);
    const page = await send('GET', `/channels/forms/${formId}?saved=1`, { cookie: admin.cookie });
    expect(page.html).toContain('Saved.');
    const snippet = /<textarea id="w-snippet"[^>]*readonly[^>]*>([^<]*)<\/textarea>/.exec(
      page.html,
    )?.[1];
    expect(decode(snippet ?? '')).toBe(stored.body.urls.snippet);
    expect(page.html).toContain(`href="${stored.body.urls.page}"`);

    const token = await renderToken(system, '/f/builder-test');
    const posted = await postForm(
      system,
      '/f/builder-test',
      { name: 'Vera Visitor', email: 'vera@visitor.test', topic: 'Sales', lw_token: token },
      { json: true, headers: { origin: SHOP } },
    );
    expect(posted.status).toBe(202);
    const channelId = stored.body.channelId as number;
    const leadsOf = async () =>
      (
        (await api(system)('GET', '/api/v1/leads?source=WEBFORM&limit=200')).body.leads as {
          channelId: number;
          name: string;
        }[]
      ).filter((lead) => lead.channelId === channelId);
    await waitFor('the visitor’s lead', async () => (await leadsOf()).length === 1);
    expect((await leadsOf())[0]?.name).toBe('Vera Visitor');

    // Its health counts it.
    const health = await send('GET', `/channels/forms/${formId}`, { cookie: admin.cookie });
    expect(health.html).toMatch(/<dt>Received today<\/dt><dd>1<\/dd>/);
    expect(health.html).toMatch(/<dt>Last received<\/dt><dd><time datetime="/);
  });

  it('refuses a taken address and a bad origin with 422, beside their inputs, keeping what was typed', async () => {
    let page = await send('GET', '/channels/forms/new', { cookie: admin.cookie });
    page = await press('/channels/forms', page.html, 'add', {
      title: 'Second form',
      slug: 'builder-test',
      allowedOrigins: `${SHOP}\nshop.example/contact`,
      'fields[0][label]': 'Full name',
    });
    page = await press('/channels/forms', page.html, 'save', {
      'fields[2][label]': 'Company',
      'fields[2][mapsTo]': 'company',
    });
    expect(page.status).toBe(422);
    expect(page.html).toContain('id="problems"');
    expect(page.html).toMatch(
      /<p class="field-problem" id="problem-slug">The address builder-test is taken: choose another\.<\/p>/,
    );
    expect(page.html).toMatch(/<input id="w-slug"[^>]*aria-invalid="true"/);
    expect(page.html).toMatch(
      /id="problem-allowedOrigins">Line 2: An origin like https:\/\/www\.example\.com, without a path\./,
    );
    const kept = formOf(page.html);
    expect(value(kept, 'title')).toBe('Second form');
    expect(value(kept, 'allowedOrigins')).toBe(`${SHOP}\nshop.example/contact`);
    expect(value(kept, 'fields[0][label]')).toBe('Full name');
    expect(value(kept, 'fields[2][label]')).toBe('Company');
    expect(value(kept, 'fields[2][mapsTo]')).toBe('company');
    expect(await system.store.forms.bySlug('webform', 'builder-test')).toMatchObject({
      title: 'Builder test',
    });
  });

  it('takes a form of fifty fields in one post', async () => {
    const rows: Pairs = Array.from({ length: 50 }, (_, index) => [
      [`fields[${index}][label]`, `Question ${index + 1}`],
      [`fields[${index}][key]`, index === 0 ? 'email' : `q${index + 1}`],
      [`fields[${index}][type]`, index === 0 ? 'email' : 'textarea'],
      [`fields[${index}][required]`, 'on'],
      [`fields[${index}][mapsTo]`, ''],
      [`fields[${index}][options]`, ''],
      [`fields[${index}][placeholder]`, ''],
    ]).flat() as Pairs;
    const form: Pairs = [
      ['_csrf', admin.csrf],
      ['title', 'Long survey'],
      ['slug', 'long-survey'],
      ['active', 'on'],
      ...rows,
      ['action', 'save'],
    ];
    const saved = await send('POST', '/channels/forms', { cookie: admin.cookie, form });
    expect(saved.status).toBe(303);
    const id = /\/channels\/forms\/(\d+)/.exec(saved.location ?? '')?.[1];
    const stored = await api(system)('GET', `/api/v1/forms/${id}`);
    expect(stored.body.fields).toHaveLength(50);
    const page = await send('GET', `/channels/forms/${id}`, { cookie: admin.cookie });
    expect(page.html).toMatch(/<button[^>]*value="add"[^>]*disabled/);
  });

  it('keeps HTML in a label as text, in the console page and in the preview', async () => {
    const evil = '<img src=x onerror="alert(1)">';
    let page = await send('GET', '/channels/forms/new', { cookie: admin.cookie });
    page = await press('/channels/forms', page.html, 'save', {
      title: 'Escapes',
      slug: 'escapes',
      'fields[0][label]': evil,
    });
    expect(page.status).toBe(303);
    const id = /\/channels\/forms\/(\d+)/.exec(page.location ?? '')?.[1];
    const shown = await send('GET', `/channels/forms/${id}`, { cookie: admin.cookie });
    expect(shown.html).not.toContain('<img');
    expect(shown.html).toMatch(
      /Field 1: <span id="f-0-title"[^>]*>&lt;img src=x onerror=&quot;alert\(1\)&quot;><\/span>/,
    );

    const preview = await send('POST', '/channels/forms/preview', {
      cookie: admin.cookie,
      form: formOf(shown.html),
    });
    expect(preview.status).toBe(200);
    expect(preview.html).toMatch(/^<section id="widget-preview"/);
    expect(preview.html).not.toContain('<img');
    const srcdoc = /<iframe[^>]*\ssandbox(?:="")?[\s>][^>]*srcdoc="([^"]*)"/.exec(
      preview.html,
    )?.[1];
    expect(srcdoc).toBeDefined();
    // Inside the frame's document the label is still text.
    const framed = decode(srcdoc!);
    expect(framed).not.toContain('<img');
    expect(framed).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });
});

describe('the callback widget', () => {
  it('stores working hours edited day by day, in the chosen time zone', async () => {
    let page = await send('GET', '/channels/callbacks/new', { cookie: admin.cookie });
    expect(page.status).toBe(200);
    expect(page.html).toContain('<option value="America/New_York"');
    page = await press('/channels/callbacks', page.html, 'add-range-mon', {
      title: 'Call desk',
      slug: 'call-desk',
      timeZone: 'America/New_York',
      'hours[mon][0][to]': '13:00',
    });
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<input type="time" id="h-mon-1-from"[^>]*autofocus/);
    page = await press('/channels/callbacks', page.html, 'save', {
      'hours[mon][1][from]': '15:00',
      'hours[mon][1][to]': '19:00',
      'hours[tue][0][from]': '18:00',
      'hours[tue][0][to]': '09:00',
      'hours[fri][open]': null,
      'hours[sat][open]': 'on',
      'hours[sat][0][from]': '10:00',
      'hours[sat][0][to]': '00:00',
    });
    // Tuesday's range ends before it starts: said beside Tuesday, the rest kept.
    expect(page.status).toBe(422);
    expect(page.html).toMatch(/id="problem-hours-tue">A range must end after it starts\./);
    expect(value(formOf(page.html), 'hours[mon][1][to]')).toBe('19:00');
    expect(value(formOf(page.html), 'timeZone')).toBe('America/New_York');

    const saved = await press('/channels/callbacks', page.html, 'save', {
      'hours[tue][0][from]': '09:00',
      'hours[tue][0][to]': '18:00',
    });
    expect(saved.status).toBe(303);
    const id = /\/channels\/callbacks\/(\d+)/.exec(saved.location ?? '')?.[1];
    const stored = await api(system)('GET', `/api/v1/callbacks/${id}`);
    expect(stored.body).toMatchObject({ slug: 'call-desk', timeZone: 'America/New_York' });
    const office = [{ from: '09:00', to: '18:00' }];
    expect(stored.body.hours).toEqual({
      mon: [
        { from: '09:00', to: '13:00' },
        { from: '15:00', to: '19:00' },
      ],
      tue: office,
      wed: office,
      thu: office,
      sat: [{ from: '10:00', to: '24:00' }],
    });
    // Back in the editor, midnight reads 00:00 and Friday is closed.
    const again = formOf(
      (await send('GET', `/channels/callbacks/${id}`, { cookie: admin.cookie })).html,
    );
    expect(value(again, 'hours[sat][0][to]')).toBe('00:00');
    expect(value(again, 'hours[fri][open]')).toBeUndefined();
    expect((await fetch(`${system.baseUrl}/cb/call-desk`)).status).toBe(200);
  });
});
