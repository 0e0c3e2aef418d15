/** PostgreSQL: CSV import runs and the batches of clients they write. */
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { duplicateKeys } from '../../core/duplicate-keys.ts';
import { countSteps, planClientImport, type KnownClient } from '../../core/import-plan.ts';
import type {
  ImportCounts,
  ImportProgress,
  ImportRepository,
  ImportRun,
} from '../../core/repositories/imports.ts';
import { updateClient } from './clients.ts';
import { lockIdentityKeys } from './ingest.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { clients, identities, imports } from './schema.ts';
import { inTransaction } from './transaction.ts';

function runOf(row: typeof imports.$inferSelect): ImportRun {
  return {
    ...row,
    counts: { created: 0, updated: 0, skipped: 0, refused: 0, ...row.counts },
  };
}

/** Another runner of the same run (a second console, a CLI `--resume`) moved it on. */
const movedElsewhere = (runId: number) =>
  new Error(
    `import ${runId} was moved on by another run of it (or does not exist): stop one of them and resume`,
  );

/** Moves a run on by a batch: its position and counts in one statement. */
async function advance(
  db: Pick<PgDb, 'update'>,
  runId: number,
  counts: Omit<ImportCounts, 'refused'>,
  progress: ImportProgress,
): Promise<ImportRun> {
  const [updated] = await db
    .update(imports)
    .set({
      position: sql`${imports.position} + ${progress.records}`,
      counts: sql`jsonb_build_object(
        'created', coalesce((${imports.counts}->>'created')::bigint, 0) + ${counts.created},
        'updated', coalesce((${imports.counts}->>'updated')::bigint, 0) + ${counts.updated},
        'skipped', coalesce((${imports.counts}->>'skipped')::bigint, 0) + ${counts.skipped},
        'refused', coalesce((${imports.counts}->>'refused')::bigint, 0) + ${progress.refused})`,
      updatedAt: progress.at,
    })
    .where(and(eq(imports.id, runId), eq(imports.position, progress.from)))
    .returning();
  if (!updated) throw movedElsewhere(runId);
  return runOf(updated);
}

/**
 * Clients (not merged away) owning any of `keys`, with every key they own. The keys and ids go
 * as one array parameter each: a parameter per key made building the query cost more than
 * running it.
 */
async function knownClients(db: PgDb, keys: string[]): Promise<Map<string, KnownClient>> {
  const known = new Map<string, KnownClient>();
  if (!keys.length) return known;
  const owners = await db
    .select({
      key: identities.key,
      id: clients.id,
      name: clients.name,
      company: clients.company,
      responsibleId: clients.responsibleId,
      custom: clients.custom,
    })
    .from(identities)
    .innerJoin(clients, eq(clients.id, identities.clientId))
    .where(
      and(sql`${identities.key} = ANY(${sql.param(keys)}::text[])`, isNull(clients.mergedIntoId)),
    )
    .orderBy(clients.id);
  if (!owners.length) return known;
  const ids = [...new Set(owners.map((owner) => owner.id))];
  const owned = new Map<number, string[]>();
  for (const { clientId, key } of await db
    .select({ clientId: identities.clientId, key: identities.key })
    .from(identities)
    .where(sql`${identities.clientId} = ANY(${sql.param(ids)}::bigint[])`)) {
    if (clientId !== null) owned.set(clientId, [...(owned.get(clientId) ?? []), key]);
  }
  const byId = new Map<number, KnownClient>();
  for (const { key, ...client } of owners) {
    const entry = byId.get(client.id) ?? { ...client, identityKeys: owned.get(client.id) ?? [] };
    byId.set(client.id, entry);
    if (!known.has(key)) known.set(key, entry);
  }
  return known;
}

