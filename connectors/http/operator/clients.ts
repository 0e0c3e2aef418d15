/** Clients (contacts and companies) as operators create and read them. */
import { Router } from 'express';
import { z } from 'zod';
import type { Repositories } from '../../../core/repositories/index.ts';
import { requirePermission } from '../auth.ts';
import { invalidQuery, problem } from '../problem.ts';
import { clientBody, readClientIdentities } from './client-body.ts';

export interface ClientRouteDeps {
  repos: Pick<Repositories, 'clients' | 'users'>;
  defaultCountry: string | undefined;
}

const idParam = z.coerce.number().int().positive();

export function clientRoutes(deps: ClientRouteDeps): Router {
  const { clients, users } = deps.repos;
  const router = Router();

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

  return router;
}
