/**
 * The store contract for what a website widget's screen reads about its health: the posts its
 * channel received since a moment, and when the newest arrived. The same on both stores (this
 * file runs against SQLite, and against PostgreSQL with TEST_DATABASE=postgres).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/repositories/index.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
beforeAll(async () => {
  test = await openTestStore('widgets');
  store = test.store;
});
afterAll(() => test.close());

const at = (iso: string) => new Date(iso);

describe(`website widgets on the ${TEST_STORE} store`, () => {
  it('counts what a widget’s channel received since a moment, and when the newest arrived', async () => {
    const widget = (slug: string) =>
      store.forms.create(
        'webform',
        {
          slug,
          title: slug,
          active: true,
          defaultCountry: null,
          operatorIds: [],
          definition: { fields: [{ key: 'email', label: 'Email', type: 'email' }] },
        },
        at('2026-05-01T00:00:00Z'),
      );
    const ours = await widget('health-ours');
    const theirs = await widget('health-theirs');
    expect(await store.forms.received(ours.channelId, at('2026-05-01T00:00:00Z'))).toEqual({
      count: 0,
      lastAt: null,
    });
    await store.inbox.record(ours.channelId, 'sub-1', '{}', at('2026-05-01T22:00:00Z'));
    await store.inbox.record(ours.channelId, 'sub-2', '{}', at('2026-05-02T08:00:00Z'));
    await store.inbox.record(ours.channelId, 'sub-3', '{}', at('2026-05-02T09:30:00Z'));
    await store.inbox.record(theirs.channelId, 'sub-4', '{}', at('2026-05-02T10:00:00Z'));
    expect(await store.forms.received(ours.channelId, at('2026-05-02T00:00:00Z'))).toEqual({
      count: 2,
      lastAt: at('2026-05-02T09:30:00Z'),
    });
    // Nothing since: the count is 0, the newest is still the newest.
    expect(await store.forms.received(ours.channelId, at('2026-05-03T00:00:00Z'))).toEqual({
      count: 0,
      lastAt: at('2026-05-02T09:30:00Z'),
    });
  });
});
