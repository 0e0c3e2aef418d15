/** The local Bot API server answers the real telegraf client like Telegram would. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Telegram, TelegramError } from 'telegraf';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';

let api: BotApi;
let botCount = 0;

beforeAll(async () => {
  api = await startBotApi({ webhookRetryMs: 100 });
});

afterAll(async () => {
  await api?.close();
});

/** A fresh bot per test, so queues and records never mix. */
function newBot() {
  const token = `${700_000 + ++botCount}:test-token-${botCount}`;
  const user = api.addBot(token);
  return { token, user, telegram: new Telegram(token, { apiRoot: api.apiRoot }) };
}

const message = (chatId: number, messageId: number, text: string) => ({
  message: {
    message_id: messageId,
    date: Math.floor(Date.now() / 1000),
    chat: { id: chatId, type: 'private', first_name: 'Ada' },
    from: { id: chatId, is_bot: false, first_name: 'Ada' },
    text,
  },
});

async function rejection(promise: Promise<unknown>): Promise<TelegramError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(TelegramError);
  return error as TelegramError;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Receiver {
  url: string;
  received: { headers: IncomingHttpHeaders; body: { update_id: number } }[];
  /** The status the receiver answers with; change it to make deliveries fail or succeed. */
  status: number;
  server: Server;
}

