/**
 * The one contract every channel implements (the Novu providers' shape): a channel's folder
 * exports one `Channel` from its index.ts, connectors/registry.ts lists them in one array, and the
 * process entry points hand that registry to the workers, the routes and the connector
 * processes. Nothing outside a channel's folder asks which kind a channel is.
 *
 * `Http` is what a channel's public routes are made of (an Express router in connectors/); core
 * never mounts them, so it does not need to know. Code that only uses the rest takes `AnyChannel`.
 */
import type { z } from 'zod';
import type { ChannelKind, InboundMessage, Source } from './inbound.ts';
import type { ChannelInfo, RecordedInbox } from './ports.ts';
import type { BlobStore } from './repositories/blobs.ts';
import type { ChannelRecord, ChannelRepository } from './repositories/channels.ts';
import type { NewInboxRow, SourceCheckpoint } from './repositories/inbox.ts';
import type { Repositories } from './repositories/index.ts';
import type { MessageRecord } from './repositories/leads.ts';
import type { Config } from './runtime/config.ts';
import type { Logger } from './runtime/logger.ts';
import type { Credentials } from './runtime/secrets.ts';

export interface Channel<Http = never> {
  readonly kind: ChannelKind;
  /** The lead source its new leads get (EMAIL, TELEGRAM, …). */
  readonly source: Source;
  /** How people call it: "Email", "Telegram bot", "WhatsApp". */
  readonly label: string;
  /**
   * Channels connected through /api/v1/channels and `channels create` have settings; the web
   * form and callback widgets (their definitions live in `forms`) and the REST intake do not.
   */
  readonly settings?: ChannelSettings;
  /** Pure: the stored raw event (or what `expand` made of it) → the normalised message. */
  normalise(raw: unknown, context: NormaliseContext): InboundMessage;
  /**
   * The async step before `normalise`, in the worker and outside any transaction: read an .eml
   * from the blob store and parse it, download a message's files. Throws MalformedInputError for
   * an event that will never succeed; anything else is retried.
   */
  expand?(raw: unknown, deps: ExpandDeps, channel: ChannelInfo): Promise<unknown>;
  /** Operators' replies (and greetings) on this channel. */
  readonly replies?: ReplySupport;
  /** A long-running source read by a connector process (IMAP sessions, bot polling). */
  readonly connector?: ConnectorSupport;
  /** Public routes the channel's cloud posts to (webhooks). */
  webhook?(deps: WebhookDeps): Http;
  /** After a channel of this kind is saved: register its webhook and the like. Shown to the admin. */
  onSaved?(channel: ChannelRecord, deps: SavedDeps): Promise<Record<string, unknown> | undefined>;
  /**
   * How the channel looks from outside (`GET /api/v1/channels/:id`): Telegram's view of the
   * webhook, the phone number's quality rating. Must answer within a few seconds.
   */
  health?(channel: ChannelRecord, deps: HealthDeps): Promise<Record<string, unknown> | undefined>;
  /** `channels test ID`: logs in with the stored settings and says what works, a line each. */
  test?(channel: ChannelRecord, deps: HealthDeps): Promise<ChannelCheck[]>;
}

/** A channel whatever its routes are made of: what workers and the connector host use. */
export type AnyChannel = Channel<unknown>;

/** What a pure normaliser knows beside the raw event. */
export interface NormaliseContext {
  externalId: string;
  /** The channel's phone country, else the deployment's DEFAULT_COUNTRY. */
  defaultCountry: string | undefined;
}

/** What an expand step may use. */
export interface ExpandDeps {
  blobs: BlobStore;
  /** Attachments over this are noted, not kept. */
  maxAttachmentBytes: number;
  /** Opens channel secrets (a bot token to download files). */
  credentials: Credentials;
  log: Logger;
}

// ── settings ────────────────────────────────────────────────────────────────────────────────

export interface SettingsIssue {
  path: string;
  message: string;
}

