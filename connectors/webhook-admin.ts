/**
 * Managing webhook subscriptions, the same from the API, the console and the CLI: checking what
 * is asked (a URL that may be reached, events that exist), making the signing secret (shown
 * once), and sending a delivery again.
 */
import { lookup } from 'node:dns/promises';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { JOBS } from '../core/jobs.ts';
import type { Repositories } from '../core/repositories/index.ts';
import type { DeliveryRecord, WebhookRecord } from '../core/repositories/webhooks.ts';
import type { Producer } from '../core/runtime/queues.ts';
import { checkEventPatterns } from '../core/webhooks/rules.ts';
import { newSigningSecret, storedSigningSecret } from '../core/webhooks/secret.ts';
import {
  addressVerdict,
  checkWebhookUrl,
  hostVerdict,
  literalAddress,
} from '../core/webhooks/targets.ts';

export interface WebhookAdminDeps {
  repos: Pick<Repositories, 'webhooks'>;
  clock: Clock;
  /** WEBHOOK_ALLOW_PRIVATE: receivers on private and loopback addresses may be subscribed. */
  allowPrivate: boolean;
  /** Seals the signing secrets (SECRETS_KEY), when set. */
  secretsKey: string | undefined;
  /** Where a redelivery's job goes; without it the reconciler picks the delivery up. */
  producer?: Producer<'webhooks'> | undefined;
  /** How a host name is resolved (tests); the system's resolver otherwise. */
  resolve?: (host: string) => Promise<string[]>;
}

export type Refusal = {
  ok: false;
  status: number;
  code: string;
  message: string;
  details?: { path: string; message: string }[];
};

const body = z
  .object({
    url: z.string().max(2000),
    events: z.array(z.string().max(100)).max(50),
    description: z.string().trim().max(300).nullable(),
    active: z.boolean(),
  })
  .partial()
  .strict();

function invalid(error: z.ZodError): Refusal {
  return {
    ok: false,
    status: 400,
    code: 'invalid_body',
    message: 'the request body is not valid',
    details: error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(body)',
      message: issue.message,
    })),
  };
}

const refuse = (path: string, message: string): Refusal => ({
  ok: false,
  status: 422,
  code: 'invalid_webhook',
  message,
  details: [{ path, message }],
});

const systemResolve = async (host: string) =>
  (await lookup(host, { all: true, verbatim: true })).map((found) => found.address);

/**
 * The URL, if a subscription may send to it: http(s), and a host whose every address is one
 * webhooks may reach (delivery checks the address it connects to again, every time).
 */
async function checkTarget(deps: WebhookAdminDeps, text: string): Promise<string | Refusal> {
  const checked = checkWebhookUrl(text);
  if (!checked.ok) return refuse('url', checked.reason);
  const host = hostVerdict(checked.url.hostname, deps.allowPrivate);
  if (!host.ok) return refuse('url', host.reason);
  if (literalAddress(checked.url.hostname) !== null) return checked.url.href;
  let addresses: string[];
  try {
    addresses = await (deps.resolve ?? systemResolve)(checked.url.hostname);
  } catch {
    return refuse('url', `${checked.url.hostname} does not resolve to an address`);
  }
  for (const address of addresses) {
    const verdict = addressVerdict(address, deps.allowPrivate);
    if (!verdict.ok)
      return refuse('url', `${checked.url.hostname} is ${address}: ${verdict.reason}`);
  }
  return checked.url.href;
}

export function describeWebhook(webhook: WebhookRecord) {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
    active: webhook.active,
    disabledReason: webhook.disabledReason,
    failingSince: webhook.failingSince,
    createdAt: webhook.createdAt,
    updatedAt: webhook.updatedAt,
  };
}

export function describeDelivery(delivery: DeliveryRecord) {
  return {
    id: delivery.id,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    type: delivery.eventType,
    webhookMessageId: `evt_${delivery.eventId}`,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAt: delivery.nextAt,
    lastStatus: delivery.lastStatus,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt,
    createdAt: delivery.createdAt,
  };
}

/** A new subscription and its secret (the only time the secret is shown). */
export async function createWebhook(
  deps: WebhookAdminDeps,
  input: unknown,
  createdBy: number | null,
): Promise<{ ok: true; webhook: WebhookRecord; secret: string } | Refusal> {
  const parsed = body.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const { url, events, description } = parsed.data;
  if (url === undefined) return refuse('url', 'url is required: where to send the events');
  const target = await checkTarget(deps, url);
  if (typeof target !== 'string') return target;
  const patterns = checkEventPatterns(events);
  if (!patterns.ok) return refuse('events', patterns.reason);
  const secret = newSigningSecret();
  const webhook = await deps.repos.webhooks.create({
    url: target,
    description: description ?? null,
    events: patterns.events,
    secret: storedSigningSecret(secret, deps.secretsKey),
    createdBy,
    at: deps.clock.now(),
  });
  return { ok: true, webhook, secret };
}

export async function updateWebhook(
  deps: WebhookAdminDeps,
  id: number,
  input: unknown,
): Promise<{ ok: true; webhook: WebhookRecord } | Refusal> {
  const parsed = body.safeParse(input);
  if (!parsed.success) return invalid(parsed.error);
  const patch: Parameters<WebhookAdminDeps['repos']['webhooks']['update']>[1] = {};
  if (parsed.data.url !== undefined) {
    const target = await checkTarget(deps, parsed.data.url);
    if (typeof target !== 'string') return target;
    patch.url = target;
  }
  if (parsed.data.events !== undefined) {
    const patterns = checkEventPatterns(parsed.data.events);
    if (!patterns.ok) return refuse('events', patterns.reason);
    patch.events = patterns.events;
  }
  if (parsed.data.description !== undefined) patch.description = parsed.data.description;
  if (parsed.data.active !== undefined) patch.active = parsed.data.active;
  const webhook = await deps.repos.webhooks.update(id, patch, deps.clock.now());
  if (!webhook)
    return { ok: false, status: 404, code: 'not_found', message: `webhook ${id} does not exist` };
  return { ok: true, webhook };
}

/** A new secret for the subscription; the old one stops signing at once. */
export async function rotateSecret(
  deps: WebhookAdminDeps,
  id: number,
): Promise<string | undefined> {
  const secret = newSigningSecret();
  const done = await deps.repos.webhooks.setSecret(
    id,
    storedSigningSecret(secret, deps.secretsKey),
    deps.clock.now(),
  );
  return done ? secret : undefined;
}

/** The delivery sent again now, with the same webhook-id. */
export async function redeliver(
  deps: WebhookAdminDeps,
  deliveryId: number,
): Promise<DeliveryRecord | undefined> {
  const delivery = await deps.repos.webhooks.redeliver(deliveryId, deps.clock.now());
  // With Redis away the delivery stays pending: a worker's reconciler sends it.
  if (delivery && deps.producer)
    await sendNow(deps.producer, { deliveryId: delivery.id, attempt: delivery.attempts + 1 }).catch(
      () => undefined,
    );
  return delivery;
}

/**
 * The attempt's job, to run now: a retry waiting out its delay is promoted, a finished job of the
 * same id (a cancelled delivery's, kept an hour) replaced, a new one added.
 */
async function sendNow(
  producer: Producer<'webhooks'>,
  payload: { deliveryId: number; attempt: number },
): Promise<void> {
  const job = await producer.queue.getJob(JOBS.webhooks.jobId(payload));
  if (job && (await job.isDelayed())) await job.promote();
  else await producer.ensure(payload);
}
