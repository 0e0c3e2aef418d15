/**
 * One folder brought up to date: new UIDs since the checkpoint (or, on first sight or after a
 * UIDVALIDITY change, everything since the channel's `ingestSince`, deduplicated by Message-ID)
 * are fetched with BODY.PEEK, stored as .eml blobs, recorded in the inbox with the checkpoint,
 * enqueued, and only then marked seen or moved when the channel asks for it.
 */
import type { ImapFlow, MailboxObject } from 'imapflow';
import type { InboundRecorder } from '../../core/channel.ts';
import type { EmailCheckpoint } from '../../core/repositories/checkpoints.ts';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import type { Repositories } from '../../core/repositories/index.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { EmailSettings } from './config.ts';
import { carryParse } from './carried-parse.ts';
import { fetchBatch, type FetchedBatch, type StoredEmail } from './fetch-batch.ts';
import type { EmailRaw } from './parsed.ts';

const BATCH = 100;
/**
 * Batches fetched but not yet recorded, at most: their blobs on the way to disk while the next
 * one is fetched. Each holds at most one slice of message content (FETCH_BYTES, 32 MB) until its
 * blobs are durable: with the batch being fetched, at most four slices are in memory at once.
 */
const IN_FLIGHT = 3;

export interface SyncDeps {
  repos: Pick<Repositories, 'checkpoints'>;
  /** Records a batch's rows with the folder's checkpoint, then enqueues them. */
  recorder: InboundRecorder;
  blobs: BlobStore;
  log: Logger;
  /** Messages over this are recorded with their headers only. */
  maxBytes: number;
}

export interface SyncTarget {
  channelId: number;
  settings: EmailSettings;
  folder: string;
  /** Backfill: re-read from this date whatever the checkpoint says (dedup by Message-ID). */
  since?: Date;
}

export interface SyncResult {
  fetched: number;
  recorded: number;
}

const bare = (id: string | undefined) => id?.trim().replace(/^<|>$/g, '') || undefined;

