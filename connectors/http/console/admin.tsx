/**
 * Admin: users, departments, roles and their scopes, stages, custom fields and API keys, for
 * roles that manage. Every form posts back here; refusals are shown on the page.
 */
import { Router } from 'express';
import type { Repositories } from '../../../core/repositories/index.ts';

export interface AdminPagesDeps {
  repos: Pick<Repositories, 'users' | 'stages' | 'customFields'>;
}

export function adminPages(_deps: AdminPagesDeps): Router {
  const router = Router();
  return router;
}
