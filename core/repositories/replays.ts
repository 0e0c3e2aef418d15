/**
 * `leadwire inbox replay` runs, kept so a run stopped half-way (Ctrl-C, a closed terminal, a crash)
 * resumes after the last inbox row it enqueued instead of starting again from the first.
 */
import type { ReplayFilter } from './inbox.ts';

export interface ReplayRun {
  id: number;
  filter: ReplayFilter;
  /** Keyset cursor: every matching row with an id up to this one is enqueued (0: none yet). */
  lastInboxId: number;
  /** Rows that matched when the run started. */
  total: number;
  doneCount: number;
  startedAt: Date;
  /** Last saved progress: a run neither finished nor interrupted and long silent has crashed. */
  updatedAt: Date;
  finishedAt: Date | null;
  interruptedAt: Date | null;
}

export interface ReplayRepository {
  create(filter: ReplayFilter, total: number, at: Date): Promise<ReplayRun>;
  /** Saved after each batch is enqueued: a resumed run starts after `lastInboxId`. */
  saveProgress(id: number, lastInboxId: number, doneCount: number, at: Date): Promise<void>;
  end(id: number, how: 'finished' | 'interrupted', at: Date): Promise<ReplayRun>;
  get(id: number): Promise<ReplayRun | undefined>;
  /** The newest run that has not finished (interrupted, or stopped without a word: a crash). */
  latestUnfinished(): Promise<ReplayRun | undefined>;
  list(limit?: number): Promise<ReplayRun[]>;
}
