/** SQLite: clients and the identities they own. */
import { asc, eq, inArray } from 'drizzle-orm';
import type { ClientRepository } from '../../core/repositories/clients.ts';
import type { Db } from './open.ts';
import { clients, identities } from './schema.ts';

export function getClient(db: Db, id: number) {
  const client = db.select().from(clients).where(eq(clients.id, id)).get();
  if (!client) return undefined;
  const owned = db
    .select({ kind: identities.kind, key: identities.key, raw: identities.raw })
    .from(identities)
    .where(eq(identities.clientId, id))
    .orderBy(asc(identities.id))
    .all();
  return { ...client, identities: owned };
}

export function sqliteClients(db: Db): ClientRepository {
  return {
    async create(input) {
      return db.transaction(
        (tx) => {
          const keys = input.identities.map((identity) => identity.key);
          const others = keys.length
            ? tx
                .selectDistinct({ clientId: identities.clientId })
                .from(identities)
                .where(inArray(identities.key, keys))
                .all()
                .flatMap((row) => (row.clientId === null ? [] : [row.clientId]))
            : [];
          const [row] = tx
            .insert(clients)
            .values({
              kind: input.name ? 'contact' : 'company',
              name: input.name ?? null,
              company: input.company ?? null,
              responsibleId: input.responsibleId ?? null,
            })
            .returning({ id: clients.id })
            .all();
          if (!row) throw new Error('the client was not stored');
          if (input.identities.length) {
            tx.insert(identities)
              .values(input.identities.map((identity) => ({ ...identity, clientId: row.id })))
              .onConflictDoNothing()
              .run();
          }
          return { id: row.id, possibleDuplicates: others };
        },
        { behavior: 'immediate' },
      );
    },
    async get(id) {
      return getClient(db, id);
    },
  };
}
