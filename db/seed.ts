/**
 * Bulk seeding for the bench and the soak: many clients at once, straight into the tables of
 * whichever store is open (the repositories write one at a time, which would take minutes).
 */
import type { Identity } from '../core/identities.ts';
import type { Store } from '../core/repositories/index.ts';
import { unguarded } from './errors.ts';
import { seedPostgres } from './postgres/seed.ts';
import type { PostgresStore } from './postgres/store.ts';
import { seedSqlite } from './sqlite/seed.ts';
import type { SqliteStore } from './sqlite/store.ts';

export interface CrmSeed {
  /** Users with fixed ids; `operatorOf` puts one in that channel's operator queue. */
  users: { id: number; name: string; email: string; operatorOf?: number }[];
  /** Clients are numbered 1..clients. */
  clients: number;
  client(n: number): { name: string; responsibleId: number; identities: Identity[] };
}

export async function seedCrm(
  store: Store,
  seed: CrmSeed,
  onProgress: (done: number) => void,
): Promise<void> {
  if (store.kind === 'postgres')
    await seedPostgres(unguarded<PostgresStore>(store).db.$client, seed, onProgress);
  else seedSqlite(unguarded<SqliteStore>(store).db, seed, onProgress);
}
