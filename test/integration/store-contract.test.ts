/**
 * The store contract: every repository method, called directly, answers the same on both
 * stores (this file runs against SQLite, and against PostgreSQL with TEST_DATABASE=postgres).
 * What the API and the workers build on top is tested end to end elsewhere; here each promise
 * of the interfaces in core/repositories is checked on its own.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../core/api-keys.ts';
import type { Identity } from '../../core/identities.ts';
import type { Store } from '../../core/repositories/index.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { addUser, count } from '../helpers/rows.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
let store: Store;
beforeAll(async () => {
  test = await openTestStore('contract');
  store = test.store;
});
afterAll(() => test.close());

const email = (address: string): Identity => ({
  kind: 'email',
  key: `email:${address}`,
  raw: address,
});
const at = (iso: string) => new Date(iso);

describe(`the ${TEST_STORE} store`, () => {
  it('records an inbox event once per (channel, external id), alone or in a batch', async () => {
    const first = await store.inbox.record(1, 'c-1', '{"a":1}', at('2026-01-01T00:00:00Z'));
    expect(first).toMatchObject({
      created: true,
      row: { channelId: 1, externalId: 'c-1', status: 'pending', attempts: 0, leadId: null },
    });
    expect(first.row.receivedAt).toEqual(at('2026-01-01T00:00:00Z'));
    expect(first.row.processedAt).toBeNull();
    const again = await store.inbox.record(1, 'c-1', '{"a":2}', new Date());
    expect(again).toMatchObject({ created: false, row: { id: first.row.id, raw: '{"a":1}' } });

    const batch = await store.inbox.recordBatch(
      1,
      [
        { externalId: 'c-2', raw: '{}' },
        { externalId: 'c-1', raw: '{}' },
        { externalId: 'c-2', raw: '{}' },
        { externalId: 'c-3', raw: '{}' },
      ],
      at('2026-01-02T00:00:00Z'),
    );
    expect(batch.map(({ row, created }) => [row.externalId, created])).toEqual([
      ['c-2', true],
      ['c-1', false],
      ['c-2', false],
      ['c-3', true],
    ]);
    expect(batch[0]?.row.id).toBe(batch[2]?.row.id);
    expect(await store.inbox.get(batch[3]!.row.id)).toMatchObject({ externalId: 'c-3' });
    expect(await store.inbox.get(999_999)).toBeUndefined();
  });

  it('records single events that arrive together in one go, each with its own answer', async () => {
    const create = (name: string) =>
      store.channels.create({
        kind: 'email',
        name,
        defaultCountry: null,
        appendScope: 'any',
        active: true,
        operatorIds: [],
        config: {},
      });
    const channel = await create('Together');
    const other = await create('Together too');
    const before = await store.inbox.maxId();
    // Made in the same turn of the event loop: they share one commit (see tickBatch).
    const arriving = [
      store.inbox.record(channel.id, 't-1', '{"n":1}', at('2026-02-01T00:00:01Z')),
      store.inbox.record(other.id, 't-1', '{"n":2}', at('2026-02-01T00:00:02Z')),
      store.inbox.record(channel.id, 't-2', '{"n":3}', at('2026-02-01T00:00:03Z')),
      // The same event twice in one batch: one row, the second call told it is not new.
      store.inbox.record(channel.id, 't-1', '{"n":4}', at('2026-02-01T00:00:04Z')),
    ];
    const recorded = await Promise.all(arriving);
    expect(
      recorded.map(({ row, created }) => [row.channelId, row.externalId, row.raw, created]),
    ).toEqual([
      [channel.id, 't-1', '{"n":1}', true],
      [other.id, 't-1', '{"n":2}', true],
      [channel.id, 't-2', '{"n":3}', true],
      [channel.id, 't-1', '{"n":1}', false],
    ]);
    expect(recorded[3]?.row.id).toBe(recorded[0]?.row.id);
    expect(recorded[2]?.row.receivedAt).toEqual(at('2026-02-01T00:00:03Z'));
    // Ids follow the order of arrival.
    expect(recorded.slice(0, 3).map(({ row }) => row.id)).toEqual(
      [...recorded.slice(0, 3).map(({ row }) => row.id)].sort((a, b) => a - b),
    );
    expect(recorded[0]!.row.id).toBeGreaterThan(before);
    expect(await store.inbox.get(recorded[1]!.row.id)).toMatchObject({ externalId: 't-1' });

    // A channel that does not exist fails alone; the others of its turn are recorded, in order.
    const settled = await Promise.allSettled([
      store.inbox.record(channel.id, 't-3', '{}', new Date()),
      store.inbox.record(424_242, 't-9', '{}', new Date()),
      store.inbox.record(channel.id, 't-4', '{}', new Date()),
    ]);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [third, , fourth] = settled.map((result) =>
      result.status === 'fulfilled' ? result.value : undefined,
    );
    expect(third?.created).toBe(true);
    expect(fourth!.row.id).toBeGreaterThan(third!.row.id);
  });

  it('moves a source checkpoint only together with its rows', async () => {
    const channel = await store.channels.create({
      kind: 'email',
      name: 'Box',
      defaultCountry: null,
      appendScope: 'any',
      active: true,
      operatorIds: [],
      config: {},
    });
    await store.inbox.recordBatch(channel.id, [{ externalId: 'm-1', raw: '{}' }], new Date(), {
      kind: 'email',
      folder: 'INBOX',
      uidValidity: 4_000_000_001,
      lastUid: 7,
    });
    await store.inbox.recordBatch(channel.id, [], new Date(), {
      kind: 'email',
      folder: 'Archive',
      uidValidity: 3,
      lastUid: 0,
    });
    expect(await store.checkpoints.email(channel.id, 'INBOX')).toEqual({
      uidValidity: 4_000_000_001,
      lastUid: 7,
    });
    expect((await store.checkpoints.emailFolders(channel.id)).map((c) => c.folder)).toEqual([
      'Archive',
      'INBOX',
    ]);
    // A batch that fails (a channel that does not exist) leaves the checkpoint where it was.
    await expect(
      store.inbox.recordBatch(424242, [{ externalId: 'x', raw: '{}' }], new Date(), {
        kind: 'telegram',
        nextOffset: 99,
      }),
    ).rejects.toThrow();
    expect(await store.checkpoints.telegramOffset(424242)).toBeUndefined();
    await store.inbox.recordBatch(channel.id, [], new Date(), { kind: 'telegram', nextOffset: 12 });
    await store.inbox.recordBatch(channel.id, [], new Date(), { kind: 'telegram', nextOffset: 13 });
    expect(await store.checkpoints.telegramOffset(channel.id)).toBe(13);
  });

  it('keeps the durable backlog: pending rows, failures, resets, selections', async () => {
    const channel = await store.channels.create({
      kind: 'telegram',
      name: 'Backlog bot',
      defaultCountry: null,
      appendScope: 'any',
      active: true,
      operatorIds: [],
      config: {},
    });
    const rows = await store.inbox.recordBatch(
      channel.id,
      ['b-1', 'b-2', 'b-3'].map((externalId) => ({ externalId, raw: '{}' })),
      at('2026-02-01T00:00:00Z'),
    );
    const [one, two, three] = rows.map((r) => r.row.id) as [number, number, number];
    await store.inbox.markFailed(two, 'it broke', 8, at('2026-02-01T01:00:00Z'));
    expect(await store.inbox.get(two)).toMatchObject({
      status: 'failed',
      error: 'it broke',
      attempts: 8,
    });
    expect((await store.inbox.get(two))?.processedAt).toEqual(at('2026-02-01T01:00:00Z'));
    const mine = { channelId: channel.id };
    expect(await store.inbox.countMatching(mine)).toEqual({ pending: 2, failed: 1 });
    expect(await store.inbox.countMatching({ ...mine, statuses: ['failed'] })).toEqual({
      failed: 1,
    });
    expect(
      await store.inbox.countMatching({
        ...mine,
        since: at('2026-02-01T00:00:00Z').getTime(),
        until: at('2026-02-01T00:00:01Z').getTime(),
      }),
    ).toEqual({ pending: 2, failed: 1 });
    expect(await store.inbox.countMatching({ ...mine, until: 0 })).toEqual({});
    expect(await store.inbox.matchingPage(mine, one, 10)).toEqual([
      { id: two, status: 'failed' },
      { id: three, status: 'pending' },
    ]);
    expect(await store.inbox.matchingPage({ ...mine, maxId: two }, 0, 10)).toHaveLength(2);
    expect(await store.inbox.failedIds()).toContain(two);
    expect(await store.inbox.errors([two, three])).toEqual(
      new Map([
        [two, { status: 'failed', error: 'it broke' }],
        [three, { status: 'pending', error: null }],
      ]),
    );
    expect(await store.inbox.pendingBefore(at('2026-02-02T00:00:00Z'), one - 1, 10)).toContain(
      three,
    );
    expect(await store.inbox.pendingBefore(at('2026-01-31T00:00:00Z'), 0, 10)).not.toContain(three);
    const backlog = await store.inbox.backlog();
    expect(backlog.pending).toBeGreaterThanOrEqual(2);
    expect(backlog.oldestReceivedAt).toBeInstanceOf(Date);
    // Only rows still in one of the given statuses change; the error stays until a success.
    expect(await store.inbox.reset([one, two, three], ['failed'])).toBe(1);
    expect(await store.inbox.get(two)).toMatchObject({
      status: 'pending',
      attempts: 0,
      error: 'it broke',
      processedAt: null,
    });
    expect(await store.inbox.reset([], ['failed'])).toBe(0);
    expect(await store.inbox.outcomes(one, three)).toEqual({ 'pending/-': 3 });
    expect(await store.inbox.maxId()).toBeGreaterThanOrEqual(three);
    // A finished row is not failed afterwards.
    await test.look.run(sql`UPDATE inbox SET status = 'done' WHERE id = ${one}`);
    await store.inbox.markFailed(one, 'late', 1, new Date());
    expect((await store.inbox.get(one))?.status).toBe('done');
  });

  it('channels: settings, operator queues in turn order, blocks', async () => {
    const olga = await addUser(test, { name: 'Olga', email: 'olga@contract.test' });
    const ivan = await addUser(test, { name: 'Ivan', email: 'ivan@contract.test' });
    const channel = await store.channels.create({
      kind: 'email',
      name: 'Sales',
      defaultCountry: 'ES',
      appendScope: 'same-channel',
      active: true,
      operatorIds: [ivan.id, olga.id],
      config: { ownIdentityKeys: ['email:sales@shop.test'], folders: ['INBOX'] },
    });
    expect(channel).toMatchObject({
      kind: 'email',
      name: 'Sales',
      defaultCountry: 'ES',
      appendScope: 'same-channel',
      active: true,
      operatorIds: [ivan.id, olga.id],
      lastAssignedUserId: null,
    });
    expect(channel.createdAt).toBeInstanceOf(Date);
    expect(await store.channels.info(channel.id)).toEqual({
      id: channel.id,
      kind: 'email',
      defaultCountry: 'ES',
      appendScope: 'same-channel',
      ownIdentityKeys: ['email:sales@shop.test'],
      settings: { ownIdentityKeys: ['email:sales@shop.test'], folders: ['INBOX'] },
    });
    const updated = await store.channels.update(channel.id, {
      kind: 'email',
      name: 'Sales ES',
      defaultCountry: null,
      appendScope: 'any',
      active: false,
      operatorIds: [olga.id],
      config: { folders: ['INBOX', 'Leads'] },
    });
    expect(updated).toMatchObject({ name: 'Sales ES', active: false, operatorIds: [olga.id] });
    await store.channels.setConfig(channel.id, { webhookSecretHash: 'h' });
    expect((await store.channels.get(channel.id))?.config).toEqual({ webhookSecretHash: 'h' });
    expect((await store.channels.list('email')).map((c) => c.id)).toContain(channel.id);
    expect((await store.channels.list()).map((c) => c.id)[0]).toBe(1);
    await store.users.addToQueue(channel.id, ivan.id);
    expect((await store.channels.get(channel.id))?.operatorIds).toEqual([olga.id, ivan.id]);

    expect(await store.channels.blockOf(channel.id, 'telegram:1')).toBeUndefined();
    await store.channels.block(
      channel.id,
      'telegram:1',
      'blocked the bot',
      at('2026-03-01T00:00:00Z'),
    );
    await store.channels.block(channel.id, 'telegram:1', 'again', at('2026-03-02T00:00:00Z'));
    expect(await store.channels.blockOf(channel.id, 'telegram:1')).toEqual({
      channelId: channel.id,
      identityKey: 'telegram:1',
      reason: 'again',
      blockedAt: at('2026-03-02T00:00:00Z'),
    });
  });

  it('users and API keys: active keys by hash and id, revocation, unknown ids', async () => {
    const created = await store.users.createUser({
      name: 'Ana',
      email: 'ana@contract.test',
      roles: ['supervisor'],
    });
    if (!created.ok) throw new Error(`the user was not created: ${created.problem}`);
    const { user } = created;
    expect(user).toMatchObject({ roles: ['supervisor'], active: true, departmentId: null });
    expect(await store.users.userExists(user.id)).toBe(true);
    expect(await store.users.userExists(987_654)).toBe(false);
    expect(await store.users.unknownUsers([user.id, 987_654])).toEqual([987_654]);
    expect(await store.users.unknownUsers([])).toEqual([]);
    const hash = hashApiKey('lw_contract');
    const id = await store.users.createApiKey({
      name: 'crm',
      role: 'intake',
      prefix: 'lw_con',
      hash,
    });
    expect(await store.users.activeKeyByHash(hash)).toMatchObject({
      id,
      name: 'crm',
      role: 'intake',
    });
    expect(await store.users.activeKeyById(id)).toMatchObject({ hash, revokedAt: null });
    expect((await store.users.listApiKeys()).map((k) => k.id)).toContain(id);
    expect(await store.users.revokeApiKey(id, new Date())).toBe(true);
    expect(await store.users.revokeApiKey(987_654, new Date())).toBe(false);
    expect(await store.users.activeKeyByHash(hash)).toBeUndefined();
    expect(await store.users.activeKeyById(id)).toBeUndefined();
  });

  it('settings: the first value stored wins', async () => {
    expect(await store.settings.getOrCreate('contract_secret', 'first')).toBe('first');
    expect(await store.settings.getOrCreate('contract_secret', 'second')).toBe('first');
  });

  it('clients: identities owned, other owners reported as possible duplicates', async () => {
    const first = await store.clients.create({
      name: 'Marta',
      identities: [email('marta@contract.test')],
    });
    expect(first.possibleDuplicates).toEqual([]);
    const second = await store.clients.create({
      company: 'Acme SL',
      identities: [email('marta@contract.test'), email('buy@acme.test')],
    });
    expect(second.possibleDuplicates).toEqual([first.id]);
    expect(await store.clients.get(second.id)).toMatchObject({
      kind: 'company',
      name: null,
      company: 'Acme SL',
      responsibleId: null,
      identities: [
        { kind: 'email', key: 'email:marta@contract.test', raw: 'marta@contract.test' },
        { kind: 'email', key: 'email:buy@acme.test', raw: 'buy@acme.test' },
      ],
    });
    expect(await store.clients.get(987_654)).toBeUndefined();
  });

  it('website widgets: a channel and a definition, by slug and by id, and the posts turned away', async () => {
    const olga = await addUser(test, { name: 'Olga W', email: 'olga-w@contract.test' });
    const created = await store.forms.create(
      'webform',
      {
        slug: 'contract-form',
        title: 'Contact',
        active: true,
        defaultCountry: 'ES',
        operatorIds: [olga.id],
        definition: { fields: [{ key: 'email', type: 'email' }], dailyCap: 5 },
      },
      at('2026-04-01T00:00:00Z'),
    );
    expect(created).toMatchObject({
      kind: 'webform',
      slug: 'contract-form',
      title: 'Contact',
      active: true,
      defaultCountry: 'ES',
      operatorIds: [olga.id],
      definition: { fields: [{ key: 'email', type: 'email' }], dailyCap: 5 },
    });
    expect(created.updatedAt).toEqual(at('2026-04-01T00:00:00Z'));
    expect(await store.forms.bySlug('webform', 'contract-form')).toEqual(created);
    expect(await store.forms.bySlug('callback', 'contract-form')).toBeUndefined();
    expect(await store.forms.slugTaken('contract-form')).toBe(true);
    expect(await store.forms.slugTaken('contract-form', created.id)).toBe(false);
    const updated = await store.forms.update(
      created,
      { ...created, title: 'Write to us', active: false, operatorIds: [] },
      at('2026-04-02T00:00:00Z'),
    );
    expect(updated).toMatchObject({ title: 'Write to us', active: false, operatorIds: [] });
    expect(await store.forms.get('webform', created.id)).toEqual(updated);
    expect((await store.forms.list('webform')).map((w) => w.id)).toEqual([created.id]);
    await store.forms.recordRejection({
      formId: created.id,
      reason: 'honeypot',
      ip: '203.0.113.9',
      userAgent: 'bot',
      body: '{"email":"x@y.z"}',
      receivedAt: at('2026-04-03T00:00:00Z'),
    });
    await store.forms.recordRejection({
      formId: created.id,
      reason: 'too_fast',
      ip: null,
      userAgent: null,
      body: '{}',
      receivedAt: at('2026-04-04T00:00:00Z'),
    });
    expect((await store.forms.rejections(created.id, 10)).map((r) => r.reason)).toEqual([
      'too_fast',
      'honeypot',
    ]);
    expect(await store.forms.rejections(created.id, 1)).toHaveLength(1);
  });

  it('replay runs: progress, interruption, the newest unfinished', async () => {
    const run = await store.replays.create(
      { statuses: ['failed'], maxId: 10 },
      3,
      at('2026-05-01T00:00:00Z'),
    );
    expect(run).toMatchObject({
      filter: { statuses: ['failed'], maxId: 10 },
      total: 3,
      doneCount: 0,
      lastInboxId: 0,
      finishedAt: null,
    });
    await store.replays.saveProgress(run.id, 7, 2, at('2026-05-01T00:01:00Z'));
    const stopped = await store.replays.end(run.id, 'interrupted', at('2026-05-01T00:02:00Z'));
    expect(stopped).toMatchObject({ lastInboxId: 7, doneCount: 2, finishedAt: null });
    expect(stopped.interruptedAt).toEqual(at('2026-05-01T00:02:00Z'));
    expect((await store.replays.latestUnfinished())?.id).toBe(run.id);
    const finished = await store.replays.end(run.id, 'finished', at('2026-05-01T00:03:00Z'));
    expect(finished).toMatchObject({ interruptedAt: null, finishedAt: at('2026-05-01T00:03:00Z') });
    expect(await store.replays.latestUnfinished()).toBeUndefined();
    expect((await store.replays.list()).map((r) => r.id)).toEqual([run.id]);
    expect(await store.replays.get(run.id + 100)).toBeUndefined();
    await expect(store.replays.end(run.id + 100, 'finished', new Date())).rejects.toThrow(/gone/);
  });

  it('is one count away on every table it writes (db/inspect.ts reads both stores alike)', async () => {
    expect(await count(test, sql`SELECT count(*) AS n FROM stages`)).toBe(5);
    const channel = await test.look.get<{ active: number; config: string; created_at: number }>(
      sql`SELECT active, config, created_at FROM channels WHERE id = 1`,
    );
    expect(channel).toMatchObject({ active: 1, config: '{}' });
    expect(typeof channel?.created_at).toBe('number');
  });
});