/**
 * A channel's own settings, as `channels.config` keeps them. The API and the CLI validate the
 * kind-specific part of a body here; secrets are sealed before they are stored and never shown.
 */
export interface ChannelSettings {
  /** Validates the kind-specific part of a body and turns it into what is stored. */
  prepare(
    body: Record<string, unknown>,
    context: SettingsContext,
  ): { ok: true; config: Record<string, unknown> } | { ok: false; issues: SettingsIssue[] };
  /** True when stored settings are usable (an old or hand-edited row may not be). */
  valid(config: Record<string, unknown>): boolean;
  /** What the API shows of stored settings: secrets as `{env}` or `{stored: true}`, never values. */
  describe(config: Record<string, unknown>): Record<string, unknown>;
  /**
   * PATCH: the whole body to validate again, from what is shown and the patch. A secret never
   * follows its settings to a new server: a patch that moves one without giving it is refused.
   */
  edit(
    shown: Record<string, unknown>,
    patch: Record<string, unknown>,
  ): { ok: true; body: Record<string, unknown> } | { ok: false; issue: SettingsIssue };
  /** What a person connects, in their words: "Mailbox", "Telegram bot", "WhatsApp number". */
  readonly title: Words;
  /**
   * The kind's form, for the console: which inputs a person fills in and where each goes in the
   * body `prepare` takes. The console renders any kind from this alone (nobody types JSON).
   */
  readonly form: readonly SettingsSection[];
}

/** A text in every language the console speaks. */
export interface Words {
  en: string;
  es: string;
  ru: string;
}

/**
 * How an input is shown and what it becomes in the body:
 * - `text`, `email`, `url`: a string (an empty input is left out);
 * - `number`: a number;
 * - `checkbox`: true or false;
 * - `select`: one of `options`;
 * - `list`: one value a line (or comma-separated), a string array;
 * - `secret`: a sealed secret, `{"value": …}` as typed, or `{"env": NAME}` when a variable is
 *   named instead; never shown again, an empty input keeps the stored one;
 * - `passphrase`: a write-only string the channel keeps only as a hash (a verify token): never
 *   shown again, an empty input keeps it.
 */
export type SettingsFieldType =
  'text' | 'email' | 'url' | 'number' | 'checkbox' | 'select' | 'list' | 'secret' | 'passphrase';

export interface SettingsField {
  /** Where the value goes in the body, as a dotted path (`imap.host`); issues name the same path. */
  name: string;
  type: SettingsFieldType;
  label: Words;
  help?: Words;
  /** Needed for the channel to work (a secret: when the channel is first connected). */
  required?: boolean;
  /** `select`: the values, in order. */
  options?: readonly { value: string; label: Words }[];
  /** What a new channel's form starts with: the schema's own default. */
  default?: string | number | boolean;
  /** A sample value shown in the empty input (and the one the descriptor test sends). */
  example?: string;
  min?: number;
  max?: number;
}

export interface SettingsSection {
  /** Unique within the kind; for an `optional` section, the body key its fields live under. */
  id: string;
  legend: Words;
  fields: readonly SettingsField[];
  /** The whole section may be left out (a mailbox that sends no replies): it is when every
   * required field of it is empty, and removed from a saved channel the same way. */
  optional?: boolean;
  /** Tuning with good defaults: on the channel's page, not in the form that connects it. */
  later?: boolean;
}

export interface SettingsContext {
  secretsKey: string | undefined;
  now: Date;
  /** The stored settings of the channel being edited. */
  previous: Record<string, unknown> | undefined;
}

/**
 * Typed settings for a channel's own code, read once per stored object: every module of a
 * channel asks `read(channel.config)` instead of parsing the JSON again.
 */
export function settingsReader<S>(schema: z.ZodType<S>) {
  const cache = new WeakMap<object, S | null>();
  return (config: unknown): S | undefined => {
    if (typeof config !== 'object' || config === null) return undefined;
    let value = cache.get(config);
    if (value === undefined) {
      const parsed = schema.safeParse(config);
      value = parsed.success ? parsed.data : null;
      cache.set(config, value);
    }
    return value ?? undefined;
  };
}

