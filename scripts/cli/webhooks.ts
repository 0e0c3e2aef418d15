/**
 * `leadwire webhooks …`: outbound webhook subscriptions and their deliveries, with the API's own
 * checks (connectors/webhook-admin.ts). The command line is the administrator: what it creates
 * has no creator. A signing secret is printed once, by `create` and `rotate-secret`, and
 * nowhere else.
 */
import {
  createWebhook,
  redeliver,
  rotateSecret,
  updateWebhook,
  type Refusal,
  type WebhookAdminDeps,
} from '../../connectors/webhook-admin.ts';
import { systemClock } from '../../core/clock.ts';
import type { Store } from '../../core/repositories/index.ts';
import type { DeliveryRecord, WebhookRecord } from '../../core/repositories/webhooks.ts';
import type { Config } from '../../core/runtime/config.ts';
import { createProducer } from '../../core/runtime/queues.ts';
import { RedisUnavailableError } from '../../core/runtime/redis.ts';
import { messageIdOf } from '../../core/webhooks/rules.ts';
import { COMMAND_OPTIONS } from './commands.ts';
import { oneLine, table, when } from './format.ts';
import { CliError, idOf, parseStrict } from './options.ts';
import { refuseOptions } from './people-input.ts';
import { openQueues } from './queue-client.ts';

type Values = ReturnType<typeof parseStrict<typeof COMMAND_OPTIONS.webhooks>>['values'];

const LIMIT = { default: 20, max: 200 };

const at = (date: Date | null) => when(date?.getTime());

const adminDeps = (store: Store, config: Config): WebhookAdminDeps => ({
  repos: store,
  clock: systemClock,
  allowPrivate: config.webhooks.allowPrivate,
  secretsKey: config.secretsKey,
});

const stateOf = (webhook: WebhookRecord) => (webhook.active ? 'on' : 'off');

/** What the checks refused, as a mistake in what was typed, naming the option it is about. */
function refused(refusal: Refusal, id?: number): CliError {
  if (refusal.status === 404)
    return new CliError(`there is no webhook ${id ?? ''} (see \`webhooks list\`)`);
  const details = refusal.details?.length
    ? refusal.details
    : [{ path: '(body)', message: refusal.message }];
  return new CliError(
    details
      .map(({ path, message }) => {
        const option = path.split('.')[0] ?? '';
        return option in COMMAND_OPTIONS.webhooks ? `--${option}: ${message}` : message;
      })
      .join('; '),
  );
}

/** `--events lead.created,message.received`: the list as typed, its checks are the API's. */
const eventsOf = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** The subscription asked for by its id, or a sentence saying there is none. */
async function webhookOf(store: Store, arg: string | undefined, command: string) {
  const id = idOf(arg);
  if (id === undefined)
    throw new CliError(`webhooks ${command} needs the webhook id (see \`webhooks list\`)`);
  const webhook = await store.webhooks.get(id);
  if (!webhook) throw new CliError(`there is no webhook ${id} (see \`webhooks list\`)`);
  return webhook;
}

/** Why Leadwire turned it off and how long it has failed: the lines an administrator acts on. */
function troubles(webhook: WebhookRecord): string[] {
  const lines: string[] = [];
  if (webhook.disabledReason)
    lines.push(
      `webhook ${webhook.id} was turned off by Leadwire: ${webhook.disabledReason}. Fix the receiver, then \`webhooks update ${webhook.id} --on\``,
    );
  if (webhook.failingSince)
    lines.push(`webhook ${webhook.id} has been failing since ${at(webhook.failingSince)}`);
  return lines;
}

async function list(store: Store): Promise<string> {
  const webhooks = await store.webhooks.list();
  if (!webhooks.length) return 'no webhooks yet (`webhooks create --url URL --events TYPE,…`)';
  const pending = await store.webhooks.pendingCounts();
  return [
    table([
      ['id', 'state', 'waiting', 'events', 'url'],
      ...webhooks.map((webhook) => [
        webhook.id,
        stateOf(webhook),
        pending.get(webhook.id) ?? 0,
        webhook.events.join(','),
        webhook.url,
      ]),
    ]),
    ...webhooks.flatMap(troubles),
  ].join('\n');
}

async function show(store: Store, webhook: WebhookRecord): Promise<string> {
  const pending = (await store.webhooks.pendingCounts()).get(webhook.id) ?? 0;
  return [
    table([
      ['webhook', String(webhook.id)],
      ['url', webhook.url],
      ['description', webhook.description ?? '-'],
      ['events', webhook.events.join(', ')],
      ['state', stateOf(webhook)],
      ['waiting', `${pending} deliveries (\`webhooks deliveries ${webhook.id}\`)`],
      ['created', at(webhook.createdAt)],
      ['updated', at(webhook.updatedAt)],
    ]),
    ...troubles(webhook),
  ].join('\n');
}

const summary = (webhook: WebhookRecord) =>
  `webhook ${webhook.id} → ${webhook.url} (${stateOf(webhook)}; events ${webhook.events.join(', ')})`;

function secretOnce(secret: string): string {
  return `Its signing secret is shown only now, keep it safe:\n${secret}\nReceivers verify each request with it and a Standard Webhooks library (standardwebhooks on npm and PyPI).`;
}

async function create(store: Store, config: Config, values: Values): Promise<string> {
  if (values.url === undefined || values.events === undefined)
    throw new CliError('webhooks create needs --url URL and --events TYPE,…');
  const made = await createWebhook(
    adminDeps(store, config),
    {
      url: values.url,
      events: eventsOf(values.events),
      description: values.description?.trim() || null,
    },
    null,
  );
  if (!made.ok) throw refused(made);
  return `created ${summary(made.webhook)}. ${secretOnce(made.secret)}`;
}

