/** The ingest worker's group commit: one read per turn, one commit per batch, a slow row alone, gathered. */
import { expect, it } from 'vitest';
import type { AnyChannel } from '../../../core/channel.ts';
import { fixedClock } from '../../../core/clock.ts';
import type { InboundMessage } from '../../../core/inbound.ts';
import type { ChannelInfo, InboxRow } from '../../../core/ports.ts';
import type { IngestItem } from '../../../core/repositories/ingest.ts';
import { IngestBatcher } from '../../../workers/ingest/batcher.ts';
import type { IngestDeps } from '../../../workers/ingest/handler.ts';

const row = (id: number) =>
  ({ id, channelId: 1, externalId: `e-${id}`, raw: '{}', status: 'pending' }) as InboxRow;
const message = { fields: {}, identities: [] } as unknown as InboundMessage;
const channels = [{ kind: 'api', normalise: () => message }] as unknown as AnyChannel[];
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A store whose reads wait for the given gates, one per read, recording what it was asked. */
function fakeDeps(readGates: Promise<void>[] = []) {
  const reads: number[][] = [];
  const commits: number[][] = [];
  let call = 0;
  const repos = {
    inbox: {
      async getMany(ids: number[]) {
        reads.push(ids);
        await readGates[call++];
        if (ids.includes(500)) throw new Error('database away');
        return ids.filter((id) => id !== 404).map(row);
      },
    },
    channels: { info: async (id: number) => ({ id, kind: 'api' }) as ChannelInfo },
    ingest: {
      async commit(items: IngestItem[]) {
        commits.push(items.map((item) => item.row.id));
        return items.map((item) => ({
          ok: true,
          outcome: { status: 'done', outcome: 'appended', leadId: item.row.id },
        }));
      },
    },
  };
  const deps = {
    repos,
    channels,
    clock: fixedClock('2026-12-07T10:00:00Z'),
    defaultCountry: undefined,
  } as unknown as IngestDeps;
  return { deps, reads, commits };
}

it('reads and commits the rows asked for in one turn of the event loop together', async () => {
  const { deps, reads, commits } = fakeDeps();
  const batcher = new IngestBatcher(deps);
  const outcomes = await Promise.all([1, 2, 3].map((id) => batcher.ingest(id)));
  expect(reads).toEqual([[1, 2, 3]]);
  expect(commits).toEqual([[1, 2, 3]]);
  expect(outcomes.map(({ outcome }) => outcome.leadId)).toEqual([1, 2, 3]);
  expect(outcomes.map(({ channel }) => channel?.kind)).toEqual(['api', 'api', 'api']);
});

it('a row that cannot be read fails alone', async () => {
  const { deps, commits } = fakeDeps();
  const batcher = new IngestBatcher(deps);
  const results = await Promise.allSettled([1, 404].map((id) => batcher.ingest(id)));
  expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  expect(commits).toEqual([[1]]);
});

it('a row that is slow to prepare holds up only itself', async () => {
  // Job 1's read is held (as a file download in a channel's expand step might take long); job 2,
  // a turn later, is committed without waiting for it.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const { deps, commits } = fakeDeps([held, Promise.resolve()]);
  const batcher = new IngestBatcher(deps);
  const first = batcher.ingest(1);
  await nextTurn();
  await batcher.ingest(2);
  expect(commits).toEqual([[2]]);
  release();
  await first;
  expect(commits).toEqual([[2], [1]]);
});

it('a failed read fails only its own batch', async () => {
  const { deps } = fakeDeps();
  const batcher = new IngestBatcher(deps);
  const failed = expect(batcher.ingest(500)).rejects.toThrow('database away');
  await nextTurn();
  await failed;
  await expect(batcher.ingest(2)).resolves.toMatchObject({ outcome: { leadId: 2 } });
});

it("waits for the previous batch's jobs to finish in Redis, so their successors join", async () => {
  const { deps, commits } = fakeDeps();
  // A gathering wait far longer than the test, so only the finishes can end it.
  const batcher = new IngestBatcher(deps, 4, 60_000);
  await Promise.all([batcher.ingest(1), batcher.ingest(2)]);
  // Jobs 3 and 4 come, a turn apart, while the first two are still being recorded as finished:
  // they wait (however many turns pass) and are committed together once both finishes are heard.
  const third = batcher.ingest(3);
  await nextTurn();
  const fourth = batcher.ingest(4);
  for (let turn = 0; turn < 10; turn++) await nextTurn();
  expect(commits).toEqual([[1, 2]]);
  batcher.finished();
  batcher.finished();
  await Promise.all([third, fourth]);
  expect(commits).toEqual([
    [1, 2],
    [3, 4],
  ]);
});

it('stops waiting for a finish it never hears of', async () => {
  const { deps, commits } = fakeDeps();
  const batcher = new IngestBatcher(deps, 4);
  await batcher.ingest(1);
  // No finished() for job 1 (its lock was lost, say): job 2 is committed all the same.
  await batcher.ingest(2);
  expect(commits).toEqual([[1], [2]]);
});
