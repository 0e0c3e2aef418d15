/**
 * The one place that reads `process.env` (and `.env`). Every setting is validated once at start-up
 * and every problem is listed together in one error, so a misconfigured deployment is fixed in one go.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { parseEnvFile } from './env-file.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A whole number written in the environment, with a message a person can act on. */
const whole = (what: string) =>
  z.coerce.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });

const schema = z.object({
  PORT: whole('a port number from 0 to 65535').min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  /**
   * Prefix of every Redis key. `{…}` around it (or a part of it) is a Redis Cluster hash tag: every
   * key of the deployment then lands in one slot, which BullMQ's multi-key scripts need.
   */
  QUEUE_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]*(\{[A-Za-z0-9_.-]+\})?[A-Za-z0-9_.-]*$/,
      'letters, digits, _ . - and at most one {hash tag} (it names Redis keys)',
    )
    .max(64, 'at most 64 characters (it names Redis keys)')
    .default('leadwire'),
  /** PostgreSQL for deployments on several machines; without it SQLite under DATA_DIR is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Connections each process keeps to PostgreSQL. */
  DATABASE_POOL_SIZE: whole('a whole number from 1 to 100').min(1).max(100).default(10),
  /**
   * Where blobs (emails, attachments, uploads) go when not in the database: a filesystem every
   * machine mounts. Default: DATA_DIR/blobs with SQLite, the database itself with PostgreSQL.
   */
  BLOB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DEFAULT_COUNTRY: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine(isSupportedCountry, 'must be an ISO 3166 alpha-2 country code such as ES or RU')
    .optional(),
  API_KEY: z
    .string()
    .min(24, 'must be at least 24 characters (use `leadwire api-keys create`)')
    .optional(),
  /** Inbox rows still pending after this long are re-enqueued by the reconciler. */
  RECONCILE_GRACE_MS: whole('a positive whole number').positive().default(30_000),
  RECONCILE_INTERVAL_MS: whole('a positive whole number').positive().default(10_000),
  /**
   * Which proxies' X-Forwarded-For / -Proto to believe (Express's "trust proxy"): `loopback`
   * (a proxy on the same machine), a hop count, or addresses/CIDRs separated by commas. Client
   * IPs (rate limits, failed-login guard) and HTTPS-only cookies depend on it.
   */
  TRUST_PROXY: z.string().default('loopback'),
  /** A signed-in session unused this many hours ends (sign in again). */
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(8),
  /** A session ends this many hours after sign-in however busy it is. */
  SESSION_MAX_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(72),
  /** API requests per minute per key (per IP before authentication). */
  RATE_LIMIT_PER_MINUTE: whole('a positive whole number').positive().default(6000),
  /** Signs the tokens rendered into web forms; generated and kept in the database when unset. */
  FORM_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** A form posted sooner than this after it was rendered is taken for a bot. */
  FORM_MIN_FILL_MS: whole('a whole number of milliseconds').min(0).default(2000),
  /** A rendered form older than this is answered with a fresh one instead of being accepted. */
  FORM_TOKEN_TTL_HOURS: whole('a positive whole number').positive().default(24),
  /** Posts per minute per IP address to one form or callback widget. */
  FORM_RATE_LIMIT_PER_MINUTE: whole('a positive whole number').positive().default(20),
  /** Uploads larger than this are not kept (the submission is, with a note). */
  FORM_MAX_FILE_MB: whole('a whole number of megabytes from 1 to 1024')
    .min(1)
    .max(1024)
    .default(10),
  FORM_MAX_FILES: whole('a whole number from 0 to 50').min(0).max(50).default(5),
  /** Encrypts channel passwords stored in the database (any string of 32+ characters). */
  SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Emails over this size are recorded with their headers only (and a note), never dropped. */
  EMAIL_MAX_MB: whole('a whole number of megabytes from 1 to 1024').min(1).max(1024).default(25),
  /** Seconds one Telegram getUpdates call waits for updates (long polling). */
  TELEGRAM_POLL_SECONDS: whole('a whole number of seconds from 0 to 50').min(0).max(50).optional(),
  /** Jobs one worker process runs at once. */
  INGEST_CONCURRENCY: whole('a positive whole number').positive().max(1000).optional(),
  /** Lets webhooks reach private and loopback addresses (a receiver on the same network; tests). */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .optional(),
  /**
   * Seconds between a webhook delivery's attempts, comma-separated: the first retry after the
   * first value, and so on; after the last one the delivery fails for good.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be seconds separated by commas, e.g. 5,300,1800')
    .default('5,300,1800,7200,18000,36000,36000'),
  /** A subscription whose deliveries keep failing this many hours is turned off (admins told). */
  WEBHOOK_DISABLE_AFTER_HOURS: whole('a positive whole number').positive().default(120),
  /** Events (and their deliveries) are kept this many days once every delivery is over. */
  EVENT_RETENTION_DAYS: whole('a positive whole number').positive().default(30),
});

export interface Config {
  port: number;
  dataDir: string;
  databaseFile: string;
  /** PostgreSQL (DATABASE_URL) or the SQLite file under DATA_DIR. */
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };
  /** Blobs on this filesystem directory, or (undefined, PostgreSQL only) in the database. */
  blobDir: string | undefined;
  redisUrl: string;
  /** True when REDIS_URL was not set: Leadwire may start a private redis-server. */
  redisIsDefault: boolean;
  queuePrefix: string;
  logLevel: (typeof LOG_LEVELS)[number];
  defaultCountry: CountryCode | undefined;
  apiKey: string | undefined;
  reconcileGraceMs: number;
  reconcileIntervalMs: number;
  ingestConcurrency: number | undefined;
  rateLimitPerMinute: number;
  /** Idle and absolute lifetimes of a signed-in session. */
  sessions: { idleMs: number; maxMs: number };
  /** Express "trust proxy": a hop count or a list of addresses and names. */
  trustProxy: number | string[];
  forms: FormSettings;
  secretsKey: string | undefined;
  emailMaxBytes: number;
  telegramPollSeconds: number | undefined;
  webhooks: WebhookSettings;
  /** How long events are kept once their deliveries are over. */
  eventRetentionMs: number;
}

