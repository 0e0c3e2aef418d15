/** Operator work beside leads: activities, the events feed for integrations, attachment downloads. */
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import type { BlobStore } from '../../../core/repositories/blobs.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { inScope } from '../../../core/permissions.ts';
import { requirePermission } from '../auth.ts';
import { scopeFor } from './scope.ts';
import { invalidQuery, problem } from '../problem.ts';

const activityQuery = z
  .object({
    responsibleId: z.coerce.number().int().positive().optional(),
    status: z.enum(['open', 'done']).optional(),
    leadId: z.coerce.number().int().positive().optional(),
    due_before: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
const eventQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0),
    type: z.string().max(100).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();
const idParam = z.coerce.number().int().positive();
const newActivity = z
  .object({
    leadId: z.number().int().positive(),
    kind: z.enum(['call', 'meeting', 'task']),
    subject: z.string().trim().min(1).max(500),
    dueAt: z.iso.datetime({ offset: true }),
    /** Default: the lead's responsible. */
    responsibleId: z.number().int().positive().nullable().optional(),
  })
  .strict();

export interface ActivityDeps {
  repos: Pick<Repositories, 'activities' | 'events' | 'attachments' | 'leads' | 'users'>;
  blobs: BlobStore;
}

export function activityRoutes(deps: ActivityDeps): Router {
  const { activities, events, attachments, leads, users } = deps.repos;
  const router = Router();

  router.get('/activities', requirePermission('read'), async (req, res) => {
    const query = activityQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { due_before: dueBefore, ...filter } = query.data;
    const scope = scopeFor(res, 'activities', 'read');
    const rows = await activities.list({
      ...filter,
      dueBefore: dueBefore ? new Date(dueBefore) : undefined,
    });
    res.json({ activities: rows.filter((activity) => inScope(scope, activity)) });
  });

  router.post('/activities', requirePermission('write'), async (req, res) => {
    const body = newActivity.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const lead = await leads.find(body.data.leadId, scopeFor(res, 'leads', 'update'));
    if (!lead) {
      return problem(res, 422, 'unknown_lead', `lead ${body.data.leadId} does not exist`, [
        { path: 'leadId', message: 'no such lead' },
      ]);
    }
    const responsibleId =
      body.data.responsibleId === undefined ? lead.responsibleId : body.data.responsibleId;
    if (responsibleId !== null && !(await users.userExists(responsibleId))) {
      return problem(res, 422, 'unknown_user', `user ${responsibleId} does not exist`, [
        { path: 'responsibleId', message: 'no such user' },
      ]);
    }
    const created = await activities.create(
      { ...body.data, dueAt: new Date(body.data.dueAt), responsibleId },
      new Date(),
    );
    res.status(201).json(created);
  });

  router.post('/activities/:id/complete', requirePermission('write'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const activity = id.success ? await activities.get(id.data) : undefined;
    const reachable = activity && inScope(scopeFor(res, 'activities', 'update'), activity);
    const done = reachable ? await activities.complete(activity.id, new Date()) : undefined;
    if (!done) return problem(res, 404, 'not_found', `activity ${req.params.id} does not exist`);
    res.json(done);
  });

  /** The outbox, read in order: `after` is the last event id the reader has handled. */
  router.get('/events', requirePermission('read'), async (req, res) => {
    // The feed is about every lead: only who may read every lead may follow it.
    if (scopeFor(res, 'leads', 'read').kind !== 'all')
      return problem(res, 403, 'forbidden', 'the events feed needs read access to all leads');
    const query = eventQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const rows = await events.list(query.data.after, query.data.type, query.data.limit);
    res.json({ events: rows, next: rows.at(-1)?.id ?? query.data.after });
  });

  router.get('/attachments/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const found = id.success ? await attachments.get(id.data) : undefined;
    const message = found && (await leads.message(found.messageId));
    const reachable = message && (await leads.find(message.leadId, scopeFor(res, 'leads', 'read')));
    const attachment = reachable ? found : undefined;
    if (!attachment)
      return problem(res, 404, 'not_found', `attachment ${req.params.id} does not exist`);
    if (!attachment.sha256 || !(await deps.blobs.has(attachment.sha256))) {
      return problem(res, 410, 'not_kept', attachment.skipped ?? 'the file content was not kept');
    }
    // Always a download, never rendered in our origin: the content is the customer's.
    res
      .set(
        'Content-Type',
        attachment.contentType.replace(/[^\w.+/-]/g, '') || 'application/octet-stream',
      )
      .set('X-Content-Type-Options', 'nosniff')
      .attachment(attachment.filename);
    await pipeline(deps.blobs.read(attachment.sha256), res).catch(() => res.destroy());
  });

  return router;
}
