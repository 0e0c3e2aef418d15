/**
 * A local Telegram Bot API server for tests and benchmarks, since Telegram's cloud cannot be
 * reached from here. It speaks the real HTTP API — `POST /bot<token>/<method>` with JSON,
 * urlencoded, multipart or query-string params, and `GET /file/bot<token>/<path>` downloads — for
 * the methods Leadwire uses: getMe, getUpdates (long polling), setWebhook, deleteWebhook,
 * getWebhookInfo, sendMessage, answerCallbackQuery and getFile. Point telegraf at it with
 * `new Telegram(token, { apiRoot })`.
 *
 * Webhook delivery behaves like Telegram's: every queued update is POSTed as JSON (with
 * X-Telegram-Bot-Api-Secret-Token when a secret is set), at most max_connections at a time. An
 * update stays pending until the receiver answers 2xx; a failure is recorded as the webhook's last
 * error and delivery pauses for `webhookRetryMs` before trying again.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import {
  BotApiError,
  BotState,
  FileStore,
  type ApiFailure,
  type BotUser,
  type Params,
  type SentMessage,
  type TelegramFile,
  type Update,
  type WebhookSettings,
} from './telegram-api-state.ts';

export type { ApiFailure, BotUser, Params, SentMessage, TelegramFile, Update, WebhookSettings };

export interface BotApiOptions {
  /** Pause after a failed webhook delivery before the next try (Telegram: about a minute). Default 200 ms. */
  webhookRetryMs?: number;
  /** How long a receiver may take to answer a delivery. Default 5 s. */
  webhookTimeoutMs?: number;
  /** Cap on getUpdates' `timeout`, so a long poll never holds a test for 50 s. Default 5 s. */
  maxPollSeconds?: number;
}

export interface BotApi {
  /** e.g. `http://127.0.0.1:41234`; telegraf's `apiRoot` option. */
  apiRoot: string;
  /** Registers a bot; its id is the token's prefix before `:`. Unknown tokens get 401. */
  addBot(token: string, info?: { id?: number; username?: string; firstName?: string }): BotUser;
  /** A file getFile can describe and the download path can serve; `size` fakes a larger file. */
  addFile(
    fileId: string,
    content: Buffer,
    options?: { fileUniqueId?: string; path?: string; size?: number },
  ): TelegramFile;
  /** Queues an update (numbering it when it has no update_id) for getUpdates or the webhook. */
  pushUpdate(token: string, update: Params): Update | undefined;
  /** The next `times` calls of `method` answer this error instead. */
  failNext(token: string, method: string, failure: ApiFailure, times?: number): void;
  /** Every successful sendMessage, oldest first. */
  sent(token: string): SentMessage[];
  /** The params of every call of `method`, failed ones included, as received. */
  calls(token: string, method: string): Params[];
  webhook(token: string): WebhookSettings | undefined;
  close(): Promise<void>;
}

const UNAUTHORIZED: ApiFailure = { error_code: 401, description: 'Unauthorized' };
const NOT_FOUND: ApiFailure = { error_code: 404, description: 'Not Found' };
const POLL_CONFLICT: ApiFailure = {
  error_code: 409,
  description:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
};

