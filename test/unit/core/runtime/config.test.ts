import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../core/errors.ts';
import { applyEnvFile, DEFAULT_REDIS_URL, loadConfig } from '../../../../core/runtime/config.ts';

/** The ConfigError `loadConfig` throws for `env`; fails the test when it does not throw one. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const defaultDataDir = path.join(process.cwd(), 'data');

describe('loadConfig defaults', () => {
  it('starts with nothing set', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      dataDir: defaultDataDir,
      databaseFile: path.join(defaultDataDir, 'leadwire.db'),
      database: { kind: 'sqlite', file: path.join(defaultDataDir, 'leadwire.db') },
      blobDir: path.join(defaultDataDir, 'blobs'),
      redisUrl: 'redis://127.0.0.1:6379',
      redisIsDefault: true,
      queuePrefix: 'leadwire',
      logLevel: 'info',
      defaultCountry: undefined,
      apiKey: undefined,
      reconcileGraceMs: 30_000,
      reconcileIntervalMs: 10_000,
      ingestConcurrency: undefined,
      rateLimitPerMinute: 6000,
      sessions: { idleMs: 8 * 3600_000, maxMs: 72 * 3600_000 },
      trustProxy: ['loopback'],
      secretsKey: undefined,
      emailMaxBytes: 25 * 1024 * 1024,
      telegramPollSeconds: undefined,
      webhooks: {
        allowPrivate: false,
        retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        disableAfterMs: 5 * 24 * 3_600_000,
      },
      eventRetentionMs: 30 * 24 * 3_600_000,
      forms: {
        secret: undefined,
        minFillMs: 2000,
        tokenTtlMs: 24 * 3_600_000,
        ratePerMinute: 20,
        maxFileBytes: 10 * 1024 * 1024,
        maxFiles: 5,
      },
    });
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('resolves the default ./data to an absolute directory', () => {
    const { dataDir } = loadConfig({});
    expect(path.isAbsolute(dataDir)).toBe(true);
    expect(dataDir).toBe(path.resolve('./data'));
  });

  it('treats empty strings as unset', () => {
    const keys = [
      'PORT',
      'DATA_DIR',
      'REDIS_URL',
      'QUEUE_PREFIX',
      'LOG_LEVEL',
      'DEFAULT_COUNTRY',
      'API_KEY',
      'RECONCILE_GRACE_MS',
      'RECONCILE_INTERVAL_MS',
      'INGEST_CONCURRENCY',
      'RATE_LIMIT_PER_MINUTE',
      'SESSION_IDLE_HOURS',
      'SESSION_MAX_HOURS',
      'FORM_SECRET',
      'FORM_MIN_FILL_MS',
      'FORM_TOKEN_TTL_HOURS',
      'FORM_RATE_LIMIT_PER_MINUTE',
      'FORM_MAX_FILE_MB',
      'FORM_MAX_FILES',
      'SECRETS_KEY',
      'EMAIL_MAX_MB',
      'TELEGRAM_POLL_SECONDS',
      'WEBHOOK_ALLOW_PRIVATE',
      'WEBHOOK_RETRY_SCHEDULE',
      'WEBHOOK_DISABLE_AFTER_HOURS',
      'EVENT_RETENTION_DAYS',
    ];
    const empty = Object.fromEntries(keys.map((key) => [key, '']));
    expect(loadConfig(empty)).toEqual(loadConfig({}));
    expect(loadConfig(empty)).toMatchObject({ port: 3000, redisIsDefault: true });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ HOME: '/root', NODE_ENV: 'production' })).toEqual(loadConfig({}));
  });
});

describe('loadConfig values', () => {
  it('reads every setting', () => {
    const apiKey = 'k'.repeat(24);
    expect(
      loadConfig({
        PORT: '8080',
        DATA_DIR: '/var/lib/leadwire',
        REDIS_URL: 'rediss://cache.internal:6380/2',
        QUEUE_PREFIX: 'lw-test_1.a',
        LOG_LEVEL: 'debug',
        DEFAULT_COUNTRY: 'RU',
        API_KEY: apiKey,
        RECONCILE_GRACE_MS: '5000',
        RECONCILE_INTERVAL_MS: '1000',
        INGEST_CONCURRENCY: '8',
        RATE_LIMIT_PER_MINUTE: '120',
        SESSION_IDLE_HOURS: '0.5',
        SESSION_MAX_HOURS: '12',
        FORM_SECRET: 's'.repeat(32),
        FORM_MIN_FILL_MS: '0',
        FORM_TOKEN_TTL_HOURS: '2',
        FORM_RATE_LIMIT_PER_MINUTE: '7',
        FORM_MAX_FILE_MB: '3',
        FORM_MAX_FILES: '0',
        SECRETS_KEY: 'z'.repeat(32),
        EMAIL_MAX_MB: '5',
        TELEGRAM_POLL_SECONDS: '3',
        WEBHOOK_ALLOW_PRIVATE: 'yes',
        WEBHOOK_RETRY_SCHEDULE: ' 1, 2,3 ',
        WEBHOOK_DISABLE_AFTER_HOURS: '36',
        EVENT_RETENTION_DAYS: '7',
      }),
    ).toEqual({
      port: 8080,
      dataDir: '/var/lib/leadwire',
      databaseFile: '/var/lib/leadwire/leadwire.db',
      database: { kind: 'sqlite', file: '/var/lib/leadwire/leadwire.db' },
      blobDir: '/var/lib/leadwire/blobs',
      redisUrl: 'rediss://cache.internal:6380/2',
      redisIsDefault: false,
      queuePrefix: 'lw-test_1.a',
      logLevel: 'debug',
      defaultCountry: 'RU',
      apiKey,
      reconcileGraceMs: 5000,
      reconcileIntervalMs: 1000,
      ingestConcurrency: 8,
      rateLimitPerMinute: 120,
      sessions: { idleMs: 1800_000, maxMs: 12 * 3600_000 },
      trustProxy: ['loopback'],
      secretsKey: 'z'.repeat(32),
      emailMaxBytes: 5 * 1024 * 1024,
      telegramPollSeconds: 3,
      webhooks: {
        allowPrivate: true,
        retryScheduleMs: [1000, 2000, 3000],
        disableAfterMs: 36 * 3_600_000,
      },
      eventRetentionMs: 7 * 24 * 3_600_000,
      forms: {
        secret: 's'.repeat(32),
        minFillMs: 0,
        tokenTtlMs: 2 * 3_600_000,
        ratePerMinute: 7,
        maxFileBytes: 3 * 1024 * 1024,
        maxFiles: 0,
      },
    });
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/db' })).toMatchObject({
      dataDir: path.join(process.cwd(), 'var/db'),
      databaseFile: path.join(process.cwd(), 'var/db', 'leadwire.db'),
    });
  });

  it('marks an explicit REDIS_URL as not the default, even when it equals the default', () => {
    expect(loadConfig({ REDIS_URL: DEFAULT_REDIS_URL })).toMatchObject({
      redisUrl: DEFAULT_REDIS_URL,
      redisIsDefault: false,
    });
  });

  it('upper-cases a lower-case DEFAULT_COUNTRY', () => {
    expect(loadConfig({ DEFAULT_COUNTRY: 'es' }).defaultCountry).toBe('ES');
    expect(loadConfig({ DEFAULT_COUNTRY: 'Ru' }).defaultCountry).toBe('RU');
  });

  it('trims values, so a stray space in a .env file is neither port 0 nor an error', () => {
    expect(loadConfig({ PORT: ' ' }).port).toBe(3000);
    expect(loadConfig({ PORT: ' 8080 ', QUEUE_PREFIX: ' lw2 ' })).toMatchObject({
      port: 8080,
      queuePrefix: 'lw2',
    });
  });

  it('accepts the port range bounds', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });
});

describe('loadConfig problems', () => {
  it('says what a number setting must be, in words a person can act on', () => {
    expect(configError({ PORT: 'abc', RECONCILE_GRACE_MS: '1.5' }).problems).toEqual([
      'PORT: must be a port number from 0 to 65535',
      'RECONCILE_GRACE_MS: must be a positive whole number',
    ]);
  });

  it('says what each form setting must be', () => {
    expect(
      configError({
        FORM_SECRET: 'short',
        FORM_MIN_FILL_MS: '-1',
        FORM_TOKEN_TTL_HOURS: '0',
        FORM_MAX_FILE_MB: '2048',
        FORM_MAX_FILES: 'many',
      }).problems,
    ).toEqual([
      'FORM_SECRET: must be at least 32 characters',
      'FORM_MIN_FILL_MS: must be a whole number of milliseconds',
      'FORM_TOKEN_TTL_HOURS: must be a positive whole number',
      'FORM_MAX_FILE_MB: must be a whole number of megabytes from 1 to 1024',
      'FORM_MAX_FILES: must be a whole number from 0 to 50',
    ]);
  });

  it.each(['XX', 'ESP', 'E', '34', 'España'])('rejects DEFAULT_COUNTRY %j', (country) => {
    expect(configError({ DEFAULT_COUNTRY: country }).problems).toEqual([
      'DEFAULT_COUNTRY: must be an ISO 3166 alpha-2 country code such as ES or RU',
    ]);
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['LOG_LEVEL', 'INFO'],
    ['RECONCILE_GRACE_MS', '0'],
    ['RECONCILE_INTERVAL_MS', '-5'],
    ['INGEST_CONCURRENCY', '1001'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
  ])('rejects %s=%j', (key, value) => {
    const { problems } = configError({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key}: .+`));
  });

  it.each([
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL: must start with redis:// or rediss://'],
    ['REDIS_URL', '127.0.0.1:6379', 'REDIS_URL: must start with redis:// or rediss://'],
    [
      'QUEUE_PREFIX',
      'lead:wire',
      'QUEUE_PREFIX: letters, digits, _ . - and at most one {hash tag} (it names Redis keys)',
    ],
    [
      'QUEUE_PREFIX',
      '{lead}{wire}',
      'QUEUE_PREFIX: letters, digits, _ . - and at most one {hash tag} (it names Redis keys)',
    ],
    ['QUEUE_PREFIX', 'q'.repeat(65), 'QUEUE_PREFIX: at most 64 characters (it names Redis keys)'],
    [
      'DATABASE_URL',
      'mysql://db.internal/leadwire',
      'DATABASE_URL: must be a postgres:// or postgresql:// URL',
    ],
    [
      'API_KEY',
      'k'.repeat(23),
      'API_KEY: must be at least 24 characters (use `leadwire api-keys create`)',
    ],
  ])('rejects %s=%j saying what to do', (key, value, problem) => {
    expect(configError({ [key]: value }).problems).toEqual([problem]);
  });

  it('lists every bad value in one ConfigError', () => {
    const error = configError({
      PORT: 'eighty',
      REDIS_URL: 'http://localhost',
      QUEUE_PREFIX: 'a:b',
      LOG_LEVEL: 'loud',
      DEFAULT_COUNTRY: 'xx',
      API_KEY: 'short',
      RECONCILE_GRACE_MS: '-1',
      RECONCILE_INTERVAL_MS: '1.5',
      INGEST_CONCURRENCY: '0',
      RATE_LIMIT_PER_MINUTE: 'lots',
      DATA_DIR: '',
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.problems.map((problem) => problem.split(':')[0])).toEqual([
      'PORT',
      'REDIS_URL',
      'QUEUE_PREFIX',
      'LOG_LEVEL',
      'DEFAULT_COUNTRY',
      'API_KEY',
      'RECONCILE_GRACE_MS',
      'RECONCILE_INTERVAL_MS',
      'RATE_LIMIT_PER_MINUTE',
      'INGEST_CONCURRENCY',
    ]);
    expect(error.problems).toContain('REDIS_URL: must start with redis:// or rediss://');
    expect(error.message).toBe(
      `Leadwire cannot start, the configuration has 10 problem(s):\n  - ${error.problems.join('\n  - ')}`,
    );
  });

  it('selects PostgreSQL with DATABASE_URL, with blobs in it unless BLOB_DIR names a shared directory', () => {
    const url = 'postgres://leadwire:secret@db.internal:5432/leadwire';
    expect(loadConfig({ DATABASE_URL: url })).toMatchObject({
      database: { kind: 'postgres', url, poolSize: 10 },
      blobDir: undefined,
    });
    expect(
      loadConfig({ DATABASE_URL: url, BLOB_DIR: '/mnt/shared/blobs', DATABASE_POOL_SIZE: '4' }),
    ).toMatchObject({
      database: { kind: 'postgres', url, poolSize: 4 },
      blobDir: '/mnt/shared/blobs',
    });
    expect(loadConfig({ BLOB_DIR: 'shared' }).blobDir).toBe(path.join(process.cwd(), 'shared'));
  });

  it('takes a Redis Cluster hash tag in QUEUE_PREFIX', () => {
    expect(loadConfig({ QUEUE_PREFIX: '{leadwire}' }).queuePrefix).toBe('{leadwire}');
    expect(loadConfig({ QUEUE_PREFIX: 'acme-{lw}' }).queuePrefix).toBe('acme-{lw}');
  });

  it('reads TRUST_PROXY as a hop count or a list of addresses, loopback by default', () => {
    expect(loadConfig({}).trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
  });
});

describe('.env', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  /** A temp working directory holding `name` with `text`. */
  function dirWith(text: string, name = '.env'): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-env-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, name), text);
    return dir;
  }
  function envFileError(env: NodeJS.ProcessEnv, dir: string): ConfigError {
    try {
      applyEnvFile(env, dir);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected applyEnvFile to throw a ConfigError');
  }

  it('fills what the real environment leaves unset; the real environment wins', () => {
    const dir = dirWith(
      [
        '# the shared settings',
        'PORT=4100',
        'export QUEUE_PREFIX = acme',
        'SECRETS_KEY="a key with # and spaces, 32+ chars"  # a comment',
        "LEADWIRE_SECRET_SALES_IMAP='p@ss word'",
        'LOG_LEVEL=debug',
        'DEFAULT_COUNTRY=ES',
        '',
      ].join('\n'),
    );
    const env: NodeJS.ProcessEnv = { PORT: '5000', LOG_LEVEL: ' ', HOME: '/root' };
    applyEnvFile(env, dir);
    expect(env).toEqual({
      PORT: '5000',
      QUEUE_PREFIX: 'acme',
      SECRETS_KEY: 'a key with # and spaces, 32+ chars',
      LEADWIRE_SECRET_SALES_IMAP: 'p@ss word',
      LOG_LEVEL: 'debug',
      DEFAULT_COUNTRY: 'ES',
      HOME: '/root',
    });
    expect(loadConfig(env)).toMatchObject({ port: 5000, queuePrefix: 'acme', logLevel: 'debug' });
  });

  it('reads a multi-line quoted value as Node does', () => {
    const env: NodeJS.ProcessEnv = {};
    applyEnvFile(env, dirWith('A="first\nsecond"\r\nB=2\n'));
    expect(env).toEqual({ A: 'first\nsecond', B: '2' });
  });

  it('is fine without a .env, and reads the file ENV_FILE names instead', () => {
    const env: NodeJS.ProcessEnv = {};
    const empty = mkdtempSync(path.join(tmpdir(), 'leadwire-env-'));
    dirs.push(empty);
    applyEnvFile(env, empty);
    expect(env).toEqual({});
    const dir = dirWith('PORT=4200\n', 'staging.env');
    const named: NodeJS.ProcessEnv = { ENV_FILE: 'staging.env' };
    applyEnvFile(named, dir);
    expect(named).toEqual({ ENV_FILE: 'staging.env', PORT: '4200' });
  });

  it('names each malformed line, a missing ENV_FILE and an unreadable .env, never a value', () => {
    const dir = dirWith('PORT=1\nsecret-password\n2X=3\nAPI_KEY="unterminated\nB=2\n');
    const error = envFileError({}, dir);
    const file = path.join(dir, '.env');
    expect(error.problems).toEqual([
      `${file}: line 2 is not NAME=value (a name is letters, digits and _)`,
      `${file}: line 3 is not NAME=value (a name is letters, digits and _)`,
      `${file}: line 4: the value of API_KEY opens a " that is never closed`,
    ]);
    expect(error.message).not.toContain('secret-password');
    expect(envFileError({ ENV_FILE: 'prod.env' }, dir).problems).toEqual([
      `ENV_FILE: there is no file ${path.join(dir, 'prod.env')}`,
    ]);
    const unreadable = mkdtempSync(path.join(tmpdir(), 'leadwire-env-'));
    dirs.push(unreadable);
    mkdirSync(path.join(unreadable, '.env'));
    expect(envFileError({}, unreadable).problems).toEqual([
      `.env: cannot read ${path.join(unreadable, '.env')} (EISDIR)`,
    ]);
  });

  it('is read for the process environment only: an environment given is complete', () => {
    const dir = dirWith('PORT=4300\nFORM_MAX_FILES=7\n', 'test.env');
    expect(loadConfig({ ENV_FILE: path.join(dir, 'test.env') }).port).toBe(3000);
    const saved = { ...process.env };
    try {
      process.env.ENV_FILE = path.join(dir, 'test.env');
      process.env.PORT = '4301';
      delete process.env.FORM_MAX_FILES;
      expect(loadConfig()).toMatchObject({ port: 4301, forms: { maxFiles: 7 } });
      // The secret variables a channel names are read from process.env: the file is there too.
      expect(process.env.FORM_MAX_FILES).toBe('7');
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});
