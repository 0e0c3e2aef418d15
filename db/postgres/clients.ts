/** PostgreSQL: clients, the identities they own, and what an operator sees and changes of them. */
import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import type { RecordScope } from '../../core/permissions.ts';
import type {
  ClientPatch,
  ClientRepository,
  ClientWrite,
} from '../../core/repositories/clients.ts';
import type { ChangeContext } from '../../core/repositories/timeline.ts';
import { clientChanges, created } from '../../core/record-changes.ts';
import { scopeCondition } from '../scope.ts';
import { clientConditions, pageOf, withIdentities } from '../listing.ts';
import { lockIdentityKeys } from './ingest.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { clients, deals, identities, leads, users } from './schema.ts';
import { withoutNul } from './text.ts';
import { recordChange, recordEvent, timelineOf } from './timeline.ts';
import { inTransaction } from './transaction.ts';
import { duplicateKeys, keysAfter } from '../../core/duplicate-keys.ts';

const identityView = { kind: identities.kind, key: identities.key, raw: identities.raw };

export async function getClient(
  db: PgDb,
  id: number,
  scope: RecordScope = { kind: 'all' },
  /** Lock the client's row until the transaction ends (an update reads what it changes). */
  forUpdate = false,
) {
  const query = db
    .select()
    .from(clients)
    .where(and(eq(clients.id, id), scopeCondition(scope, clients.responsibleId)));
  const [client] = await (forUpdate ? query.for('update') : query);
  if (!client) return undefined;
  const owned = await db
    .select(identityView)
    .from(identities)
    .where(eq(identities.clientId, id))
    .orderBy(asc(identities.id));
  return { ...client, identities: owned };
}

/** Clients other than `id` owning any of `keys` (the identities_key index). */
async function ownersOf(db: PgDb, keys: string[], id?: number): Promise<number[]> {
  if (!keys.length) return [];
  const rows = await db
    .selectDistinct({ clientId: identities.clientId })
    .from(identities)
    .where(
      and(
        inArray(identities.key, keys),
        id === undefined ? undefined : ne(identities.clientId, id),
      ),
    )
    .orderBy(asc(identities.clientId));
  return rows.flatMap((row) => (row.clientId === null ? [] : [row.clientId]));
}

export async function updateClient(
  tx: PgDb,
  id: number,
  patch: ClientPatch,
  context: ChangeContext,
  scope: RecordScope,
): Promise<ClientWrite> {
  const current = await getClient(tx, id, scope, true);
  if (!current) return { ok: false, problem: 'no-client' };
  if (typeof patch.responsibleId === 'number') {
    const [user] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(users.id, patch.responsibleId));
    if (!user) return { ok: false, problem: 'no-user' };
  }
  // Taken away before the additions, so one update can replace the spelling of a key.
  const removeKeys = patch.removeIdentities ?? [];
  const removed = removeKeys.length
    ? await tx
        .delete(identities)
        .where(and(eq(identities.clientId, id), inArray(identities.key, removeKeys)))
        .returning(identityView)
    : [];
  const adding = patch.addIdentities ?? [];
  const added = adding.length
    ? await tx
        .insert(identities)
        .values(adding.map(({ kind, key, raw }) => ({ kind, key, raw, clientId: id })))
        .onConflictDoNothing()
        .returning(identityView)
    : [];
  const possibleDuplicates = await ownersOf(
    tx,
    adding.map((identity) => identity.key),
    id,
  );
  const change = clientChanges(id, current, patch, { added, removed }, context);
  if (change.changes.length) {
    await tx
      .update(clients)
      .set({ ...change.set, ...keysAfter(current, change.set), updatedAt: context.at })
      .where(eq(clients.id, id));
    for (const entry of change.entries) await recordChange(tx, entry);
    for (const event of change.events) await recordEvent(tx, event);
  }
  return { ok: true, client: (await getClient(tx, id))!, possibleDuplicates };
}

export function pgClients(db: PgDb): ClientRepository {
  return {
    create(input, context) {
      const owned = withoutNul(input.identities);
      const keys = owned.map((identity) => identity.key);
      // The same locks as the ingest transaction: a message from one of these identities is
      // decided either before the client exists or after it has all of them, never in between.
      return inTransaction(db.$client, async (client) => {
        await lockIdentityKeys(client, keys);
        const tx = drizzleOf(client);
        const possibleDuplicates = await ownersOf(tx, keys);
        const fields = withoutNul({
          kind: input.kind ?? (input.name ? 'contact' : 'company'),
          name: input.name ?? null,
          company: input.company ?? null,
          companyId: input.companyId ?? null,
          responsibleId: input.responsibleId ?? null,
          custom: input.custom ?? {},
        } as const);
        const [row] = await tx
          .insert(clients)
          .values({
            ...fields,
            ...duplicateKeys(fields.name, fields.company),
            ...(context ? { createdAt: context.at } : {}),
          })
          .returning({ id: clients.id });
        if (!row) throw new Error('the client was not stored');
        if (owned.length) {
          await tx
            .insert(identities)
            .values(
              owned.map(({ kind, key, raw }) => ({
                kind,
                key,
                raw,
                clientId: row.id,
              })),
            )
            .onConflictDoNothing();
        }
        if (context) {
          const { entry, event } = created('client', row.id, fields, { clientId: row.id }, context);
          await recordChange(tx, entry);
          await recordEvent(tx, event);
        }
        return { id: row.id, possibleDuplicates };
      });
    },

    get: (id) => getClient(db, id),

    async view(id, scope, related) {
      const client = await getClient(db, id, scope);
      if (!client) return undefined;
      const [owned, dealsOf, timeline] = await Promise.all([
        db
          .select()
          .from(leads)
          .where(
            and(
              eq(leads.clientId, id),
              related && scopeCondition(related.leads, leads.responsibleId, leads.channelId),
            ),
          )
          .orderBy(desc(leads.id)),
        db
          .select()
          .from(deals)
          .where(
            and(
              eq(deals.clientId, id),
              related && scopeCondition(related.deals, deals.responsibleId),
            ),
          )
          .orderBy(desc(deals.id)),
        timelineOf(db, 'client', id),
      ]);
      return { ...client, leads: owned, deals: dealsOf, timeline };
    },

    async list(filter, scope) {
      const ownedBy = (keys: string[]) =>
        inArray(
          clients.id,
          db
            .select({ id: identities.clientId })
            .from(identities)
            .where(inArray(identities.key, keys)),
        );
      const rows = await db
        .select()
        .from(clients)
        .where(clientConditions(withoutNul(filter), scope, clients, 'ILIKE', ownedBy))
        .orderBy(desc(clients.id))
        .limit(filter.limit + 1);
      const { page, nextCursor } = pageOf(rows, filter.limit);
      const owned = page.length
        ? await db
            .select({ ...identityView, clientId: identities.clientId })
            .from(identities)
            .where(
              inArray(
                identities.clientId,
                page.map((client) => client.id),
              ),
            )
            .orderBy(asc(identities.id))
        : [];
      return { clients: withIdentities(page, owned), nextCursor };
    },

    update(id, given, context, scope) {
      const patch = withoutNul(given);
      const keys = [
        ...(patch.addIdentities ?? []).map((identity) => identity.key),
        ...(patch.removeIdentities ?? []),
      ];
      // The ingest's identity locks first (in their global order), then the client's row: a
      // message from an identity being added or taken away is decided before or after, whole.
      return inTransaction(db.$client, async (client) => {
        await lockIdentityKeys(client, keys);
        return updateClient(drizzleOf(client), id, patch, context, scope);
      });
    },
  };
}
