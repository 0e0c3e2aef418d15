/**
 * Operators' replies end to end, on a Telegram bot (a local Bot API server) and a WhatsApp number
 * (a local Graph API): who wrote a reply, an Idempotency-Key that makes a retry answer the stored
 * reply and never send twice, a refused send kept with the server's answer, and the outbox events
 * of it all (lead.created, message.received, message.sent/delivered/read/failed) in order.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../core/api-keys.ts';
import { inboxOf, type InboxView } from '../helpers/rows.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import { connectBot, privateText, processedUpdate, type BotChannel } from '../helpers/telegram.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';
import {
  postWebhook,
  startFakeGraph,
  statusNotification,
  WINDOW_CLOSED,
  type FakeGraph,
} from '../helpers/whatsapp-graph.ts';

const PHONE_NUMBER_ID = '106540352242977';
const TOKEN = 'EAAGreplies-access-token-0123456789';
const APP_SECRET = 'replies-app-secret-77';

let botApi: BotApi;
let graph: FakeGraph;
let system: TestSystem;
let bot: BotChannel;
let whatsappId: number;
/** A user with an API key acting as them. */
let ana: { id: number; name: string; key: string };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- API JSON

beforeAll(async () => {
  botApi = await startBotApi();
  graph = await startFakeGraph();
  graph.addNumber({ phoneNumberId: PHONE_NUMBER_ID, token: TOKEN });
  system = await startSystem({ label: 'replies', env: { SECRETS_KEY: 'q'.repeat(40) } });
  await system.startInProcessWorker();
  bot = await connectBot(system, botApi, { mode: 'webhook' });
  const number = await api(system)('POST', '/api/v1/channels', {
    kind: 'whatsapp',
    name: 'Replies WhatsApp',
    defaultCountry: 'ES',
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: { value: TOKEN },
    appSecret: { value: APP_SECRET },
    verifyToken: 'replies-verify',
    apiRoot: graph.apiRoot,
  });
  expect(number.status).toBe(201);
  whatsappId = number.body.id as number;
  const written = await system.store.users.createUser({
    name: 'Ana García',
    email: 'ana@replies.test',
    roles: ['admin'],
  });
  if (!written.ok) throw new Error(written.problem);
  const key = newApiKey();
  await system.store.users.createApiKey({
    name: 'ana-laptop',
    role: 'admin',
    prefix: key.prefix,
    hash: key.hash,
    userId: written.user.id,
  });
  ana = { id: written.user.id, name: 'Ana García', key: key.key };
}, 120_000);

afterAll(async () => {
  await botApi?.close();
  await graph?.close();
  await system?.close();
});

const call = () => api(system);
const asAna = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  call()(method, url, body, { authorization: `Bearer ${ana.key}`, ...headers });
const lead = async (id: number) => (await call()('GET', `/api/v1/leads/${id}`)).body as Json;

let nextUpdateId = 7000;
/** A lead started by Telegram user `userId`. */
async function telegramLead(userId: number): Promise<number> {
  const update = {
    update_id: nextUpdateId++,
    ...privateText(userId, 1, 'Hola, ¿tenéis talla M?', Math.floor(Date.now() / 1000)),
  };
  expect(botApi.pushUpdate(bot.token, update)).toBeDefined();
  const row = await processedUpdate(system, bot.id, update.update_id);
  expect(row.outcome).toBe('created_simple');
  return row.lead_id ?? 0;
}

let sequence = 0;
/** A lead started by WhatsApp customer `waId`. */
async function whatsappLead(waId: string): Promise<number> {
  const file = new URL('../fixtures/whatsapp/text.json', import.meta.url);
  const body = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const value = body.entry[0].changes[0].value;
  value.metadata.phone_number_id = PHONE_NUMBER_ID;
  value.contacts = [{ profile: { name: 'Cliente' }, wa_id: waId }];
  const message = value.messages[0];
  message.from = waId;
  message.id = `wamid.replies${++sequence}${Date.now()}`;
  message.timestamp = String(Math.floor(Date.now() / 1000));
  const posted = await postWebhook(system.baseUrl, whatsappId, body, { appSecret: APP_SECRET });
  expect(posted.status).toBe(200);
  let row: InboxView | undefined;
  await waitFor(`${message.id} processed`, async () => {
    row = (await inboxOf(system, whatsappId)).find((r) => r.external_id === message.id);
    return row !== undefined && row.status !== 'pending';
  });
  expect(row?.outcome).toBe('created_simple');
  return row?.lead_id ?? 0;
}

