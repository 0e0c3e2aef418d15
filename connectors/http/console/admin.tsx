/**
 * Admin: users, departments, roles and their scopes, stages, custom fields, API keys and
 * webhooks, for roles that manage. Every form posts back here; refusals are shown on the page.
 */
import { Router } from 'express';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { WebhookAdminDeps } from '../../webhook-admin.ts';
import { departmentPages } from './admin-departments.tsx';
import { fieldPages } from './admin-fields.tsx';
import { apiKeyPages } from './admin-keys.tsx';
import { AdminPage, mustManage } from './admin-kit.tsx';
import { rolePages } from './admin-roles.tsx';
import { STAGE_PAGES, stagePages } from './admin-stages.tsx';
import { userPages } from './admin-users.tsx';
import { webhookPages } from './admin-webhooks.tsx';
import type { MessageKey } from './catalogue.ts';
import { sendPage } from './render.tsx';
import { viewer } from './viewer.ts';

export interface AdminPagesDeps {
  repos: Pick<Repositories, 'users' | 'stages' | 'customFields'>;
  /** The same checks, secret and redelivery as /api/v1/webhooks. */
  webhookAdmin: WebhookAdminDeps;
}

const SCREENS: { href: string; title: MessageKey; text: MessageKey }[] = [
  { href: '/settings/users', title: 'admin.users.title', text: 'admin.index.users' },
  {
    href: '/settings/departments',
    title: 'admin.departments.title',
    text: 'admin.index.departments',
  },
  { href: '/settings/roles', title: 'admin.roles.title', text: 'admin.index.roles' },
  { href: STAGE_PAGES.lead.path, title: STAGE_PAGES.lead.title, text: 'admin.index.stages' },
  { href: STAGE_PAGES.deal.path, title: STAGE_PAGES.deal.title, text: 'admin.index.dealStages' },
  { href: '/settings/fields', title: 'admin.fields.title', text: 'admin.index.fields' },
  { href: '/settings/api-keys', title: 'admin.keys.title', text: 'admin.index.keys' },
  { href: '/settings/webhooks', title: 'webhooks.title', text: 'webhooks.index' },
  // The operations pages take the console's session of an admin too.
  { href: '/admin/queues', title: 'nav.queues', text: 'admin.index.queues' },
  { href: '/metrics', title: 'nav.metrics', text: 'admin.index.metrics' },
];

export function adminPages(deps: AdminPagesDeps): Router {
  const { users, stages, customFields } = deps.repos;
  const router = Router();
  router.use('/settings', mustManage);
  router.get('/settings', (_req, res) => {
    const seeing = viewer(res);
    const { t } = seeing;
    sendPage(
      res,
      200,
      <AdminPage
        viewer={seeing}
        title={t('nav.admin')}
        back={{ href: '/leads', label: t('lead.back') }}
      >
        <ul class="admin-index">
          {SCREENS.map((screen) => (
            <li>
              <a href={screen.href}>{t(screen.title)}</a>
              <span class="sub"> — {t(screen.text)}</span>
            </li>
          ))}
        </ul>
      </AdminPage>,
    );
  });
  router.use(userPages({ users }));
  router.use(departmentPages({ users }));
  router.use(rolePages({ users }));
  router.use(stagePages({ stages }));
  router.use(fieldPages({ customFields }));
  router.use(apiKeyPages({ users }));
  router.use(webhookPages(deps.webhookAdmin));
  return router;
}
