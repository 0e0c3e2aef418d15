/** Lead stages and their fixed semantics (in progress / success / failure). */

export type StageSemantics = 'process' | 'success' | 'failure';

export interface Stage {
  code: string;
  name: string;
  sort: number;
  semantics: StageSemantics;
}

export const DEFAULT_STAGES: readonly Stage[] = [
  { code: 'NEW', name: 'New', sort: 10, semantics: 'process' },
  { code: 'IN_PROCESS', name: 'In progress', sort: 20, semantics: 'process' },
  { code: 'PROCESSED', name: 'Processed', sort: 30, semantics: 'process' },
  { code: 'CONVERTED', name: 'Converted', sort: 40, semantics: 'success' },
  { code: 'JUNK', name: 'Junk', sort: 50, semantics: 'failure' },
];

export const INITIAL_STAGE = 'NEW';

/** Latin letters, digits and `_`, at most 21 characters (the CRM's own limit). */
export const STAGE_CODE = /^[A-Za-z0-9_]{1,21}$/;

export function isOpen(semantics: StageSemantics): boolean {
  return semantics === 'process';
}

/** Lead stages or deal stages: two lists with the same rules. */
export type StageKind = 'lead' | 'deal';

export type StageProblem =
  | 'code-taken'
  | 'no-stage'
  /** Deleting: the stage its leads would move to is missing or the stage itself. */
  | 'no-target'
  /** Deleting the last stage of its semantics (one of each must always exist). */
  | 'last-of-semantics'
  /** Deleting the stage new leads start in. */
  | 'initial'
  /** Reordering: the codes given are not exactly the stages. */
  | 'not-a-permutation';

/**
 * Whether a stage may be deleted with its records moving to `moveTo`: one stage of each
 * semantics always exists, and the lead stage new leads start in (NEW) stays, as in Bitrix24.
 */
export function deletionProblem(
  kind: StageKind,
  stages: readonly Stage[],
  code: string,
  moveTo: string,
): StageProblem | undefined {
  const stage = stages.find((s) => s.code === code);
  if (!stage) return 'no-stage';
  if (kind === 'lead' && code === INITIAL_STAGE) return 'initial';
  if (moveTo === code || !stages.some((s) => s.code === moveTo)) return 'no-target';
  if (!stages.some((s) => s.code !== code && s.semantics === stage.semantics))
    return 'last-of-semantics';
  return undefined;
}

/** The sort values of a new order: 10, 20, 30… in the order given. */
export function reorder(
  stages: readonly Stage[],
  codes: readonly string[],
): { code: string; sort: number }[] | undefined {
  const known = new Set(stages.map((s) => s.code));
  if (codes.length !== known.size || new Set(codes).size !== codes.length) return undefined;
  if (!codes.every((code) => known.has(code))) return undefined;
  return codes.map((code, i) => ({ code, sort: (i + 1) * 10 }));
}
