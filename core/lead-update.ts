/**
 * What an operator's change to a lead means, as plain data: the columns to set, the timeline
 * entries (before and after) and the domain events. Both stores load the lead and the stage
 * list under their write lock, call this, and write what it returns in the same transaction.
 */
import type { LeadPatch, LeadProblem, LeadRecord } from './repositories/leads.ts';
import type { Stage } from './stages.ts';

export interface LeadChanges {
  set: Partial<
    Pick<
      LeadRecord,
      | 'stage'
      | 'open'
      | 'closedAt'
      | 'responsibleId'
      | 'junkReason'
      | 'title'
      | 'name'
      | 'company'
      | 'unassigned'
      | 'custom'
      | 'updatedAt'
    >
  >;
  entries: { action: string; before: Record<string, unknown>; after: Record<string, unknown> }[];
  events: { type: string; payload: Record<string, unknown> }[];
}

export function planLeadUpdate(
  lead: LeadRecord,
  patch: LeadPatch,
  stages: readonly Stage[],
  junkReasons: readonly string[],
  at: Date,
): { ok: true; changes: LeadChanges } | { ok: false; problem: LeadProblem } {
  const set: LeadChanges['set'] = {};
  const entries: LeadChanges['entries'] = [];
  const events: LeadChanges['events'] = [];

  let stageCode = patch.stage;
  if (patch.junkReason !== undefined) {
    if (!junkReasons.includes(patch.junkReason)) return { ok: false, problem: 'no-junk-reason' };
    stageCode ??= stages.find((stage) => stage.semantics === 'failure')?.code;
  }
  const stage = stageCode === undefined ? undefined : stages.find((s) => s.code === stageCode);
  if (stageCode !== undefined && !stage) return { ok: false, problem: 'no-stage' };
  if (patch.junkReason !== undefined && stage?.semantics !== 'failure') {
    return { ok: false, problem: 'no-junk-reason' };
  }
  if (stage && stage.code !== lead.stage) {
    const open = stage.semantics === 'process';
    set.stage = stage.code;
    set.open = open;
    set.closedAt = open ? null : at;
    entries.push({
      action: 'stage_changed',
      before: { stage: lead.stage },
      after: { stage: stage.code },
    });
    events.push({
      type: 'lead.stage_changed',
      payload: { leadId: lead.id, from: lead.stage, to: stage.code, semantics: stage.semantics },
    });
  }
  const junkReason = stage
    ? stage.semantics === 'failure'
      ? (patch.junkReason ?? lead.junkReason)
      : null
    : lead.junkReason;
  if (junkReason !== lead.junkReason) set.junkReason = junkReason;

  if (patch.responsibleId !== undefined && patch.responsibleId !== lead.responsibleId) {
    set.responsibleId = patch.responsibleId;
    set.unassigned = null;
    entries.push({
      action: 'assigned',
      before: { responsibleId: lead.responsibleId },
      after: { responsibleId: patch.responsibleId },
    });
    events.push({
      type: 'lead.assigned',
      payload: { leadId: lead.id, from: lead.responsibleId, to: patch.responsibleId },
    });
  }

  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const field of ['title', 'name', 'company'] as const) {
    const value = patch[field];
    if (value === undefined || value === lead[field]) continue;
    if (field === 'title') set.title = value ?? lead.title;
    else set[field] = value;
    before[field] = lead[field];
    after[field] = value;
  }
  if (patch.custom !== undefined) {
    // Only the custom fields whose values change go on the timeline.
    const keys = new Set([...Object.keys(lead.custom), ...Object.keys(patch.custom)]);
    const changed = [...keys].filter(
      (key) => JSON.stringify(lead.custom[key]) !== JSON.stringify(patch.custom?.[key]),
    );
    if (changed.length) {
      set.custom = patch.custom;
      before.custom = Object.fromEntries(changed.map((key) => [key, lead.custom[key] ?? null]));
      after.custom = Object.fromEntries(changed.map((key) => [key, patch.custom?.[key] ?? null]));
    }
  }
  if (set.junkReason !== undefined) {
    before.junkReason = lead.junkReason;
    after.junkReason = set.junkReason;
  }
  if (Object.keys(after).length) entries.push({ action: 'updated', before, after });

  const changed = Object.keys(set);
  if (changed.length) {
    set.updatedAt = at;
    events.unshift({ type: 'lead.updated', payload: { leadId: lead.id, changes: changed } });
  }
  return { ok: true, changes: { set, entries, events } };
}