// ── replies ─────────────────────────────────────────────────────────────────────────────────

export interface ReplySupport {
  /**
   * What a reply needs to go out: the customer message it answers decides where to (the thread,
   * the chat, the phone). Refused when the channel cannot answer that customer.
   */
  draft(route: ReplyRoute, reply: ReplyInput, deps: DraftDeps): Promise<ReplyDraft>;
  /** The text sent once to a customer who starts a new lead here, when the channel has one. */
  greeting?(channel: ChannelRecord): string | undefined;
  /** Made once per worker process: it keeps its connections (SMTP pools, API clients). */
  sender(deps: SenderDeps): Sender;
}

/** A reply is to the customer's newest message on a channel that can answer. */
export interface ReplyRoute {
  leadId: number;
  message: MessageRecord;
  channel: ChannelRecord;
}

export interface ReplyInput {
  text: string;
  /** A pre-approved message template (WhatsApp, outside the 24-hour window). */
  template?: TemplateInput;
  /**
   * Builds the reply's external id instead of a random value (from the caller's Idempotency-Key):
   * the same request drafts the same id, which the channel's unique external ids then refuse.
   */
  unique?: string;
}

/** Who wrote a reply, kept as `meta.operator` on every reply (an integration: its key's name). */
export interface ReplyOperator {
  userId: number | null;
  name: string;
}

export interface TemplateInput {
  name: string;
  /** The template's language code, e.g. `en_US`. */
  language: string;
  /** The body's {{1}}, {{2}}, … in order. */
  parameters: string[];
}

export type ReplyDraft =
  | {
      ok: true;
      /** Unique per channel: the reply's message id (our Message-ID, a random id). */
      externalId: string;
      sender: string;
      /** What the operator's view shows (a template's name and values). */
      text: string;
      /** Where and how it goes, read back by the sender. */
      meta: Record<string, unknown>;
    }
  | { ok: false; code: 'cannot_send' | 'unreachable' | 'unsupported'; message: string };

export interface DraftDeps {
  channels: Pick<ChannelRepository, 'blockOf'>;
}

export interface SenderDeps {
  credentials: Credentials;
  log: Logger;
}

export interface Sender {
  /**
   * Sends one queued reply. Throws PermanentSendError (core/errors) for what will never go out
   * as it is, RecipientUnreachableError when the customer cannot be reached on this channel any
   * more, RateLimitedError when the channel asks to wait; anything else is retried. An error the
   * channel's server answered carries that answer (`withServerAnswer`).
   */
  send(request: OutboundRequest): Promise<SendResult>;
  close?(): void | Promise<void>;
}

/** What a channel's server said when it refused a send: kept on a reply that fails for good. */
export interface ServerAnswer {
  /** The HTTP status (Bot API, Graph API) or the SMTP reply code. */
  status?: number;
  /** The provider's own error code when it has one beside the status (WhatsApp's 131047). */
  code?: number;
  /** The server's words (never a credential). */
  message: string;
}

const ANSWER = Symbol('server answer');

/** Attaches what the server answered to the error a sender throws; returns the same error. */
export function withServerAnswer<E extends Error>(error: E, answer: ServerAnswer): E {
  return Object.assign(error, { [ANSWER]: answer });
}

/** The server's answer a sender attached to `error`, if any. */
export function serverAnswerAttached(error: unknown): ServerAnswer | undefined {
  return error instanceof Error ? (error as { [ANSWER]?: ServerAnswer })[ANSWER] : undefined;
}

export interface OutboundRequest {
  channel: ChannelRecord;
  message: MessageRecord;
  /**
   * Records progress (the parts of a split reply already sent), so a retry never repeats one,
   * and the id the channel gave the message as soon as it is known (its statuses may come at
   * once). Never throws: a write that fails is logged, and the send goes on.
   */
  saveMeta(meta: Record<string, unknown>, externalId?: string): Promise<void>;
}

