/**
 * The REST API under /api/v1: what every request passes first (authentication, the per-key
 * limit, a JSON body) and the operator API's routers. app.ts mounts the same guards twice: ahead
 * of everything for `POST /api/v1/leads`, the integrations' hot path, and for the rest after the
 * console's and the operations' routes.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { intakeRoutes } from '../api/intake.ts';
import { callbackDefinition } from '../callback/index.ts';
import type { SiteGuard } from '../site/guard.ts';
import { formDefinition } from '../webform/index.ts';
import type { WebhookAdminDeps } from '../webhook-admin.ts';
import type { AppDeps } from './app.ts';
import type { AdminAuthDeps } from './admin-session.ts';
import { authenticate } from './auth.ts';
import { activityRoutes } from './operator/activities.ts';
import { channelRoutes } from './operator/channels.ts';
import { clientRoutes } from './operator/clients.ts';
import { customFieldRoutes } from './operator/custom-fields.ts';
import { dealRoutes } from './operator/deals.ts';
import { duplicateRoutes } from './operator/duplicates.ts';
import { exportRoutes } from './operator/exports.ts';
import { leadRoutes } from './operator/leads.ts';
import { mergeRoutes } from './operator/merges.ts';
import { peopleRoutes } from './operator/people.ts';
import { replyRoutes } from './operator/replies.ts';
import { stageRoutes } from './operator/stages.ts';
import { webhookRoutes } from './operator/webhooks.ts';
import { widgetAdminRoutes } from './operator/widgets.ts';
import { problem } from './problem.ts';
import { redisRateLimit } from './rate-limit.ts';
import { sessionRoutes } from './session.ts';

/** The API's body: JSON of at most 1 MB, and nothing else where a body is sent. */
function jsonBody(): RequestHandler[] {
  const onlyJson = (req: Request, res: Response, next: () => void) => {
    // A request without a body (POST …/complete) has nothing to refuse.
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding');
    if (['POST', 'PATCH', 'PUT'].includes(req.method) && hasBody && !req.is('application/json')) {
      return problem(res, 415, 'unsupported_media_type', 'send the body as application/json');
    }
    next();
  };
  return [express.json({ limit: '1mb', strict: true }), onlyJson];
}

/**
 * What every API request passes before its route: who it is, its key's (or its user's) limit
 * per minute, and its JSON body. One set of handlers, so both mounts share the same counters.
 */
export function apiGuards(deps: AppDeps, auth: AdminAuthDeps): RequestHandler[] {
  const perKey = redisRateLimit(deps, 'api', deps.rateLimitPerMinute ?? 6000, {
    keyGenerator: (_req, res) => {
      const principal = res.locals.principal;
      return principal?.sessionId
        ? `user:${principal.user?.id}`
        : `key:${principal?.keyId ?? 'bootstrap'}`;
    },
    handler: (_req, res) =>
      problem(
        res,
        429,
        'rate_limited',
        'too many requests; retry after the time in the RateLimit header',
      ),
  });
  return [authenticate(auth), perKey, ...jsonBody()];
}

export interface OperatorApiDeps {
  auth: AdminAuthDeps;
  /** The repositories the intake reads, with its channel lookups kept a moment. */
  intakeRepos: AppDeps['repos'];
  widgets: { repos: AppDeps['repos']; guard: SiteGuard };
  webhookAdmin: WebhookAdminDeps;
}

/** The routers behind the guards, in the order they are tried. */
export function operatorApi(deps: AppDeps, parts: OperatorApiDeps): Router[] {
  return [
    intakeRoutes({ repos: parts.intakeRepos }),
    sessionRoutes(parts.auth),
    // Before the list routes: `/leads/export` must not be read as the lead with id "export".
    exportRoutes(deps),
    leadRoutes(deps),
    clientRoutes(deps),
    dealRoutes(deps),
    duplicateRoutes(deps),
    mergeRoutes(deps),
    stageRoutes(deps),
    customFieldRoutes(deps),
    peopleRoutes(deps),
    widgetAdminRoutes(parts.widgets, 'webform', '/forms', '/f', formDefinition),
    widgetAdminRoutes(parts.widgets, 'callback', '/callbacks', '/cb', callbackDefinition),
    activityRoutes(deps),
    channelRoutes(deps),
    webhookRoutes(parts.webhookAdmin),
    replyRoutes(deps),
  ];
}
