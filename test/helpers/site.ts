/** Web form and callback helpers for tests: definitions, rendered tokens, posts. */
import type { TestSystem } from './system.ts';
import { api } from './system.ts';

export const CONTACT_FORM = {
  slug: 'contact',
  title: 'Contact us',
  defaultCountry: 'ES',
  fields: [
    { key: 'name', label: 'Your name', type: 'text', required: true },
    { key: 'email', label: 'Email', type: 'email' },
    { key: 'phone', label: 'Phone', type: 'phone' },
    { key: 'topic', label: 'Topic', type: 'select', options: ['Sales', 'Support'] },
    { key: 'message', label: 'Message', type: 'textarea', mapsTo: 'comment' },
    { key: 'campaign', label: 'Campaign', type: 'hidden', value: 'autumn' },
    {
      key: 'terms',
      label: 'I agree to be contacted about my request',
      type: 'consent',
      required: true,
    },
  ],
  successText: 'Thanks, we will be in touch.',
};

export const CALLBACK_WIDGET = {
  slug: 'call-me',
  title: 'Call me back',
  defaultCountry: 'ES',
  timeZone: 'Europe/Madrid',
  hours: {},
  delayMinutes: 15,
};

export async function createForm(
  system: Pick<TestSystem, 'baseUrl' | 'apiKey'>,
  body: Record<string, unknown> = CONTACT_FORM,
) {
  const created = await api(system)('POST', '/api/v1/forms', body);
  if (created.status !== 201) throw new Error(`form not created: ${JSON.stringify(created.body)}`);
  return created.body as { id: number; channelId: number; slug: string };
}

export async function createCallbackWidget(
  system: TestSystem,
  body: Record<string, unknown> = CALLBACK_WIDGET,
) {
  const created = await api(system)('POST', '/api/v1/callbacks', body);
  if (created.status !== 201)
    throw new Error(`widget not created: ${JSON.stringify(created.body)}`);
  return created.body as { id: number; channelId: number; slug: string };
}

/** The token a fresh render of the form carries. */
export async function renderToken(
  system: Pick<TestSystem, 'baseUrl'>,
  path: string,
): Promise<string> {
  const html = await (await fetch(`${system.baseUrl}${path}/fragment`)).text();
  const token = /name="lw_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no token in ${path}/fragment`);
  return token;
}

export async function postForm(
  system: Pick<TestSystem, 'baseUrl'>,
  path: string,
  fields: Record<string, string>,
  init: { json?: boolean; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${system.baseUrl}${path}`, {
    method: 'POST',
    headers: init.json
      ? { 'content-type': 'application/json', accept: 'application/json', ...init.headers }
      : { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body: init.json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  const json = (): Record<string, any> => JSON.parse(text) as Record<string, unknown>;
  return {
    status: response.status,
    text,
    headers: response.headers,
    json,
  };
}
