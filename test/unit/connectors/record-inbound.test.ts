/**
 * A single event's answer waits for its inbox commit, not for the queue: Redis answering slowly
 * holds up no post, and `handedOff()` tells a closing process when every hand-off has ended.
 */
import { describe, expect, it } from 'vitest';
import { createRecorder } from '../../../connectors/record-inbound.ts';
import type { RecordedInbox } from '../../../core/ports.ts';
import { createLogger } from '../../../core/runtime/logger.ts';
import type { Producer } from '../../../core/runtime/queues.ts';

const recorded = (id: number): RecordedInbox =>
  ({ row: { id, channelId: 1, status: 'pending' }, created: true }) as unknown as RecordedInbox;

function slowQueue() {
  let release = () => {};
  const added: number[] = [];
  const taken = new Promise<void>((resolve) => (release = resolve));
  const producer = {
    queue: {},
    add: async ({ inboxId }: { inboxId: number }) => {
      await taken;
      added.push(inboxId);
    },
    addBulk: async (payloads: { inboxId: number }[]) => {
      await taken;
      added.push(...payloads.map((p) => p.inboxId));
    },
  } as unknown as Producer<'ingest'>;
  return { producer, added, release };
}

describe('recording a single event', () => {
  it('answers once the row is committed, and hands it to the queue behind the answer', async () => {
    const queue = slowQueue();
    let next = 0;
    const inbox = {
      record: () => Promise.resolve(recorded((next += 1))),
      recordBatch: () => Promise.resolve([]),
    };
    const recorder = createRecorder(inbox, queue.producer, createLogger('silent'));
    const answers = await Promise.all([
      recorder.record(1, 'a', {}, new Date()),
      recorder.record(1, 'b', {}, new Date()),
    ]);
    expect(answers.map((answer) => answer.row.id)).toEqual([1, 2]);
    expect(queue.added).toEqual([]);

    let handedOff = false;
    const closing = recorder.handedOff().then(() => (handedOff = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(handedOff).toBe(false);
    queue.release();
    await closing;
    // Recorded in the same turn: one round trip for both.
    expect(queue.added).toEqual([1, 2]);
    await expect(recorder.handedOff()).resolves.toBeUndefined();
  });
});
