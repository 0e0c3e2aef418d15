/**
 * What every process does first: read the configuration, make sure Redis and the database are
 * there, and install graceful shutdown. Then `startWeb` / `startWorkers` add their parts.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Server, ServerResponse } from 'node:http';
import { systemClock } from '../core/clock.ts';
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { ingestConcurrency } from '../core/jobs.ts';
import type { Store } from '../core/repositories/index.ts';
import { loadConfig, readSecretVariable, type Config } from '../core/runtime/config.ts';
import type { Credentials } from '../core/runtime/secrets.ts';
import { Lifecycle } from '../core/runtime/lifecycle.ts';
import { createLogger, type Logger } from '../core/runtime/logger.ts';
import { announceChannelChange, watchChannelChanges } from '../core/runtime/channel-changes.ts';
import {
  channelSessionConnected,
  labelProcess,
  processId,
  processRole,
  refreshBeforeSnapshot,
  watchFreeSpace,
} from '../core/runtime/metrics.ts';
import { publishMetrics } from '../core/runtime/metrics-share.ts';
import { occasionalWarning } from '../core/runtime/redis-outage.ts';
import { createProducer } from '../core/runtime/queues.ts';
import {
  ensureRedis,
  producerConnection,
  RedisUnavailableError,
  stopRedis,
  workerConnection,
} from '../core/runtime/redis.ts';
import { checkRegistry } from '../core/channel.ts';
import { startConnectorHost, type ConnectorHost } from '../connectors/connector-host.ts';
import { createRecorder } from '../connectors/record-inbound.ts';
import { CHANNELS } from '../connectors/registry.ts';
import { openStore, type OpenStoreOptions } from '../db/open.ts';
import { startIngestWorker } from '../workers/ingest/index.ts';
import { changeAnnouncer, watchLiveChanges } from '../core/runtime/live-changes.ts';
import { startReconciler } from '../workers/reconciler/index.ts';
import { startOutboundWorker } from '../workers/outbound/index.ts';
import { startSenders } from '../workers/outbound/handler.ts';
import { greetNewLeads } from '../workers/outbound/greeting.ts';
import { startOutboundReconciler } from '../workers/outbound/reconcile.ts';
import { startWebhooks } from '../workers/webhooks/index.ts';
import { startRetention } from '../workers/retention.ts';

export interface Booted {
  config: Config;
  log: Logger;
  lifecycle: Lifecycle;
}

export interface BootOptions {
  /**
   * Whether the process is useless without Redis (workers). Intake processes (web, email,
   * telegram) start anyway while Redis is away: they record into the inbox, and the reconciler
   * enqueues what they could not once Redis answers.
   */
  redisRequired?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function boot(
  name: string,
  { redisRequired = true, env = process.env }: BootOptions = {},
): Promise<Booted> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }
  const log = createLogger(config.logLevel, name);
  checkRegistry(CHANNELS);
  const lifecycle = new Lifecycle(log);
  lifecycle.handleSignals();
  try {
    const redisChild = await ensureRedis(config, log);
    if (redisChild) {
      lifecycle.onShutdown('embedded redis', () => stopRedis(redisChild));
    }
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    if (redisRequired) exitWith(error.message);
    log.warn(
      { err: error.message },
      'starting without Redis: intake is recorded in the inbox and processed once Redis answers',
    );
  }
  // Every process brings the schema up to date (with PostgreSQL under an advisory lock, so ten
  // processes starting at once migrate once); the parts below then open their own connections.
  await (await storeOrExit(config, { migrate: true })).close();
  shareMetrics(name, { config, log, lifecycle });
  return { config, log, lifecycle };
}

/** Opens the configured store, or ends the process saying what to fix. */
async function storeOrExit(config: Config, options: OpenStoreOptions): Promise<Store> {
  try {
    return await openStore(config, options);
  } catch (error) {
    if (error instanceof StoreUnavailableError) exitWith(error.message);
    throw error;
  }
}

/**
 * The key that signs form tokens. Every web process must use the same one, so unless the
 * environment gives one (FORM_SECRET) it is generated once and kept in the database.
 */
export function siteSecret(store: Store, fromEnvironment: string | undefined): Promise<string> {
  if (fromEnvironment) return Promise.resolve(fromEnvironment);
  return store.settings.getOrCreate('form_token_secret', randomBytes(32).toString('base64url'));
}

