/**
 * A webhook's deliveries, newest first and paged with `?before=` (the id the next page starts
 * below): each one's event, status, attempts, last answer and next attempt; and one delivery's
 * page with every attempt (HTTP status, how long it took, the start of the answer, the error)
 * and a Redeliver button that sends it again now with the same webhook-id.
 */
import { Router, type Response } from 'express';
import type {
  AttemptRecord,
  DeliveryRecord,
  DeliveryStatus,
} from '../../../core/repositories/webhooks.ts';
import { messageIdOf } from '../../../core/webhooks/rules.ts';
import { redeliver, type WebhookAdminDeps } from '../../webhook-admin.ts';
import { AdminPage, adminNotFound, pathId } from './admin-kit.tsx';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

const PAGE = 50;

const BADGE: Record<DeliveryStatus, string> = {
  pending: 'badge process',
  delivered: 'badge success',
  failed: 'badge failure',
  cancelled: 'badge',
};

function Time(props: { viewer: Viewer; at: Date | null }) {
  return props.at ? (
    <time datetime={props.at.toISOString()}>{props.viewer.when(props.at)}</time>
  ) : (
    <>—</>
  );
}

function Status(props: { viewer: Viewer; status: DeliveryStatus }) {
  return (
    <span class={BADGE[props.status]} data-status={props.status}>
      {props.viewer.t(`webhooks.status.${props.status}`)}
    </span>
  );
}

/** The last HTTP status and error of a delivery, or of one attempt. */
function Answer(props: { viewer: Viewer; status: number | null; error: string | null }) {
  return (
    <>
      {props.status ?? props.viewer.t('webhooks.noAnswer')}
      {props.error ? <div class="sub">{props.error}</div> : null}
    </>
  );
}

