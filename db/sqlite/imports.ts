/** SQLite: CSV import runs and the batches of clients they write. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Statement } from 'better-sqlite3';
import { duplicateKeys, keysAfter } from '../../core/duplicate-keys.ts';
import {
  planClientImport,
  countSteps,
  type ImportStep,
  type KnownClient,
} from '../../core/import-plan.ts';
import { clientChanges } from '../../core/record-changes.ts';
import type {
  ImportCounts,
  ImportProgress,
  ImportRepository,
  ImportRun,
} from '../../core/repositories/imports.ts';
import type { ChangeContext } from '../../core/repositories/timeline.ts';
import type { Db } from './open.ts';
import { imports } from './schema.ts';

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
function advance(
  db: Pick<Db, 'update' | 'select'>,
  runId: number,
  counts: Omit<ImportCounts, 'refused'>,
  progress: ImportProgress,
): ImportRun {
  const moved = db
    .update(imports)
    .set({
      position: sql`${imports.position} + ${progress.records}`,
      counts: sql`json_set(${imports.counts},
        '$.created', coalesce(json_extract(${imports.counts}, '$.created'), 0) + ${counts.created},
        '$.updated', coalesce(json_extract(${imports.counts}, '$.updated'), 0) + ${counts.updated},
        '$.skipped', coalesce(json_extract(${imports.counts}, '$.skipped'), 0) + ${counts.skipped},
        '$.refused', coalesce(json_extract(${imports.counts}, '$.refused'), 0) + ${progress.refused})`,
      updatedAt: progress.at,
    })
    .where(and(eq(imports.id, runId), eq(imports.position, progress.from)))
    .run();
  if (moved.changes === 0) throw movedElsewhere(runId);
  const row = db.select().from(imports).where(eq(imports.id, runId)).get();
  if (!row) throw new Error(`import ${runId} does not exist`);
  return runOf(row);
}

interface OwnerRow {
  key: string;
  id: number;
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  custom: string;
}

/**
 * Clients (not merged away) owning any of `keys`, with every key they own. Two statements
 * prepared once, a batch's keys given as one JSON array: building and compiling a query with a
 * parameter per key, for every batch, took longer than running it.
 */
function knownClientsLookup(sqlite: Db['$client']) {
  const ownersOf = sqlite.prepare<[string], OwnerRow>(
    `SELECT i.key, c.id, c.name, c.company, c.responsible_id AS responsibleId, c.custom
     FROM identities i JOIN clients c ON c.id = i.client_id
     WHERE i.key IN (SELECT value FROM json_each(?)) AND c.merged_into_id IS NULL
     ORDER BY c.id`,
  );
  const keysOf = sqlite.prepare<[string], { clientId: number; key: string }>(
    `SELECT client_id AS clientId, key FROM identities
     WHERE client_id IN (SELECT value FROM json_each(?))`,
  );
  return (keys: string[]): Map<string, KnownClient> => {
    const known = new Map<string, KnownClient>();
    if (!keys.length) return known;
    const owners = ownersOf.all(JSON.stringify(keys));
    if (!owners.length) return known;
    const ids = [...new Set(owners.map((owner) => owner.id))];
    const owned = new Map<number, string[]>();
    for (const { clientId, key } of keysOf.all(JSON.stringify(ids)))
      owned.set(clientId, [...(owned.get(clientId) ?? []), key]);
    const byId = new Map<number, KnownClient>();
    for (const { key, custom, ...client } of owners) {
      const entry = byId.get(client.id) ?? {
        ...client,
        custom: JSON.parse(custom) as Record<string, unknown>,
        identityKeys: owned.get(client.id) ?? [],
      };
      byId.set(client.id, entry);
      // The oldest owner of a key stands for it.
      if (!known.has(key)) known.set(key, entry);
    }
    return known;
  };
}

/** Column names of the fields a fill sets. */
const COLUMNS: Record<string, string> = {
  responsibleId: 'responsible_id',
  matchKey: 'match_key',
  companyKey: 'company_key',
};

