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