/** The reply once the worker is done with it (or once `until` holds). */
async function settled(leadId: number, id: number, until = (m: Json) => m.delivery !== 'queued') {
  let message: Json | undefined;
  await waitFor(`reply ${id} settled`, async () => {
    message = (await lead(leadId)).messages.find((m: Json) => m.id === id);
    return message !== undefined && until(message);
  });
  return message as Json;
}

const sendCallsTo = (chatId: number) =>
  botApi.calls(bot.token, 'sendMessage').filter((params) => Number(params.chat_id) === chatId);

/** The outbox events of one lead written after event `after`, oldest first. */
async function eventsOf(leadId: number, after = 0) {
  const { body } = await call()('GET', `/api/v1/events?after=${after}&limit=1000`);
  return (body.events as Json[])
    .filter((event) => event.leadId === leadId)
    .map(({ type, payload }) => ({ type, payload }));
}

describe('who wrote a reply', () => {
  it('is kept on the reply: the user behind the key, or the integration key', async () => {
    const leadId = await telegramLead(920_001);
    const mine = await asAna('POST', `/api/v1/leads/${leadId}/messages`, { text: 'Sí, en M.' });
    expect(mine.status).toBe(202);
    expect(mine.body.meta.operator).toEqual({ userId: ana.id, name: 'Ana García' });
    // The sender shown is what it always was: the key's name.
    expect(mine.body.sender).toBe('ana-laptop');
    const theirs = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text: 'Saludos' });
    expect(theirs.body.meta.operator).toEqual({ userId: null, name: 'test' });
    expect((await settled(leadId, mine.body.id)).meta.operator).toEqual({
      userId: ana.id,
      name: 'Ana García',
    });
  });
});

