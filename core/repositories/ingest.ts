/** The ingest worker's one write: resolve, decide and persist a message in ONE transaction. */
import type { IngestItem, IngestPlan, IngestState } from '../ingest-plan.ts';
import type { InboundMessage } from '../inbound.ts';
import type { ChannelInfo, InboxRow, IngestOutcome } from '../ports.ts';

export type { IngestItem };

/** Turns what the store loaded under the lock into the writes (core's decision table). */
export type PlanIngest = (item: IngestItem, current: InboxRow, state: IngestState) => IngestPlan;

export type BatchResult = { ok: true; outcome: IngestOutcome } | { ok: false; error: unknown };

export interface IngestRepository {
  /**
   * For each item, inside ONE transaction that serialises against every other ingest of the same
   * sender (SQLite: BEGIN IMMEDIATE; PostgreSQL: advisory locks on the sender's identity keys):
   * read the row again and, unless it has finished meanwhile (then its earlier outcome is the
   * result), load the state its message touches, plan with `plan` and persist the plan. Items
   * succeed or fail alone; results are in item order.
   */
  commit(items: IngestItem[], plan: PlanIngest): Promise<BatchResult[]>;
  /**
   * The state `message` would be decided on if it came now, read without writing or waiting:
   * what an import's dry run decides its rows on. (On PostgreSQL the state query still tries
   * its locks for the length of the statement; one held elsewhere is read past, not waited for.)
   */
  peek(channel: ChannelInfo, message: InboundMessage): Promise<IngestState>;
}
