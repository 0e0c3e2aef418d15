/**
 * The store contract for a channel's activity (what the console's channel screens show): its
 * newest event and its newest failure, the same on both stores, never another channel's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/repositories/index.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
beforeAll(async () => {
  test = await openTestStore('activity');
  store = test.store;
});
afterAll(() => test.close());

const at = (iso: string) => new Date(iso);
const mailbox = (name: string) =>
  store.channels.create({
    kind: 'email',
    name,
    defaultCountry: null,
    appendScope: 'any',
    active: true,
    operatorIds: [],
    config: {},
  });

describe(`a channel's activity on the ${TEST_STORE} store`, () => {
  it('is empty for a channel that never received anything', async () => {
    const quiet = await mailbox('Quiet');
    expect(await store.inbox.channelActivity(quiet.id)).toEqual({
      lastReceivedAt: null,
      lastFailure: null,
    });
  });

  it("says when the newest event came and the newest failure's error, per channel", async () => {
    const busy = await mailbox('Busy');
    const other = await mailbox('Other');
    const [first, second] = await store.inbox.recordBatch(
      busy.id,
      [
        { externalId: 'a-1', raw: '{}' },
        { externalId: 'a-2', raw: '{}' },
      ],
      at('2026-03-01T10:00:00Z'),
    );
    await store.inbox.record(busy.id, 'a-3', '{}', at('2026-03-02T09:30:00Z'));
    await store.inbox.record(other.id, 'b-1', '{}', at('2026-03-05T00:00:00Z'));
    await store.inbox.markFailed(first!.row.id, 'older failure', 3, at('2026-03-01T11:00:00Z'));
    await store.inbox.markFailed(second!.row.id, 'newest failure', 8, at('2026-03-01T10:05:00Z'));

    expect(await store.inbox.channelActivity(busy.id)).toEqual({
      lastReceivedAt: at('2026-03-02T09:30:00Z'),
      lastFailure: { at: at('2026-03-01T10:05:00Z'), error: 'newest failure' },
    });
    expect(await store.inbox.channelActivity(other.id)).toEqual({
      lastReceivedAt: at('2026-03-05T00:00:00Z'),
      lastFailure: null,
    });
  });
});
