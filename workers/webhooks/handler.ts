/**
 * Webhooks without Redis: the dispatcher turns new outbox events into deliveries, and one
 * attempt of a delivery sends it signed, records what the receiver said and decides what comes
 * next (core/webhooks/rules.ts). The BullMQ wiring is in index.ts.
 */
import type { Clock } from '../../core/clock.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { DeliveryRecord } from '../../core/repositories/webhooks.ts';
import type { WebhookSettings } from '../../core/runtime/config.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { scrubSecrets } from '../../core/runtime/scrub.ts';
import { judgeAttempt, messageIdOf, payloadOf, signedHeaders } from '../../core/webhooks/rules.ts';
import { openSigningSecret } from '../../core/webhooks/secret.ts';
import { sendWebhook } from './send.ts';

/** Success is a 2xx within this long. */
export const ANSWER_WITHIN_MS = 10_000;
/** The start of an answer kept with the attempt. */
export const ANSWER_KEPT_BYTES = 500;

export interface WebhookDeps {
  repos: Pick<Repositories, 'webhooks'>;
  clock: Clock;
  settings: WebhookSettings;
  credentials: Credentials;
}

export type AttemptOutcome =
  | {
      kind: 'done';
      webhookId: number;
      delivery: 'delivered' | 'failed';
      status: number | null;
      /** Why this attempt turned the subscription off (a `webhook.disabled` event was written). */
      disabled: string | null;
    }
  | { kind: 'retry'; webhookId: number; at: Date; status: number | null }
  /** Nothing to do: delivered or cancelled already, or another runner wrote this attempt. */
  | { kind: 'skipped'; why: string };

/** Makes the deliveries of up to `limit` new events; returns them (for their first jobs). */
export async function dispatchEvents(
  deps: Pick<WebhookDeps, 'repos' | 'clock'>,
  limit = 500,
): Promise<{ events: number; deliveries: DeliveryRecord[] }> {
  return deps.repos.webhooks.dispatch(limit, deps.clock.now());
}

/**
 * Attempt number `attempt` of a delivery. Sent again with the same webhook-id when its job
 * runs again (its worker died mid-way): receivers deduplicate on it.
 */
export async function attemptDelivery(
  deps: WebhookDeps,
  deliveryId: number,
  attempt: number,
): Promise<AttemptOutcome> {
  const { webhooks } = deps.repos;
  const found = await webhooks.forAttempt(deliveryId);
  if (!found) return { kind: 'skipped', why: 'the delivery or its event is gone' };
  const { delivery, webhook, event } = found;
  if (delivery.status !== 'pending')
    return { kind: 'skipped', why: `the delivery is ${delivery.status}` };
  if (delivery.attempts !== attempt - 1)
    return { kind: 'skipped', why: `attempt ${attempt} is not the next one` };
  if (!webhook.active) {
    await webhooks.cancel(deliveryId, deps.clock.now());
    return { kind: 'skipped', why: 'the subscription is off' };
  }
  const secret = openSigningSecret(webhook.secret, deps.credentials);
  const body = payloadOf(event);
  const at = deps.clock.now();
  const sent = await sendWebhook(
    {
      url: new URL(webhook.url),
      headers: signedHeaders(secret, messageIdOf(event.id), at, body),
      body,
    },
    {
      allowPrivate: deps.settings.allowPrivate,
      timeoutMs: ANSWER_WITHIN_MS,
      maxAnswerBytes: ANSWER_KEPT_BYTES,
    },
  );
  const error =
    sent.error ??
    (sent.status !== null && (sent.status < 200 || sent.status >= 300)
      ? `the receiver answered ${sent.status}`
      : null);
  const now = deps.clock.now();
  const verdict = judgeAttempt(
    { status: sent.status, ...(error ? { error } : {}) },
    attempt,
    now,
    deps.settings,
  );
  const settled = await webhooks.recordAttempt(deliveryId, {
    attempt: {
      attempt,
      at,
      status: sent.status,
      durationMs: Math.round(sent.durationMs),
      answer: scrubSecrets(sent.answer),
      error: error === null ? null : scrubSecrets(error),
    },
    status: verdict.status,
    nextAt: verdict.nextAt,
    disable: verdict.disable,
    retire: verdict.retire,
  });
  if (!settled) return { kind: 'skipped', why: 'another runner recorded this attempt' };
  if (settled.status === 'pending' && settled.nextAt)
    return { kind: 'retry', webhookId: webhook.id, at: settled.nextAt, status: sent.status };
  return {
    kind: 'done',
    webhookId: webhook.id,
    delivery: settled.status === 'delivered' ? 'delivered' : 'failed',
    status: sent.status,
    disabled: settled.disabled,
  };
}
