/** The durable inbox: every inbound event as it arrived, recorded before its source is acknowledged. */
import type { InboxRow, InboxStatus, RecordedInbox } from '../ports.ts';

/**
 * How far a polling source has been recorded, saved in the same transaction as its inbox rows so
 * it can never run ahead of them: an IMAP folder's UIDVALIDITY and last UID, or a bot's next
 * update offset.
 */
export type SourceCheckpoint =
  | { kind: 'email'; folder: string; uidValidity: number; lastUid: number }
  | { kind: 'telegram'; nextOffset: number };

export interface NewInboxRow {
  externalId: string;
  /** The raw event as JSON text. */
  raw: string;
}

/** Which inbox rows an `inbox replay` run selects; every field narrows the selection. */
export interface ReplayFilter {
  ids?: number[];
  channelId?: number;
  statuses?: InboxStatus[];
  /** receivedAt bounds, ms since the epoch: since inclusive, until exclusive. */
  since?: number;
  until?: number;
  /** The highest inbox id when the run started: rows recorded later get their own jobs. */
  maxId?: number;
}

export type StatusCounts = Partial<Record<InboxStatus, number>>;

/** A channel's traffic as the console shows it beside the channel. */
export interface ChannelActivity {
  /** When its newest event was recorded; null when none ever was. */
  lastReceivedAt: Date | null;
  /** Its newest event that failed for good, with the error kept on it. */
  lastFailure: { at: Date; error: string } | null;
}

export interface InboxRepository {
  /** Records an event once per `(channel, external id)`; a second call returns the first row. */
  record(
    channelId: number,
    externalId: string,
    raw: string,
    receivedAt: Date,
  ): Promise<RecordedInbox>;
  /** Several events and, when given, the source's checkpoint, in ONE transaction. */
  recordBatch(
    channelId: number,
    rows: NewInboxRow[],
    receivedAt: Date,
    checkpoint?: SourceCheckpoint,
  ): Promise<RecordedInbox[]>;
  get(id: number): Promise<InboxRow | undefined>;
  /** The rows of these ids that exist, in no particular order. */
  getMany(ids: number[]): Promise<InboxRow[]>;
  /** The last word on a row that will not be processed: kept with its error. */
  markFailed(id: number, error: string, attempts: number, at: Date): Promise<void>;
  /** Pending rows received before `before`, oldest first, after id `afterId` (the reconciler's scan). */
  pendingBefore(before: Date, afterId: number, limit: number): Promise<number[]>;
  /** The durable backlog: pending rows and when the oldest of them arrived. */
  backlog(): Promise<{ pending: number; oldestReceivedAt: Date | null }>;
  /** Rows by status and outcome between two ids (inclusive), e.g. `done/created_repeat`. */
  outcomes(fromId: number, toId: number): Promise<Record<string, number>>;
  /** The newest row's id (0 when there is none). */
  maxId(): Promise<number>;
  /** Matching rows by status (`{}` matches every row). */
  countMatching(filter: ReplayFilter): Promise<StatusCounts>;
  /** The next `limit` matching rows after `afterId`, in id order (keyset pagination). */
  matchingPage(
    filter: ReplayFilter,
    afterId: number,
    limit: number,
  ): Promise<{ id: number; status: InboxStatus }[]>;
  /**
   * Back to pending with a fresh attempt count, only for rows still in one of `from` (a row that
   * finished meanwhile stays finished). The last error is kept until a success clears it.
   * Returns how many rows changed.
   */
  reset(ids: number[], from: InboxStatus[]): Promise<number>;
  /** Status and stored error of each row, by id. */
  errors(ids: number[]): Promise<Map<number, { status: InboxStatus; error: string | null }>>;
  /** Ids of every row whose processing failed for good, in id order. */
  failedIds(): Promise<number[]>;
  /** One channel's newest event and newest failure. */
  channelActivity(channelId: number): Promise<ChannelActivity>;
}
