/** Lead and deal stages as administrators edit them (core/stages.ts holds the rules). */
import type { Stage, StageKind, StageProblem } from '../stages.ts';
import type { ChangeContext } from './timeline.ts';

export type StageWrite = { ok: true; stages: Stage[] } | { ok: false; problem: StageProblem };

export interface StageRepository {
  list(kind: StageKind): Promise<Stage[]>;
  /** Appended last unless `sort` is given. */
  create(
    kind: StageKind,
    stage: Omit<Stage, 'sort'> & { sort?: number | undefined },
  ): Promise<StageWrite>;
  rename(kind: StageKind, code: string, name: string): Promise<StageWrite>;
  /** `codes`: every stage, in the new order. */
  reorder(kind: StageKind, codes: string[]): Promise<StageWrite>;
  /**
   * Deletes a stage, moving its leads (or deals) to `moveTo` in the same transaction (each moved
   * lead's timeline gets the change, open/closed follows the new stage's semantics).
   */
  delete(
    kind: StageKind,
    code: string,
    moveTo: string,
    context: ChangeContext,
  ): Promise<StageWrite & { moved?: number }>;
}