async function startReceiver(status = 200): Promise<Receiver> {
  const receiver = { received: [], status } as unknown as Receiver;
  receiver.server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      receiver.received.push({ headers: req.headers, body: JSON.parse(body) });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/telegram`;
  return receiver;
}

it('answers getMe with the bot and refuses an unknown token with 401', async () => {
  const { user, telegram } = newBot();
  expect(await telegram.getMe()).toMatchObject({
    id: user.id,
    is_bot: true,
    username: user.username,
  });

  const stranger = new Telegram('999:nobody', { apiRoot: api.apiRoot });
  const error = await rejection(stranger.getMe());
  expect(error.code).toBe(401);
  expect(error.description).toBe('Unauthorized');
});

it('holds a long poll until an update arrives, and an offset confirms the updates below it', async () => {
  const { token, telegram } = newBot();
  const started = Date.now();
  const polling = telegram.getUpdates(5, 100, 0, []);
  setTimeout(() => api.pushUpdate(token, message(42, 1, 'hello')), 200);
  const [first, ...rest] = await polling;
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(rest).toEqual([]);
  expect(first).toMatchObject({ message: { text: 'hello' } });

  const second = api.pushUpdate(token, message(42, 2, 'again'))!;
  expect(second.update_id).toBe(first!.update_id + 1);
  expect(await telegram.getUpdates(0, 100, 0, [])).toHaveLength(2); // nothing confirmed yet
  expect(await telegram.getUpdates(0, 100, first!.update_id + 1, [])).toEqual([second]);
  expect(await telegram.getUpdates(0, 100, 0, [])).toEqual([second]); // the first is gone for good
  expect(await telegram.getUpdates(1, 100, second.update_id + 1, [])).toEqual([]);
  expect((await telegram.getWebhookInfo()).pending_update_count).toBe(0);
});

it('delivers to a webhook with the secret header; getUpdates is then a conflict', async () => {
  const { token, telegram } = newBot();
  const receiver = await startReceiver();
  try {
    await telegram.setWebhook(receiver.url, { secret_token: 'lw-secret_1' });
    const update = api.pushUpdate(token, message(7, 1, 'via webhook'))!;
    await eventually(
      async () => receiver.received.length,
      (n) => n > 0,
    );
    expect(receiver.received).toEqual([
      {
        headers: expect.objectContaining({ 'x-telegram-bot-api-secret-token': 'lw-secret_1' }),
        body: update,
      },
    ]);
    const info = await eventually(
      () => telegram.getWebhookInfo(),
      (info) => info.pending_update_count === 0,
    );
    expect(info).toMatchObject({ url: receiver.url, pending_update_count: 0 });
    expect(info.last_error_message).toBeUndefined();
    expect(api.webhook(token)).toMatchObject({ url: receiver.url, secretToken: 'lw-secret_1' });
    expect((await rejection(telegram.getUpdates(0, 100, 0, []))).code).toBe(409);
  } finally {
    receiver.server.close();
  }
});

it('keeps an update pending while the webhook answers 401, then retries until it is taken', async () => {
  const { token, telegram } = newBot();
  const receiver = await startReceiver(401);
  try {
    await telegram.setWebhook(receiver.url);
    api.pushUpdate(token, message(8, 1, 'knock knock'));
    const failing = await eventually(
      () => telegram.getWebhookInfo(),
      (info) => info.last_error_message !== undefined,
    );
    expect(failing).toMatchObject({
      pending_update_count: 1,
      last_error_message: 'Wrong response from the webhook: 401 Unauthorized',
    });
    expect(failing.last_error_date).toBeGreaterThan(Date.now() / 1000 - 60);

    await eventually(
      async () => receiver.received.length,
      (n) => n >= 2,
    ); // it retried
    receiver.status = 200;
    const delivered = await eventually(
      () => telegram.getWebhookInfo(),
      (info) => info.pending_update_count === 0,
    );
    expect(delivered.pending_update_count).toBe(0);

    await telegram.deleteWebhook();
    expect(await telegram.getWebhookInfo()).toMatchObject({ url: '', pending_update_count: 0 });
  } finally {
    receiver.server.close();
  }
});

it('records sendMessage, quotes the replied message, and refuses text over 4096', async () => {
  const { token, user, telegram } = newBot();
  api.pushUpdate(token, message(42, 10, 'question'));
  const sent = await telegram.sendMessage(42, 'answer', { reply_parameters: { message_id: 10 } });
  expect(sent).toMatchObject({
    message_id: 11,
    chat: { id: 42, type: 'private' },
    from: { id: user.id },
    text: 'answer',
    reply_to_message: { message_id: 10, text: 'question' },
  });
  expect(api.sent(token)).toEqual([
    expect.objectContaining({ chat_id: 42, text: 'answer', message_id: 11, at: expect.any(Date) }),
  ]);

  const tooLong = await rejection(telegram.sendMessage(42, 'x'.repeat(4097)));
  expect(tooLong.code).toBe(400);
  expect(tooLong.description).toBe('Bad Request: message is too long');
  expect(await telegram.sendMessage(42, 'x'.repeat(4096))).toMatchObject({ message_id: 12 });

  const missing = await rejection(
    telegram.sendMessage(42, 'hm', { reply_parameters: { message_id: 999 } }),
  );
  expect(missing.description).toBe('Bad Request: message to be replied not found');
  expect(api.sent(token)).toHaveLength(2);
  expect(api.calls(token, 'sendMessage')).toHaveLength(4);
});

it('answers the errors failNext asked for, with their parameters, then recovers', async () => {
  const { token, telegram } = newBot();
  api.failNext(token, 'sendMessage', {
    error_code: 429,
    description: 'Too Many Requests: retry after 2',
    parameters: { retry_after: 2 },
  });
  const limited = await rejection(telegram.sendMessage(5, 'hi'));
  expect(limited.code).toBe(429);
  expect(limited.parameters?.retry_after).toBe(2);

  api.failNext(
    token,
    'sendMessage',
    { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    2,
  );
  expect((await rejection(telegram.sendMessage(5, 'hi'))).code).toBe(403);
  expect((await rejection(telegram.sendMessage(5, 'hi'))).code).toBe(403);
  await telegram.sendMessage(5, 'hi');
  expect(api.calls(token, 'sendMessage')).toHaveLength(4);
  expect(api.sent(token)).toHaveLength(1);
});

it('describes a file with getFile and serves its bytes at getFileLink', async () => {
  const { telegram } = newBot();
  const content = Buffer.from('%PDF-1.4 a small quote\n');
  api.addFile('doc-1', content, { fileUniqueId: 'uniq1', path: 'documents/file_1.pdf' });
  expect(await telegram.getFile('doc-1')).toEqual({
    file_id: 'doc-1',
    file_unique_id: 'uniq1',
    file_size: content.length,
    file_path: 'documents/file_1.pdf',
  });
  const link = await telegram.getFileLink('doc-1');
  const download = await fetch(link);
  expect(download.status).toBe(200);
  expect(Buffer.from(await download.arrayBuffer())).toEqual(content);

  expect((await rejection(telegram.getFile('nope'))).description).toBe(
    'Bad Request: invalid file_id',
  );
  api.addFile('huge', Buffer.from('x'), { size: 21 * 1024 * 1024 });
  expect((await rejection(telegram.getFile('huge'))).description).toBe(
    'Bad Request: file is too big',
  );
});

it('takes urlencoded and query-string params, and answers an unknown method with 404', async () => {
  const { token } = newBot();
  api.pushUpdate(token, message(9, 1, 'one'));
  const form = await fetch(`${api.apiRoot}/bot${token}/sendMessage?chat_id=9`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ text: 'by form', reply_parameters: '{"message_id":1}' }),
  });
  expect(await form.json()).toMatchObject({
    ok: true,
    result: { message_id: 2, text: 'by form', reply_to_message: { message_id: 1 } },
  });
  const unknown = await fetch(`${api.apiRoot}/bot${token}/sendTelepathy`, { method: 'POST' });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
});
