/** PostgreSQL: clients and the identities they own. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { ClientRepository } from '../../core/repositories/clients.ts';
import { lockIdentityKeys } from './ingest.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { clients, identities } from './schema.ts';
import { inTransaction } from './transaction.ts';

export async function getClient(db: PgDb, id: number) {
  const [client] = await db.select().from(clients).where(eq(clients.id, id));
  if (!client) return undefined;
  const owned = await db
    .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
    .from(identities)
    .where(eq(identities.clientId, id))
    .orderBy(asc(identities.id));
  return { ...client, identities: owned };
}

export function pgClients(db: PgDb): ClientRepository {
  return {
    create(input) {
      const keys = input.identities.map((identity) => identity.key);
      // The same locks as the ingest transaction: a message from one of these identities is
      // decided either before the client exists or after it has all of them, never in between.
      return inTransaction(db.$client, async (client) => {
        await lockIdentityKeys(client, keys);
        const tx = drizzleOf(client);
        const others = keys.length
          ? (
              await tx
                .selectDistinct({ clientId: identities.clientId })
                .from(identities)
                .where(inArray(identities.key, keys))
            ).flatMap((row) => (row.clientId === null ? [] : [row.clientId]))
          : [];
        const [row] = await tx
          .insert(clients)
          .values({
            kind: input.name ? 'contact' : 'company',
            name: input.name ?? null,
            company: input.company ?? null,
            responsibleId: input.responsibleId ?? null,
          })
          .returning({ id: clients.id });
        if (!row) throw new Error('the client was not stored');
        if (input.identities.length) {
          await tx
            .insert(identities)
            .values(input.identities.map((identity) => ({ ...identity, clientId: row.id })))
            .onConflictDoNothing();
        }
        return { id: row.id, possibleDuplicates: others };
      });
    },
    get: (id) => getClient(db, id),
  };
}
