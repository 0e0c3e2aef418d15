/**
 * The one Express app that hosts every HTTP edge: the channels' webhooks (from the registry), web
 * forms and callback widgets, the REST intake, the operator API, health, the dashboard, metrics.
 */
import { createHmac } from 'node:crypto';
import type { Queue } from 'bullmq';
import express, { type Router } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { Channel } from '../../core/channel.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Producer } from '../../core/runtime/queues.ts';
import { systemClock } from '../../core/clock.ts';
import type { FormSettings } from '../../core/runtime/config.ts';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import type { Repositories, Store } from '../../core/repositories/index.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { postLead } from '../api/intake.ts';
import { callbackSite } from '../callback/index.ts';
import { SiteGuard } from '../site/guard.ts';
import { siteRoutes } from '../site/routes.ts';
import { webformSite } from '../webform/index.ts';
import type { WebhookAdminDeps } from '../webhook-admin.ts';
import type { InboundRecorder } from '../record-inbound.ts';
import { adminLoginRoutes, requireAdmin, type AdminAuthDeps } from './admin-session.ts';
import { apiGuards, operatorApi } from './api.ts';
import { consoleRoutes, LiveFeed } from './console/index.ts';
import { signInRoutes } from './session.ts';
import { authFailures } from './auth-failures.ts';
import { errorAnswers } from './errors.ts';
import { problem } from './problem.ts';
import { DASHBOARD_PATH, dashboardRouter } from './dashboard.ts';
import { healthRoutes } from './health.ts';
import { countRequests, metricsRoutes } from './metrics.ts';
import {
  recentChannels,
  recentForms,
  recentLookups,
  type RecentLookups,
} from './recent-lookups.ts';

/** How long a form or channel read for an intake post is used again (see recent-lookups.ts). */
const LOOKUP_TTL_MS = 1000;

export interface AppDeps {
  /** The channel registry: their webhooks are mounted, their settings connected and shown. */
  channels: readonly Channel<Router>[];
  repos: Repositories;
  /** Answers /readyz. */
  store: Pick<Store, 'ping'>;
  recorder: InboundRecorder;
  redis: Redis;
  queuePrefix: string;
  log: Logger;
  apiKey: string | undefined;
  defaultCountry: string | undefined;
  /** Idle and absolute lifetimes of a signed-in session (SESSION_IDLE_HOURS, SESSION_MAX_HOURS). */
  sessions?: { idleMs: number; maxMs: number };
  /** Requests per minute per API key (or per IP before authentication). */
  rateLimitPerMinute?: number;
  blobs: BlobStore;
  forms: FormSettings;
  /** Signs form tokens (FORM_SECRET or the one kept in the database). */
  formSecret: string;
  /** Seals channel passwords (SECRETS_KEY). */
  secretsKey: string | undefined;
  /** Opens channel secrets (webhook checks, a channel's health). */
  credentials: Credentials;
  /** Tells the connector processes that a channel was saved. */
  announce?: (channelId: number) => Promise<void>;
  /** Operators' replies go out through this queue. */
  outbound: Producer<'outbound'>;
  /** Every queue of the job catalog, for the dashboard and the metrics. */
  queues: Queue[];
  /** Express "trust proxy" (TRUST_PROXY); the default believes only a proxy on loopback. */
  trustProxy?: number | string[];
  /** This process's metrics id (see core/runtime/metrics.ts labelProcess). */
  processId: string;
  /**
   * The console's live updates: the feed of new events this process's streams read, and how an
   * operator's change is announced to every web process (core/runtime/live-changes.ts). Without
   * it, the feed only looks once a second.
   */
  live?: { feed: LiveFeed; announce: () => void };
  /** Webhook subscriptions: who may be a receiver, and the queue a redelivery goes to. */
  webhooks?: { allowPrivate: boolean; producer?: Producer<'webhooks'> };
  /** Where the console keeps uploaded import files (DATA_DIR/imports). */
  importDir: string;
}

/** How requests authenticate: keys (verified ones kept a moment in `lookups`), sessions, the guard. */
function authDeps(deps: AppDeps, lookups: RecentLookups): AdminAuthDeps {
  return {
    users: deps.repos.users,
    log: deps.log,
    apiKey: deps.apiKey,
    recentKeys: lookups,
    guard: { redis: deps.redis, prefix: deps.queuePrefix, perMinute: 30 },
    session: {
      // Shared by every web process, like the form secret it is derived from.
      secret: createHmac('sha256', deps.formSecret).update('session').digest('hex'),
      ...(deps.sessions ?? { idleMs: 8 * 3600_000, maxMs: 72 * 3600_000 }),
    },
  };
}

