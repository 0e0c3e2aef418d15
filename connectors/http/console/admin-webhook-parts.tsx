/**
 * What the webhook screens share: the form's fields (the URL, a description, the events as
 * checkboxes by family with a family's `lead.*` and everything's `*`), the sentence for what the
 * API's checks refused, the page that shows a signing secret its one time with how a receiver
 * verifies what it is sent, and the subscriptions' table with each one's state.
 */
import type { Response } from 'express';
import type { WebhookRecord } from '../../../core/repositories/webhooks.ts';
import { EVENT_TYPES } from '../../../core/webhooks/rules.ts';
import { MAX_WEBHOOK_URL_LENGTH } from '../../../core/webhooks/targets.ts';
import type { Refusal } from '../../webhook-admin.ts';
import { AdminPage, field, fields, type Form } from './admin-kit.tsx';
import { sendPage, type Children } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

/** As connectors/webhook-admin.ts's schema takes it. */
export const DESCRIPTION_MAX = 300;

export interface WebhookDraft {
  url: string;
  description: string;
  events: string[];
}

export const EMPTY_DRAFT: WebhookDraft = { url: '', description: '', events: [] };

export const draftOf = (webhook: WebhookRecord): WebhookDraft => ({
  url: webhook.url,
  description: webhook.description ?? '',
  events: webhook.events,
});

export const draftOfForm = (form: Form): WebhookDraft => ({
  url: field(form, 'url').trim(),
  description: field(form, 'description'),
  events: fields(form, 'events'),
});

/** What the form lacks before the API's checks are asked: the page says it in its language. */
export function missing(t: Viewer['t'], draft: WebhookDraft): string | undefined {
  if (!draft.url) return t('webhooks.invalid.url', { max: MAX_WEBHOOK_URL_LENGTH });
  if (draft.events.length === 0) return t('webhooks.invalid.events');
  return undefined;
}

/**
 * What the API refused, as a sentence: a value the schema refused by its field; a URL or events
 * the checks refused with their reason (connectors/webhook-admin.ts writes it in English).
 */
export function refusalText(t: Viewer['t'], refusal: Refusal): string {
  if (refusal.status === 400) {
    const path = refusal.details?.[0]?.path ?? '';
    if (path.startsWith('url')) return t('webhooks.invalid.url', { max: MAX_WEBHOOK_URL_LENGTH });
    if (path.startsWith('description'))
      return t('webhooks.invalid.description', { max: DESCRIPTION_MAX });
    if (path.startsWith('events')) return t('webhooks.invalid.events');
    return t('admin.invalid');
  }
  return t('webhooks.refused', { reason: refusal.message });
}

const FAMILIES = [...new Set(EVENT_TYPES.map((type) => type.slice(0, type.indexOf('.'))))];

function EventChoices(props: { viewer: Viewer; chosen: readonly string[] }) {
  const { t } = props.viewer;
  const box = (value: string, label: Children) => (
    <label class="check">
      <input type="checkbox" name="events" value={value} checked={props.chosen.includes(value)} />{' '}
      {label}
    </label>
  );
  return (
    <fieldset>
      <legend>{t('webhooks.events')}</legend>
      {box(
        '*',
        <>
          {t('webhooks.everything')} (<code>*</code>)
        </>,
      )}
      {FAMILIES.map((family) => (
        <fieldset data-family={family}>
          <legend>{t('webhooks.family', { family })}</legend>
          {box(
            `${family}.*`,
            <>
              {t('webhooks.wholeFamily', { family })} (<code>{family}.*</code>)
            </>,
          )}
          {EVENT_TYPES.filter((type) => type.startsWith(`${family}.`)).map((type) =>
            box(type, <code>{type}</code>),
          )}
        </fieldset>
      ))}
    </fieldset>
  );
}

export function WebhookFields(props: { viewer: Viewer; draft: WebhookDraft }) {
  const { t } = props.viewer;
  const { draft } = props;
  return (
    <>
      <label for="url">{t('webhooks.url')}</label>
      <input
        id="url"
        name="url"
        type="url"
        required
        maxlength={MAX_WEBHOOK_URL_LENGTH}
        aria-describedby="url-hint"
        value={draft.url}
      />
      <p id="url-hint" class="hint">
        {t('webhooks.urlHint')}
      </p>
      <label for="description">{t('webhooks.description')}</label>
      <input
        id="description"
        name="description"
        maxlength={DESCRIPTION_MAX}
        value={draft.description}
      />
      <EventChoices viewer={props.viewer} chosen={draft.events} />
    </>
  );
}