describe('an Idempotency-Key', () => {
  it('answers a retry with the stored reply and sends it once', async () => {
    const chatId = 920_002;
    const leadId = await telegramLead(chatId);
    const body = { text: 'Le reservo la talla M.' };
    const headers = { 'idempotency-key': 'reply-0001' };
    const first = await asAna('POST', `/api/v1/leads/${leadId}/messages`, body, headers);
    expect(first.status).toBe(202);
    const again = await asAna('POST', `/api/v1/leads/${leadId}/messages`, body, headers);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const sent = await settled(leadId, first.body.id);
    expect(sent.delivery).toBe('sent');
    // After it went out, too: the same reply, now sent.
    const late = await asAna('POST', `/api/v1/leads/${leadId}/messages`, body, headers);
    expect(late).toMatchObject({ status: 200, body: { id: first.body.id, delivery: 'sent' } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sendCallsTo(chatId)).toHaveLength(1);
    const replies = (await lead(leadId)).messages.filter((m: Json) => m.direction === 'out');
    expect(replies).toHaveLength(1);

    // Another caller's key of the same name is theirs: a reply of its own.
    const other = await call()('POST', `/api/v1/leads/${leadId}/messages`, body, headers);
    expect(other.status).toBe(202);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('is refused with 422 for another text or another lead', async () => {
    const leadId = await telegramLead(920_003);
    const otherLead = await telegramLead(920_004);
    const headers = { 'idempotency-key': 'reply-0002' };
    const url = (id: number) => `/api/v1/leads/${id}/messages`;
    expect((await asAna('POST', url(leadId), { text: 'Hola' }, headers)).status).toBe(202);
    const otherText = await asAna('POST', url(leadId), { text: 'Adiós' }, headers);
    expect(otherText).toMatchObject({ status: 422, body: { error: 'idempotency_key_reused' } });
    const reused = await asAna('POST', url(otherLead), { text: 'Hola' }, headers);
    expect(reused).toMatchObject({ status: 422, body: { error: 'idempotency_key_reused' } });
    expect((await lead(otherLead)).messages.filter((m: Json) => m.direction === 'out')).toEqual([]);
    const blank = await asAna('POST', url(leadId), { text: 'Hola' }, { 'idempotency-key': ' ' });
    expect(blank).toMatchObject({ status: 400, body: { error: 'invalid_idempotency_key' } });
  });
});

describe('a reply that cannot be sent', () => {
  it("shows failed with the Bot API's answer, and says so in the outbox", async () => {
    const chatId = 920_005;
    const leadId = await telegramLead(chatId);
    const mark = await lastEventId();
    botApi.failNext(bot.token, 'sendMessage', {
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    const posted = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text: '¿Hola?' });
    const failed = await settled(leadId, posted.body.id);
    expect(failed.delivery).toBe('failed');
    expect(failed.meta.error).toEqual({ status: 400, message: 'Bad Request: chat not found' });
    expect(failed.meta.reason).toBe('Telegram refused the message: Bad Request: chat not found');
    expect(await eventsOf(leadId, mark)).toEqual([
      {
        type: 'message.failed',
        payload: {
          leadId,
          messageId: posted.body.id,
          status: 'failed',
          error: { status: 400, message: 'Bad Request: chat not found' },
        },
      },
    ]);
  });

  it("shows failed with WhatsApp's status, code and words, and the hint", async () => {
    const leadId = await whatsappLead('34622000001');
    graph.outsideWindow('34622000001');
    const posted = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text: '¿Sigue?' });
    const failed = await settled(leadId, posted.body.id);
    expect(failed.delivery).toBe('failed');
    const { error } = WINDOW_CLOSED;
    expect(failed.meta.error).toEqual({
      status: 400,
      code: 131047,
      message: `${String(error.message)}: ${String((error.error_data as Json).details)}`,
    });
    expect(failed.meta.reason).toMatch(/more than 24 hours ago.*template/);
  });
});

/** The id of the newest event so far. */
async function lastEventId(): Promise<number> {
  let after = 0;
  for (;;) {
    const { body } = await call()('GET', `/api/v1/events?after=${after}&limit=1000`);
    if (!body.events.length) return after;
    after = body.next as number;
  }
}

describe('the outbox', () => {
  it('tells of a new lead, its message, and a reply sent, delivered and read, in order', async () => {
    const mark = await lastEventId();
    const leadId = await whatsappLead('34622000002');
    const detail = await lead(leadId);
    const received = detail.messages.find((m: Json) => m.direction === 'in');
    const posted = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text: 'Hola' });
    const reply = await settled(leadId, posted.body.id);
    expect(reply.delivery).toBe('sent');
    const sent = graph.sent(PHONE_NUMBER_ID).find((m) => m.wamid === reply.externalId);
    if (!sent) throw new Error('the reply did not reach Graph');
    const status = (name: 'sent' | 'delivered' | 'read') =>
      postWebhook(system.baseUrl, whatsappId, statusNotification(sent, name), {
        appSecret: APP_SECRET,
      });
    expect((await status('delivered')).status).toBe(200);
    await settled(leadId, reply.id, (m) => m.delivery === 'delivered');
    expect((await status('read')).status).toBe(200);
    await settled(leadId, reply.id, (m) => m.delivery === 'read');
    // Late and repeated statuses move nothing, so they tell nothing.
    expect((await status('delivered')).status).toBe(200);
    expect((await status('sent')).status).toBe(200);
    await waitFor('the late statuses processed', async () =>
      (await inboxOf(system, whatsappId)).every((row) => row.status !== 'pending'),
    );
    const ids = { leadId, messageId: reply.id };
    expect(await eventsOf(leadId, mark)).toEqual([
      {
        type: 'lead.created',
        payload: {
          leadId,
          type: 'simple',
          channelId: whatsappId,
          source: 'WHATSAPP',
          clientId: null,
        },
      },
      {
        type: 'message.received',
        payload: { leadId, messageId: received.id, channelId: whatsappId },
      },
      { type: 'message.sent', payload: ids },
      { type: 'message.delivered', payload: ids },
      { type: 'message.read', payload: ids },
    ]);
  });

  it('tells of a message appended to a lead, without a second lead.created', async () => {
    const chatId = 920_006;
    const mark = await lastEventId();
    const leadId = await telegramLead(chatId);
    const update = {
      update_id: nextUpdateId++,
      ...privateText(chatId, 2, 'Y en azul?', Math.floor(Date.now() / 1000)),
    };
    botApi.pushUpdate(bot.token, update);
    expect((await processedUpdate(system, bot.id, update.update_id)).outcome).toBe('appended');
    const [first, second] = (await lead(leadId)).messages as Json[];
    expect((await eventsOf(leadId, mark)).map((event) => [event.type, event.payload])).toEqual([
      ['lead.created', expect.objectContaining({ leadId, source: 'TELEGRAM', channelId: bot.id })],
      ['message.received', { leadId, messageId: first?.id, channelId: bot.id }],
      ['message.received', { leadId, messageId: second?.id, channelId: bot.id }],
    ]);
  });
});