export async function syncFolder(
  client: ImapFlow,
  deps: SyncDeps,
  target: SyncTarget,
): Promise<SyncResult> {
  const { repos, recorder, log } = deps;
  const { channelId, folder, settings } = target;
  const lock = await client.getMailboxLock(folder);
  try {
    const mailbox = client.mailbox as MailboxObject;
    const uidValidity = Number(mailbox.uidValidity);
    const saved = await repos.checkpoints.email(channelId, folder);
    let lastUid = saved?.uidValidity === uidValidity ? saved.lastUid : 0;
    let uids: number[];
    // On the date-search path (first sight, new UIDVALIDITY, backfill) every UID below the
    // mailbox's UIDNEXT has been considered, matched or not: the checkpoint may move there.
    let considered = lastUid;
    const bySince = target.since !== undefined || saved?.uidValidity !== uidValidity;
    if (bySince) {
      if (saved && saved.uidValidity !== uidValidity) {
        log.warn(
          { channel: channelId, folder, before: saved.uidValidity, now: uidValidity },
          'UIDVALIDITY changed: resyncing the folder, deduplicated by Message-ID',
        );
      }
      const since = target.since ?? new Date(settings.ingestSince);
      considered = Math.max(lastUid, (mailbox.uidNext ?? 1) - 1);
      uids = mailbox.exists ? (await client.search({ since }, { uid: true })) || [] : [];
      uids = uids.filter((uid) => uid <= considered);
    } else {
      uids = mailbox.exists
        ? (await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || []
        : [];
      // `n:*` always matches the last message, even when its UID is below n.
      uids = uids.filter((uid) => uid > lastUid);
    }
    uids.sort((a, b) => a - b);
    // A backfill over a folder the connector already follows never moves its checkpoint: the
    // date search can leave out a UID above it (an old mail moved back in), which the
    // connector must still read itself.
    const keep = target.since !== undefined && saved?.uidValidity === uidValidity;
    const final = keep ? lastUid : Math.max(considered, uids.at(-1) ?? 0);
    let recorded = 0;
    // Pipelined: while earlier batches' blobs go to disk and their rows are committed, the next
    // batch is fetched. Batches are still recorded one after another in order (each waits for
    // the one before), so the checkpoint never passes a batch that is not recorded.
    const inFlight: Promise<number>[] = [];
    // Each message is parsed here too, for the worker (carried-parse.ts).
    const fetchDeps = {
      ...deps,
      carry: (eml: Buffer) => carryParse(eml, { settings, maxAttachmentBytes: deps.maxBytes }),
    };
    try {
      for (let i = 0; i < uids.length; i += BATCH) {
        const batch = uids.slice(i, i + BATCH);
        const last = i + BATCH >= uids.length;
        const top = keep ? lastUid : Math.max(lastUid, last ? final : (batch.at(-1) ?? 0));
        const fetched = await fetchBatch(client, fetchDeps, batch);
        const previous = inFlight.at(-1);
        const checkpoint = { uidValidity, lastUid: top };
        const recording = (async () => {
          const stored = await fetched.stored;
          await previous;
          return recordBatch(client, deps, target, fetched, stored, checkpoint);
        })();
        // Awaited below; a failure before then must not count as unhandled.
        recording.catch(() => undefined);
        inFlight.push(recording);
        lastUid = top;
        while (inFlight.length >= (last ? 1 : IN_FLIGHT))
          recorded += await (inFlight.shift() as Promise<number>);
      }
    } finally {
      // A failed fetch or record leaves the batches after it to finish (or fail) on their own.
      await Promise.allSettled(inFlight);
    }
    if (!uids.length && (saved?.uidValidity !== uidValidity || saved.lastUid < final)) {
      await recorder.recordBatch(channelId, [], new Date(), {
        kind: 'email',
        folder,
        uidValidity,
        lastUid: final,
      });
    }
    return { fetched: uids.length, recorded };
  } finally {
    lock.release();
  }
}

/** Records a fetched batch whose blobs are durable, with the folder's checkpoint. */
async function recordBatch(
  client: ImapFlow,
  deps: SyncDeps,
  target: SyncTarget,
  { uids, metas }: FetchedBatch,
  blobsByUid: Map<number, StoredEmail>,
  checkpoint: EmailCheckpoint,
): Promise<number> {
  const { log } = deps;
  const receivedAt = new Date();
  const emails = [];
  for (const meta of [...metas].sort((a, b) => a.uid - b.uid)) {
    const stored = blobsByUid.get(meta.uid);
    if (!stored) {
      // Expunged between the two fetches: nothing to record, nothing lost.
      log.warn(
        { channel: target.channelId, folder: target.folder, uid: meta.uid },
        'message vanished while fetching',
      );
      continue;
    }
    const { blob, truncated, carried } = stored;
    const raw: EmailRaw = {
      kind: 'email',
      folder: target.folder,
      uidValidity: checkpoint.uidValidity,
      uid: meta.uid,
      size: meta.size ?? 0,
      blob,
      ...(truncated ? { truncated: { limit: deps.maxBytes } } : {}),
      receivedAt: receivedAt.toISOString(),
      ...carried,
    };
    const externalId = bare(meta.envelope?.messageId) ?? `sha256-${blob}@leadwire.invalid`;
    emails.push({ externalId, raw: JSON.stringify(raw) });
  }
  // The rows and the folder's checkpoint in ONE transaction: the checkpoint never runs ahead.
  const rows = await deps.recorder.recordBatch(target.channelId, emails, receivedAt, {
    kind: 'email',
    folder: target.folder,
    ...checkpoint,
  });
  await afterIngest(client, target, uids, log);
  log.info(
    {
      channel: target.channelId,
      folder: target.folder,
      count: emails.length,
      lastUid: checkpoint.lastUid,
    },
    'emails recorded',
  );
  return rows.filter((row) => row.created).length;
}

async function afterIngest(client: ImapFlow, target: SyncTarget, uids: number[], log: Logger) {
  const { afterIngest: action, moveTo } = target.settings;
  try {
    if (action === 'seen') await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true });
    if (action === 'move' && moveTo)
      await client.messageMove(uids.join(','), moveTo, { uid: true });
  } catch (error) {
    // The messages are recorded either way; a failed flag or move is only untidy.
    log.warn(
      { err: error, channel: target.channelId, folder: target.folder },
      `could not ${action} ingested messages`,
    );
  }
}
