/**
 * The metrics catalog: every Prometheus metric Leadwire records, declared once, in one registry
 * per process. Each process labels its series with its role and id (`process`, `process_id`) and
 * shares them through Redis (metrics-share.ts), so one scrape of any web process sees them all.
 */
import { stat, statfs } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();

/** Which process on which machine: unique among the processes sharing a Redis. */
export const processId = `${hostname()}/${process.pid}`;

let labelled = false;

/** Names this process in every series (`process="worker", process_id="host/1234"`); the first call wins. */
export function labelProcess(role: string): void {
  if (labelled) return;
  labelled = true;
  registry.setDefaultLabels({ process: role, process_id: processId });
  collectDefaultMetrics({ register: registry });
}

/**
 * Refreshers run before every snapshot: parts that know a state (the mailbox sessions, the bot
 * pollers) set their gauges here rather than on a timer, so a scrape never reads stale values.
 * Each returns a function that removes it (at shutdown).
 */
const refreshers = new Set<() => void>();

export function refreshBeforeSnapshot(refresh: () => void): () => void {
  refreshers.add(refresh);
  return () => refreshers.delete(refresh);
}

/** This process's metrics as JSON, refreshed. */
export async function snapshot() {
  for (const refresh of refreshers) refresh();
  return registry.getMetricsAsJSON();
}

