/**
 * Outbound webhooks: subscriptions, the deliveries the dispatcher makes of the events outbox
 * (one per event and subscription), and every attempt of each. The database is the record of
 * what was delivered; the `webhooks` queue only says when to try.
 */
import type { EventRecord } from './events.ts';

export interface WebhookRecord {
  id: number;
  url: string;
  description: string | null;
  events: string[];
  active: boolean;
  /** Why Leadwire turned it off (a 410, days of failures); null when on, or off by hand. */
  disabledReason: string | null;
  failingSince: Date | null;
  createdBy: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryRecord {
  id: number;
  webhookId: number;
  eventId: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export interface AttemptRecord {
  id: number;
  deliveryId: number;
  attempt: number;
  at: Date;
  status: number | null;
  durationMs: number;
  /** The start of what the receiver answered. */
  answer: string;
  error: string | null;
}

export interface NewWebhook {
  url: string;
  description: string | null;
  events: string[];
  /** As stored (core/webhooks/secret.ts). */
  secret: string;
  createdBy: number | null;
  at: Date;
}

export interface WebhookPatch {
  url?: string;
  description?: string | null;
  events?: string[];
  /** Turning it on again clears why it was turned off and its failing streak. */
  active?: boolean;
}

/**
 * An attempt's record and what it means (core/webhooks/rules.ts `judgeAttempt`), written together.
 * The subscription's failing streak is the store's to keep, read in the same transaction
 * (`settleAttempt`): a success or an admin turning it on during the attempt is not undone.
 */
export interface AttemptOutcome {
  attempt: Omit<AttemptRecord, 'id' | 'deliveryId'>;
  status: Exclude<DeliveryStatus, 'cancelled'>;
  nextAt: Date | null;
  /** Turns the subscription off with this reason (and writes `webhook.disabled`). */
  disable: string | null;
  /** A failure also turns it off when its streak began before `before` (days of failures). */
  retire: { before: Date; reason: string } | null;
}

/** What an attempt came to once the streak was known: the delivery's status and next try. */
export interface SettledAttempt {
  status: Exclude<DeliveryStatus, 'cancelled'>;
  nextAt: Date | null;
  /** Set when this attempt turned the subscription off. */
  disabled: string | null;
}

export interface WebhookRepository {
  /** A new subscription: it hears of events written from now on. */
  create(webhook: NewWebhook): Promise<WebhookRecord>;
  list(): Promise<WebhookRecord[]>;
  get(id: number): Promise<WebhookRecord | undefined>;
  update(id: number, patch: WebhookPatch, at: Date): Promise<WebhookRecord | undefined>;
  setSecret(id: number, secret: string, at: Date): Promise<boolean>;
  /** Deletes it with its deliveries and their attempts. */
  delete(id: number): Promise<boolean>;
  /**
   * In one transaction: up to `limit` events not dispatched yet, oldest first (on PostgreSQL
   * skipping those another dispatcher holds), get a pending delivery for each active
   * subscription that hears of them, and are marked dispatched. Events that commit late are
   * found all the same: what is read is "not dispatched", not "after the last id".
   */
  dispatch(limit: number, at: Date): Promise<{ events: number; deliveries: DeliveryRecord[] }>;
  /** What an attempt needs: the delivery, its subscription with its stored secret, its event. */
  forAttempt(
    deliveryId: number,
  ): Promise<
    | { delivery: DeliveryRecord; webhook: WebhookRecord & { secret: string }; event: EventRecord }
    | undefined
  >;
  /**
   * Writes an attempt and its outcome, unless the delivery is no longer pending or has moved on
   * past `attempt.attempt - 1` attempts (another runner wrote it): then nothing, and undefined.
   */
  recordAttempt(deliveryId: number, outcome: AttemptOutcome): Promise<SettledAttempt | undefined>;
  /** A pending delivery of a subscription turned off or gone: cancelled, not tried. */
  cancel(deliveryId: number, at: Date): Promise<void>;
  delivery(id: number): Promise<DeliveryRecord | undefined>;
  /** A subscription's deliveries, newest first, before id `before`. */
  deliveries(webhookId: number, limit: number, before?: number): Promise<DeliveryRecord[]>;
  attempts(deliveryId: number): Promise<AttemptRecord[]>;
  /** A delivery sent again now (pending, same webhook-id); undefined when it does not exist. */
  redeliver(deliveryId: number, at: Date): Promise<DeliveryRecord | undefined>;
  /** Pending deliveries due before `before` (the reconciler gives them their job again). */
  dueBefore(before: Date, limit: number): Promise<{ id: number; attempts: number }[]>;
  /** Pending deliveries per subscription (a gauge). */
  pendingCounts(): Promise<Map<number, number>>;
  /**
   * Retention: deletes up to `limit` events created before `before` that are dispatched and
   * have no pending delivery, with their deliveries and attempts. Returns how many went.
   */
  pruneEvents(before: Date, limit: number): Promise<number>;
}
