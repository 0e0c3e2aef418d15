/**
 * What the local Bot API server (telegram-api.ts) keeps for each bot — its update queue, webhook,
 * chats and recorded calls — and the Bot API methods that answer from it. No I/O here: long
 * polling and webhook delivery live in the server.
 */
import { createHash } from 'node:crypto';

export type Params = Record<string, unknown>;
export type Update = { update_id: number } & Record<string, unknown>;

/** The bot's User object, as getMe and the `from` of its messages show it. */
export interface BotUser {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
}

export interface WebhookSettings {
  url: string;
  secretToken?: string;
  /** How many deliveries may be in flight at once (Telegram: 1–100, default 40). */
  maxConnections: number;
}

/** An error answer: `{ ok: false, error_code, description, parameters? }`; the HTTP status is the code. */
export interface ApiFailure {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** One successful sendMessage: its params as received, when it came, and the id it was given. */
export type SentMessage = Params & {
  chat_id: number | string;
  text: string;
  at: Date;
  message_id: number;
};

export interface TelegramFile {
  file_id: string;
  file_unique_id: string;
  file_size: number;
  file_path: string;
}

export class BotApiError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.description);
  }
}

const badRequest = (what: string) =>
  new BotApiError({ error_code: 400, description: `Bad Request: ${what}` });

export const MAX_TEXT_LENGTH = 4096;
const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';
/** Bots may download files up to 20 MB through getFile. */
export const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
/** Update types a bot receives only when it names them in allowed_updates. */
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

// Form and multipart fields arrive as strings, with arrays and objects JSON-encoded inside.
const int = (value: unknown) => (value === undefined || value === '' ? undefined : Number(value));
const flag = (value: unknown) => value === true || value === 'true' || value === 1 || value === '1';
function decoded(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`can't parse JSON parameter ${value.slice(0, 40)}`);
  }
}
const unixNow = () => Math.floor(Date.now() / 1000);

export class BotState {
  /** Updates not yet confirmed (polling) or not yet delivered (webhook), oldest first. */
  readonly queue: Update[] = [];
  readonly calls = new Map<string, Params[]>();
  readonly sent: SentMessage[] = [];
  readonly failures = new Map<string, { failure: ApiFailure; times: number }>();
  webhook: WebhookSettings | undefined;
  lastError: { date: number; message: string } | undefined;
  /** Owned by the server's webhook delivery: update ids in flight, and the pause after a failure. */
  readonly delivering = new Set<number>();
  retryTimer: NodeJS.Timeout | undefined;
  /** Ends the getUpdates request that is waiting for updates, if any. */
  wakePoll: ((why: 'update' | 'conflict') => void) | undefined;

  private allowedUpdates: string[] = [];
  private lastUpdateId = 0;
  /** Messages by `chat:message_id`, so that replies can quote them. */
  private readonly messages = new Map<string, Params>();
  private readonly chats = new Map<string, { chat: Params; lastMessageId: number }>();
  private readonly answeredQueries = new Set<string>();

  constructor(readonly user: BotUser) {}

  /**
   * Gives the update an id (unless it has one) and queues it — unless allowed_updates excludes its
   * type, in which case Telegram never creates it. Returns it as queued, or undefined.
   */
  accept(update: Params): Update | undefined {
    const updateId = int(update.update_id) ?? this.lastUpdateId + 1;
    this.lastUpdateId = Math.max(this.lastUpdateId, updateId);
    const stored: Update = { ...update, update_id: updateId };
    const type = Object.keys(stored).find((key) => key !== 'update_id') ?? '';
    const allowed = this.allowedUpdates.length
      ? this.allowedUpdates.includes(type)
      : !OPT_IN_UPDATES.has(type);
    if (!allowed) return undefined;
    this.remember(stored[type] as Params | undefined);
    this.queue.push(stored);
    return stored;
  }

  /** Records a call of `method` (lower case); returns the failure failNext queued for it, if any. */
  record(method: string, params: Params): ApiFailure | undefined {
    const calls = this.calls.get(method) ?? [];
    this.calls.set(method, calls);
    calls.push(params);
    const failing = this.failures.get(method);
    if (!failing?.times) return undefined;
    failing.times--;
    return failing.failure;
  }

