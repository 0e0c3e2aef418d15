/**
 * Webhooks through the whole system (web, Redis, the worker) on the test's store: a
 * subscription made with the API gets the events of a lead posted to the REST intake, signed
 * with the secret the API answered; a receiver that fails at first gets them again on the
 * (shortened) schedule with the same webhook-id; redelivery from the API.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

let system: TestSystem;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  system = await startSystem({
    label: 'webhooks-queue',
    env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '1,1,1' },
  });
  await system.startInProcessWorker();
  await receiver.start();
}, 60_000);
afterAll(async () => {
  await receiver.stop();
  await system?.close();
});

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${system.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${system.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

it('a subscription made with the API hears of a new lead, signed, and again on failure', async () => {
  const made = await api('POST', '/webhooks', {
    url: receiver.url,
    events: ['lead.created', 'message.received'],
    description: 'CRM sync',
  });
  expect(made.status).toBe(201);
  const webhook = (await made.json()) as { id: number; secret: string; events: string[] };
  expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  receiver.secret = webhook.secret;
  // The secret is shown once: never in the list.
  const listed = await (await api('GET', '/webhooks')).text();
  expect(listed).toContain('CRM sync');
  expect(listed).not.toContain(webhook.secret);

  receiver.answers = [503];
  const posted = await api('POST', '/leads', {
    email: 'webhook.lead@example.com',
    name: 'Wanda Hook',
    message: 'Hello',
  });
  expect(posted.status).toBe(202);
  await waitFor(
    'both events delivered',
    () =>
      new Set(receiver.received.map((r) => r.body.type)).size === 2 &&
      receiver.answers.length === 0 &&
      receiver.received.length >= 3,
    30_000,
  );
  const byType = (type: string) => receiver.received.filter((r) => r.body.type === type);
  expect(receiver.received.every((r) => r.verified)).toBe(true);
  // The first request failed (503) and came again a second later with the same webhook-id.
  const first = receiver.received[0]!;
  expect(receiver.received.filter((r) => r.id === first.id)).toHaveLength(2);
  expect(byType('lead.created')[0]?.body.data).toMatchObject({ type: 'simple', source: 'API' });
  expect(byType('message.received')[0]?.body.data).toMatchObject({
    leadId: byType('lead.created')[0]?.body.data.leadId,
  });

  const deliveries = (await (await api('GET', `/webhooks/${webhook.id}/deliveries`)).json()) as {
    deliveries: { id: number; status: string; attempts: number; type: string }[];
  };
  await waitFor('both deliveries delivered', async () => {
    const now = (await (await api('GET', `/webhooks/${webhook.id}/deliveries`)).json()) as {
      deliveries: { status: string }[];
    };
    return now.deliveries.every((d) => d.status === 'delivered');
  });
  expect(deliveries.deliveries.map((d) => d.type).sort()).toEqual([
    'lead.created',
    'message.received',
  ]);

  // Sent again on request, with the same webhook-id.
  const one = deliveries.deliveries.find((d) => d.type === 'lead.created')!;
  const count = receiver.received.length;
  const again = await api('POST', `/webhook-deliveries/${one.id}/redeliver`);
  expect(again.status).toBe(202);
  await waitFor('the redelivery', () => receiver.received.length === count + 1);
  expect(receiver.received[count]?.id).toBe(byType('lead.created')[0]?.id);
  const detail = (await (await api('GET', `/webhook-deliveries/${one.id}`)).json()) as {
    attempts: { status: number | null }[];
  };
  expect(detail.attempts.map((a) => a.status)).toContain(200);
}, 60_000);

it('answers mistakes with their reasons, and only administrators may subscribe', async () => {
  const refused = await api('POST', '/webhooks', { url: 'ftp://example.com/x', events: ['*'] });
  expect(refused.status).toBe(422);
  expect(await refused.json()).toMatchObject({ error: 'invalid_webhook' });
  const unknown = await api('POST', '/webhooks', { url: receiver.url, events: ['lead.nope'] });
  expect(unknown.status).toBe(422);
  const extra = await api('POST', '/webhooks', { url: receiver.url, events: ['*'], secret: 'x' });
  expect(extra.status).toBe(400);
  expect((await api('GET', '/webhooks/999999')).status).toBe(404);
  const rotated = await api('POST', '/webhooks/999999/rotate-secret');
  expect(rotated.status).toBe(404);
  const { key } = await createApiKey(system.store, 'crm-sync', 'operator');
  const notAdmin = await fetch(`${system.baseUrl}/api/v1/webhooks`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(notAdmin.status).toBe(403);
});
