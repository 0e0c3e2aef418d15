/**
 * `POST /api/v1/leads/:id/convert {contact?, company?, deal?, clientId?}`: the rules are
 * core/conversion.ts; here the request is read, the actor's rights checked (updating the lead,
 * creating clients and deals, reading the client chosen) and the answer shaped.
 */
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { decideConversion } from '../../../core/conversion.ts';
import { inScope } from '../../../core/permissions.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { invalidQuery, problem } from '../problem.ts';
import { changeBy, scopeFor } from './scope.ts';

const name = z.string().trim().min(1).max(200);
const userId = z.number().int().positive();
const convertBody = z
  .object({
    contact: z
      .object({ name: name.optional(), responsibleId: userId.optional() })
      .strict()
      .optional(),
    company: z
      .object({ name: name.optional(), responsibleId: userId.optional() })
      .strict()
      .optional(),
    deal: z
      .object({
        title: z.string().trim().min(1).max(500).optional(),
        amount: z.number().finite().nonnegative().optional(),
        currency: z
          .string()
          .regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code, e.g. EUR')
          .transform((code) => code.toUpperCase())
          .optional(),
        stage: z
          .string()
          .regex(/^[A-Za-z0-9_]{1,21}$/)
          .optional(),
        responsibleId: userId.optional(),
      })
      .strict()
      .optional(),
    clientId: z.number().int().positive().optional(),
  })
  .strict();

const STATUS: Record<string, number> = {
  closed: 409,
  existing_client: 409,
  nothing_to_convert: 422,
  repeat_deal_only: 422,
  client_or_new: 422,
  company_name_required: 422,
};

export type ConvertRequest = z.infer<typeof convertBody>;

export interface ConvertDeps {
  repos: Pick<Repositories, 'leads' | 'users' | 'clients' | 'stages'>;
}

/** What a conversion answered: the status and the body the API sends (the console reads it too). */
export interface ConvertAnswer {
  status: number;
  body: Record<string, unknown> & { error?: string; message?: string };
}

/**
 * Converts lead `leadId` for the caller behind `res` (their scopes; they make the change): the
 * checks the rules need beside the facts, then core/conversion.ts decides under the lead's locks.
 */
export async function convertLead(
  deps: ConvertDeps,
  res: Response,
  leadId: number,
  request: ConvertRequest,
): Promise<ConvertAnswer> {
  const { leads, users, clients, stages } = deps.repos;
  const refuse = (status: number, error: string, message: string, details?: unknown[]) => ({
    status,
    body: { error, message, ...(details ? { details } : {}) },
  });
  if (!Number.isSafeInteger(leadId) || leadId < 1)
    return refuse(404, 'not_found', `lead ${String(leadId)} does not exist`);
  if ((request.contact || request.company) && scopeFor(res, 'clients', 'create').kind === 'none')
    return refuse(403, 'forbidden', 'your roles may not create clients');
  if (request.deal && scopeFor(res, 'deals', 'create').kind === 'none')
    return refuse(403, 'forbidden', 'your roles may not create deals');
  if (
    request.clientId !== undefined &&
    // Joining a client adds the lead's identities to it: a change to the client.
    !(await clients.view(request.clientId, scopeFor(res, 'clients', 'update')))
  ) {
    return refuse(422, 'unknown_client', `client ${request.clientId} does not exist`, [
      { path: 'clientId', message: 'no such client' },
    ]);
  }
  const people = [
    request.contact?.responsibleId,
    request.company?.responsibleId,
    request.deal?.responsibleId,
  ];
  const unknown = await users.unknownUsers(people.filter((id): id is number => id !== undefined));
  if (unknown.length) return refuse(422, 'unknown_user', `user ${unknown[0]} does not exist`);
  if (
    request.deal?.stage &&
    !(await stages.list('deal')).some((s) => s.code === request.deal?.stage)
  )
    return refuse(
      422,
      'unknown_stage',
      `deal stage ${request.deal.stage} does not exist (GET /api/v1/deal-stages)`,
      [{ path: 'deal.stage', message: 'no such deal stage' }],
    );
  const context = changeBy(res);
  const converted = await leads.convert(
    leadId,
    scopeFor(res, 'leads', 'update'),
    (facts) => decideConversion(facts, request, context.userId),
    context,
  );
  if (converted.ok) return { status: 201, body: { ...converted.result } };
  if (converted.problem === 'no-lead')
    return refuse(404, 'not_found', `lead ${leadId} does not exist`);
  // A client the caller may not read is offered by its id alone.
  const readable = scopeFor(res, 'clients', 'read');
  const candidates =
    'candidates' in converted && converted.candidates
      ? converted.candidates.map((client) =>
          inScope(readable, client) ? client : { id: client.id, readable: false },
        )
      : undefined;
  return {
    status: STATUS[converted.problem] ?? 422,
    body: {
      error: converted.problem,
      message: converted.message,
      ...(candidates ? { candidates } : {}),
    },
  };
}

export function convertRoute(deps: ConvertDeps): RequestHandler {
  return async (req, res) => {
    const body = convertBody.safeParse(req.body ?? {});
    if (!body.success) return invalidQuery(res, body.error, 'invalid_body');
    const answer = await convertLead(deps, res, Number(req.params.id), body.data);
    if (answer.status === 404 || answer.status === 403 || answer.body.details)
      return problem(
        res,
        answer.status,
        String(answer.body.error),
        answer.status === 404
          ? `lead ${String(req.params.id)} does not exist`
          : String(answer.body.message),
        answer.body.details as { path: string; message: string }[] | undefined,
      );
    if (answer.body.error === 'unknown_user')
      return problem(res, answer.status, 'unknown_user', String(answer.body.message));
    res.status(answer.status).json(answer.body);
  };
}
