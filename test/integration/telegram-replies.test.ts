/**
 * A Telegram lead of a known client, and operators' replies through the outbound queue to the
 * local Bot API server: split over 4,096 characters, held back by a 429, ended by a 403.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import {
  connectBot,
  fixture,
  privateText,
  processedUpdate,
  type BotChannel,
  type Update,
} from '../helpers/telegram.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let botApi: BotApi;
let system: TestSystem;
let bot: BotChannel;

beforeAll(async () => {
  botApi = await startBotApi();
  system = await startSystem({ label: 'tgreply', env: { SECRETS_KEY: 'r'.repeat(40) } });
  await system.startInProcessWorker();
  bot = await connectBot(system, botApi, { mode: 'webhook' });
}, 120_000);

afterAll(async () => {
  await botApi?.close();
  await system?.close();
});

const call = () => api(system);
const lead = async (id: number | null) => (await call()('GET', `/api/v1/leads/${id}`)).body;

async function deliver(update: Update) {
  expect(botApi.pushUpdate(bot.token, update)).toBeDefined();
  return processedUpdate(system, bot.id, update.update_id);
}

/** A lead started by user `userId` writing to the bot. */
let nextUpdateId = 5000;
async function leadOf(userId: number): Promise<number> {
  const text = privateText(userId, 1, 'Hola, ¿me llamáis?', Math.floor(Date.now() / 1000));
  const row = await deliver({ update_id: nextUpdateId++, ...text });
  expect(row.outcome).toBe('created_simple');
  return row.lead_id ?? 0;
}

interface Delivered {
  id: number;
  delivery: string;
  meta: Record<string, unknown>;
}

/** Posts a reply and waits until the outbound worker has finished with it. */
async function replyAndWait(leadId: number, text: string): Promise<Delivered> {
  const posted = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text });
  expect(posted.status).toBe(202);
  let message: Delivered | undefined;
  await waitFor(
    `reply ${posted.body.id} to be sent or given up`,
    async () => {
      const { messages } = await lead(leadId);
      message = messages.find((m: Delivered) => m.id === posted.body.id);
      return message !== undefined && message.delivery !== 'queued';
    },
    30_000,
  );
  return message as Delivered;
}

const sentTo = (chatId: number) => botApi.sent(bot.token).filter((m) => m.chat_id === chatId);
const sendCallsTo = (chatId: number) =>
  botApi.calls(bot.token, 'sendMessage').filter((params) => Number(params.chat_id) === chatId);

it("makes a shared contact with a known client's phone that client's repeat lead", async () => {
  const created = await call()('POST', '/api/v1/clients', {
    name: 'Ana Pérez',
    phones: ['+34600123456'],
  });
  expect(created.status).toBe(201);
  const row = await deliver(fixture('contact-own'));
  expect(row.outcome).toBe('created_repeat');
  const repeat = await lead(row.lead_id);
  expect(repeat).toMatchObject({ type: 'repeat', clientId: created.body.id });
  // Her Telegram id now belongs to the client too, so her next message finds the lead.
  expect(repeat.identities.map((i: { key: string }) => i.key).sort()).toEqual([
    'phone:+34600123456',
    'telegram:111111111',
  ]);
  expect(await deliver(fixture('text'))).toMatchObject({
    outcome: 'appended',
    lead_id: row.lead_id,
  });
});

it('splits a 9,000-character reply into messages of at most 4,096', async () => {
  const chatId = 810_001;
  const leadId = await leadOf(chatId);
  // 900 words of 9 characters in paragraphs of 150: about 9,000 characters.
  const words = Array.from({ length: 900 }, (_, i) => `texto${String(i).padStart(4, '0')}`);
  const text = words
    .map((word, i) => (i % 150 === 149 ? `${word}\n\n` : `${word} `))
    .join('')
    .trim();
  expect(text.length).toBeGreaterThanOrEqual(9000);
  const message = await replyAndWait(leadId, text);
  expect(message.delivery).toBe('sent');
  expect(message.meta).toMatchObject({ sent: { parts: 3 } });
  const parts = sentTo(chatId).map((m) => m.text);
  expect(parts).toHaveLength(3);
  for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
  // Cut between paragraphs: every word once, in order, and no part ends mid-paragraph.
  expect(parts.join(' ').split(/\s+/)).toEqual(words);
  for (const part of parts) expect(part.split(/\s+/).length % 150).toBe(0);
  expect(sendCallsTo(chatId)).toHaveLength(3);
});