  delivered(updateId: number): void {
    const index = this.queue.findIndex((update) => update.update_id === updateId);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** getUpdates without the wait: confirms everything below `offset`, then reads up to `limit`. */
  readUpdates(params: Params): Update[] {
    if (this.webhook) {
      throw new BotApiError({
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });
    }
    const offset = int(params.offset) ?? 0;
    const limit = Math.min(Math.max(int(params.limit) ?? 100, 1), 100);
    this.setAllowedUpdates(params.allowed_updates);
    const drop =
      offset < 0
        ? Math.max(this.queue.length + offset, 0)
        : this.queue.filter((update) => update.update_id < offset).length;
    this.queue.splice(0, drop);
    return this.queue.slice(0, limit);
  }

  setWebhook(params: Params): true {
    const url = String(params.url ?? '');
    if (!url) return this.deleteWebhook(params);
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw badRequest('invalid webhook URL specified');
    }
    const secretToken = params.secret_token === undefined ? undefined : String(params.secret_token);
    if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
      throw badRequest('secret token contains unallowed characters');
    }
    const maxConnections = Math.min(Math.max(int(params.max_connections) ?? 40, 1), 100);
    this.setAllowedUpdates(params.allowed_updates);
    if (flag(params.drop_pending_updates)) this.queue.length = 0;
    this.webhook = { url, maxConnections, ...(secretToken && { secretToken }) };
    this.lastError = undefined;
    return true;
  }

  deleteWebhook(params: Params): true {
    if (flag(params.drop_pending_updates)) this.queue.length = 0;
    this.webhook = undefined;
    this.lastError = undefined;
    return true;
  }

  webhookInfo(): Params {
    return {
      url: this.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
      ...(this.lastError && {
        last_error_date: this.lastError.date,
        last_error_message: this.lastError.message,
      }),
      ...(this.webhook && { max_connections: this.webhook.maxConnections }),
      ...(this.allowedUpdates.length && { allowed_updates: this.allowedUpdates }),
    };
  }

  /** Like Telegram, a callback query can be answered once; a second answer is refused. */
  answerCallbackQuery(params: Params): true {
    const id = String(params.callback_query_id ?? '');
    if (!id || this.answeredQueries.has(id)) throw badRequest(QUERY_TOO_OLD);
    this.answeredQueries.add(id);
    return true;
  }

  sendMessage(params: Params): Params {
    const chatId = params.chat_id as number | string | undefined;
    if (chatId === undefined || chatId === '') throw badRequest('chat_id is empty');
    const text = String(params.text ?? '');
    if (!text.trim()) throw badRequest('message text is empty');
    if (text.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
    const chat = this.chat(chatId);

    const replyParameters = decoded(params.reply_parameters) as Params | undefined;
    const replyTo = int(replyParameters?.message_id ?? params.reply_to_message_id);
    const quoted = replyTo ? this.messages.get(`${String(chat.chat.id)}:${replyTo}`) : undefined;
    const allowMissing = flag(
      replyParameters?.allow_sending_without_reply ?? params.allow_sending_without_reply,
    );
    if (replyTo && !quoted && !allowMissing) throw badRequest('message to be replied not found');

    const message: Params = {
      message_id: ++chat.lastMessageId,
      from: this.user,
      chat: chat.chat,
      date: unixNow(),
      text,
      ...(params.entities !== undefined && { entities: decoded(params.entities) }),
      ...(quoted && { reply_to_message: { ...quoted, reply_to_message: undefined } }),
    };
    this.remember(message);
    this.sent.push({
      ...params,
      chat_id: chatId,
      text,
      at: new Date(),
      message_id: chat.lastMessageId,
    });
    return message;
  }

  private setAllowedUpdates(value: unknown): void {
    const list = decoded(value);
    if (Array.isArray(list)) this.allowedUpdates = list.map(String);
  }

  /** A chat seen in an update, or one made up from the id (a negative id is a group). */
  private chat(chatId: number | string) {
    const key = String(chatId);
    const known =
      this.chats.get(key) ??
      [...this.chats.values()].find(
        ({ chat }) => key.startsWith('@') && `@${chat.username}` === key,
      );
    if (known) return known;
    if (!/^-?\d+$/.test(key)) throw badRequest('chat not found');
    const id = Number(key);
    const made = { chat: { id, type: id > 0 ? 'private' : 'group' }, lastMessageId: 0 };
    this.chats.set(key, made);
    return made;
  }

  /** Keeps a message (from an update or sent) so replies can quote it and ids keep growing. */
  private remember(message: Params | undefined): void {
    const chat = message?.chat as Params | undefined;
    const messageId = int(message?.message_id);
    if (!message || !chat || messageId === undefined) return;
    const key = String(chat.id);
    const entry = this.chats.get(key) ?? { chat, lastMessageId: 0 };
    entry.lastMessageId = Math.max(entry.lastMessageId, messageId);
    this.chats.set(key, entry);
    this.messages.set(`${key}:${messageId}`, message);
  }
}

/** Files registered by tests, served by getFile and by the download path. */
export class FileStore {
  private readonly byId = new Map<string, TelegramFile & { content: Buffer }>();
  private readonly byPath = new Map<string, Buffer>();

  add(
    fileId: string,
    content: Buffer,
    options: { fileUniqueId?: string; path?: string; size?: number } = {},
  ): TelegramFile {
    // telegraf reads an absolute file_path as a local Bot API server's file on disk.
    if (options.path?.startsWith('/')) throw new Error(`File paths are relative: ${options.path}`);
    const file = {
      file_id: fileId,
      file_unique_id:
        options.fileUniqueId ?? createHash('sha1').update(fileId).digest('base64url').slice(0, 15),
      file_size: options.size ?? content.length,
      file_path: options.path ?? `documents/file_${this.byId.size}`,
    };
    this.byId.set(fileId, { ...file, content });
    this.byPath.set(file.file_path, content);
    return file;
  }

  getFile(params: Params): TelegramFile {
    const found = this.byId.get(String(params.file_id ?? ''));
    if (!found) throw badRequest('invalid file_id');
    if (found.file_size > MAX_DOWNLOAD_BYTES) throw badRequest('file is too big');
    const { content: _, ...file } = found;
    return file;
  }

  download(filePath: string): Buffer | undefined {
    return this.byPath.get(filePath);
  }
}
