/**
 * Retention: events every webhook subscriber has had are pruned once older than
 * EVENT_RETENTION_DAYS, and blobs that nothing in the database names any more are collected.
 * Both go in batches of 500 with a turn of the event loop between them, so SQLite's write lock
 * is held for one short statement at a time and the process keeps answering meanwhile.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../core/clock.ts';
import type { AttachmentRepository } from '../core/repositories/attachments.ts';
import type { BlobStore } from '../core/repositories/blobs.ts';
import type { WebhookRepository } from '../core/repositories/webhooks.ts';
import type { Logger } from '../core/runtime/logger.ts';
import { retentionRemoved } from '../core/runtime/metrics.ts';

export interface RetentionOptions {
  repos: {
    webhooks: Pick<WebhookRepository, 'pruneEvents'>;
    attachments: Pick<AttachmentRepository, 'referenced'>;
  };
  blobs: Pick<BlobStore, 'storedBefore' | 'removeIfStoredBefore' | 'sweepUnnamed'>;
  clock: Clock;
  log: Logger;
  /** Events created longer ago than this go once no delivery of theirs is pending. */
  keepEventsMs: number;
  /** Time from the end of one pass to the start of the next. */
  everyMs: number;
  /**
   * Blobs (and unnamed uploads) last stored more recently than this are never removed,
   * referenced or not: content is stored before the row that names it commits (an .eml before
   * its inbox row, a file before its attachment row). Default: one day.
   */
  blobGraceMs?: number;
}

export interface RetentionReport {
  /** Events pruned; undefined in a dry run (they are not counted). */
  events: number | undefined;
  /** Blobs removed, or in a dry run that would be. */
  blobs: number;
  /** Uploads a crash left unnamed, removed (or in a dry run found). */
  uploads: number;
}

export const DEFAULT_BLOB_GRACE_MS = 24 * 60 * 60 * 1000;
/** Events per delete, blob names per reference check. */
export const RETENTION_BATCH = 500;
/** A process that restarts more often than `everyMs` (deploys) must still get its passes. */
const FIRST_PASS_MS = 60_000;

interface PassControl {
  /** Counts what would go and removes nothing (blobs only; events are not counted). */
  dryRun?: boolean;
  /** Asked between batches: true ends the pass early (shutdown). */
  stopped?: () => boolean;
}

/** One pass: events, then unnamed uploads, then blobs. */
export async function retainOnce(
  options: Omit<RetentionOptions, 'everyMs' | 'log'>,
  { dryRun = false, stopped = () => false }: PassControl = {},
): Promise<RetentionReport> {
  const now = options.clock.now().getTime();
  const events = dryRun
    ? undefined
    : await pruneEvents(options, new Date(now - options.keepEventsMs), stopped);
  const blobsBefore = new Date(now - (options.blobGraceMs ?? DEFAULT_BLOB_GRACE_MS));
  const uploads = await options.blobs.sweepUnnamed(blobsBefore, dryRun);
  if (!dryRun) retentionRemoved.inc({ what: 'uploads' }, uploads);
  const blobs = await collectBlobs(options, blobsBefore, dryRun, stopped);
  return { events, blobs, uploads };
}

async function pruneEvents(
  options: Pick<RetentionOptions, 'repos'>,
  before: Date,
  stopped: () => boolean,
): Promise<number> {
  let pruned = 0;
  for (;;) {
    const count = await options.repos.webhooks.pruneEvents(before, RETENTION_BATCH);
    pruned += count;
    retentionRemoved.inc({ what: 'events' }, count);
    // A short batch was the last of them: events that old are not being written any more.
    if (count < RETENTION_BATCH || stopped()) return pruned;
    await nextTurn();
  }
}

/**
 * Old blobs a page at a time: the page's names are checked against every place that names a
 * blob (one query per place), and the ones nothing names are removed unless stored again since.
 */
async function collectBlobs(
  options: Pick<RetentionOptions, 'repos' | 'blobs'>,
  before: Date,
  dryRun: boolean,
  stopped: () => boolean,
): Promise<number> {
  let removed = 0;
  const collect = async (page: string[]) => {
    const referenced = await options.repos.attachments.referenced(page);
    let gone = 0;
    for (const sha256 of page) {
      if (referenced.has(sha256)) continue;
      if (dryRun || (await options.blobs.removeIfStoredBefore(sha256, before))) gone += 1;
    }
    if (!dryRun) retentionRemoved.inc({ what: 'blobs' }, gone);
    removed += gone;
    await nextTurn();
  };
  let page: string[] = [];
  for await (const sha256 of options.blobs.storedBefore(before)) {
    page.push(sha256);
    if (page.length < RETENTION_BATCH) continue;
    await collect(page);
    page = [];
    if (stopped()) return removed;
  }
  if (page.length) await collect(page);
  return removed;
}

/**
 * Passes one after another, `everyMs` apart (the first a minute after start), never two at
 * once: `runOnce` waits for a pass in progress, then runs its own. A failed pass is logged and
 * the next one tries again; nothing is lost by waiting.
 */
export function startRetention(options: RetentionOptions): {
  stop(): Promise<void>;
  runOnce(): Promise<RetentionReport>;
} {
  const { log } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const runOnce = (): Promise<RetentionReport> => {
    const pass = running.then(() => retainOnce(options, { stopped: () => stopped }));
    running = pass.then(
      (report) => {
        if (report.events || report.blobs || report.uploads)
          log.info({ ...report }, 'retention removed delivered events and unreferenced blobs');
      },
      (error: unknown) =>
        log.warn({ err: error }, 'retention pass failed; the next pass tries again'),
    );
    return pass;
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce()
        .catch(() => undefined)
        .finally(() => schedule(options.everyMs));
    }, delay);
    timer.unref();
  };
  schedule(Math.min(options.everyMs, FIRST_PASS_MS));
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
