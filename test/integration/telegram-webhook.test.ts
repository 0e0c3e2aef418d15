/**
 * The Telegram webhook endpoint over plain HTTP: registration with a secret token, the secret
 * check, bad and oversized bodies, and Telegram's own view of a webhook it cannot reach.
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gauge } from 'prom-client';
import { readSecretVariable } from '../../core/runtime/config.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import {
  telegramWebhookLastError,
  telegramWebhookPending,
  telegramWebhookUp,
} from '../../core/runtime/metrics.ts';
import { watchWebhooks } from '../../connectors/telegram/health.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import {
  connectBot,
  fixture,
  inboxOf,
  processedUpdate,
  type BotChannel,
} from '../helpers/telegram.ts';
import { webhookErrors } from '../helpers/webhook-errors.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let botApi: BotApi;
let system: TestSystem;
let bot: BotChannel;

beforeAll(async () => {
  botApi = await startBotApi({ webhookRetryMs: 200 });
  system = await startSystem({ label: 'tghook', env: { SECRETS_KEY: 'w'.repeat(40) } });
  await system.startInProcessWorker();
  bot = await connectBot(system, botApi, { mode: 'webhook' });
}, 120_000);

afterAll(async () => {
  await botApi?.close();
  await system?.close();
});

const channel = async (id: number) => (await api(system)('GET', `/api/v1/channels/${id}`)).body;
const webhookUrl = (channelId: number) => `${system.baseUrl}/telegram/${channelId}/webhook`;
const secret = () => botApi.webhook(bot.token)?.secretToken ?? '';
const post = (body: string, token?: string, channelId = bot.id) =>
  fetch(webhookUrl(channelId), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { 'x-telegram-bot-api-secret-token': token }),
    },
    body,
  });

describe('the webhook endpoint', () => {
  it('is registered with a secret token that is never shown', async () => {
    const hook = botApi.webhook(bot.token);
    expect(hook?.url).toBe(webhookUrl(bot.id));
    expect(hook?.secretToken).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    const shown = await channel(bot.id);
    expect(shown).toMatchObject({
      kind: 'telegram',
      mode: 'webhook',
      token: { stored: true },
      webhookInfo: { url: webhookUrl(bot.id), pendingUpdates: 0 },
    });
    expect(shown.webhookInfo.lastError).toBeUndefined();
    expect(JSON.stringify(shown)).not.toContain(secret());
    expect(JSON.stringify(shown)).not.toContain(bot.token.split(':')[1]);
  });

  it('refuses a wrong or missing secret, bad JSON, a non-update and an oversized body', async () => {
    const update = JSON.stringify({ ...fixture('text'), update_id: 1 });
    const big = JSON.stringify({ update_id: 3, message: { text: 'x'.repeat(2 * 1024 * 1024) } });
    expect((await post(update, `${secret().slice(0, -1)}x`)).status).toBe(401);
    expect((await post(update, '')).status).toBe(401);
    expect((await post(update)).status).toBe(401);
    expect((await post(big, 'wrong')).status).toBe(401); // the secret is checked first
    expect((await post('{"update_id": 2, "message": {', secret())).status).toBe(400);
    const broken = await post(JSON.stringify(fixture('broken')), secret());
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({
      ok: false,
      error: expect.stringMatching(/update_id/),
    });
    expect((await post(big, secret())).status).toBe(413);
    // A channel that is not a webhook bot answers as a wrong secret does: a prober learns nothing.
    const unknown = await post(update, secret(), bot.id + 1000);
    const wrong = await post(update, 'wrong');
    expect([unknown.status, await unknown.json()]).toEqual([wrong.status, await wrong.json()]);
    expect(await inboxOf(system, bot.id)).toEqual([]);
    // Each is counted for the alert rules; an id that names no bot is `unknown`.
    expect(await webhookErrors('telegram', String(bot.id))).toEqual({
      refused: 5,
      invalid: 2,
      too_large: 1,
    });
    expect(await webhookErrors('telegram', 'unknown')).toEqual({ refused: 1 });

    // The same update with the right secret is taken.
    const taken = await post(update, secret());
    expect(taken.status).toBe(200);
    expect(await processedUpdate(system, bot.id, 1)).toMatchObject({ outcome: 'created_simple' });
    expect(await inboxOf(system, bot.id)).toHaveLength(1);
  });

  it("shows Telegram's own view of a webhook it cannot reach", async () => {
    // A bot whose public URL points where nothing listens (a port just freed).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const broken = await connectBot(system, botApi, { mode: 'webhook', publicBaseUrl: nowhere });
    botApi.pushUpdate(broken.token, { ...fixture('text'), update_id: 50 });
    await waitFor('a failed delivery', async () => {
      const info = (await channel(broken.id)).webhookInfo;
      return info?.lastError !== undefined;
    });
    const { webhookInfo } = await channel(broken.id);
    expect(webhookInfo).toMatchObject({
      url: `${nowhere}/telegram/${broken.id}/webhook`,
      pendingUpdates: 1,
      lastError: 'Connection refused',
    });
    expect(Date.parse(webhookInfo.lastErrorAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await inboxOf(system, broken.id)).toEqual([]);

    // The same view in the metrics, for an alert on a webhook that stopped delivering.
    const watch = watchWebhooks({
      channels: system.store.channels,
      log: createLogger('silent'),
      credentials: { secretsKey: system.config.secretsKey, readVariable: readSecretVariable },
    });
    try {
      const value = async (gauge: Gauge, channelId: number) =>
        (await gauge.get()).values.find((v) => v.labels.channel_id === String(channelId))?.value;
      await waitFor(
        'the webhook gauges',
        async () => (await value(telegramWebhookUp, broken.id)) === 1,
      );
      expect(await value(telegramWebhookPending, broken.id)).toBe(1);
      expect(await value(telegramWebhookLastError, broken.id)).toBeCloseTo(
        Date.parse(webhookInfo.lastErrorAt) / 1000,
        0,
      );
      expect(await value(telegramWebhookPending, bot.id)).toBe(0);
      expect(await value(telegramWebhookLastError, bot.id)).toBe(0);
    } finally {
      watch.stop();
    }
  });

  it('never echoes a token read from the environment, whatever its shape', async () => {
    // Not shaped like a bot token, so only its value can give it away.
    const odd = 'odd-token_shape.4815162342';
    process.env.LEADWIRE_SECRET_ODD_BOT = odd;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const nowhere = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const created = await api(system)('POST', '/api/v1/channels', {
        kind: 'telegram',
        name: 'Odd bot',
        token: { env: 'LEADWIRE_SECRET_ODD_BOT' },
        mode: 'webhook',
        publicBaseUrl: system.baseUrl,
        apiRoot: nowhere,
      });
      expect(created.status).toBe(201);
      // setWebhook could not reach the Bot API: the error quotes the URL, token and all.
      expect(created.body.webhook).toMatchObject({
        ok: false,
        error: expect.stringContaining('<secret>'),
      });
      expect(JSON.stringify(created.body)).not.toContain(odd);
      const shown = await channel(created.body.id as number);
      expect(JSON.stringify(shown)).not.toContain(odd);
    } finally {
      delete process.env.LEADWIRE_SECRET_ODD_BOT;
    }
  });
});

describe('guessing webhook secrets', () => {
  // Behind the loopback proxy every test trusts, X-Forwarded-For names the caller.
  const from = (ip: string, body: string, token: string) =>
    fetch(webhookUrl(bot.id), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': token,
        'x-forwarded-for': ip,
      },
      body,
    });

  it('counts wrong secrets against the address like wrong API keys; the right one still passes', async () => {
    const update = JSON.stringify({ ...fixture('text'), update_id: 90_001 });
    const answers: number[] = [];
    for (let i = 0; i < 31; i++) answers.push((await from('203.0.113.9', update, `g${i}`)).status);
    expect(answers.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(answers[30]).toBe(429);
    // Another address is not held up, and the right secret passes even from the guesser's.
    expect((await from('198.51.100.7', update, 'wrong')).status).toBe(401);
    expect((await from('203.0.113.9', update, secret())).status).toBe(200);
  });
});

describe('editing a bot channel', () => {
  it('renames it, rotates the webhook secret on re-registration, and switches to polling', async () => {
    const other = await connectBot(system, botApi, { mode: 'webhook' });
    const first = botApi.webhook(other.token)?.secretToken;
    const renamed = await api(system)('PATCH', `/api/v1/channels/${other.id}`, {
      name: 'Renamed bot',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Renamed bot', mode: 'webhook', maxFileMb: 20 });
    expect(botApi.webhook(other.token)?.secretToken).not.toBe(first);
    const elsewhere = await api(system)('PATCH', `/api/v1/channels/${other.id}`, {
      apiRoot: 'http://bot-api.attacker.example',
    });
    expect(elsewhere).toMatchObject({ status: 422, body: { error: 'token_required' } });
    const polling = await api(system)('PATCH', `/api/v1/channels/${other.id}`, { mode: 'polling' });
    expect(polling.body).toMatchObject({ mode: 'polling', webhook: { ok: true } });
    expect(botApi.webhook(other.token)).toBeUndefined();
  });
});