export function pgImports(db: PgDb): ImportRepository {
  const get = async (id: number) => {
    const [row] = await db.select().from(imports).where(eq(imports.id, id));
    return row && runOf(row);
  };

  return {
    // Each batch takes an advisory lock per identity key (about 2,000 at 1,000 rows); the
    // server's lock table holds ~10,000 in one transaction.
    batchSize: 1000,
    leadBatchSize: 500,

    async start(run) {
      const [row] = await db
        .insert(imports)
        .values({
          entity: run.entity,
          fileName: run.fileName,
          fingerprint: run.fingerprint,
          status: 'running',
          options: run.options,
          counts: { created: 0, updated: 0, skipped: 0, refused: 0 },
          userId: run.userId,
          startedAt: run.at,
          updatedAt: run.at,
        })
        .returning();
      if (!row) throw new Error('the import was not stored');
      return runOf(row);
    },

    get,

    async resumable(entity, fingerprint) {
      const [row] = await db
        .select()
        .from(imports)
        .where(
          and(
            eq(imports.entity, entity),
            eq(imports.fingerprint, fingerprint),
            inArray(imports.status, ['running', 'interrupted']),
          ),
        )
        .orderBy(desc(imports.id))
        .limit(1);
      return row && runOf(row);
    },

    async recent(limit) {
      return (await db.select().from(imports).orderBy(desc(imports.id)).limit(limit)).map(runOf);
    },

    knownClients: (keys) => knownClients(db, keys),

    importClients(runId, rows, mode, progress) {
      const keys = [...new Set(rows.flatMap((row) => row.identities.map((i) => i.key)))];
      // The ingest's identity locks: a message from one of these people is decided before the
      // batch (and the import then finds its lead's client) or after it (and finds the client).
      return inTransaction(db.$client, async (client) => {
        await lockIdentityKeys(client, keys);
        const tx = drizzleOf(client);
        const [run] = await tx
          .select({ userId: imports.userId })
          .from(imports)
          .where(eq(imports.id, runId))
          .for('update');
        const steps = planClientImport(rows, await knownClients(tx, keys), mode);
        const creates = steps.flatMap((step) => (step.kind === 'create' ? [step.client] : []));
        if (creates.length) {
          // Ids first, so each row's identities know their client without relying on the
          // order RETURNING gives rows back in.
          const { rows: ids } = await client.query<{ id: string }>(
            `SELECT nextval(pg_get_serial_sequence('clients', 'id')) AS id FROM generate_series(1, $1)`,
            [creates.length],
          );
          const clientIds = ids.map((row) => Number(row.id));
          const keysOf = creates.map((c) => duplicateKeys(c.name, c.company));
          await client.query(
            `INSERT INTO clients (id, kind, name, company, custom, responsible_id, match_key, company_key, created_at)
             SELECT id, kind, name, company, custom::jsonb, responsible_id, match_key, company_key, $9
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
               $7::text[], $8::text[])
               AS t(id, kind, name, company, custom, responsible_id, match_key, company_key)`,
            [
              clientIds,
              creates.map((c) => c.kind),
              creates.map((c) => c.name),
              creates.map((c) => c.company),
              creates.map((c) => JSON.stringify(c.custom)),
              creates.map((c) => c.responsibleId),
              keysOf.map((k) => k.matchKey),
              keysOf.map((k) => k.companyKey),
              progress.at,
            ],
          );
          const owned = creates.flatMap((c, i) =>
            c.identities.map((identity) => ({ ...identity, clientId: clientIds[i]! })),
          );
          if (owned.length) {
            await client.query(
              `INSERT INTO identities (kind, key, raw, client_id, created_at)
               SELECT kind, key, raw, client_id, $5
               FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(kind, key, raw, client_id)
               ON CONFLICT DO NOTHING`,
              [
                owned.map((i) => i.kind),
                owned.map((i) => i.key),
                owned.map((i) => i.raw),
                owned.map((i) => i.clientId),
                progress.at,
              ],
            );
          }
        }
        const context = { userId: run?.userId ?? null, at: progress.at };
        for (const step of steps) {
          if (step.kind !== 'update') continue;
          await updateClient(
            tx,
            step.clientId,
            { ...step.fill, addIdentities: step.addIdentities },
            context,
            { kind: 'all' },
          );
        }
        return { steps, run: await advance(tx, runId, countSteps(steps), progress) };
      });
    },

    advance: (runId, counts, progress) => advance(db, runId, counts, progress),

    async finish(runId, status, at) {
      await db
        .update(imports)
        .set({ status, updatedAt: at, finishedAt: status === 'interrupted' ? null : at })
        .where(eq(imports.id, runId));
      const run = await get(runId);
      if (!run) throw new Error(`import ${runId} does not exist`);
      return run;
    },
  };
}