function DeliveryTable(props: { viewer: Viewer; base: string; deliveries: DeliveryRecord[] }) {
  const { t } = props.viewer;
  return (
    <table class="leads">
      <thead>
        <tr>
          <th scope="col">{t('webhooks.col.delivery')}</th>
          <th scope="col">{t('webhooks.col.event')}</th>
          <th scope="col">{t('webhooks.col.created')}</th>
          <th scope="col">{t('webhooks.col.status')}</th>
          <th scope="col">{t('webhooks.col.attempts')}</th>
          <th scope="col">{t('webhooks.col.last')}</th>
          <th scope="col">{t('webhooks.col.next')}</th>
        </tr>
      </thead>
      <tbody>
        {props.deliveries.map((delivery) => (
          <tr data-delivery={delivery.id}>
            <td>
              <a href={`${props.base}/${delivery.id}`}>{delivery.id}</a>
            </td>
            <td>
              <code>{delivery.eventType}</code>
            </td>
            <td>
              <Time viewer={props.viewer} at={delivery.createdAt} />
            </td>
            <td>
              <Status viewer={props.viewer} status={delivery.status} />
            </td>
            <td>{delivery.attempts}</td>
            <td>
              {delivery.attempts > 0 ? (
                <Answer
                  viewer={props.viewer}
                  status={delivery.lastStatus}
                  error={delivery.lastError}
                />
              ) : (
                '—'
              )}
            </td>
            <td>
              <Time
                viewer={props.viewer}
                at={delivery.status === 'pending' ? delivery.nextAt : null}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AttemptTable(props: { viewer: Viewer; attempts: AttemptRecord[] }) {
  const { t } = props.viewer;
  return (
    <table class="leads">
      <thead>
        <tr>
          <th scope="col">{t('webhooks.col.attempt')}</th>
          <th scope="col">{t('webhooks.col.at')}</th>
          <th scope="col">{t('webhooks.col.httpStatus')}</th>
          <th scope="col">{t('webhooks.col.duration')}</th>
          <th scope="col">{t('webhooks.col.answer')}</th>
          <th scope="col">{t('webhooks.col.error')}</th>
        </tr>
      </thead>
      <tbody>
        {props.attempts.map((attempt) => (
          <tr data-attempt={attempt.attempt}>
            <td>{attempt.attempt}</td>
            <td>
              <Time viewer={props.viewer} at={attempt.at} />
            </td>
            <td>{attempt.status ?? t('webhooks.noAnswer')}</td>
            <td>{t('webhooks.duration', { ms: attempt.durationMs })}</td>
            <td>{attempt.answer ? <pre class="detail">{attempt.answer}</pre> : null}</td>
            <td>{attempt.error ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function webhookDeliveryPages(deps: WebhookAdminDeps): Router {
  const { webhooks } = deps.repos;
  const router = Router();

  router.get('/settings/webhooks/:id/deliveries', async (req, res) => {
    const id = pathId(req.params.id);
    const webhook = id ? await webhooks.get(id) : undefined;
    if (!webhook) return adminNotFound(res);
    const seeing = viewer(res);
    const { t } = seeing;
    const before = pathId(req.query.before);
    const list = await webhooks.deliveries(webhook.id, PAGE, before);
    const last = list[list.length - 1];
    const base = `/settings/webhooks/${webhook.id}/deliveries`;
    sendPage(
      res,
      200,
      <AdminPage
        viewer={seeing}
        title={t('webhooks.deliveries.title', { id: webhook.id })}
        back={{
          href: `/settings/webhooks/${webhook.id}`,
          label: t('webhooks.edit.title', { id: webhook.id }),
        }}
      >
        <p>
          <code>{webhook.url}</code>
        </p>
        {list.length === 0 ? (
          <p class="empty">{t('webhooks.deliveries.empty')}</p>
        ) : (
          <DeliveryTable viewer={seeing} base={base} deliveries={list} />
        )}
        <p>
          {before !== undefined ? <a href={base}>{t('webhooks.deliveries.newest')}</a> : null}
          {before !== undefined && list.length === PAGE && last ? ' · ' : null}
          {list.length === PAGE && last ? (
            <a href={`${base}?before=${last.id}`}>{t('webhooks.deliveries.older')}</a>
          ) : null}
        </p>
      </AdminPage>,
    );
  });

  /** The delivery, when it is one of this webhook's. */
  const find = async (webhookId: unknown, deliveryId: unknown) => {
    const id = pathId(deliveryId);
    const delivery = id ? await webhooks.delivery(id) : undefined;
    return delivery && delivery.webhookId === pathId(webhookId) ? delivery : undefined;
  };

  async function showDelivery(res: Response, delivery: DeliveryRecord) {
    const seeing = viewer(res);
    const { t } = seeing;
    const attempts = await webhooks.attempts(delivery.id);
    const base = `/settings/webhooks/${delivery.webhookId}/deliveries`;
    sendPage(
      res,
      200,
      <AdminPage
        viewer={seeing}
        title={t('webhooks.delivery.title', { id: delivery.id })}
        back={{ href: base, label: t('webhooks.deliveries.back') }}
      >
        {(res.req.query as { redelivered?: unknown }).redelivered === '1' ? (
          <p class="notice" role="status">
            {t('webhooks.redelivered')}
          </p>
        ) : null}
        <dl class="facts">
          <dt>{t('webhooks.col.event')}</dt>
          <dd>
            <code>{delivery.eventType}</code>
          </dd>
          <dt>webhook-id</dt>
          <dd>
            <code>{messageIdOf(delivery.eventId)}</code>
          </dd>
          <dt>{t('webhooks.delivery.status')}</dt>
          <dd>
            <Status viewer={seeing} status={delivery.status} />
          </dd>
          <dt>{t('webhooks.col.created')}</dt>
          <dd>
            <Time viewer={seeing} at={delivery.createdAt} />
          </dd>
          <dt>{t('webhooks.delivery.deliveredAt')}</dt>
          <dd>
            <Time viewer={seeing} at={delivery.deliveredAt} />
          </dd>
          <dt>{t('webhooks.col.next')}</dt>
          <dd>
            <Time viewer={seeing} at={delivery.status === 'pending' ? delivery.nextAt : null} />
          </dd>
        </dl>
        <form method="post" action={`${base}/${delivery.id}/redeliver`} class="stack">
          <CsrfField viewer={seeing} />
          <p class="hint">{t('webhooks.redeliverHint')}</p>
          <button type="submit">{t('webhooks.redeliver')}</button>
        </form>
        <h2>{t('webhooks.attempts.title')}</h2>
        {attempts.length === 0 ? (
          <p class="empty">{t('webhooks.attempts.empty')}</p>
        ) : (
          <AttemptTable viewer={seeing} attempts={attempts} />
        )}
      </AdminPage>,
    );
  }

  router.get('/settings/webhooks/:id/deliveries/:deliveryId', async (req, res) => {
    const delivery = await find(req.params.id, req.params.deliveryId);
    if (!delivery) return adminNotFound(res);
    await showDelivery(res, delivery);
  });

  router.post('/settings/webhooks/:id/deliveries/:deliveryId/redeliver', async (req, res) => {
    const found = await find(req.params.id, req.params.deliveryId);
    const delivery = found ? await redeliver(deps, found.id) : undefined;
    if (!delivery) return adminNotFound(res);
    res.redirect(
      303,
      `/settings/webhooks/${delivery.webhookId}/deliveries/${delivery.id}?redelivered=1`,
    );
  });
  return router;
}
