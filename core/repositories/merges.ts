/** Merges of leads and of clients, and their undoing. */
import type { MergeEntity, MergePick, MergeSide } from '../merge.ts';
import type { RecordScope } from '../permissions.ts';
import type { ChangeContext } from './timeline.ts';

export interface MergeRecord {
  id: number;
  entity: MergeEntity;
  survivorId: number;
  mergedId: number;
  userId: number | null;
  createdAt: Date;
  undoneAt: Date | null;
  undoneBy: number | null;
}

export interface MergeRequest {
  entity: MergeEntity;
  survivorId: number;
  mergedId: number;
  /** For each conflicting field (core/merge.ts), whose value the survivor keeps. */
  picks: Record<string, MergePick>;
}

export type MergeProblem = 'not-found' | 'same-record' | 'different-clients';

export type MergeOutcome =
  { ok: true; merge: MergeRecord } | { ok: false; problem: MergeProblem; message: string };

/** Something that changed after a merge and would be lost or broken by undoing it. */
export interface UndoBlock {
  /** A field of a record (`lead 12 name`) or a row that moved (`deal 7`). */
  what: string;
  why: string;
}

export type UndoOutcome =
  | { ok: true; merge: MergeRecord }
  | { ok: false; problem: 'not-found' | 'already-undone' | 'changed'; blocks: UndoBlock[] };

export interface MergeRepository {
  /** Both records as a merge compares them; undefined unless both exist, unmerged, in scope. */
  sides(
    entity: MergeEntity,
    survivorId: number,
    mergedId: number,
    scope: RecordScope,
  ): Promise<{ survivor: MergeSide; merged: MergeSide } | undefined>;
  /**
   * Merges `mergedId` into `survivorId` in one transaction: the survivor takes the picked
   * values; identities, messages, notes, activities and deals (a lead's), or identities,
   * leads, deals and contacts (a company's) move to it; the merged record is kept, marked
   * merged; both timelines record it and a `lead.merged` / `client.merged` event is written.
   */
  merge(request: MergeRequest, context: ChangeContext, scope: RecordScope): Promise<MergeOutcome>;
  /** Puts both records back exactly as they were, unless something changed since (the blocks). */
  undo(id: number, context: ChangeContext, scope: RecordScope): Promise<UndoOutcome>;
  get(id: number): Promise<MergeRecord | undefined>;
  /** Merges the record took part in (either side), newest first. */
  of(entity: MergeEntity, id: number): Promise<MergeRecord[]>;
}