/** Labels this process's metrics with its role and publishes them for `/metrics` (see metrics-share.ts). */
function shareMetrics(role: string, { config, lifecycle }: Booted): void {
  labelProcess(role);
  lifecycle.onShutdown(
    'free space gauges',
    watchFreeSpace([config.dataDir, config.blobDir ?? config.dataDir]),
  );
  const redis = producerConnection(config.redisUrl);
  redis.on('error', () => undefined);
  const publisher = publishMetrics(redis, config.queuePrefix, processId);
  lifecycle.onShutdown('metrics', async () => {
    await publisher.stop();
    redis.disconnect();
  });
}

function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Resolves `none()` whenever no request is being answered. */
function requestsInFlight(server: Server) {
  let count = 0;
  const waiting: (() => void)[] = [];
  server.on('request', (_req, res: ServerResponse) => {
    count += 1;
    res.once('close', () => {
      count -= 1;
      if (count === 0) for (const resolve of waiting.splice(0)) resolve();
    });
  });
  return {
    none: () => (count === 0 ? Promise.resolve() : new Promise<void>((r) => waiting.push(r))),
  };
}

/** How long requests being answered at shutdown may take before their connections are cut. */
const SERVER_GRACE_MS = 5_000;

export async function startWeb({ config, log, lifecycle }: Booted): Promise<Server> {
  // Full durability: a 202 promises the customer that the inbox row survives a power cut.
  const store = await storeOrExit(config, { durability: 'full', migrate: false, role: 'web' });
  const redis = producerConnection(config.redisUrl);
  redis.on('error', occasionalWarning(log, 'redis connection error (web)'));
  // Give the connection a moment, so the first requests do not all miss Redis; past that the
  // web starts without it (the rate limiter loads its script once Redis answers).
  await new Promise((resolve) => {
    if (redis.status === 'ready') return resolve(undefined);
    redis.once('ready', resolve);
    setTimeout(resolve, 2000).unref();
  });
  // The queues get a connection of their own. BullMQ defines its scripts as commands on the
  // connection it is given, and ioredis copies every defined command into each MULTI and
  // pipeline it makes: on a shared connection, each form post's counter paid for some fifty of
  // them (about 7% of a post's CPU).
  const queueRedis = producerConnection(config.redisUrl);
  queueRedis.on('error', occasionalWarning(log, 'redis connection error (web queues)'));
  const producer = createProducer('ingest', queueRedis, config.queuePrefix);
  const outbound = createProducer('outbound', queueRedis, config.queuePrefix);
  const webhookQueue = createProducer('webhooks', queueRedis, config.queuePrefix);
  const recorder = createRecorder(store.inbox, producer, log);
  // Loaded here, not above: the web's modules (Express, the console, the dashboard) would
  // otherwise sit in every worker and connector process's memory.
  const { createApp } = await import('../connectors/http/app.ts');
  const { LiveFeed } = await import('../connectors/http/console/index.ts');
  // The console's live updates: every web process reads new events when a writer announces one.
  const feed = new LiveFeed(store.events, log);
  const watching = watchLiveChanges(config.redisUrl, config.queuePrefix, () => feed.changed(), log);
  const app = createApp({
    channels: CHANNELS,
    repos: store,
    store,
    recorder,
    redis,
    queuePrefix: config.queuePrefix,
    log,
    apiKey: config.apiKey,
    defaultCountry: config.defaultCountry,
    rateLimitPerMinute: config.rateLimitPerMinute,
    sessions: config.sessions,
    trustProxy: config.trustProxy,
    blobs: store.blobs,
    forms: config.forms,
    formSecret: await siteSecret(store, config.forms.secret),
    secretsKey: config.secretsKey,
    credentials: credentialsOf(config),
    announce: (channelId) => announceChannelChange(redis, config.queuePrefix, channelId, log),
    outbound,
    queues: [producer.queue, outbound.queue, webhookQueue.queue],
    webhooks: { allowPrivate: config.webhooks.allowPrivate, producer: webhookQueue },
    processId,
    live: { feed, announce: changeAnnouncer(redis, config.queuePrefix, log) },
    importDir: path.join(config.dataDir, 'imports'),
  });
  const server = app.listen(config.port);
  const answering = requestsInFlight(server);
  // Idle keep-alive connections stay open longer than a load balancer's idle timeout (60 s is
  // common): otherwise the server may close one just as the balancer sends a request on it, and
  // that request fails with a reset. (Shutdown still closes idle connections at once.)
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      exitWith(
        `port ${config.port} is already in use (another Leadwire, or another program): stop it, or set PORT to a free port`,
      );
    if (error.code === 'EACCES')
      exitWith(`port ${config.port} needs privileges this user does not have: set PORT above 1024`);
    throw error;
  });
  log.info({ port: config.port }, `web listening on http://localhost:${config.port}`);
  processRole.set({ role: 'web' }, 1);
  lifecycle.onShutdown('database (web)', () => store.close());
  lifecycle.onShutdown('redis (web)', () => redis.quit());
  lifecycle.onShutdown('redis (web queues)', () => queueRedis.quit());
  lifecycle.onShutdown('queue producer', () => producer.queue.close());
  lifecycle.onShutdown('queue producer (outbound)', () => outbound.queue.close());
  lifecycle.onShutdown('queue producer (webhooks)', () => webhookQueue.queue.close());
  // Closers run last first: the answered posts' hand-offs to the queue end before it closes.
  lifecycle.onShutdown('queue hand-offs', () => recorder.handedOff());
  lifecycle.onShutdown(
    'http server',
    () =>
      new Promise((resolve) => {
        server.close(resolve);
        // Requests being answered get a few seconds to finish; connections doing nothing (kept
        // alive, opened ahead by a client, a live stream just ended) are closed at once.
        const cut = setTimeout(() => server.closeAllConnections(), SERVER_GRACE_MS);
        cut.unref();
        void answering.none().then(() => {
          clearTimeout(cut);
          server.closeAllConnections();
        });
      }),
  );
  // Closers run last first: the live streams end before the server waits for its connections.
  lifecycle.onShutdown('live streams', () => {
    watching.stop();
    feed.stop();
  });
  return server;
}

