/** The REST API: third-party intake (the API channel) and the operator's view of leads and clients. */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { MalformedInputError } from '../../core/errors.ts';
import { SOURCES } from '../../core/inbound.ts';
import type { InboxRow } from '../../core/ports.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import { STAGE_CODE } from '../../core/stages.ts';
import { requirePermission } from '../http/auth.ts';
import type { InboundRecorder } from '../record-inbound.ts';
import { normaliseIntake } from './normalise.ts';
import { intakeRaw, scopedExternalId, type IntakeRaw } from './schema.ts';
import { clientBody, readClientIdentities } from './clients.ts';

/** The seeded REST intake channel (db/migrations/0001_seed.sql). */
export const API_CHANNEL_ID = 1;
const WAIT_MS = 5000;

export interface ApiDeps {
  repos: Pick<Repositories, 'inbox' | 'channels' | 'leads' | 'clients' | 'users'>;
  recorder: InboundRecorder;
  defaultCountry: string | undefined;
}

const idParam = z.coerce.number().int().positive();
const leadQuery = z.object({
  type: z.enum(['simple', 'repeat']).optional(),
  stage: z.string().regex(STAGE_CODE).optional(),
  source: z.enum(SOURCES).optional(),
  clientId: z.coerce.number().int().positive().optional(),
  /** `true`: only leads flagged for review (e.g. from a form over its daily cap). */
  review: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});

export function apiRoutes(deps: ApiDeps): Router {
  const { inbox, channels, leads, clients, users } = deps.repos;
  const router = Router();

  router.post('/leads', requirePermission('intake'), async (req, res) => {
    const body: unknown = req.body;
    const apiKeyId = res.locals.principal?.keyId ?? null;
    const externalId = intakeExternalId(req, apiKeyId);
    if (!externalId) {
      return problem(
        res,
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1–200 characters',
      );
    }
    const receivedAt = new Date();
    const raw: IntakeRaw = { body, receivedAt: receivedAt.toISOString(), apiKeyId };
    // The channel's country first, as the worker does, so what is accepted here will ingest.
    const defaultCountry =
      (await channels.info(API_CHANNEL_ID))?.defaultCountry ?? deps.defaultCountry;
    try {
      normaliseIntake(raw, { externalId, defaultCountry });
    } catch (error) {
      if (!(error instanceof MalformedInputError)) throw error;
      const unreachable = error.code === 'unreachable';
      return problem(
        res,
        unreachable ? 422 : 400,
        unreachable ? 'unreachable' : 'invalid_body',
        error.message,
        error.details,
      );
    }
    const recorded = await deps.recorder.record(API_CHANNEL_ID, externalId, raw, receivedAt);
    if (
      !recorded.created &&
      JSON.stringify((JSON.parse(recorded.row.raw) as { body: unknown }).body) !==
        JSON.stringify(body)
    ) {
      return problem(
        res,
        409,
        'idempotency_conflict',
        'this Idempotency-Key (or externalId) was already used with a different body',
      );
    }
    const inboxId = recorded.row.id;
    if (req.query.wait === 'true' || req.query.wait === '1') {
      const row = await waitForInbox(inbox, inboxId, WAIT_MS);
      if (row && row.status !== 'pending') {
        const outcome = recorded.created ? row.outcome : 'duplicate';
        return res.status(row.status === 'failed' ? 422 : 200).json({
          inboxId,
          leadId: row.leadId,
          outcome,
          status: row.status,
          ...(row.reason ? { reason: row.reason } : {}),
          ...(row.error ? { error: row.error } : {}),
        });
      }
    }
    res.status(202).json({
      inboxId,
      status: recorded.row.status,
      ...(recorded.created ? {} : { duplicate: true }),
    });
  });

  router.get('/leads', requirePermission('read'), async (req, res) => {
    const query = leadQuery.safeParse(req.query);
    if (!query.success) return invalidQuery(res, query.error);
    const { review, ...filter } = query.data;
    res.json(await leads.list({ ...filter, ...(review ? { review: review === 'true' } : {}) }));
  });

  router.get('/leads/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const lead = id.success ? await leads.get(id.data) : undefined;
    if (!lead) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    res.json(lead);
  });

  router.patch('/leads/:id', requirePermission('write'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const body = z
      .object({ stage: z.string().regex(STAGE_CODE, 'Latin letters, digits and _, at most 21') })
      .strict()
      .safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    if (!id.success) return problem(res, 404, 'not_found', `lead ${req.params.id} does not exist`);
    const changed = await leads.setStage(id.data, body.data.stage, new Date());
    if (!changed.ok && changed.reason === 'no-stage') {
      return problem(res, 422, 'unknown_stage', `stage ${body.data.stage} does not exist`, [
        { path: 'stage', message: 'unknown stage' },
      ]);
    }
    if (!changed.ok) return problem(res, 404, 'not_found', `lead ${id.data} does not exist`);
    res.json(await leads.get(id.data));
  });

  router.post('/clients', requirePermission('write'), async (req, res) => {
    const body = clientBody.safeParse(req.body);
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const read = readClientIdentities(body.data, deps.defaultCountry);
    if (read.problems.length)
      return problem(res, 422, 'invalid_identity', 'some identities are not valid', read.problems);
    const { responsibleId } = body.data;
    if (responsibleId !== undefined && !(await users.userExists(responsibleId))) {
      return problem(res, 422, 'unknown_user', `user ${responsibleId} does not exist`, [
        { path: 'responsibleId', message: 'no such user' },
      ]);
    }
    const created = await clients.create({ ...body.data, identities: read.identities });
    res.status(201).json(created);
  });

  router.get('/clients/:id', requirePermission('read'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const client = id.success ? await clients.get(id.data) : undefined;
    if (!client) return problem(res, 404, 'not_found', `client ${req.params.id} does not exist`);
    res.json(client);
  });

  router.get('/inbox/:id', requirePermission('intake'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const row = id.success ? await inbox.get(id.data) : undefined;
    // An intake key sees only the rows it sent; operators and admins see every row.
    const principal = res.locals.principal;
    const visible = row && (principal?.role !== 'intake' || sentBy(row) === principal.keyId);
    if (!row || !visible)
      return problem(res, 404, 'not_found', `inbox row ${req.params.id} does not exist`);
    res.json(inboxStatus(row));
  });

  return router;
}

