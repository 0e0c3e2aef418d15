import { describe, expect, it } from 'vitest';
import { tickBatch, type Settled } from '../../../../core/runtime/tick-batch.ts';

/** A batcher that doubles numbers, fails odd ones, and remembers the batches it was given. */
function doubler() {
  const batches: number[][] = [];
  const call = tickBatch(async (items: number[]): Promise<Settled<number>[]> => {
    batches.push(items);
    return items.map((n) =>
      n % 2 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: n * 2 },
    );
  });
  return { call, batches };
}

describe('tickBatch', () => {
  it('hands the calls of one turn over together and answers each on its own', async () => {
    const { call, batches } = doubler();
    const answers = await Promise.allSettled([call(2), call(3), call(4)]);
    expect(batches).toEqual([[2, 3, 4]]);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : String(a.reason)))).toEqual([
      4,
      'Error: odd 3',
      8,
    ]);
  });

  it('starts a new batch for calls made after the last one left', async () => {
    const { call, batches } = doubler();
    await call(2);
    await Promise.all([call(4), call(6)]);
    expect(batches).toEqual([[2], [4, 6]]);
  });

  it('fails every call of a batch whose run throws, and the next batch still runs', async () => {
    let fail = true;
    const call = tickBatch((items: string[]): Settled<string>[] => {
      if (fail) throw new Error('disk full');
      return items.map((value) => ({ ok: true, value }));
    });
    const first = await Promise.allSettled([call('a'), call('b')]);
    expect(first.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await call('c')).toBe('c');
  });

  it('fails a call the run gave no answer for', async () => {
    const call = tickBatch((): Settled<number>[] => []);
    await expect(call(1)).rejects.toThrow('no answer');
  });
});