export function sqliteImports(db: Db): ImportRepository {
  const knownClients = knownClientsLookup(db.$client);
  const insertClient = db.$client.prepare<unknown[], { id: number }>(
    `INSERT INTO clients (kind, name, company, custom, responsible_id, match_key, company_key, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const insertIdentity = db.$client.prepare(
    `INSERT INTO identities (kind, key, raw, client_id, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );
  const recordChange = db.$client.prepare(
    `INSERT INTO timeline (entity, entity_id, user_id, action, before, after, at)
     VALUES ('client', ?, ?, ?, ?, ?, ?)`,
  );
  const recordEvent = db.$client.prepare(
    `INSERT INTO events (type, lead_id, payload, created_at) VALUES (?, NULL, ?, ?)`,
  );
  const updates = new Map<string, Statement>();
  /** The UPDATE of these columns, compiled once. */
  const updateOf = (columns: string[]) => {
    const shape = columns.join(',');
    let statement = updates.get(shape);
    if (!statement) {
      statement = db.$client.prepare(
        `UPDATE clients SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`,
      );
      updates.set(shape, statement);
    }
    return statement;
  };

  /**
   * What a merge-mode row adds to a client, as `clients.update` records it (the change and its
   * identities on the client's timeline, `client.updated`), in statements compiled once: an
   * import may fill tens of thousands of clients.
   */
  function fill(
    step: Extract<ImportStep, { kind: 'update' }>,
    current: KnownClient,
    context: ChangeContext,
  ) {
    const at = context.at.getTime();
    const added = step.addIdentities.filter(
      (identity) =>
        insertIdentity.run(identity.kind, identity.key, identity.raw, step.clientId, at).changes >
        0,
    );
    const change = clientChanges(
      step.clientId,
      current,
      step.fill,
      { added, removed: [] },
      context,
    );
    const set: Record<string, unknown> = { ...change.set, ...keysAfter(current, change.set) };
    const columns = Object.keys(set).map((field) => COLUMNS[field] ?? field);
    if (columns.length || added.length) {
      const values = Object.values(set).map((value) =>
        value !== null && typeof value === 'object' ? JSON.stringify(value) : value,
      );
      updateOf([...columns, 'updated_at']).run(...values, at, step.clientId);
    }
    for (const entry of change.entries)
      recordChange.run(
        step.clientId,
        entry.userId,
        entry.action,
        entry.before && JSON.stringify(entry.before),
        entry.after && JSON.stringify(entry.after),
        at,
      );
    for (const event of change.events)
      recordEvent.run(event.type, JSON.stringify(event.payload), at);
  }

  const get = (id: number) => {
    const row = db.select().from(imports).where(eq(imports.id, id)).get();
    return row && runOf(row);
  };

  return {
    // One commit (an fsync) per 5,000 rows: SQLite has no per-key locks to bound a batch.
    batchSize: 5000,
    // About 1 ms a row in the ingest transaction: a tenth of a second of the write lock.
    leadBatchSize: 100,

    async start(run) {
      const [row] = db
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
        .returning()
        .all();
      if (!row) throw new Error('the import was not stored');
      return runOf(row);
    },

    async get(id) {
      return get(id);
    },

    async resumable(entity, fingerprint) {
      const row = db
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
        .get();
      return row && runOf(row);
    },

    async recent(limit) {
      return db.select().from(imports).orderBy(desc(imports.id)).limit(limit).all().map(runOf);
    },

    async knownClients(keys) {
      return knownClients(keys);
    },

    async importClients(runId, rows, mode, progress) {
      return db.transaction(
        (tx) => {
          const keys = [...new Set(rows.flatMap((row) => row.identities.map((i) => i.key)))];
          const known = knownClients(keys);
          const steps = planClientImport(rows, known, mode);
          // Each client as the batch's earlier fills left it.
          const current = new Map([...known.values()].map((client) => [client.id, client]));
          const at = progress.at.getTime();
          const userId = tx
            .select({ userId: imports.userId })
            .from(imports)
            .where(eq(imports.id, runId))
            .get()?.userId;
          // Changes to existing clients are on their timelines, as made by who imported.
          const context = { userId: userId ?? null, at: progress.at };
          for (const step of steps) {
            if (step.kind === 'create') {
              const { client } = step;
              const keysOf = duplicateKeys(client.name, client.company);
              const { id } = insertClient.get(
                client.kind,
                client.name,
                client.company,
                JSON.stringify(client.custom),
                client.responsibleId,
                keysOf.matchKey,
                keysOf.companyKey,
                at,
              )!;
              for (const identity of client.identities)
                insertIdentity.run(identity.kind, identity.key, identity.raw, id, at);
            } else if (step.kind === 'update') {
              const client = current.get(step.clientId)!;
              fill(step, client, context);
              current.set(step.clientId, {
                ...client,
                ...step.fill,
                identityKeys: [...client.identityKeys, ...step.addIdentities.map((i) => i.key)],
              });
            }
          }
          return { steps, run: advance(tx, runId, countSteps(steps), progress) };
        },
        { behavior: 'immediate' },
      );
    },

    async advance(runId, counts, progress) {
      return advance(db, runId, counts, progress);
    },

    async finish(runId, status, at) {
      db.update(imports)
        .set({ status, updatedAt: at, finishedAt: status === 'interrupted' ? null : at })
        .where(eq(imports.id, runId))
        .run();
      const run = get(runId);
      if (!run) throw new Error(`import ${runId} does not exist`);
      return run;
    },
  };
}
