import { describe, expect, it } from 'vitest';
import { planLeadUpdate } from '../../../core/lead-update.ts';
import type { LeadRecord } from '../../../core/repositories/leads.ts';
import { DEFAULT_STAGES } from '../../../core/stages.ts';
import { deletionProblem, reorder } from '../../../core/stages.ts';

const at = new Date('2026-06-01T10:00:00Z');
const lead = {
  id: 1,
  stage: 'NEW',
  open: true,
  responsibleId: 5,
  junkReason: null,
  title: 'T',
  name: null,
  company: null,
  custom: { a: 1 },
} as unknown as LeadRecord;
const JUNK = ['SPAM', 'OTHER'];

describe('planLeadUpdate', () => {
  it('a stage change closes or reopens the lead, with its timeline entry and events', () => {
    const planned = planLeadUpdate(lead, { stage: 'CONVERTED' }, DEFAULT_STAGES, JUNK, at);
    expect(planned).toMatchObject({
      ok: true,
      changes: {
        set: { stage: 'CONVERTED', open: false, closedAt: at, updatedAt: at },
        entries: [
          { action: 'stage_changed', before: { stage: 'NEW' }, after: { stage: 'CONVERTED' } },
        ],
      },
    });
    expect(planned.ok && planned.changes.events.map((e) => e.type)).toEqual([
      'lead.updated',
      'lead.stage_changed',
    ]);
  });

  it('junk needs a known reason and goes to the failure stage; leaving it clears the reason', () => {
    expect(planLeadUpdate(lead, { junkReason: 'NOPE' }, DEFAULT_STAGES, JUNK, at)).toEqual({
      ok: false,
      problem: 'no-junk-reason',
    });
    expect(
      planLeadUpdate(lead, { junkReason: 'SPAM', stage: 'IN_PROCESS' }, DEFAULT_STAGES, JUNK, at),
    ).toEqual({ ok: false, problem: 'no-junk-reason' });
    const junk = planLeadUpdate(lead, { junkReason: 'SPAM' }, DEFAULT_STAGES, JUNK, at);
    expect(junk).toMatchObject({
      ok: true,
      changes: { set: { stage: 'JUNK', junkReason: 'SPAM', open: false } },
    });
    const back = planLeadUpdate(
      { ...lead, stage: 'JUNK', open: false, junkReason: 'SPAM' },
      { stage: 'NEW' },
      DEFAULT_STAGES,
      JUNK,
      at,
    );
    expect(back).toMatchObject({
      ok: true,
      changes: { set: { stage: 'NEW', open: true, closedAt: null, junkReason: null } },
    });
    expect(planLeadUpdate(lead, { stage: 'NOPE' }, DEFAULT_STAGES, JUNK, at)).toEqual({
      ok: false,
      problem: 'no-stage',
    });
  });

  it('reassigning writes lead.assigned; the same values change nothing at all', () => {
    const moved = planLeadUpdate(lead, { responsibleId: 6 }, DEFAULT_STAGES, JUNK, at);
    expect(moved.ok && moved.changes.events).toEqual([
      { type: 'lead.updated', payload: { leadId: 1, changes: ['responsibleId', 'unassigned'] } },
      { type: 'lead.assigned', payload: { leadId: 1, from: 5, to: 6 } },
    ]);
    const same = planLeadUpdate(
      lead,
      { responsibleId: 5, stage: 'NEW', custom: { a: 1 } },
      DEFAULT_STAGES,
      JUNK,
      at,
    );
    expect(same).toEqual({ ok: true, changes: { set: {}, entries: [], events: [] } });
  });
});

describe('stage rules', () => {
  it('one stage of each semantics remains, NEW stays, records move to another existing stage', () => {
    expect(deletionProblem('lead', DEFAULT_STAGES, 'NEW', 'IN_PROCESS')).toBe('initial');
    expect(deletionProblem('deal', DEFAULT_STAGES, 'NEW', 'IN_PROCESS')).toBeUndefined();
    expect(deletionProblem('lead', DEFAULT_STAGES, 'JUNK', 'CONVERTED')).toBe('last-of-semantics');
    expect(deletionProblem('lead', DEFAULT_STAGES, 'PROCESSED', 'PROCESSED')).toBe('no-target');
    expect(deletionProblem('lead', DEFAULT_STAGES, 'PROCESSED', 'GONE')).toBe('no-target');
    expect(deletionProblem('lead', DEFAULT_STAGES, 'GONE', 'NEW')).toBe('no-stage');
    expect(deletionProblem('lead', DEFAULT_STAGES, 'PROCESSED', 'NEW')).toBeUndefined();
  });

  it('a new order names every stage once', () => {
    const codes = DEFAULT_STAGES.map((s) => s.code).reverse();
    expect(reorder(DEFAULT_STAGES, codes)?.map((s) => s.sort)).toEqual([10, 20, 30, 40, 50]);
    expect(reorder(DEFAULT_STAGES, codes.slice(1))).toBeUndefined();
    expect(reorder(DEFAULT_STAGES, [...codes.slice(1), 'NEW', 'NEW'])).toBeUndefined();
  });
});