/** The operations pages: the queue dashboard and the metrics, for admins only. */
function operationsRoutes(deps: AppDeps, adminAuth: AdminAuthDeps): express.Router {
  const router = express.Router();
  router.use(adminLoginRoutes(adminAuth));
  router.use(DASHBOARD_PATH, requireAdmin(adminAuth), dashboardRouter(deps.queues));
  router.use('/metrics', requireAdmin(adminAuth));
  router.use(metricsRoutes(deps));
  return router;
}

/**
 * Express's proxy trust check, remembered per address: it parses the address with ipaddr.js on
 * every call (req.protocol asks it for each form post that carries an Origin), and its answer
 * for an address never changes. Addresses come from X-Forwarded-For: the memory stays bounded.
 */
function rememberedTrust(trust: (address: string, hop: number) => boolean) {
  const known = new Map<string, boolean>();
  return (address: string, hop: number) => {
    const key = `${hop} ${address}`;
    let trusted = known.get(key);
    if (trusted === undefined) {
      trusted = trust(address, hop);
      if (known.size >= 1000) known.clear();
      known.set(key, trusted);
    }
    return trusted;
  };
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? 'loopback');
  // Express has compiled the setting into 'trust proxy fn': the same answers, remembered.
  app.set(
    'trust proxy',
    rememberedTrust(app.get('trust proxy fn') as (a: string, i: number) => boolean),
  );
  app.use(countRequests);
  app.use(
    helmet({
      // The pages refer to themselves by relative addresses; upgrading them to https would
      // break a console served over plain http on a LAN (https deployments are https already).
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  // The public intake (the REST intake, forms, callbacks, channels' webhooks) comes first: a post
  // passes no layer that only the console, the dashboard or the operator API needs.
  const lookups = recentLookups({ ttlMs: LOOKUP_TTL_MS, limit: 1000 });
  const auth = authDeps(deps, lookups);
  const guards = apiGuards(deps, auth);
  const intakeRepos = { ...deps.repos, channels: recentChannels(deps.repos.channels, lookups) };
  // The rest of the API (below) would answer it the same way, after a dozen routers it skips.
  app.post('/api/v1/leads', ...guards, ...postLead({ ...deps, repos: intakeRepos }));
  const site = {
    ...deps,
    repos: { ...deps.repos, forms: recentForms(deps.repos.forms, lookups) },
    secret: deps.formSecret,
  };
  app.use(webformSite.mount, siteRoutes(site, webformSite));
  app.use(callbackSite.mount, siteRoutes(site, callbackSite));
  // A wrong webhook secret counts against the address like a wrong API key.
  const guard = { redis: deps.redis, prefix: deps.queuePrefix, perMinute: 30 };
  const webhookDeps = { ...deps, repos: intakeRepos, authFailures: authFailures(guard) };
  for (const channel of deps.channels) if (channel.webhook) app.use(channel.webhook(webhookDeps));

  const live = deps.live ?? { feed: new LiveFeed(deps.repos.events, deps.log), announce: () => {} };
  // An operator's change made through this process (the API, the console) reaches every open
  // console. Only an operator's: what customers send (intake, forms, webhooks) writes no event
  // here, the ingest worker announces it after its commit, and this hot path stays quiet.
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      res.on('finish', () => {
        const by = res.locals.principal;
        if (res.statusCode < 400 && by && by.role !== 'intake') {
          // It may have changed a form, a channel, a key or a user: the intake reads them afresh.
          lookups.clear();
          live.announce();
          live.feed.changed();
        }
      });
    next();
  });
  app.use(healthRoutes(deps.store, deps.redis));
  app.use(operationsRoutes(deps, auth));
  app.use(signInRoutes(auth));
  const admin = { repos: deps.repos, guard: new SiteGuard(deps) };
  const webhookAdmin: WebhookAdminDeps = {
    repos: deps.repos,
    clock: systemClock,
    allowPrivate: deps.webhooks?.allowPrivate ?? false,
    secretsKey: deps.secretsKey,
    producer: deps.webhooks?.producer,
  };

  app.use(
    '/api/v1',
    ...guards,
    ...operatorApi(deps, { auth, intakeRepos, widgets: admin, webhookAdmin }),
  );

  app.use(
    consoleRoutes({
      repos: deps.repos,
      channels: deps.channels,
      outbound: deps.outbound,
      log: deps.log,
      defaultCountry: deps.defaultCountry,
      auth,
      feed: live.feed,
      blobs: deps.blobs,
      channelAdmin: deps,
      widgets: admin,
      importDir: deps.importDir,
      webhookAdmin,
    }),
  );

  app.use((_req, res) => problem(res, 404, 'not_found', 'no such endpoint'));

  app.use(errorAnswers(deps.log));
  return app;
}
