/**
 * Outbound webhooks, the rules (pure): which events a subscription hears of, what a delivery
 * sends (a versioned JSON payload signed the Standard Webhooks way), and what an attempt's
 * answer means for the delivery and its subscription.
 */
import { Webhook } from 'standardwebhooks';

/** Every event Leadwire writes to its outbox (README, "Every change …"). */
export const EVENT_TYPES = [
  'lead.created',
  'lead.updated',
  'lead.assigned',
  'lead.stage_changed',
  'lead.converted',
  'lead.note_added',
  'lead.merged',
  'lead.unmerged',
  'client.created',
  'client.updated',
  'client.merged',
  'client.unmerged',
  'deal.created',
  'deal.updated',
  'deal.assigned',
  'deal.stage_changed',
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'message.failed',
  'callback.requested',
  'webhook.disabled',
] as const;

/** The version of the payload's shape, sent in it: a change that breaks receivers raises it. */
export const PAYLOAD_VERSION = 1;

/**
 * A subscription's `events`: known types, a whole family (`lead.*`) or everything (`*`), at
 * least one, each once.
 */
export function checkEventPatterns(
  value: unknown,
): { ok: true; events: string[] } | { ok: false; reason: string } {
  if (!Array.isArray(value) || value.length === 0)
    return { ok: false, reason: 'events must be a non-empty list, e.g. ["lead.created"] or ["*"]' };
  const families = new Set(EVENT_TYPES.map((type) => type.split('.')[0]));
  const known = new Set<string>(EVENT_TYPES);
  const events: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string')
      return { ok: false, reason: 'each event must be a string such as "lead.created"' };
    const family = /^([a-z]+)\.\*$/.exec(item)?.[1];
    const fits = item === '*' || known.has(item) || (family !== undefined && families.has(family));
    if (!fits) {
      return {
        ok: false,
        reason: `"${item}" is no event: use one of ${EVENT_TYPES.join(', ')}, a family such as "lead.*", or "*"`,
      };
    }
    if (!events.includes(item)) events.push(item);
  }
  return { ok: true, events };
}

/** Whether a subscription's patterns take an event of this type. */
export function hears(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/** The id a receiver deduplicates on: one per event, the same on every attempt and redelivery. */
export const messageIdOf = (eventId: number) => `evt_${eventId}`;

export interface OutboxEvent {
  id: number;
  type: string;
  leadId: number | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** The request body: `{type, timestamp, version, data}` with the event's own payload as data. */
export function payloadOf(event: OutboxEvent): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    version: PAYLOAD_VERSION,
    data: {
      eventId: event.id,
      ...(event.leadId !== null ? { leadId: event.leadId } : {}),
      ...event.payload,
    },
  });
}

/** The three Standard Webhooks headers for `body`, signed with `secret` (`whsec_…`) at `at`. */
export function signedHeaders(
  secret: string,
  messageId: string,
  at: Date,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}

/** What an attempt got: an HTTP status, or none (refused target, timeout, connection error). */
export interface AttemptResult {
  status: number | null;
  error?: string;
}

export interface AttemptVerdict {
  /** `pending`: tried again at `nextAt`. `failed`: given up. */
  status: 'delivered' | 'pending' | 'failed';
  nextAt: Date | null;
  /** Set when the subscription is turned off, with why (a 410). */
  disable: string | null;
  /** A failure: the subscription is also turned off if it has been failing since before this. */
  retire: { before: Date; reason: string } | null;
}

/**
 * What attempt number `attempt` (1-based) of a delivery means. A 2xx delivers. A 410 Gone turns
 * the subscription off (the receiver says it is gone for good). Anything else is tried again
 * after the schedule's next delay, until the schedule is used up; and a subscription failing
 * for `disableAfterMs` without one success is turned off (`retire`: the store knows the streak).
 */
export function judgeAttempt(
  result: AttemptResult,
  attempt: number,
  now: Date,
  settings: { retryScheduleMs: readonly number[]; disableAfterMs: number },
): AttemptVerdict {
  const { status } = result;
  if (status !== null && status >= 200 && status < 300)
    return { status: 'delivered', nextAt: null, disable: null, retire: null };
  if (status === 410) {
    return {
      status: 'failed',
      nextAt: null,
      disable: 'the receiver answered 410 Gone',
      retire: null,
    };
  }
  const hours = settings.disableAfterMs / 3_600_000;
  const retire = {
    before: new Date(now.getTime() - settings.disableAfterMs),
    reason: `every delivery failed for ${hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`}`,
  };
  const delay = settings.retryScheduleMs[attempt - 1];
  if (delay === undefined) return { status: 'failed', nextAt: null, disable: null, retire };
  return { status: 'pending', nextAt: new Date(now.getTime() + delay), disable: null, retire };
}

/**
 * The verdict with the subscription's failing streak as it is now (read in the transaction that
 * records it): the streak ends on a success, starts at `at` on a first failure, and one that
 * began before `retire.before` turns the subscription off and the delivery with it.
 */
export function settleAttempt(
  verdict: Pick<AttemptVerdict, 'status' | 'nextAt' | 'disable' | 'retire'>,
  failingSince: Date | null,
  at: Date,
): {
  status: AttemptVerdict['status'];
  nextAt: Date | null;
  failingSince: Date | null;
  disable: string | null;
} {
  if (verdict.status === 'delivered')
    return { status: 'delivered', nextAt: null, failingSince: null, disable: null };
  const since = failingSince ?? at;
  if (!verdict.disable && verdict.retire && since.getTime() <= verdict.retire.before.getTime())
    return { status: 'failed', nextAt: null, failingSince: since, disable: verdict.retire.reason };
  return {
    status: verdict.status,
    nextAt: verdict.nextAt,
    failingSince: since,
    disable: verdict.disable,
  };
}