export interface WebhookSettings {
  allowPrivate: boolean;
  /** Delays before each retry, in ms: attempts = retries + 1. */
  retryScheduleMs: number[];
  /** Failing this long turns a subscription off. */
  disableAfterMs: number;
}

/** Spam defence and upload limits shared by web forms and callback widgets. */
export interface FormSettings {
  secret: string | undefined;
  minFillMs: number;
  tokenTtlMs: number;
  ratePerMinute: number;
  maxFileBytes: number;
  maxFiles: number;
}

/** Values are trimmed, and empty ones count as unset, as they do in most .env files. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .map(([key, value]) => [key, value?.trim()])
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

/**
 * Fills the variables the real environment leaves unset (or empty) from `.env` in the working
 * directory, or the file ENV_FILE names, so the server and the CLI started from the same
 * directory get the same settings. The values go into `process.env` itself, so the secret
 * variables a channel names (`readSecretVariable`) are found there too. A missing `.env` is
 * fine; a missing ENV_FILE, an unreadable file or a line that is not NAME=value is a ConfigError.
 */
export function applyEnvFile(env: NodeJS.ProcessEnv, dir = process.cwd()): void {
  const named = env.ENV_FILE?.trim();
  const file = path.resolve(dir, named || '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (code === 'ENOENT' && !named) return;
    throw new ConfigError([
      code === 'ENOENT'
        ? `ENV_FILE: there is no file ${file}`
        : `${named ? 'ENV_FILE' : '.env'}: cannot read ${file} (${code})`,
    ]);
  }
  const { values, problems } = parseEnvFile(text);
  if (problems.length) throw new ConfigError(problems.map((problem) => `${file}: ${problem}`));
  for (const [name, value] of Object.entries(values)) {
    if (!env[name]?.trim()) env[name] = value;
  }
}

/**
 * The configuration from the process's environment (with `.env`), or from exactly the variables
 * given: an environment passed in (a test's, a benchmark child's) is complete as it is.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (env === process.env) applyEnvFile(env);
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const value = parsed.data;
  const dataDir = path.resolve(value.DATA_DIR);
  const databaseFile = path.join(dataDir, 'leadwire.db');
  return {
    port: value.PORT,
    dataDir,
    databaseFile,
    database: value.DATABASE_URL
      ? { kind: 'postgres', url: value.DATABASE_URL, poolSize: value.DATABASE_POOL_SIZE }
      : { kind: 'sqlite', file: databaseFile },
    blobDir: value.BLOB_DIR
      ? path.resolve(value.BLOB_DIR)
      : value.DATABASE_URL
        ? undefined
        : path.join(dataDir, 'blobs'),
    redisUrl: value.REDIS_URL ?? DEFAULT_REDIS_URL,
    redisIsDefault: value.REDIS_URL === undefined,
    queuePrefix: value.QUEUE_PREFIX,
    logLevel: value.LOG_LEVEL,
    defaultCountry: value.DEFAULT_COUNTRY as CountryCode | undefined,
    apiKey: value.API_KEY,
    reconcileGraceMs: value.RECONCILE_GRACE_MS,
    reconcileIntervalMs: value.RECONCILE_INTERVAL_MS,
    ingestConcurrency: value.INGEST_CONCURRENCY,
    rateLimitPerMinute: value.RATE_LIMIT_PER_MINUTE,
    sessions: {
      idleMs: value.SESSION_IDLE_HOURS * 3600_000,
      maxMs: value.SESSION_MAX_HOURS * 3600_000,
    },
    trustProxy: /^\d+$/.test(value.TRUST_PROXY)
      ? Number(value.TRUST_PROXY)
      : value.TRUST_PROXY.split(',').map((part) => part.trim()),
    secretsKey: value.SECRETS_KEY,
    emailMaxBytes: value.EMAIL_MAX_MB * 1024 * 1024,
    telegramPollSeconds: value.TELEGRAM_POLL_SECONDS,
    webhooks: {
      allowPrivate: ['true', '1', 'yes'].includes(value.WEBHOOK_ALLOW_PRIVATE ?? 'false'),
      retryScheduleMs: value.WEBHOOK_RETRY_SCHEDULE.split(',').map((part) => Number(part) * 1000),
      disableAfterMs: value.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    },
    eventRetentionMs: value.EVENT_RETENTION_DAYS * 86_400_000,
    forms: {
      secret: value.FORM_SECRET,
      minFillMs: value.FORM_MIN_FILL_MS,
      tokenTtlMs: value.FORM_TOKEN_TTL_HOURS * 3_600_000,
      ratePerMinute: value.FORM_RATE_LIMIT_PER_MINUTE,
      maxFileBytes: value.FORM_MAX_FILE_MB * 1024 * 1024,
      maxFiles: value.FORM_MAX_FILES,
    },
  };
}

/**
 * Reads one variable a channel names as its secret (`{"env": "IMAP_PASSWORD"}`). Kept here so
 * this file stays the only reader of the environment.
 */
export function readSecretVariable(name: string, env: NodeJS.ProcessEnv = process.env) {
  return env[name]?.trim() || undefined;
}