async function update(store: Store, config: Config, values: Values, arg: string | undefined) {
  const webhook = await webhookOf(store, arg, 'update');
  if (values.on && values.off) throw new CliError('say --on or --off, not both');
  const patch = {
    ...(values.url !== undefined ? { url: values.url } : {}),
    ...(values.events !== undefined ? { events: eventsOf(values.events) } : {}),
    ...(values.description !== undefined ? { description: values.description.trim() || null } : {}),
    ...(values.on ? { active: true } : values.off ? { active: false } : {}),
  };
  if (Object.keys(patch).length === 0)
    throw new CliError(
      'webhooks update needs something to change: --url, --events, --description, --on or --off',
    );
  const updated = await updateWebhook(adminDeps(store, config), webhook.id, patch);
  if (!updated.ok) throw refused(updated, webhook.id);
  return `updated ${summary(updated.webhook)}`;
}

function deliveryTable(deliveries: DeliveryRecord[]): string {
  return table([
    ['id', 'created', 'event', 'status', 'attempts', 'answer', 'next', 'error'],
    ...deliveries.map((delivery) => [
      delivery.id,
      at(delivery.createdAt),
      delivery.eventType,
      delivery.status,
      delivery.attempts,
      delivery.attempts === 0 ? '-' : String(delivery.lastStatus ?? 'none'),
      delivery.status === 'pending' ? at(delivery.nextAt) : '-',
      delivery.lastError ? oneLine(delivery.lastError, 80) : '',
    ]),
  ]);
}

async function deliveries(store: Store, values: Values, arg: string | undefined) {
  const webhook = await webhookOf(store, arg, 'deliveries');
  const limit = values.limit === undefined ? LIMIT.default : idOf(values.limit);
  if (limit === undefined || limit > LIMIT.max)
    throw new CliError(`--limit takes a whole number from 1 to ${LIMIT.max}`);
  const found = await store.webhooks.deliveries(webhook.id, limit);
  if (!found.length) return `no deliveries of webhook ${webhook.id} yet`;
  return `${deliveryTable(found)}\n(newest first; one delivery's attempts: GET /api/v1/webhook-deliveries/ID or the console)`;
}

/**
 * Sends a delivery again: pending now, and a job on the `webhooks` queue when Redis answers;
 * otherwise a running worker's reconciler finds it pending and sends it.
 */
async function resend(store: Store, config: Config, arg: string | undefined): Promise<string> {
  const id = idOf(arg);
  if (id === undefined)
    throw new CliError('webhooks redeliver needs the delivery id (see `webhooks deliveries ID`)');
  if (!(await store.webhooks.delivery(id)))
    throw new CliError(`there is no delivery ${id} (see \`webhooks deliveries ID\`)`);
  let queues: Awaited<ReturnType<typeof openQueues>> | undefined;
  let unreachable = '';
  try {
    queues = await openQueues(config);
  } catch (error) {
    if (!(error instanceof RedisUnavailableError)) throw error;
    unreachable = error.message.split(' — ')[0] ?? error.message;
  }
  const producer = queues && createProducer('webhooks', queues.redis, config.queuePrefix);
  try {
    const delivery = await redeliver({ ...adminDeps(store, config), producer }, id);
    if (!delivery)
      throw new CliError(`there is no delivery ${id} (see \`webhooks deliveries ID\`)`);
    const what = `delivery ${id} (${delivery.eventType}, webhook-id ${messageIdOf(delivery.eventId)}) is pending again`;
    return producer
      ? `${what} and queued: a running worker sends it now`
      : `${what}. ${unreachable}, so it was not queued: a running worker's reconciler picks it up on its next pass`;
  } finally {
    await producer?.queue.close();
    await queues?.close();
  }
}

/** The answer, or undefined for a sub-command there is not. */
export async function runWebhookCommand(
  store: Store,
  config: Config,
  argv: string[],
): Promise<string | undefined> {
  const { values, positionals } = parseStrict(argv, COMMAND_OPTIONS.webhooks);
  const [, command, arg] = positionals;
  const takes = (allowed: string[]) => refuseOptions(values, allowed, `webhooks ${command}`);
  switch (command) {
    case 'list':
      takes([]);
      return list(store);
    case 'show':
      takes([]);
      return show(store, await webhookOf(store, arg, 'show'));
    case 'create':
      takes(['url', 'events', 'description']);
      return create(store, config, values);
    case 'update':
      takes(['url', 'events', 'description', 'on', 'off']);
      return update(store, config, values, arg);
    case 'rotate-secret': {
      takes([]);
      const webhook = await webhookOf(store, arg, 'rotate-secret');
      const secret = await rotateSecret(adminDeps(store, config), webhook.id);
      if (!secret) throw new CliError(`there is no webhook ${webhook.id} (see \`webhooks list\`)`);
      return `new signing secret for ${summary(webhook)}; the old one no longer signs. ${secretOnce(secret)}`;
    }
    case 'delete': {
      takes([]);
      const webhook = await webhookOf(store, arg, 'delete');
      await store.webhooks.delete(webhook.id);
      return `deleted ${summary(webhook)} with its deliveries`;
    }
    case 'deliveries':
      takes(['limit']);
      return deliveries(store, values, arg);
    case 'redeliver':
      takes([]);
      return resend(store, config, arg);
    default:
      return undefined;
  }
}
