/**
 * `/settings/webhooks`: the subscriptions (where they send, which events, on or off — and why,
 * when Leadwire turned one off — failing since when, deliveries waiting), a new one whose signing
 * secret is shown on the answer to the form that made it and never again, and one subscription's
 * page to change it, turn it off or on, rotate its secret or delete it. The checks are the API's
 * (connectors/webhook-admin.ts); the deliveries are in admin-webhook-deliveries.tsx.
 */
import { Router, type Response } from 'express';
import type { WebhookRecord } from '../../../core/repositories/webhooks.ts';
import {
  createWebhook,
  rotateSecret,
  updateWebhook,
  type WebhookAdminDeps,
} from '../../webhook-admin.ts';
import { AdminPage, adminNotFound, field, formOf, pathId, wasSaved } from './admin-kit.tsx';
import { webhookDeliveryPages } from './admin-webhook-deliveries.tsx';
import {
  EMPTY_DRAFT,
  WebhookFields,
  WebhookState,
  WebhookTable,
  draftOf,
  draftOfForm,
  missing,
  refusalText,
  showSecret,
  type WebhookDraft,
} from './admin-webhook-parts.tsx';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer } from './viewer.ts';

export function webhookPages(deps: WebhookAdminDeps): Router {
  const { webhooks } = deps.repos;
  const router = Router();

  async function showList(res: Response, status: number, draft?: WebhookDraft, problem?: string) {
    const seeing = viewer(res);
    const { t } = seeing;
    const all = await webhooks.list();
    const pending = await webhooks.pendingCounts();
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('webhooks.title')}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
      >
        <p>{t('webhooks.intro')}</p>
        {all.length === 0 ? (
          <p class="empty">{t('webhooks.empty')}</p>
        ) : (
          <WebhookTable viewer={seeing} webhooks={all} pending={pending} />
        )}
        <h2 id="new-webhook">{t('webhooks.new')}</h2>
        <form
          method="post"
          action="/settings/webhooks"
          class="card stack"
          aria-labelledby="new-webhook"
        >
          <CsrfField viewer={seeing} />
          <WebhookFields viewer={seeing} draft={draft ?? EMPTY_DRAFT} />
          <button type="submit">{t('webhooks.create')}</button>
        </form>
      </AdminPage>,
    );
  }

  async function showWebhook(
    res: Response,
    status: number,
    webhook: WebhookRecord,
    draft?: WebhookDraft,
    problem?: string,
  ) {
    const seeing = viewer(res);
    const { t, when } = seeing;
    const pending = (await webhooks.pendingCounts()).get(webhook.id) ?? 0;
    const base = `/settings/webhooks/${webhook.id}`;
    sendPage(
      res,
      status,
      <AdminPage
        viewer={seeing}
        title={t('webhooks.edit.title', { id: webhook.id })}
        problem={problem}
        saved={status === 200 && wasSaved(res.req.query)}
        back={{ href: '/settings/webhooks', label: t('webhooks.back') }}
      >
        <dl class="facts">
          <dt>{t('webhooks.col.status')}</dt>
          <dd>
            <WebhookState viewer={seeing} webhook={webhook} />
          </dd>
          <dt>{t('webhooks.createdAt')}</dt>
          <dd>
            <time datetime={webhook.createdAt.toISOString()}>{when(webhook.createdAt)}</time>
          </dd>
          <dt>{t('webhooks.pendingCount')}</dt>
          <dd>
            {pending} · <a href={`${base}/deliveries`}>{t('webhooks.deliveriesLink')}</a>
          </dd>
        </dl>
        <form method="post" action={`${base}/active`} class="stack">
          <CsrfField viewer={seeing} />
          <input type="hidden" name="active" value={webhook.active ? 'off' : 'on'} />
          <p class="hint">{t(webhook.active ? 'webhooks.offHint' : 'webhooks.onHint')}</p>
          <button type="submit" class={webhook.active ? 'secondary' : undefined}>
            {t(webhook.active ? 'webhooks.turnOff' : 'webhooks.turnOn')}
          </button>
        </form>
        <form method="post" action={base} class="card stack">
          <CsrfField viewer={seeing} />
          <WebhookFields viewer={seeing} draft={draft ?? draftOf(webhook)} />
          <button type="submit">{t('admin.save')}</button>
        </form>
        <h2>{t('webhooks.rotate')}</h2>
        <form method="post" action={`${base}/rotate-secret`} class="stack">
          <CsrfField viewer={seeing} />
          <p class="hint">{t('webhooks.rotateHint')}</p>
          <button type="submit" class="secondary">
            {t('webhooks.rotate')}
          </button>
        </form>
        <h2>{t('webhooks.delete')}</h2>
        <p>
          <a href={`${base}/delete`}>{t('webhooks.delete')}</a>
        </p>
      </AdminPage>,
    );
  }

  const find = async (raw: unknown) => {
    const id = pathId(raw);
    return id ? webhooks.get(id) : undefined;
  };

  router.get('/settings/webhooks', (_req, res) => showList(res, 200));

  router.post('/settings/webhooks', async (req, res) => {
    const seeing = viewer(res);
    const { t } = seeing;
    const draft = draftOfForm(formOf(req.body));
    const lacking = missing(t, draft);
    if (lacking) return showList(res, 422, draft, lacking);
    const made = await createWebhook(
      deps,
      { url: draft.url, events: draft.events, description: draft.description.trim() || null },
      seeing.principal.user?.id ?? null,
    );
    if (!made.ok) return showList(res, 422, draft, refusalText(t, made));
    showSecret(res, 201, {
      id: made.webhook.id,
      title: t('webhooks.created.title', { id: made.webhook.id }),
      once: t('webhooks.secret.once'),
      secret: made.secret,
    });
  });

  router.get('/settings/webhooks/:id', async (req, res) => {
    const webhook = await find(req.params.id);
    if (!webhook) return adminNotFound(res);
    await showWebhook(res, 200, webhook);
  });

  router.post('/settings/webhooks/:id', async (req, res) => {
    const { t } = viewer(res);
    const webhook = await find(req.params.id);
    if (!webhook) return adminNotFound(res);
    const draft = draftOfForm(formOf(req.body));
    const lacking = missing(t, draft);
    if (lacking) return showWebhook(res, 422, webhook, draft, lacking);
    // The URL is checked again only when it changes: a name that resolves differently today
    // should not stop a change of events.
    const updated = await updateWebhook(deps, webhook.id, {
      ...(draft.url !== webhook.url ? { url: draft.url } : {}),
      events: draft.events,
      description: draft.description.trim() || null,
    });
    if (!updated.ok) {
      if (updated.status === 404) return adminNotFound(res);
      return showWebhook(res, 422, webhook, draft, refusalText(t, updated));
    }
    res.redirect(303, `/settings/webhooks/${webhook.id}?saved=1`);
  });

  router.post('/settings/webhooks/:id/active', async (req, res) => {
    const id = pathId(req.params.id);
    const turn = field(formOf(req.body), 'active');
    if (!id || (turn !== 'on' && turn !== 'off')) return adminNotFound(res);
    const updated = await updateWebhook(deps, id, { active: turn === 'on' });
    if (!updated.ok) return adminNotFound(res);
    res.redirect(303, `/settings/webhooks/${id}?saved=1`);
  });

  router.post('/settings/webhooks/:id/rotate-secret', async (req, res) => {
    const { t } = viewer(res);
    const id = pathId(req.params.id);
    const secret = id ? await rotateSecret(deps, id) : undefined;
    if (!id || !secret) return adminNotFound(res);
    showSecret(res, 200, {
      id,
      title: t('webhooks.rotated.title', { id }),
      once: t('webhooks.rotated.once'),
      secret,
    });
  });

  router.get('/settings/webhooks/:id/delete', async (req, res) => {
    const webhook = await find(req.params.id);
    if (!webhook) return adminNotFound(res);
    const seeing = viewer(res);
    const { t } = seeing;
    const base = `/settings/webhooks/${webhook.id}`;
    sendPage(
      res,
      200,
      <AdminPage
        viewer={seeing}
        title={t('webhooks.delete.title', { id: webhook.id })}
        back={{ href: base, label: t('webhooks.edit.title', { id: webhook.id }) }}
      >
        <p>{t('webhooks.delete.text', { url: webhook.url })}</p>
        <form method="post" action={`${base}/delete`} class="stack">
          <CsrfField viewer={seeing} />
          <button type="submit" class="danger">
            {t('webhooks.delete.confirm')}
          </button>
        </form>
        <p>
          <a href={base}>{t('webhooks.delete.keep')}</a>
        </p>
      </AdminPage>,
    );
  });

  router.post('/settings/webhooks/:id/delete', async (req, res) => {
    const id = pathId(req.params.id);
    if (!id || !(await webhooks.delete(id))) return adminNotFound(res);
    res.redirect(303, '/settings/webhooks?saved=1');
  });

  router.use(webhookDeliveryPages(deps));
  return router;
}
