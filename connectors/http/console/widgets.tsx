/**
 * The website channels in the console: web forms (a field builder, a live preview, the embed
 * snippet, allowed origins) and callback widgets (working hours with a time zone). Admins only.
 */
import { Router } from 'express';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { SiteGuard } from '../../site/guard.ts';

export interface WidgetPagesDeps {
  widgets: { repos: Pick<Repositories, 'forms' | 'users'>; guard: SiteGuard };
}

export function widgetPages(_deps: WidgetPagesDeps): Router {
  const router = Router();
  return router;
}
