/** The ingest worker's gathered reads: one query per turn of the event loop, answers in order. */
import { expect, it } from 'vitest';
import type { ChannelInfo, InboxRow } from '../../../core/ports.ts';
import { gatheredReads } from '../../../workers/ingest/reads.ts';

const row = (id: number) => ({ id, channelId: 1 }) as InboxRow;

function fakeRepos(delays: number[]) {
  const asked: number[][] = [];
  let call = 0;
  const repos = {
    inbox: {
      async getMany(ids: number[]) {
        asked.push(ids);
        const delay = delays[call++] ?? 0;
        await new Promise((resolve) => setTimeout(resolve, delay));
        return ids.filter((id) => id !== 404).map(row);
      },
    },
    channels: { info: async (id: number) => ({ id, kind: 'api' }) as ChannelInfo },
  };
  return { repos: repos as unknown as Parameters<typeof gatheredReads>[0], asked };
}

it('reads the rows asked for in one turn of the event loop with one query', async () => {
  const { repos, asked } = fakeRepos([]);
  const reads = gatheredReads(repos);
  const rows = await Promise.all([reads.row(1), reads.row(2), reads.row(2), reads.row(404)]);
  expect(asked).toEqual([[1, 2, 404]]);
  expect(rows.map((found) => found?.id)).toEqual([1, 2, 2, undefined]);
});

it('hands out answers in the order they were asked for, even when a later query is faster', async () => {
  const { repos, asked } = fakeRepos([40, 0]);
  const reads = gatheredReads(repos);
  const order: number[] = [];
  const first = reads.row(1).then(() => order.push(1));
  await new Promise((resolve) => setImmediate(resolve));
  const second = reads.row(2).then(() => order.push(2));
  await Promise.all([first, second]);
  expect(asked).toEqual([[1], [2]]);
  expect(order).toEqual([1, 2]);
});

it('a failed query fails only the reads it answered', async () => {
  const reads = gatheredReads({
    inbox: {
      getMany: async (ids: number[]) => {
        if (ids.includes(1)) throw new Error('database away');
        return ids.map(row);
      },
    },
    channels: { info: async () => undefined },
  } as unknown as Parameters<typeof gatheredReads>[0]);
  // The assertion is attached before the read can settle: a rejection nobody is waiting for yet
  // would be reported as unhandled.
  const failed = expect(reads.row(1)).rejects.toThrow('database away');
  await new Promise((resolve) => setImmediate(resolve));
  const fine = reads.row(2);
  await failed;
  expect((await fine)?.id).toBe(2);
});
