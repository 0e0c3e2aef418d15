/**
 * The REST intake (the API channel): `POST /api/v1/leads` records a message from an integration
 * in the inbox, `GET /api/v1/inbox/:id` says how far it got. An intake key sees only the rows it
 * sent.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { InboundRecorder } from '../../core/channel.ts';
import { MalformedInputError } from '../../core/errors.ts';
import type { InboxRow } from '../../core/ports.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import { scopeOf } from '../../core/permissions.ts';
import { requirePermission } from '../http/auth.ts';
import type { Principal } from '../http/principal.ts';
import { problem, sendJson } from '../http/problem.ts';
import { normaliseIntake } from './normalise.ts';
import { intakeRaw, scopedExternalId, type IntakeRaw } from './schema.ts';

/** The seeded REST intake channel (db/migrations/0001_seed.sql). */
export const API_CHANNEL_ID = 1;
const WAIT_MS = 5000;

export interface IntakeDeps {
  repos: Pick<Repositories, 'inbox' | 'channels'>;
  recorder: InboundRecorder;
  defaultCountry: string | undefined;
}

const idParam = z.coerce.number().int().positive();

/**
 * `POST /api/v1/leads`, for a request already authenticated, counted against its key's limit and
 * with its JSON body read (app.ts mounts it ahead of the rest of the API).
 */
export function postLead(deps: IntakeDeps): RequestHandler[] {
  const { inbox, channels } = deps.repos;
  const record: RequestHandler = async (req, res) => {
    const actor = res.locals.principal?.actor;
    if (actor && !actor.intakeOnly && scopeOf(actor, 'leads', 'create').kind === 'none')
      return problem(res, 403, 'forbidden', 'your roles may not create leads');
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
      // An intake key learns that its message is in, never what it became: the outcome and the
      // lead would tell whoever holds the key whether an address belongs to a client.
      if (row && row.status !== 'pending' && !seesOutcomes(res.locals.principal)) {
        return sendJson(res, 200, { inboxId, status: row.status });
      }
      if (row && row.status !== 'pending') {
        const outcome = recorded.created ? row.outcome : 'duplicate';
        return sendJson(res, row.status === 'failed' ? 422 : 200, {
          inboxId,
          leadId: row.leadId,
          outcome,
          status: row.status,
          ...(row.reason ? { reason: row.reason } : {}),
          ...(row.error ? { error: row.error } : {}),
        });
      }
    }
    sendJson(res, 202, {
      inboxId,
      status: recorded.row.status,
      ...(recorded.created ? {} : { duplicate: true }),
    });
  };
  return [requirePermission('intake'), record];
}

/** `GET /api/v1/inbox/:id`: how far a posted message got. */
export function intakeRoutes(deps: Pick<IntakeDeps, 'repos'>): Router {
  const { inbox } = deps.repos;
  const router = Router();
  router.get('/inbox/:id', requirePermission('intake'), async (req, res) => {
    const id = idParam.safeParse(req.params.id);
    const row = id.success ? await inbox.get(id.data) : undefined;
    // Who reads every lead sees every row; a key sees the rows it sent (their status only).
    const principal = res.locals.principal;
    const visible =
      row &&
      (seesOutcomes(principal) || (principal?.keyId != null && sentBy(row) === principal.keyId));
    if (!row || !visible)
      return problem(res, 404, 'not_found', `inbox row ${req.params.id} does not exist`);
    res.json(seesOutcomes(principal) ? inboxStatus(row) : { inboxId: row.id, status: row.status });
  });

  return router;
}

/**
 * Who learns what a posted message became (its outcome, its lead): only who may read every lead.
 * Anyone else would learn whether an address belongs to a client, or of leads out of their scope.
 */
function seesOutcomes(principal: Principal | undefined): boolean {
  return principal !== undefined && scopeOf(principal.actor, 'leads', 'read').kind === 'all';
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

async function waitForInbox(inbox: IntakeDeps['repos']['inbox'], id: number, timeoutMs: number) {
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