it("waits out a 429's retry_after without a retry storm", async () => {
  const chatId = 810_002;
  const leadId = await leadOf(chatId);
  botApi.failNext(bot.token, 'sendMessage', {
    error_code: 429,
    description: 'Too Many Requests: retry after 2',
    parameters: { retry_after: 2 },
  });
  const asked = Date.now();
  const message = await replyAndWait(leadId, 'Le llamamos mañana a las 10.');
  expect(message.delivery).toBe('sent');
  const [sent] = sentTo(chatId);
  expect(sent?.text).toBe('Le llamamos mañana a las 10.');
  expect((sent?.at.getTime() ?? 0) - asked).toBeGreaterThanOrEqual(2000);
  // One refused call, one that went through.
  expect(sendCallsTo(chatId)).toHaveLength(2);
});

it('marks a reply to a customer who blocked the bot undelivered, once, and refuses the next', async () => {
  const chatId = 810_003;
  const leadId = await leadOf(chatId);
  botApi.failNext(bot.token, 'sendMessage', {
    error_code: 403,
    description: 'Forbidden: bot was blocked by the user',
  });
  const message = await replyAndWait(leadId, '¿Sigue interesado?');
  expect(message.delivery).toBe('undelivered');
  // The Bot API's own answer, and what it means for the operator.
  expect(message.meta.error).toEqual({
    status: 403,
    message: 'Forbidden: bot was blocked by the user',
  });
  expect(String(message.meta.reason)).toMatch(/blocked the bot.*Forbidden: bot was blocked/);
  // Give a retry every chance to happen: it must not.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(sendCallsTo(chatId)).toHaveLength(1);
  expect(sentTo(chatId)).toEqual([]);
  expect((await lead(leadId)).messages.find((m: Delivered) => m.id === message.id).delivery).toBe(
    'undelivered',
  );
  const next = await call()('POST', `/api/v1/leads/${leadId}/messages`, { text: '¿Hola?' });
  expect(next.status).toBe(422);
  expect(next.body).toMatchObject({ error: 'unreachable' });
});

it('greets a customer once, when their first message starts a lead', async () => {
  const greeter = await connectBot(system, botApi, {
    mode: 'webhook',
    greeting: '¡Hola! Un agente le contestará en unos minutos.',
  });
  const say = async (messageId: number, updateId: number) => {
    const update = {
      update_id: updateId,
      ...privateText(424242, messageId, 'Hola', Math.floor(Date.now() / 1000)),
    };
    expect(botApi.pushUpdate(greeter.token, update)).toBeDefined();
    return processedUpdate(system, greeter.id, updateId);
  };
  const first = await say(1, 9001);
  expect(first.outcome).toBe('created_simple');
  await waitFor('the greeting', () => botApi.sent(greeter.token).length === 1, 15_000);
  expect(botApi.sent(greeter.token)[0]).toMatchObject({
    chat_id: 424242,
    text: '¡Hola! Un agente le contestará en unos minutos.',
  });
  expect((await say(2, 9002)).outcome).toBe('appended');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(botApi.sent(greeter.token)).toHaveLength(1);
  const history = (await lead(first.lead_id)).messages as { direction: string; delivery: string }[];
  expect(history.filter((m) => m.direction === 'out')).toEqual([
    expect.objectContaining({ delivery: 'sent' }),
  ]);
});