export interface SendResult {
  /** What the server answered, for the operator and the logs. */
  response: string;
  /** Merged into the message's meta. */
  meta: Record<string, unknown>;
  /**
   * The id the channel gave the message (a WhatsApp wamid): it becomes the message's external
   * id, so the channel's delivery statuses find it.
   */
  externalId?: string;
}

// ── connector processes ─────────────────────────────────────────────────────────────────────

export interface ConnectorSupport {
  /** The Procfile process that runs this channel's sessions (`email`, `telegram`). */
  process: string;
  /** Whether an active channel needs a session (a bot in webhook mode does not). */
  wanted?(channel: ChannelRecord): boolean;
  /** One session per channel; stopped and started again when the channel's settings change. */
  start(channel: ChannelRecord, deps: ConnectorDeps): ConnectorSession;
  /** Process-wide watching beside the sessions (the bots' webhook health), if any. */
  monitor?(deps: ConnectorDeps): { stop(): void };
}

export interface ConnectorSession {
  /** For the gauges: the session is connected to its source. */
  connected(): boolean;
  /** Look for new events now (tests, a backfill). */
  syncNow?(): void;
  stop(): Promise<void>;
}

export interface ConnectorDeps {
  repos: Pick<Repositories, 'inbox' | 'checkpoints' | 'channels'>;
  recorder: InboundRecorder;
  blobs: BlobStore;
  credentials: Credentials;
  config: Config;
  log: Logger;
}

/**
 * recordInbound: the one way an outside event enters Leadwire. Rows are committed first (the
 * source may be acknowledged from then on), then handed to the ingest queue within a short
 * deadline; a row Redis did not take stays pending and the reconciler enqueues it later.
 */
export interface InboundRecorder {
  /** Resolves once the row is committed; its hand-off to the queue follows on its own. */
  record(
    channelId: number,
    externalId: string,
    raw: unknown,
    receivedAt: Date,
  ): Promise<RecordedInbox>;
  /**
   * Several events and the source's checkpoint (an IMAP UID, an update offset) in ONE
   * transaction: the checkpoint never runs ahead of the rows.
   */
  recordBatch(
    channelId: number,
    events: NewInboxRow[],
    receivedAt: Date,
    checkpoint?: SourceCheckpoint,
  ): Promise<RecordedInbox[]>;
}

// ── webhooks, saving, health ────────────────────────────────────────────────────────────────

/** Failed authentications (a wrong webhook secret) counted per address, as for API keys. */
export interface AuthFailures {
  /** True while this address has failed too often: it is refused before anything is checked. */
  blocked(ip: string): Promise<boolean>;
  failed(ip: string): Promise<void>;
}

export interface WebhookDeps {
  repos: Pick<Repositories, 'channels'>;
  recorder: InboundRecorder;
  authFailures: AuthFailures;
  credentials: Credentials;
  log: Logger;
}

export interface SavedDeps {
  channels: Pick<ChannelRepository, 'setConfig'>;
  credentials: Credentials;
  log: Logger;
}

export interface HealthDeps {
  repos: Pick<Repositories, 'checkpoints'>;
  credentials: Credentials;
  log: Logger;
}

export interface ChannelCheck {
  name: string;
  ok: boolean;
  detail: string;
}

// ── the registry ────────────────────────────────────────────────────────────────────────────

/**
 * Looks a channel up by kind in the registry a process was given; a stored row of a kind no
 * channel implements (a database from a newer version) fails loudly where it is used.
 */
export function channelOf<C extends AnyChannel>(
  channels: readonly C[],
  kind: string,
): C | undefined {
  return channels.find((channel) => channel.kind === kind);
}

/** Checks at start that every kind is implemented once, as the job catalog is checked. */
export function checkRegistry(channels: readonly AnyChannel[]): void {
  const seen = new Set<string>();
  for (const channel of channels) {
    if (seen.has(channel.kind)) throw new Error(`channel kind ${channel.kind} is registered twice`);
    seen.add(channel.kind);
  }
}