/** Inbox rows processed, by channel kind and outcome (created_simple, appended, ignored, failed…). */
export const inboundMessages = new Counter({
  name: 'leadwire_inbound_messages_total',
  help: 'Inbound messages processed by the ingest worker, by channel kind and outcome',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

/** From the inbox commit to the committed lead: what a customer's message waits before an operator can see it. */
export const inboxToLeadSeconds = new Histogram({
  name: 'leadwire_inbox_to_lead_seconds',
  help: 'Time from an inbox row being recorded to its lead being committed',
  labelNames: ['channel'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});

/** Operators' replies, by channel kind and result (sent, retry, failed, skipped). */
export const outboundMessages = new Counter({
  name: 'leadwire_outbound_messages_total',
  help: 'Outbound replies handled by the outbound worker, by channel kind and result',
  labelNames: ['channel', 'result'] as const,
  registers: [registry],
});

/** Webhook delivery attempts, by subscription and result (delivered, retry, failed). */
export const webhookAttempts = new Counter({
  name: 'leadwire_webhook_attempts_total',
  help: 'Webhook delivery attempts, by subscription id and result (delivered, retry, failed)',
  labelNames: ['webhook', 'result'] as const,
  registers: [registry],
});

/** How long receivers took to answer an attempt (or to fail it), by subscription. */
export const webhookAttemptSeconds = new Histogram({
  name: 'leadwire_webhook_attempt_seconds',
  help: 'Duration of webhook delivery attempts, by subscription id',
  labelNames: ['webhook'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

/** Deliveries waiting for an attempt, by subscription (read before each metrics snapshot). */
export const webhookPending = new Gauge({
  name: 'leadwire_webhook_pending_deliveries',
  help: 'Webhook deliveries not delivered or given up yet, by subscription id',
  labelNames: ['webhook'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'leadwire_http_requests_total',
  help: 'HTTP requests answered, by route template, method and status',
  labelNames: ['route', 'method', 'status'] as const,
  registers: [registry],
});

export const httpSeconds = new Histogram({
  name: 'leadwire_http_request_duration_seconds',
  help: 'HTTP request duration by route template and method',
  labelNames: ['route', 'method'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

/**
 * One series per connector session (a mailbox's IMAP session, a bot's long polling): 1 while it
 * is connected, 0 while it reconnects. `count by (kind)` is how many sessions a process runs.
 */
export const channelSessionConnected = new Gauge({
  name: 'leadwire_channel_session_connected',
  help: 'Whether a connector session (IMAP mailbox, polled bot) is connected (1) or reconnecting (0)',
  labelNames: ['kind', 'channel_id'] as const,
  registers: [registry],
});

export const telegramWebhookPending = new Gauge({
  name: 'leadwire_telegram_webhook_pending_updates',
  help: "Updates Telegram holds for a bot's webhook (getWebhookInfo pending_update_count)",
  labelNames: ['channel_id'] as const,
  registers: [registry],
});

export const telegramWebhookLastError = new Gauge({
  name: 'leadwire_telegram_webhook_last_error_timestamp_seconds',
  help: "When Telegram last failed to deliver to a bot's webhook (0: never)",
  labelNames: ['channel_id'] as const,
  registers: [registry],
});

/** 1 when getWebhookInfo answered and the webhook URL is set, 0 when Telegram could not be asked or the URL is empty. */
export const telegramWebhookUp = new Gauge({
  name: 'leadwire_telegram_webhook_up',
  help: "Whether a bot's webhook is set and Telegram answered getWebhookInfo",
  labelNames: ['channel_id'] as const,
  registers: [registry],
});

/** What retention removed: delivered events past EVENT_RETENTION_DAYS, blobs nothing names. */
export const retentionRemoved = new Counter({
  name: 'leadwire_retention_removed_total',
  help: 'Delivered events pruned and unreferenced blobs collected by retention',
  labelNames: ['what'] as const,
  registers: [registry],
});

/** The parts this process runs (web, worker, email, telegram): an alert sees a role nobody runs. */
export const processRole = new Gauge({
  name: 'leadwire_process_role',
  help: 'Set to 1 for each role (web, worker, email, telegram) this process runs',
  labelNames: ['role'] as const,
  registers: [registry],
});

/** Inbox rows recorded by this process (an event recorded before is not counted again). */
export const inboxRecorded = new Counter({
  name: 'leadwire_inbox_recorded_total',
  help: 'Inbox rows newly recorded, by channel id',
  labelNames: ['channel_id'] as const,
  registers: [registry],
});

/**
 * Posts from Telegram or Meta to a channel's webhook that went wrong: `refused` (wrong or no
 * signature or secret token), `invalid` (not an update or notification), `too_large`, and
 * `reported` (errors Meta itself reports in a notification). An id in the URL that names no
 * channel of that kind counts as `unknown`, so a scan cannot add series.
 */
export const channelWebhookErrors = new Counter({
  name: 'leadwire_channel_webhook_errors_total',
  help: "Posts to a channel's webhook that were refused, invalid, too large or reported errors",
  labelNames: ['kind', 'channel_id', 'reason'] as const,
  registers: [registry],
});

const dataDirFree = new Gauge({
  name: 'leadwire_data_dir_free_bytes',
  help: 'Bytes this process may still write on the filesystem under DATA_DIR (and BLOB_DIR)',
  labelNames: ['path'] as const,
  registers: [registry],
});

const dataDirSize = new Gauge({
  name: 'leadwire_data_dir_size_bytes',
  help: 'Size of the filesystem under DATA_DIR (and BLOB_DIR)',
  labelNames: ['path'] as const,
  registers: [registry],
});

/** A filesystem that has not answered for this long (a hung network mount) is shown as unknown. */
const STATFS_STALE_MS = 30_000;

/**
 * Reports free space under these directories: a full disk stops the inbox from recording (every
 * intake answers 503), so ops must hear of it before it happens. Read off the event loop, one
 * read at a time, and shown at the next snapshot: a network mount that hangs holds up only its
 * own read, and its series go once the reading is too old. A directory on a filesystem already
 * reported (DATA_DIR/blobs beside DATA_DIR) is not reported twice, and one that cannot be read
 * (not made yet, unmounted) drops its series.
 */
export function watchFreeSpace(paths: string[]): () => void {
  let shown = new Map<string, { free: number; size: number }>();
  let readAt = 0;
  let reading: Promise<void> | undefined;
  const read = async () => {
    const fresh = new Map<string, { free: number; size: number }>();
    const devices = new Set<number>();
    for (const path of new Set(paths)) {
      try {
        const [device, fs] = await Promise.all([stat(path), statfs(path)]);
        if (devices.has(device.dev)) continue;
        devices.add(device.dev);
        fresh.set(path, { free: fs.bavail * fs.bsize, size: fs.blocks * fs.bsize });
      } catch {
        // Not readable now: left out.
      }
    }
    shown = fresh;
    readAt = Date.now();
  };
  const readNow = () => {
    reading ??= read().finally(() => (reading = undefined));
  };
  readNow();
  return refreshBeforeSnapshot(() => {
    readNow();
    const current = Date.now() - readAt < STATFS_STALE_MS ? shown : new Map();
    for (const path of paths) {
      const found = current.get(path);
      if (found) {
        dataDirFree.set({ path }, found.free);
        dataDirSize.set({ path }, found.size);
      } else {
        dataDirFree.remove({ path });
        dataDirSize.remove({ path });
      }
    }
  });
}