const VERIFY_JS = `import { Webhook } from 'standardwebhooks';

const event = new Webhook(process.env.LEADWIRE_WEBHOOK_SECRET).verify(rawBody, request.headers);`;

const VERIFY_PY = `import os
from standardwebhooks.webhooks import Webhook

event = Webhook(os.environ["LEADWIRE_WEBHOOK_SECRET"]).verify(raw_body, request.headers)`;

/**
 * The answer that shows a signing secret: the only page that ever does (it is stored to sign
 * with, and no page or API answer reads it back). Never cached (sendPage).
 */
export function showSecret(
  res: Response,
  status: number,
  made: { id: number; title: string; once: string; secret: string },
) {
  const seeing = viewer(res);
  const { t } = seeing;
  sendPage(
    res,
    status,
    <AdminPage
      viewer={seeing}
      title={made.title}
      back={{ href: '/settings/webhooks', label: t('webhooks.back') }}
    >
      <p class="notice" role="status">
        {made.once}
      </p>
      <label for="secret">{t('webhooks.secret.label', { id: made.id })}</label>
      <input id="secret" class="admin-key" readonly value={made.secret} autocomplete="off" />
      <h2>{t('webhooks.verify.title')}</h2>
      <p>{t('webhooks.verify.text')}</p>
      <pre class="snippet">{VERIFY_JS}</pre>
      <pre class="snippet">{VERIFY_PY}</pre>
      <p>{t('webhooks.verify.answer')}</p>
      <p>
        <a href={`/settings/webhooks/${made.id}`}>{t('webhooks.edit.title', { id: made.id })}</a>
        {' · '}
        <a href="/settings/webhooks">{t('webhooks.back')}</a>
      </p>
    </AdminPage>,
  );
}

/** On or off, and — prominently — why Leadwire turned it off, and since when it fails. */
export function WebhookState(props: { viewer: Viewer; webhook: WebhookRecord }) {
  const { t, when } = props.viewer;
  const { webhook } = props;
  return (
    <>
      <span class={`badge ${webhook.active ? 'on' : 'off'}`}>
        {t(webhook.active ? 'webhooks.on' : 'webhooks.off')}
      </span>
      {webhook.disabledReason ? (
        <strong class="alert">
          {' '}
          {t('webhooks.disabledBy', { reason: webhook.disabledReason })}
        </strong>
      ) : null}
      {webhook.failingSince ? (
        <span class="sub"> {t('webhooks.failingSince', { when: when(webhook.failingSince) })}</span>
      ) : null}
    </>
  );
}

export function WebhookTable(props: {
  viewer: Viewer;
  webhooks: WebhookRecord[];
  pending: Map<number, number>;
}) {
  const { t } = props.viewer;
  return (
    <table class="leads">
      <thead>
        <tr>
          <th scope="col">{t('webhooks.col.url')}</th>
          <th scope="col">{t('webhooks.col.events')}</th>
          <th scope="col">{t('webhooks.col.status')}</th>
          <th scope="col">{t('webhooks.col.pending')}</th>
          <th scope="col">{t('webhooks.deliveriesLink')}</th>
        </tr>
      </thead>
      <tbody>
        {props.webhooks.map((webhook) => (
          <tr data-webhook={webhook.id}>
            <td>
              <a href={`/settings/webhooks/${webhook.id}`}>{webhook.url}</a>
              {webhook.description ? <div class="sub">{webhook.description}</div> : null}
            </td>
            <td>
              <code>{webhook.events.join(', ')}</code>
            </td>
            <td>
              <WebhookState viewer={props.viewer} webhook={webhook} />
            </td>
            <td>{props.pending.get(webhook.id) ?? 0}</td>
            <td>
              <a href={`/settings/webhooks/${webhook.id}/deliveries`}>
                {t('webhooks.deliveriesLink')}
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
