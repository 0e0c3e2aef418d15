/** The IMAP connector's bookkeeping: per-folder checkpoints, advanced in the same transaction as the inbox rows. */
import { and, eq } from 'drizzle-orm';
import type { IngestStore, RecordedInbox } from '../core/ports.ts';
import type { Db } from './open.ts';
import { emailCheckpoints } from './schema.ts';

export interface Checkpoint {
  uidValidity: number;
  lastUid: number;
}

export function getCheckpoint(db: Db, channelId: number, folder: string): Checkpoint | undefined {
  return db
    .select({ uidValidity: emailCheckpoints.uidValidity, lastUid: emailCheckpoints.lastUid })
    .from(emailCheckpoints)
    .where(and(eq(emailCheckpoints.channelId, channelId), eq(emailCheckpoints.folder, folder)))
    .get();
}

export interface RecordedEmail {
  externalId: string;
  raw: unknown;
}

/**
 * Records a batch of messages and moves the folder's checkpoint to `lastUid` in ONE transaction:
 * the checkpoint can never be ahead of the inbox, so a crash re-reads at most this batch (and the
 * inbox's unique external id makes re-reading it a no-op).
 */
export function recordEmailBatch(
  db: Db,
  store: IngestStore,
  channelId: number,
  folder: string,
  checkpoint: Checkpoint,
  emails: RecordedEmail[],
  receivedAt: Date,
): RecordedInbox[] {
  return store.transaction(() => {
    const recorded = emails.map((email) =>
      store.recordInbox(channelId, email.externalId, JSON.stringify(email.raw), receivedAt),
    );
    const values = { ...checkpoint, updatedAt: receivedAt };
    db.insert(emailCheckpoints)
      .values({ channelId, folder, ...values })
      .onConflictDoUpdate({
        target: [emailCheckpoints.channelId, emailCheckpoints.folder],
        set: values,
      })
      .run();
    return recorded;
  });
}
