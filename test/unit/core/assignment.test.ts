import { describe, expect, it } from 'vitest';
import { nextInQueue, pickResponsible } from '../../../core/assignment.ts';
import type { OperatorQueue } from '../../../core/assignment.ts';

const queue = (activeUserIds: number[], lastAssignedId: number | null): OperatorQueue => ({
  activeUserIds,
  lastAssignedId,
});

describe('nextInQueue', () => {
  it('starts at the top when nobody was assigned yet', () => {
    expect(nextInQueue(queue([5, 6, 7], null))).toBe(5);
  });

  it('takes the operator after the last assigned one', () => {
    expect(nextInQueue(queue([5, 6, 7], 5))).toBe(6);
    expect(nextInQueue(queue([5, 6, 7], 6))).toBe(7);
  });

  it('wraps around after the last operator of the queue', () => {
    expect(nextInQueue(queue([5, 6, 7], 7))).toBe(5);
  });

  it('follows queue order, not id order', () => {
    expect(nextInQueue(queue([9, 2, 4], 9))).toBe(2);
    expect(nextInQueue(queue([9, 2, 4], 4))).toBe(9);
  });

  it('starts again at the top when the last assigned operator left the queue', () => {
    expect(nextInQueue(queue([5, 7], 6))).toBe(5);
  });

  it('keeps giving leads to a lone operator', () => {
    expect(nextInQueue(queue([5], 5))).toBe(5);
    expect(nextInQueue(queue([5], null))).toBe(5);
  });

  it('returns null for an empty queue', () => {
    expect(nextInQueue(queue([], null))).toBeNull();
    expect(nextInQueue(queue([], 5))).toBeNull();
  });
});

describe('pickResponsible', () => {
  const operators = queue([5, 6, 7], 5);

  it('gives the lead to the client’s active responsible, not the queue', () => {
    expect(pickResponsible({ id: 77, active: true }, operators)).toEqual({
      responsibleId: 77,
      roundRobin: false,
      unassigned: null,
    });
  });

  it('keeps an active responsible even when the queue is empty', () => {
    expect(pickResponsible({ id: 77, active: true }, queue([], null))).toEqual({
      responsibleId: 77,
      roundRobin: false,
      unassigned: null,
    });
  });

  it('falls back to the queue when the client’s responsible is inactive', () => {
    expect(pickResponsible({ id: 77, active: false }, operators)).toEqual({
      responsibleId: 6,
      roundRobin: true,
      unassigned: null,
    });
  });

  it('uses the queue when there is no client responsible', () => {
    expect(pickResponsible(null, queue([5, 6, 7], 7))).toEqual({
      responsibleId: 5,
      roundRobin: true,
      unassigned: null,
    });
  });

  it('leaves the lead unassigned, without advancing a round robin, when the queue is empty', () => {
    expect(pickResponsible({ id: 77, active: false }, queue([], 5))).toEqual({
      responsibleId: null,
      roundRobin: false,
      unassigned: null,
    });
    expect(pickResponsible(null, queue([], null))).toEqual({
      responsibleId: null,
      roundRobin: false,
      unassigned: null,
    });
  });
});

describe('capacity', () => {
  it('skips operators at capacity and leaves the lead unassigned, marked, when all are full', () => {
    expect(nextInQueue({ activeUserIds: [5, 6, 7], lastAssignedId: 5, atCapacity: [6] })).toBe(7);
    expect(nextInQueue({ activeUserIds: [5, 6, 7], lastAssignedId: 7, atCapacity: [5] })).toBe(6);
    expect(nextInQueue({ activeUserIds: [5, 6], lastAssignedId: null, atCapacity: [5, 6] })).toBe(
      null,
    );
    expect(
      pickResponsible(null, { activeUserIds: [5], lastAssignedId: null, atCapacity: [5] }),
    ).toEqual({ responsibleId: null, roundRobin: false, unassigned: 'capacity' });
    // An empty queue is no one being full: nothing is marked.
    expect(pickResponsible(null, queue([], null))).toEqual({
      responsibleId: null,
      roundRobin: false,
      unassigned: null,
    });
    // A client's active responsible gets the lead whatever their load.
    expect(
      pickResponsible(
        { id: 9, active: true },
        { activeUserIds: [5], lastAssignedId: null, atCapacity: [5] },
      ),
    ).toEqual({ responsibleId: 9, roundRobin: false, unassigned: null });
  });
});