export async function startWorkers({ config, log, lifecycle }: Booted): Promise<void> {
  const store = await storeOrExit(config, { durability: 'normal', migrate: false, role: 'worker' });
  const workerRedis = workerConnection(config.redisUrl);
  const producerRedis = producerConnection(config.redisUrl);
  const warn = occasionalWarning(log, 'redis connection error (worker)');
  for (const connection of [workerRedis, producerRedis]) connection.on('error', warn);
  const outbound = createProducer('outbound', producerRedis, config.queuePrefix);
  const credentials = credentialsOf(config);
  const worker = startIngestWorker({
    onIngested: greetNewLeads(CHANNELS, store, outbound, log),
    channels: CHANNELS,
    repos: store,
    clock: systemClock,
    defaultCountry: config.defaultCountry,
    expand: { blobs: store.blobs, maxAttachmentBytes: config.emailMaxBytes, credentials, log },
    connection: workerRedis,
    prefix: config.queuePrefix,
    log,
    concurrency: ingestConcurrency(store.kind, config.ingestConcurrency),
  });
  const producer = createProducer('ingest', producerRedis, config.queuePrefix);
  const reconciler = startReconciler({
    inbox: store.inbox,
    producer,
    clock: systemClock,
    graceMs: config.reconcileGraceMs,
    intervalMs: config.reconcileIntervalMs,
    log,
  });
  const senders = startSenders(CHANNELS, { credentials, log });
  const outboundWorker = startOutboundWorker({
    repos: store,
    senders: senders.senders,
    connection: workerRedis,
    prefix: config.queuePrefix,
    log,
  });
  const webhookQueue = createProducer('webhooks', producerRedis, config.queuePrefix);
  const webhooks = startWebhooks({
    repos: store,
    clock: systemClock,
    settings: config.webhooks,
    credentials,
    producer: webhookQueue,
    connection: workerRedis,
    prefix: config.queuePrefix,
    log,
    dispatchEveryMs: Math.min(1000, config.reconcileIntervalMs),
    // A subscription turned off writes `webhook.disabled`: the admins' consoles hear of it.
    announce: changeAnnouncer(producerRedis, config.queuePrefix, log),
    graceMs: config.reconcileGraceMs,
    reconcileEveryMs: config.reconcileIntervalMs,
  });
  const outboundReconciler = startOutboundReconciler({
    leads: store.leads,
    producer: outbound,
    graceMs: config.reconcileGraceMs,
    intervalMs: config.reconcileIntervalMs,
    log,
  });
  // Open consoles hear of what the workers wrote: new leads and messages, delivery statuses.
  const announce = changeAnnouncer(producerRedis, config.queuePrefix, log);
  worker.on('completed', announce);
  outboundWorker.on('completed', announce);
  outboundWorker.on('failed', announce);
  log.info({ queue: 'ingest', prefix: config.queuePrefix }, 'ingest worker and reconciler started');
  processRole.set({ role: 'worker' }, 1);
  lifecycle.onShutdown('database (worker)', () => store.close());
  lifecycle.onShutdown('redis (worker)', async () => {
    await producerRedis.quit();
    await workerRedis.quit();
  });
  lifecycle.onShutdown('queue producer (reconciler)', () => producer.queue.close());
  lifecycle.onShutdown('reconciler', () => reconciler.stop());
  lifecycle.onShutdown('ingest worker', () => worker.close());
  lifecycle.onShutdown('queue producer (outbound)', () => outbound.queue.close());
  lifecycle.onShutdown('outbound reconciler', () => outboundReconciler.stop());
  lifecycle.onShutdown('reply senders', () => senders.close());
  lifecycle.onShutdown('outbound worker', () => outboundWorker.close());
  lifecycle.onShutdown('queue producer (webhooks)', () => webhookQueue.queue.close());
  lifecycle.onShutdown('webhooks', () => webhooks.stop());
  // Delivered events past EVENT_RETENTION_DAYS, and blobs nothing names any more, every hour.
  const retention = startRetention({
    repos: store,
    blobs: store.blobs,
    clock: systemClock,
    log,
    keepEventsMs: config.eventRetentionMs,
    everyMs: 60 * 60 * 1000,
  });
  lifecycle.onShutdown('retention', () => retention.stop());
}

