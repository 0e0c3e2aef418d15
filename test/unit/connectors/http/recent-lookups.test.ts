import { describe, expect, it } from 'vitest';
import { recentLookups } from '../../../../connectors/http/recent-lookups.ts';

/** A cache on a clock the test moves, and a loader that counts its reads. */
function setup(limit = 10) {
  let now = 1_000;
  const lookups = recentLookups({ ttlMs: 1000, limit, now: () => now });
  let reads = 0;
  const stored = new Map<string, { version: number }>([['a', { version: 1 }]]);
  const load = (key: string) => async () => {
    reads += 1;
    return stored.get(key);
  };
  return {
    lookups,
    load,
    stored,
    reads: () => reads,
    advance: (ms: number) => (now += ms),
  };
}

describe('recentLookups', () => {
  it('reads a value once within its moment, and afresh after it', async () => {
    const t = setup();
    expect(await t.lookups.get('a', t.load('a'))).toEqual({ version: 1 });
    t.stored.set('a', { version: 2 });
    t.advance(999);
    expect(await t.lookups.get('a', t.load('a'))).toEqual({ version: 1 });
    expect(t.reads()).toBe(1);
    t.advance(1);
    expect(await t.lookups.get('a', t.load('a'))).toEqual({ version: 2 });
    expect(t.reads()).toBe(2);
  });

  it('forgets everything on clear, so a change made here is seen at once', async () => {
    const t = setup();
    await t.lookups.get('a', t.load('a'));
    t.stored.set('a', { version: 2 });
    t.lookups.clear();
    expect(await t.lookups.get('a', t.load('a'))).toEqual({ version: 2 });
  });

  it('does not keep what a read begun before a clear found', async () => {
    const t = setup();
    let finish: (value: { version: number }) => void = () => {};
    const slow = t.lookups.get(
      'a',
      () => new Promise<{ version: number }>((resolve) => (finish = resolve)),
    );
    t.lookups.clear();
    finish({ version: 1 });
    expect(await slow).toEqual({ version: 1 });
    t.stored.set('a', { version: 2 });
    expect(await t.lookups.get('a', t.load('a'))).toEqual({ version: 2 });
  });

  it('keeps nothing for a key that does not exist', async () => {
    const t = setup();
    expect(await t.lookups.get('missing', t.load('missing'))).toBeUndefined();
    t.stored.set('missing', { version: 1 });
    expect(await t.lookups.get('missing', t.load('missing'))).toEqual({ version: 1 });
  });

  it('keeps at most `limit` values, dropping the oldest', async () => {
    const t = setup(2);
    for (const key of ['a', 'b', 'c']) t.stored.set(key, { version: 1 });
    for (const key of ['a', 'b', 'c']) await t.lookups.get(key, t.load(key));
    expect(t.reads()).toBe(3);
    await t.lookups.get('c', t.load('c'));
    await t.lookups.get('b', t.load('b'));
    expect(t.reads()).toBe(3);
    await t.lookups.get('a', t.load('a'));
    expect(t.reads()).toBe(4);
  });
});
