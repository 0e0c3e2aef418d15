/** SQLite: clients, the identities they own, and what an operator sees and changes of them. */
import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import type {
  ClientPatch,
  ClientRepository,
  ClientWrite,
} from '../../core/repositories/clients.ts';
import type { RecordScope } from '../../core/permissions.ts';
import type { ChangeContext } from '../../core/repositories/timeline.ts';
import { clientChanges, created } from '../../core/record-changes.ts';
import { scopeCondition } from '../scope.ts';
import { clientConditions, pageOf, withIdentities } from '../listing.ts';
import type { Db } from './open.ts';
import { clients, deals, identities, leads, users } from './schema.ts';
import { recordChange, recordEvent, timelineOf } from './timeline.ts';
import { duplicateKeys, keysAfter } from '../../core/duplicate-keys.ts';

type Reader = Pick<Db, 'select' | 'selectDistinct'>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const identityView = { kind: identities.kind, key: identities.key, raw: identities.raw };

export function getClient(db: Reader, id: number, scope: RecordScope = { kind: 'all' }) {
  const client = db
    .select()
    .from(clients)
    .where(and(eq(clients.id, id), scopeCondition(scope, clients.responsibleId)))
    .get();
  if (!client) return undefined;
  const owned = db
    .select(identityView)
    .from(identities)
    .where(eq(identities.clientId, id))
    .orderBy(asc(identities.id))
    .all();
  return { ...client, identities: owned };
}

/** Clients other than `id` owning any of `keys` (the identities_key index). */
function ownersOf(db: Reader, keys: string[], id?: number): number[] {
  if (!keys.length) return [];
  return db
    .selectDistinct({ clientId: identities.clientId })
    .from(identities)
    .where(
      and(
        inArray(identities.key, keys),
        id === undefined ? undefined : ne(identities.clientId, id),
      ),
    )
    .orderBy(asc(identities.clientId))
    .all()
    .flatMap((row) => (row.clientId === null ? [] : [row.clientId]));
}

export function updateClient(
  tx: Tx,
  id: number,
  patch: ClientPatch,
  context: ChangeContext,
  scope: RecordScope,
): ClientWrite {
  const current = getClient(tx, id, scope);
  if (!current) return { ok: false, problem: 'no-client' };
  if (
    typeof patch.responsibleId === 'number' &&
    !tx.select({ id: users.id }).from(users).where(eq(users.id, patch.responsibleId)).get()
  )
    return { ok: false, problem: 'no-user' };
  // Taken away before the additions, so one update can replace the spelling of a key.
  const removeKeys = patch.removeIdentities ?? [];
  const removed = removeKeys.length
    ? tx
        .delete(identities)
        .where(and(eq(identities.clientId, id), inArray(identities.key, removeKeys)))
        .returning(identityView)
        .all()
    : [];
  const adding = patch.addIdentities ?? [];
  const added = adding.length
    ? tx
        .insert(identities)
        .values(adding.map(({ kind, key, raw }) => ({ kind, key, raw, clientId: id })))
        .onConflictDoNothing()
        .returning(identityView)
        .all()
    : [];
  const possibleDuplicates = ownersOf(
    tx,
    adding.map((identity) => identity.key),
    id,
  );
  const change = clientChanges(id, current, patch, { added, removed }, context);
  if (change.changes.length) {
    tx.update(clients)
      .set({ ...change.set, ...keysAfter(current, change.set), updatedAt: context.at })
      .where(eq(clients.id, id))
      .run();
    for (const entry of change.entries) recordChange(tx, entry);
    for (const event of change.events) recordEvent(tx, event);
  }
  return { ok: true, client: getClient(tx, id)!, possibleDuplicates };
}

export function sqliteClients(db: Db): ClientRepository {
  return {
    async create(input, context) {
      return db.transaction(
        (tx) => {
          const possibleDuplicates = ownersOf(
            tx,
            input.identities.map((identity) => identity.key),
          );
          const fields = {
            kind: input.kind ?? (input.name ? 'contact' : 'company'),
            name: input.name ?? null,
            company: input.company ?? null,
            companyId: input.companyId ?? null,
            responsibleId: input.responsibleId ?? null,
            custom: input.custom ?? {},
          } as const;
          const [row] = tx
            .insert(clients)
            .values({
              ...fields,
              ...duplicateKeys(fields.name, fields.company),
              ...(context ? { createdAt: context.at } : {}),
            })
            .returning({ id: clients.id })
            .all();
          if (!row) throw new Error('the client was not stored');
          if (input.identities.length) {
            tx.insert(identities)
              .values(
                input.identities.map(({ kind, key, raw }) => ({
                  kind,
                  key,
                  raw,
                  clientId: row.id,
                })),
              )
              .onConflictDoNothing()
              .run();
          }
          if (context) {
            const { entry, event } = created(
              'client',
              row.id,
              fields,
              { clientId: row.id },
              context,
            );
            recordChange(tx, entry);
            recordEvent(tx, event);
          }
          return { id: row.id, possibleDuplicates };
        },
        { behavior: 'immediate' },
      );
    },

    async get(id) {
      return getClient(db, id);
    },

    async view(id, scope, related) {
      // One read transaction: the client, its leads, deals and timeline as of one moment.
      return db.transaction((tx) => {
        const client = getClient(tx, id, scope);
        if (!client) return undefined;
        return {
          ...client,
          leads: tx
            .select()
            .from(leads)
            .where(
              and(
                eq(leads.clientId, id),
                related && scopeCondition(related.leads, leads.responsibleId, leads.channelId),
              ),
            )
            .orderBy(desc(leads.id))
            .all(),
          deals: tx
            .select()
            .from(deals)
            .where(
              and(
                eq(deals.clientId, id),
                related && scopeCondition(related.deals, deals.responsibleId),
              ),
            )
            .orderBy(desc(deals.id))
            .all(),
          timeline: timelineOf(tx, 'client', id),
        };
      });
    },

    async list(filter, scope) {
      return db.transaction((tx) => {
        const ownedBy = (keys: string[]) =>
          inArray(
            clients.id,
            tx
              .select({ id: identities.clientId })
              .from(identities)
              .where(inArray(identities.key, keys)),
          );
        const rows = tx
          .select()
          .from(clients)
          .where(clientConditions(filter, scope, clients, 'LIKE', ownedBy))
          .orderBy(desc(clients.id))
          .limit(filter.limit + 1)
          .all();
        const { page, nextCursor } = pageOf(rows, filter.limit);
        const owned = page.length
          ? tx
              .select({ ...identityView, clientId: identities.clientId })
              .from(identities)
              .where(
                inArray(
                  identities.clientId,
                  page.map((client) => client.id),
                ),
              )
              .orderBy(asc(identities.id))
              .all()
          : [];
        return { clients: withIdentities(page, owned), nextCursor };
      });
    },

    async update(id, patch, context, scope) {
      return db.transaction((tx) => updateClient(tx, id, patch, context, scope), {
        behavior: 'immediate',
      });
    },
  };
}