/**
 * A connector process (the Procfile's `email`, `telegram`): a session for every active channel
 * whose connector runs in it, following channel changes within a second.
 */
export async function startConnectors(
  { config, log, lifecycle }: Booted,
  process: string,
): Promise<ConnectorHost> {
  // Full durability: a recorded event lets the connector move its checkpoint past it (an IMAP
  // UID, a bot's update offset).
  const store = await storeOrExit(config, { durability: 'full', migrate: false, role: process });
  const redis = producerConnection(config.redisUrl);
  redis.on('error', occasionalWarning(log, `redis connection error (${process})`));
  const producer = createProducer('ingest', redis, config.queuePrefix);
  const host = startConnectorHost({
    channels: CHANNELS.filter((channel) => channel.connector?.process === process),
    deps: {
      repos: store,
      recorder: createRecorder(store.inbox, producer, log),
      blobs: store.blobs,
      credentials: credentialsOf(config),
      config,
      log,
    },
  });
  const changes = watchChannelChanges(
    config.redisUrl,
    config.queuePrefix,
    () => void host.refresh(),
    log,
  );
  // Only this host's series: `npm start` runs several hosts in one process, on one gauge.
  let shown: { kind: string; channel_id: string }[] = [];
  const stopGauges = refreshBeforeSnapshot(() => {
    for (const labels of shown) channelSessionConnected.remove(labels);
    shown = host.sessions().map(({ kind, channelId }) => ({ kind, channel_id: String(channelId) }));
    host.sessions().forEach(({ connected }, index) => {
      const labels = shown[index];
      if (labels) channelSessionConnected.set(labels, connected ? 1 : 0);
    });
  });
  lifecycle.onShutdown(`database (${process})`, () => store.close());
  lifecycle.onShutdown(`redis (${process})`, () => redis.quit());
  lifecycle.onShutdown(`queue producer (${process})`, () => producer.queue.close());
  lifecycle.onShutdown('channel changes', () => changes.stop());
  lifecycle.onShutdown('connector sessions', () => host.stop());
  lifecycle.onShutdown('session metrics', stopGauges);
  processRole.set({ role: process }, 1);
  return host;
}

/** What opens channel secrets: SECRETS_KEY, and the environment for `{"env": …}` references. */
export function credentialsOf(config: Config): Credentials {
  return { secretsKey: config.secretsKey, readVariable: readSecretVariable };
}
