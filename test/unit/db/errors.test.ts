/**
 * The store's guard: drivers' errors reach callers without drizzle's wrapper (which quotes the
 * query and its parameters), transient ones as StoreUnavailableError, and every method — even
 * one replaced after the guard was made — is guarded.
 */
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../../core/errors.ts';
import { REPOSITORY_NAMES, type Store } from '../../../core/repositories/index.ts';
import { guardStore } from '../../../db/errors.ts';

class Leads {
  constructor(private readonly failWith: Error) {}
  async get(): Promise<never> {
    throw new DrizzleQueryError(
      'select * from leads where email = ?',
      ['ana@example.com'],
      this.failWith,
    );
  }
  count(): number {
    return 3;
  }
}

function storeFailingWith(error: Error): { raw: Store; guarded: Store } {
  const raw = {
    kind: 'sqlite',
    blobs: {},
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
    ...Object.fromEntries(REPOSITORY_NAMES.map((name) => [name, {}])),
    leads: new Leads(error),
  } as unknown as Store;
  const transient = (caught: unknown) =>
    (caught as { code?: string }).code === 'SQLITE_BUSY' ? 'the database is busy' : undefined;
  return { raw, guarded: guardStore(raw, transient) };
}

const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
const leadsOf = (store: Store) => store.leads as unknown as Leads;

describe('the guarded store', () => {
  it("rethrows the driver's own error, without the query and its parameters", async () => {
    const constraint = Object.assign(new Error('UNIQUE constraint failed'), {
      code: 'SQLITE_CONSTRAINT',
    });
    const { guarded } = storeFailingWith(constraint);
    const caught = await leadsOf(guarded)
      .get()
      .catch((error: unknown) => error);
    expect(caught).toBe(constraint);
  });

  it('turns a transient failure into StoreUnavailableError with its reason and cause', async () => {
    const { guarded } = storeFailingWith(busy);
    const caught = await leadsOf(guarded)
      .get()
      .catch((error: unknown) => error);
    expect(caught).toBeInstanceOf(StoreUnavailableError);
    expect((caught as Error).message).toBe('the database is busy');
    expect((caught as Error).cause).toBe(busy);
  });

  it('passes plain values through and answers the same guarded method each time', () => {
    const { guarded } = storeFailingWith(busy);
    expect(leadsOf(guarded).count()).toBe(3);
    expect(leadsOf(guarded).get).toBe(leadsOf(guarded).get);
  });

  it('guards a method replaced after the guard was made', async () => {
    const { raw, guarded } = storeFailingWith(busy);
    const before = leadsOf(guarded).get;
    leadsOf(raw).get = () => Promise.reject(busy);
    expect(leadsOf(guarded).get).not.toBe(before);
    await expect(leadsOf(guarded).get()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