/** What the API shows of an inbox row: everything but the raw event. */
function inboxStatus(row: InboxRow) {
  const { raw: _raw, ...status } = row;
  return status;
}

function sentBy(row: InboxRow): number | null | undefined {
  const parsed = intakeRaw.safeParse(JSON.parse(row.raw));
  return parsed.success ? (parsed.data.apiKeyId ?? null) : undefined;
}

async function waitForInbox(inbox: ApiDeps['repos']['inbox'], id: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const row = await inbox.get(id);
    if (!row || row.status !== 'pending' || Date.now() >= deadline) return row;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * The message's external id: the client's Idempotency-Key (or body `externalId`), scoped to the
 * API key that sent it so two integrators can never collide; a random one when neither is given.
 * Undefined when the header is unusable.
 */
function intakeExternalId(req: Request, apiKeyId: number | null): string | undefined {
  const header = req.get('idempotency-key');
  const declared: unknown = (req.body as { externalId?: unknown } | undefined)?.externalId;
  const given = header ?? (typeof declared === 'string' ? declared : undefined);
  if (given === undefined) return `api-${randomUUID()}`;
  const key = given.trim();
  if (key.length === 0 || key.length > 200) return undefined;
  return scopedExternalId(apiKeyId, key);
}

export function problem(
  res: Response,
  status: number,
  error: string,
  message: string,
  details?: { path: string; message: string }[],
) {
  res.status(status).json({ error, message, ...(details?.length ? { details } : {}) });
}

export function invalidQuery(res: Response, error: z.ZodError, code = 'invalid_query') {
  const details = error.issues.map((issue) => ({
    path: issue.path.join('.') || '(body)',
    message: issue.message,
  }));
  problem(res, 400, code, 'the request is not valid', details);
}

export type { Request };
