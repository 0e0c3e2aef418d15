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
  /** Leads numbered 1..count on the REST intake channel (channel 1), after the clients. */
  leads?: { count: number; lead(n: number): SeedLead };
}

/** An open lead on stage NEW with one inbound message (its id is the lead's). */
export interface SeedLead {
  /** A repeat lead's client; null for a simple lead, which owns `identities`. */
  clientId: number | null;
  identities: Identity[];
  responsibleId: number | null;
  title: string;
  name: string | null;
  company: string | null;
  message: string;
  at: Date;
}

/** What has been seeded so far: `done` clients, then `done` leads. */
export type SeedProgress = (done: number, what: 'clients' | 'leads') => void;

export async function seedCrm(
  store: Store,
  seed: CrmSeed,
  onProgress: SeedProgress,
): Promise<void> {
  if (store.kind === 'postgres')
    await seedPostgres(unguarded<PostgresStore>(store).db.$client, seed, onProgress);
  else seedSqlite(unguarded<SqliteStore>(store).db, seed, onProgress);
}