export async function startBotApi(options: BotApiOptions = {}): Promise<BotApi> {
  const { webhookRetryMs = 200, webhookTimeoutMs = 5_000, maxPollSeconds = 5 } = options;
  const bots = new Map<string, BotState>();
  const files = new FileStore();
  let closing = false;

  const botFor = (token: string) => {
    const bot = bots.get(token);
    if (!bot) throw new Error(`No bot with token ${token.split(':')[0]}:… — call addBot first`);
    return bot;
  };

  /** Runs one Bot API method: recorded, then failed on request, then answered. */
  async function call(bot: BotState, method: string, params: Params, res?: ServerResponse) {
    const name = method.toLowerCase(); // Telegram's method names are case-insensitive
    const failure = bot.record(name, params);
    if (failure) throw new BotApiError(failure);
    switch (name) {
      case 'getme':
        return bot.user;
      case 'getupdates':
        return longPoll(bot, params, res);
      case 'setwebhook':
      case 'deletewebhook': {
        const result = name === 'setwebhook' ? bot.setWebhook(params) : bot.deleteWebhook(params);
        clearTimeout(bot.retryTimer);
        bot.retryTimer = undefined;
        bot.wakePoll?.('update');
        pump(bot);
        return result;
      }
      case 'getwebhookinfo':
        return bot.webhookInfo();
      case 'sendmessage':
        return bot.sendMessage(params);
      case 'getfile':
        return files.getFile(params);
      case 'answercallbackquery':
        return bot.answerCallbackQuery(params);
      default:
        throw new BotApiError(NOT_FOUND);
    }
  }

  /** getUpdates: answers at once when updates are queued, else waits for one or the timeout. */
  async function longPoll(bot: BotState, params: Params, res?: ServerResponse) {
    bot.wakePoll?.('conflict'); // one poller at a time, like Telegram
    const deadline = Date.now() + Math.min(Number(params.timeout ?? 0) || 0, maxPollSeconds) * 1000;
    let updates = bot.readUpdates(params);
    while (!updates.length && Date.now() < deadline && !closing) {
      const why = await new Promise<string>((resolve) => {
        const done = (reason: string) => {
          clearTimeout(timer);
          res?.off('close', disconnected);
          if (bot.wakePoll === done) bot.wakePoll = undefined;
          resolve(reason);
        };
        const disconnected = () => done('closed');
        const timer = setTimeout(done, deadline - Date.now(), 'timeout');
        bot.wakePoll = done;
        res?.once('close', disconnected);
      });
      if (why === 'conflict') throw new BotApiError(POLL_CONFLICT);
      if (why === 'closed') return [];
      updates = bot.readUpdates(params);
    }
    return updates;
  }

  /** Starts deliveries for queued updates, up to max_connections, unless paused after a failure. */
  function pump(bot: BotState): void {
    const hook = bot.webhook;
    if (!hook || bot.retryTimer || closing) return;
    for (const update of bot.queue) {
      if (bot.delivering.size >= hook.maxConnections) break;
      if (!bot.delivering.has(update.update_id)) void deliver(bot, hook, update);
    }
  }

  async function deliver(bot: BotState, hook: WebhookSettings, update: Update): Promise<void> {
    bot.delivering.add(update.update_id);
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(hook.secretToken && { 'x-telegram-bot-api-secret-token': hook.secretToken }),
        },
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(webhookTimeoutMs),
      });
      const answer = await response.text();
      if (!response.ok) {
        throw new Error(
          `Wrong response from the webhook: ${response.status} ${response.statusText}`,
        );
      }
      bot.delivered(update.update_id);
      await answerInResponse(bot, answer, response.headers.get('content-type'));
    } catch (error) {
      if (bot.webhook === hook && !closing) {
        bot.lastError = { date: Math.floor(Date.now() / 1000), message: deliveryError(error) };
        clearTimeout(bot.retryTimer);
        bot.retryTimer = setTimeout(() => {
          bot.retryTimer = undefined;
          pump(bot);
        }, webhookRetryMs);
      }
    } finally {
      bot.delivering.delete(update.update_id);
      pump(bot);
    }
  }

  /** A webhook answer may carry one method call (`{"method": "sendMessage", ...}`); Telegram runs it. */
  async function answerInResponse(bot: BotState, body: string, contentType: string | null) {
    if (!contentType?.includes('application/json') || !body.trim()) return;
    try {
      const { method, ...params } = JSON.parse(body) as Params;
      if (typeof method === 'string') await call(bot, method, params);
    } catch {
      // Telegram ignores a webhook answer it cannot run; the update counts as delivered.
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      const content = bots.has(download[1]!) ? files.download(download[2]!) : undefined;
      if (!content) return reply(res, bots.has(download[1]!) ? NOT_FOUND : UNAUTHORIZED);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': content.length,
      });
      res.end(content);
      return;
    }
    const route = /^\/bot([^/]+)\/([A-Za-z]+)\/?$/.exec(url.pathname);
    const bot = route && bots.get(route[1]!);
    if (!route || !bot) return reply(res, route ? UNAUTHORIZED : NOT_FOUND);
    const params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) };
    reply(res, { ok: true, result: await call(bot, route[2]!, params, res) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof BotApiError) return reply(res, error.failure);
      reply(res, { error_code: 500, description: `Internal Server Error: ${String(error)}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    addBot(token, info = {}) {
      const id = info.id ?? Number(token.split(':')[0]);
      if (!Number.isSafeInteger(id) || !token.includes(':')) {
        throw new Error(`A bot token looks like "123456:secret"; got "${token}"`);
      }
      const user: BotUser = {
        id,
        is_bot: true,
        first_name: info.firstName ?? 'Leadwire Test Bot',
        username: info.username ?? `leadwire_${id}_bot`,
        can_join_groups: true,
        can_read_all_group_messages: false,
        supports_inline_queries: false,
      };
      bots.set(token, new BotState(user));
      return user;
    },
    addFile: (fileId, content, fileOptions) => files.add(fileId, content, fileOptions),
    pushUpdate(token, update) {
      const bot = botFor(token);
      const queued = bot.accept(update);
      if (queued) bot.wakePoll?.('update');
      pump(bot);
      return queued;
    },
    failNext(token, method, failure, times = 1) {
      botFor(token).failures.set(method.toLowerCase(), { failure, times });
    },
    sent: (token) => [...botFor(token).sent],
    calls: (token, method) => [...(botFor(token).calls.get(method.toLowerCase()) ?? [])],
    webhook: (token) => botFor(token).webhook,
    async close() {
      closing = true;
      for (const bot of bots.values()) {
        clearTimeout(bot.retryTimer);
        bot.wakePoll?.('update'); // a waiting long poll answers what it has
      }
      await new Promise((resolve) => setImmediate(resolve));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, body: ApiFailure | { ok: true; result: unknown }): void {
  const status = 'error_code' in body ? body.error_code : 200;
  const json = JSON.stringify('error_code' in body ? { ok: false, ...body } : body);
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(json);
}

/** The reason Telegram's getWebhookInfo would show for a failed delivery. */
function deliveryError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'Read timeout expired';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'Connection refused';
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** Params from a JSON, urlencoded or multipart body (multipart files as `{ filename, content }`). */
async function readBody(req: IncomingMessage): Promise<Params> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const params: Params = {};
    await new Promise<void>((resolve, reject) => {
      const form = busboy({ headers: req.headers });
      form.on('field', (name, value) => (params[name] = value));
      form.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => (params[name] = { ...info, content: Buffer.concat(chunks) }));
      });
      form.on('close', resolve).on('error', reject);
      req.pipe(form);
    });
    return params;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (!body.trim()) return {};
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body));
  }
  try {
    return JSON.parse(body) as Params;
  } catch {
    throw new BotApiError({ error_code: 400, description: "Bad Request: can't parse JSON body" });
  }
}
