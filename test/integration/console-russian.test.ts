/**
 * The console in Russian over HTTP: a browser that prefers Russian gets the first-run and sign-in
 * pages in Russian; a user whose language is `ru` gets every page in Russian (the lead list, the
 * admin screens with dates as Russians write them, a channel kind's own fields); and Russian is one
 * of the languages an administrator may give a user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { startSystem, type TestSystem } from '../helpers/system.ts';

let system: TestSystem;
const PASSWORD = 'correct horse battery';
const RUSSIAN_BROWSER = 'ru-RU,ru;q=0.9,en;q=0.8';

interface Answer {
  status: number;
  html: string;
  cookie: string | null;
}

async function send(
  method: string,
  path: string,
  options: { cookie?: string; form?: Record<string, string>; language?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { origin: system.baseUrl };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.language) headers['accept-language'] = options.language;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  const res = await fetch(`${system.baseUrl}${path}`, {
    method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: res.status,
    html: await res.text(),
    cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] || null,
  };
}

async function person(email: string, roles: string[], language: string) {
  const made = await system.store.users.createUser({
    name: email.split('@')[0]!,
    email,
    roles,
    language,
    passwordHash: await hashPassword(PASSWORD),
  });
  if (!made.ok) throw new Error(made.problem);
  return made.user.id;
}

/** A signed-in browser of a user (their stored language decides, not the browser's). */
async function signIn(email: string) {
  const signed = await send('POST', '/sign-in', {
    form: { email, password: PASSWORD, next: '/leads' },
  });
  expect(signed.status).toBe(303);
  const cookie = signed.cookie!;
  return { get: (path: string) => send('GET', path, { cookie }) };
}

beforeAll(async () => {
  system = await startSystem({ label: 'console-russian' });
});
afterAll(() => system.close());

describe('the console in Russian', () => {
  it('greets a Russian browser in Russian on the first run and at sign-in', async () => {
    const setup = await send('GET', '/', { language: RUSSIAN_BROWSER });
    expect(setup.status).toBe(200);
    expect(setup.html).toContain('<html lang="ru">');
    expect(setup.html).toContain('Добро пожаловать в Leadwire');
    expect(setup.html).toContain('Создать администратора');

    // Set up from that browser, the first administrator is spoken to in Russian from then on.
    const made = await send('POST', '/setup', {
      language: RUSSIAN_BROWSER,
      form: { name: 'olga', email: 'olga@russian.test', password: PASSWORD, confirm: PASSWORD },
    });
    expect(made.status).toBe(303);
    const [olga] = await system.store.users.listUsers({});
    expect(olga).toMatchObject({ email: 'olga@russian.test', language: 'ru' });
    const signIn = await send('GET', '/', { language: RUSSIAN_BROWSER });
    expect(signIn.html).toContain('<html lang="ru">');
    expect(signIn.html).toContain('Войти');
    expect((await send('GET', '/', { language: 'en-GB,en;q=0.9' })).html).toContain(
      '<html lang="en">',
    );
  });

  it('shows a Russian user the lead list in Russian', async () => {
    await person('ivan@russian.test', ['operator'], 'ru');
    const ivan = await signIn('ivan@russian.test');
    const leads = await ivan.get('/leads');
    expect(leads.status).toBe(200);
    expect(leads.html).toContain('<html lang="ru">');
    expect(leads.html).toContain('Лиды');
    expect(leads.html).toContain('Выйти');
    expect(leads.html).not.toContain('Sign out');
  });

  it('offers Russian as a user’s language, and writes dates the Russian way', async () => {
    const olga = await signIn('olga@russian.test');
    const form = await olga.get('/settings/users');
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/<option value="ru"[^>]*>Русский<\/option>/);
    const ivanId = (await system.store.users.listUsers({})).find(
      (user) => user.email === 'ivan@russian.test',
    )!.id;
    const page = await olga.get(`/settings/users/${ivanId}`);
    expect(page.html).toMatch(/<option value="ru" selected[^>]*>Русский<\/option>/);
    // «создан 7 дек. 2026 г., 03:59»: the month and the year's «г.» as Intl writes them in ru.
    expect(page.html).toMatch(
      /создан\s*<time[^>]*>\d{1,2} [а-я]+\.? \d{4} г\., \d{1,2}:\d{2}<\/time>/,
    );
  });

  it('labels a channel kind’s own fields in Russian', async () => {
    const olga = await signIn('olga@russian.test');
    const list = (await olga.get('/channels')).html;
    expect(list).toContain('Подключить: Почтовый ящик');
    const form = (await olga.get('/channels/new?kind=email')).html;
    expect(form).toContain('Сервер IMAP');
    expect(form).toContain('Исходящая почта (SMTP)');
  });
});
