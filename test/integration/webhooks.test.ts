/**
 * Webhook deliveries on the test's store (SQLite, or PostgreSQL with TEST_DATABASE=postgres),
 * without Redis: the dispatcher's deliveries, each attempt sent over real HTTP to a local
 * receiver that verifies the Standard Webhooks signature, the retry schedule, 410 Gone, days of
 * failures, the same webhook-id on every attempt, and an attempt recorded once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { WebhookSettings } from '../../core/runtime/config.ts';
import { createWebhook, type WebhookAdminDeps } from '../../connectors/webhook-admin.ts';
import { attemptDelivery, dispatchEvents } from '../../workers/webhooks/handler.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';
import { WebhookReceiver } from '../helpers/webhook-receiver.ts';

/** A clock the test moves. */
function movableClock(start: string): Clock & { set(at: Date): void } {
  let now = new Date(start);
  return { now: () => new Date(now), set: (at) => (now = at) };
}

const SCHEDULE = [5_000, 300_000];
const settings: WebhookSettings = {
  allowPrivate: true,
  retryScheduleMs: SCHEDULE,
  disableAfterMs: 5 * 86_400_000,
};
const credentials = { secretsKey: undefined, readVariable: () => undefined };

describe(`webhook deliveries on the ${TEST_STORE} store`, () => {
  let test: TestStore;
  let store: Store;
  const receiver = new WebhookReceiver();
  // Now: receivers refuse a signature whose timestamp is minutes away from their own clock.
  const clock = movableClock(new Date().toISOString());
  const admin = (): WebhookAdminDeps => ({
    repos: store,
    clock,
    allowPrivate: true,
    secretsKey: undefined,
  });
  const deps = (overrides: Partial<WebhookSettings> = {}) => ({
    repos: store,
    clock,
    settings: { ...settings, ...overrides },
    credentials,
  });

  beforeAll(async () => {
    test = await openTestStore('webhooks');
    store = test.store;
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await test.close();
  });
  beforeEach(async () => {
    receiver.received.length = 0;
    receiver.answers = [];
    // Earlier tests' subscriptions hear nothing more.
    for (const webhook of await store.webhooks.list())
      await store.webhooks.update(webhook.id, { active: false }, clock.now());
  });

  async function subscribe(events: string[]) {
    const made = await createWebhook(admin(), { url: receiver.url, events }, null);
    if (!made.ok) throw new Error(made.message);
    receiver.secret = made.secret;
    return made.webhook;
  }

  async function newClient(name: string) {
    return store.clients.create({ name, identities: [] }, { userId: null, at: clock.now() });
  }

  it('delivers an event signed, once per subscription that hears of it, not the ones before it', async () => {
    await newClient('Before The Subscription');
    const leadsOnly = await subscribe(['lead.created']);
    // (The receiver checks signatures with the newest subscription's secret: this one's.)
    const webhook = await subscribe(['client.*']);
    const client = await newClient('Ana Webhook');
    const made = await dispatchEvents(deps());
    const mine = made.deliveries.filter((d) => d.webhookId === webhook.id);
    expect(mine.map((d) => d.eventType)).toEqual(['client.created']);
    expect(made.deliveries.filter((d) => d.webhookId === leadsOnly.id)).toEqual([]);
    // Dispatched once: a second pass makes nothing.
    expect((await dispatchEvents(deps())).deliveries).toEqual([]);

    const outcome = await attemptDelivery(deps(), mine[0]!.id, 1);
    expect(outcome).toMatchObject({ kind: 'done', delivery: 'delivered', status: 200 });
    const [got] = receiver.received.filter((r) => r.body.type === 'client.created');
    expect(got).toMatchObject({
      id: `evt_${mine[0]!.eventId}`,
      verified: true,
      body: {
        type: 'client.created',
        version: 1,
        data: { eventId: mine[0]!.eventId, clientId: client.id },
      },
    });
    expect(await store.webhooks.delivery(mine[0]!.id)).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
    });
    expect(await store.webhooks.attempts(mine[0]!.id)).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, answer: 'answer 200', error: null }),
    ]);
  });

  it('tries again on the schedule with the same webhook-id, then gives up', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Retry Me');
    const [delivery] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    receiver.answers = [503, 500, 502];
    const start = clock.now().getTime();
    expect(await attemptDelivery(deps(), delivery!.id, 1)).toEqual({
      kind: 'retry',
      webhookId: webhook.id,
      at: new Date(start + SCHEDULE[0]!),
      status: 503,
    });
    expect(await attemptDelivery(deps(), delivery!.id, 2)).toEqual({
      kind: 'retry',
      webhookId: webhook.id,
      at: new Date(start + SCHEDULE[1]!),
      status: 500,
    });
    expect(await attemptDelivery(deps(), delivery!.id, 3)).toMatchObject({
      kind: 'done',
      delivery: 'failed',
      status: 502,
    });
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(
      new Set([`evt_${delivery!.eventId}`]),
    );
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    expect(await store.webhooks.delivery(delivery!.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastStatus: 502,
      lastError: 'the receiver answered 502',
    });
    expect((await store.webhooks.get(webhook.id))?.failingSince).toEqual(clock.now());
  });

  it('records an attempt once: the same attempt run twice, or out of turn, sends nothing more', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Once Only');
    const [delivery] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    expect(await attemptDelivery(deps(), delivery!.id, 2)).toMatchObject({ kind: 'skipped' });
    expect(receiver.received).toEqual([]);
    await attemptDelivery(deps(), delivery!.id, 1);
    expect(await attemptDelivery(deps(), delivery!.id, 1)).toMatchObject({ kind: 'skipped' });
    expect(receiver.received).toHaveLength(1);
  });

  it('410 Gone turns the subscription off, says so in an event, and its other deliveries are cancelled', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Gone One');
    await newClient('Gone Two');
    const [first, second] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    receiver.answers = [410];
    expect(await attemptDelivery(deps(), first!.id, 1)).toMatchObject({
      kind: 'done',
      delivery: 'failed',
      status: 410,
      disabled: 'the receiver answered 410 Gone',
    });
    expect(await store.webhooks.get(webhook.id)).toMatchObject({
      active: false,
      disabledReason: 'the receiver answered 410 Gone',
    });
    const disabled = await test.look.all<{ payload: unknown }>(
      sql`SELECT payload FROM events WHERE type = 'webhook.disabled'`,
    );
    expect(disabled.map((row) => JSON.parse(JSON.stringify(row.payload)) as unknown)).toEqual([
      expect.anything(),
    ]);
    expect(await attemptDelivery(deps(), second!.id, 1)).toMatchObject({ kind: 'skipped' });
    expect((await store.webhooks.delivery(second!.id))?.status).toBe('cancelled');
    expect(receiver.received).toHaveLength(1);
    // Turned on again by hand: its failing streak is forgotten.
    expect(await store.webhooks.update(webhook.id, { active: true }, clock.now())).toMatchObject({
      active: true,
      disabledReason: null,
      failingSince: null,
    });
  });

  it('a subscription failing for five days is turned off at its next failure', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Long Failure');
    const [delivery] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    receiver.answers = [500, 500];
    await attemptDelivery(deps(), delivery!.id, 1);
    const since = (await store.webhooks.get(webhook.id))?.failingSince;
    expect(since).toEqual(clock.now());
    const later = clock.now();
    clock.set(new Date(later.getTime() + 5 * 86_400_000 + 1000));
    try {
      expect(await attemptDelivery(deps(), delivery!.id, 2)).toMatchObject({
        kind: 'done',
        delivery: 'failed',
      });
    } finally {
      clock.set(later);
    }
    expect(await store.webhooks.get(webhook.id)).toMatchObject({
      active: false,
      disabledReason: 'every delivery failed for 5 days',
    });
  });

  it('checks the address at delivery: a receiver that became private is refused, and tried again', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Private Now');
    const [delivery] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    const outcome = await attemptDelivery(deps({ allowPrivate: false }), delivery!.id, 1);
    expect(outcome).toMatchObject({ kind: 'retry', status: null });
    expect(receiver.received).toEqual([]);
    const [attempt] = await store.webhooks.attempts(delivery!.id);
    expect(attempt?.error).toMatch(/127\.0\.0\.1/);
  });

  it('refuses a subscription to loopback unless private receivers are allowed, and unknown events', async () => {
    const refused = await createWebhook(
      { ...admin(), allowPrivate: false },
      { url: receiver.url, events: ['*'] },
      null,
    );
    expect(refused).toMatchObject({ ok: false, status: 422, code: 'invalid_webhook' });
    const metadata = await createWebhook(
      { ...admin(), resolve: async () => ['169.254.169.254'] },
      { url: 'http://metadata.example/latest', events: ['*'] },
      null,
    );
    expect(metadata).toMatchObject({ ok: false, status: 422 });
    expect(
      await createWebhook(admin(), { url: receiver.url, events: ['lead.exploded'] }, null),
    ).toMatchObject({ ok: false, details: [{ path: 'events' }] });
  });

  it('redelivers a delivered event with the same webhook-id', async () => {
    const webhook = await subscribe(['client.created']);
    await newClient('Again Please');
    const [delivery] = (await dispatchEvents(deps())).deliveries.filter(
      (d) => d.webhookId === webhook.id,
    );
    await attemptDelivery(deps(), delivery!.id, 1);
    const again = await store.webhooks.redeliver(delivery!.id, clock.now());
    expect(again).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await attemptDelivery(deps(), delivery!.id, 2)).toMatchObject({
      kind: 'done',
      delivery: 'delivered',
    });
    expect(receiver.received.map((r) => r.id)).toEqual([
      `evt_${delivery!.eventId}`,
      `evt_${delivery!.eventId}`,
    ]);
  });
});
