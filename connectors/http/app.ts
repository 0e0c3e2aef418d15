/** The one Express app that hosts every HTTP edge: REST API, health, and later forms and webhooks. */
import express, { type ErrorRequestHandler } from 'express';
import { rateLimit, type Options as RateLimitOptions } from 'express-rate-limit';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { IngestStore } from '../../core/ports.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Db } from '../../db/open.ts';
import { apiRoutes, problem } from '../api/index.ts';
import type { InboundRecorder } from '../record-inbound.ts';
import { authenticate } from './auth.ts';
import { healthRoutes } from './health.ts';

export interface AppDeps {
  db: Db;
  store: IngestStore;
  recorder: InboundRecorder;
  redis: Redis;
  queuePrefix: string;
  log: Logger;
  apiKey: string | undefined;
  defaultCountry: string | undefined;
  /** Requests per minute per API key (or per IP before authentication). */
  rateLimitPerMinute?: number;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet());
  app.use(healthRoutes(deps.db, deps.redis));

  const limit = (name: string, perMinute: number, options: Partial<RateLimitOptions>) =>
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      // Intake must keep working while Redis is away: the inbox, not Redis, is what matters then.
      passOnStoreError: true,
      store: new RedisStore({
        prefix: `${deps.queuePrefix}:ratelimit:${name}:`,
        sendCommand: (command: string, ...args: string[]) =>
          deps.redis.call(command, ...args) as Promise<RedisReply>,
      }),
      handler: (_req, res) =>
        problem(
          res,
          429,
          'rate_limited',
          'too many requests; retry after the time in the RateLimit header',
        ),
      ...options,
    });
  // After authentication, every request counts against the key that made it.
  const perKey = limit('api', deps.rateLimitPerMinute ?? 6000, {
    keyGenerator: (_req, res) => `key:${res.locals.principal?.keyId ?? 'bootstrap'}`,
  });

  app.use(
    '/api/v1',
    authenticate(deps.db, deps.apiKey, {
      redis: deps.redis,
      prefix: deps.queuePrefix,
      perMinute: 30,
    }),
    perKey,
    express.json({ limit: '1mb', strict: true }),
    (req, res, next) => {
      if (['POST', 'PATCH', 'PUT'].includes(req.method) && !req.is('application/json')) {
        return problem(res, 415, 'unsupported_media_type', 'send the body as application/json');
      }
      next();
    },
    apiRoutes(deps),
  );

  app.use((_req, res) => problem(res, 404, 'not_found', 'no such endpoint'));

  const onError: ErrorRequestHandler = (
    error: { type?: string; status?: number; message?: string },
    req,
    res,
    _next,
  ) => {
    if (error.type === 'entity.too.large')
      return problem(res, 413, 'too_large', 'the body is over 1 MB');
    if (error.type === 'entity.parse.failed')
      return problem(res, 400, 'invalid_json', 'the body is not valid JSON');
    if (error.status && error.status >= 400 && error.status < 500) {
      return problem(res, error.status, 'bad_request', error.message ?? 'bad request');
    }
    deps.log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    problem(
      res,
      500,
      'internal',
      'something went wrong on our side; the request can be retried safely with the same Idempotency-Key',
    );
  };
  app.use(onError);
  return app;
}
