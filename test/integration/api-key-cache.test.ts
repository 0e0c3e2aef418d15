/**
 * API keys verified a moment ago are answered from memory (connectors/http/auth.ts), on a real
 * store: by the key's hash, never the key; a revoked key or a deactivated user stops working as
 * soon as the moment is over when the change was made elsewhere, and at once when this process
 * made it (the cache is cleared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../core/api-keys.ts';
import type { UserRepository } from '../../core/repositories/users.ts';
import { principalOfKey } from '../../connectors/http/auth.ts';
import { recentLookups, type RecentLookups } from '../../connectors/http/recent-lookups.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const TTL_MS = 1000;
let test: TestStore;

beforeAll(async () => {
  test = await openTestStore('key-cache');
});
afterAll(() => test.close());

/** The real users repository, counting its key reads; a cache on a clock the test moves. */
function setup() {
  let now = 0;
  let reads = 0;
  const asked: string[] = [];
  const users = Object.assign(Object.create(test.store.users) as UserRepository, {
    activeKeyByHash: (hash: string) => {
      reads += 1;
      return test.store.users.activeKeyByHash(hash);
    },
  });
  const cache = recentLookups({ ttlMs: TTL_MS, limit: 100, now: () => now });
  const recentKeys: RecentLookups = {
    get: (key, load) => {
      asked.push(key);
      return cache.get(key, load);
    },
    clear: () => cache.clear(),
  };
  const deps = { users, apiKey: undefined, recentKeys };
  return {
    principal: (key: string) => principalOfKey(deps, key),
    reads: () => reads,
    asked,
    advance: (ms: number) => (now += ms),
    clear: () => cache.clear(),
  };
}

async function newKey(userId: number | null = null) {
  const { key, prefix, hash } = newApiKey();
  const id = await test.store.users.createApiKey({
    name: 'cached',
    role: 'intake',
    prefix,
    hash,
    userId,
  });
  return { id, key, hash };
}

async function newUser(email: string) {
  const written = await test.store.users.createUser({ name: email, email, roles: ['operator'] });
  if (!written.ok) throw new Error(`user ${email}: ${written.problem}`);
  return written.user;
}

describe('principalOfKey with recent keys', () => {
  it('reads a key once within the moment, kept under its hash and never the key itself', async () => {
    const t = setup();
    const { id, key, hash } = await newKey();
    const first = await t.principal(key);
    expect(first).toMatchObject({ keyId: id, role: 'intake', actor: { intakeOnly: true } });
    t.advance(TTL_MS - 1);
    expect(await t.principal(key)).toBe(first);
    expect(t.reads()).toBe(1);
    expect(t.asked).toEqual([`api-key:${hash}`, `api-key:${hash}`]);
    expect(t.asked.some((asked) => asked.includes(key))).toBe(false);
  });

  it('stops a key revoked by another process once the moment is over', async () => {
    const t = setup();
    const { id, key } = await newKey();
    expect(await t.principal(key)).toMatchObject({ keyId: id });
    expect(await test.store.users.revokeApiKey(id, new Date())).toBe(true);
    t.advance(TTL_MS);
    expect(await t.principal(key)).toBeUndefined();
  });

  it('stops the key of a user deactivated by another process once the moment is over', async () => {
    const t = setup();
    const user = await newUser('leaving@cache.test');
    const { key } = await newKey(user.id);
    expect(await t.principal(key)).toMatchObject({ user: { id: user.id } });
    expect((await test.store.users.updateUser(user.id, { active: false })).ok).toBe(true);
    t.advance(TTL_MS);
    expect(await t.principal(key)).toBeUndefined();
  });

  it('stops a key at once when this process clears the cache after a change', async () => {
    const t = setup();
    const { id, key } = await newKey();
    expect(await t.principal(key)).toMatchObject({ keyId: id });
    await test.store.users.revokeApiKey(id, new Date());
    t.clear();
    expect(await t.principal(key)).toBeUndefined();
  });

  it('keeps no unknown key: each wrong guess is looked up (and can be counted as a failure)', async () => {
    const t = setup();
    const wrong = newApiKey().key;
    expect(await t.principal(wrong)).toBeUndefined();
    expect(await t.principal(wrong)).toBeUndefined();
    expect(t.reads()).toBe(2);
  });
});
