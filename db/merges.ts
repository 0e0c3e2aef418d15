/**
 * Merges and their undoing, the same for both stores. Each is one transaction written once as a
 * generator of queries: it yields a statement and is handed its rows back. SQLite runs it to the
 * end inside its synchronous transaction (nothing else can slip in between), PostgreSQL awaits
 * each statement inside its own; the logic (what moves, what is kept, what blocks an undo)
 * cannot differ between them.
 */
import { sql, type SQL } from 'drizzle-orm';
import { mergedValues, type MergeEntity, type MergeSide } from '../core/merge.ts';
import { duplicateKeys } from '../core/duplicate-keys.ts';
import type { RecordScope } from '../core/permissions.ts';
import type {
  MergeOutcome,
  MergeRecord,
  MergeRepository,
  MergeRequest,
  UndoBlock,
  UndoOutcome,
} from '../core/repositories/merges.ts';
import type { ChangeContext } from '../core/repositories/timeline.ts';

export type Row = Record<string, unknown>;
/** A transaction's queries: yields a statement, receives its rows. */
export type Steps<T> = Generator<SQL, T, Row[]>;

export interface MergeDialect {
  /** Runs `steps` as one transaction. */
  transaction<T>(steps: () => Steps<T>): Promise<T>;
  scope(entity: MergeEntity, scope: RecordScope): SQL | undefined;
  time(at: Date): unknown;
  date(value: unknown): Date;
  /** A JSON column's value as an object. */
  json(value: unknown): Record<string, unknown>;
}

const TABLE = { lead: sql.raw('leads'), client: sql.raw('clients') };

/** What moves with a merge: table and the column pointing at the merged record. */
const MOVES: Record<MergeEntity, readonly (readonly [string, string])[]> = {
  lead: [
    ['messages', 'lead_id'],
    ['notes', 'lead_id'],
    ['activities', 'lead_id'],
    ['deals', 'lead_id'],
  ],
  client: [
    ['leads', 'client_id'],
    ['deals', 'client_id'],
    ['clients', 'company_id'],
  ],
};

/** Columns an undo does not compare: the clock of the last change and derived keys. */
const NOT_COMPARED = new Set(['updated_at', 'match_key', 'company_key']);

const ids = (list: readonly unknown[]) =>
  sql.join(
    list.map((id) => sql`${Number(id)}`),
    sql`, `,
  );

/** A row as JSON has it (dates as ISO text), to compare a snapshot with the row as it is now. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as unknown;

export function mergeRepository(dialect: MergeDialect): MergeRepository {
  const owner = (entity: MergeEntity) => sql.raw(entity === 'lead' ? 'lead_id' : 'client_id');

  function side(entity: MergeEntity, row: Row): MergeSide {
    const values: Record<string, unknown> =
      entity === 'lead'
        ? {
            title: row.title,
            name: row.name,
            company: row.company,
            responsibleId: row.responsible_id === null ? null : Number(row.responsible_id),
          }
        : {
            kind: row.kind,
            name: row.name,
            company: row.company,
            responsibleId: row.responsible_id === null ? null : Number(row.responsible_id),
          };
    return {
      id: Number(row.id),
      createdAt: dialect.date(row.created_at),
      updatedAt: row.updated_at === null ? null : dialect.date(row.updated_at),
      values,
      custom: dialect.json(row.custom),
      ...(entity === 'lead' ? { stage: row.stage as string } : {}),
    };
  }

  /** Both rows, when both exist, are not merged away and are within `scope`. */
  function* bothRows(
    entity: MergeEntity,
    survivorId: number,
    mergedId: number,
    scope: RecordScope,
  ): Steps<{ survivor: Row; merged: Row } | undefined> {
    const inScope = dialect.scope(entity, scope);
    const rows = yield sql`SELECT * FROM ${TABLE[entity]} WHERE id IN (${survivorId}, ${mergedId})
      AND merged_into_id IS NULL${inScope ? sql` AND ${inScope}` : sql``}`;
    const survivor = rows.find((row) => Number(row.id) === survivorId);
    const merged = rows.find((row) => Number(row.id) === mergedId);
    return survivor && merged ? { survivor, merged } : undefined;
  }

  function* timeline(
    entity: MergeEntity,
    id: number,
    action: string,
    before: object | null,
    after: object | null,
    context: ChangeContext,
  ): Steps<void> {
    yield sql`INSERT INTO timeline (entity, entity_id, user_id, action, before, after, at)
      VALUES (${entity}, ${id}, ${context.userId}, ${action},
        ${before && JSON.stringify(before)}, ${after && JSON.stringify(after)}, ${dialect.time(context.at)})`;
  }

  function* event(
    type: string,
    leadId: number | null,
    payload: object,
    context: ChangeContext,
  ): Steps<void> {
    yield sql`INSERT INTO events (type, lead_id, payload, created_at)
      VALUES (${type}, ${leadId}, ${JSON.stringify(payload)}, ${dialect.time(context.at)})`;
  }

  function record(row: Row): MergeRecord {
    return {
      id: Number(row.id),
      entity: row.entity as MergeEntity,
      survivorId: Number(row.survivor_id),
      mergedId: Number(row.merged_id),
      userId: row.user_id === null ? null : Number(row.user_id),
      createdAt: dialect.date(row.created_at),
      undoneAt: row.undone_at === null ? null : dialect.date(row.undone_at),
      undoneBy: row.undone_by === null ? null : Number(row.undone_by),
    };
  }

  function* mergeSteps(
    request: MergeRequest,
    context: ChangeContext,
    scope: RecordScope,
  ): Steps<MergeOutcome> {
    const { entity, survivorId, mergedId } = request;
    if (survivorId === mergedId)
      return { ok: false, problem: 'same-record', message: 'a record cannot merge into itself' };
    const both = yield* bothRows(entity, survivorId, mergedId, scope);
    if (!both)
      return {
        ok: false,
        problem: 'not-found',
        message: `${entity} ${survivorId} or ${mergedId} does not exist or was merged already`,
      };
    const { survivor, merged } = both;
    const set: Record<string, unknown> = mergedValues(
      entity,
      side(entity, survivor),
      side(entity, merged),
      request.picks,
    );
    const table = TABLE[entity];
    const own = owner(entity);
    if (entity === 'lead') {
      if (
        survivor.client_id !== null &&
        merged.client_id !== null &&
        Number(survivor.client_id) !== Number(merged.client_id)
      )
        return {
          ok: false,
          problem: 'different-clients',
          message: 'these leads belong to two different clients: merge the clients first',
        };
      if (survivor.client_id === null && merged.client_id !== null)
        set.clientId = Number(merged.client_id);
    }

    // Rows that follow the merged record to the survivor.
    const moved: Record<string, number[]> = {};
    for (const [name, column] of MOVES[entity]) {
      const [t, c] = [sql.raw(name), sql.raw(column)];
      // (A contact is never moved onto itself: the survivor may be a contact of the merged company.)
      const rows =
        yield sql`SELECT id FROM ${t} WHERE ${c} = ${mergedId}${name === 'clients' ? sql` AND id <> ${survivorId}` : sql``}`;
      moved[name] = rows.map((row) => Number(row.id));
      if (rows.length)
        yield sql`UPDATE ${t} SET ${c} = ${survivorId} WHERE id IN (${ids(moved[name])})`;
    }
    // Identities: the survivor already owning a key keeps its own row; the merged one's goes.
    const kept = new Set(
      (yield sql`SELECT key FROM identities WHERE ${own} = ${survivorId}`).map((row) => row.key),
    );
    const theirs = yield sql`SELECT * FROM identities WHERE ${own} = ${mergedId}`;
    const dropped = theirs.filter((row) => kept.has(row.key));
    const movedIdentities = theirs.filter((row) => !kept.has(row.key)).map((row) => Number(row.id));
    if (dropped.length)
      yield sql`DELETE FROM identities WHERE id IN (${ids(dropped.map((row) => row.id))})`;
    if (movedIdentities.length)
      yield sql`UPDATE identities SET ${own} = ${survivorId} WHERE id IN (${ids(movedIdentities)})`;

    // The survivor's values, and the merged record kept aside (a merged lead no longer
    // belongs to its client, so nothing finds it as an open lead of that person).
    const assignments: SQL[] = [sql`updated_at = ${dialect.time(context.at)}`];
    const columns: Record<string, string> = {
      title: 'title',
      name: 'name',
      company: 'company',
      kind: 'kind',
      responsibleId: 'responsible_id',
      clientId: 'client_id',
    };
    for (const [field, value] of Object.entries(set)) {
      if (field === 'custom') assignments.push(sql`custom = ${JSON.stringify(value)}`);
      else assignments.push(sql`${sql.raw(columns[field]!)} = ${value as string | number | null}`);
    }
    if ('name' in set || 'company' in set) {
      const keys = duplicateKeys(
        ('name' in set ? set.name : survivor.name) as string | null,
        ('company' in set ? set.company : survivor.company) as string | null,
      );
      assignments.push(sql`match_key = ${keys.matchKey}`, sql`company_key = ${keys.companyKey}`);
    }
    yield sql`UPDATE ${table} SET ${sql.join(assignments, sql`, `)} WHERE id = ${survivorId}`;
    yield sql`UPDATE ${table} SET merged_into_id = ${survivorId}, updated_at = ${dialect.time(context.at)}${
      entity === 'lead' ? sql`, client_id = NULL` : sql``
    } WHERE id = ${mergedId}`;

    const [after] = yield sql`SELECT * FROM ${table} WHERE id = ${survivorId}`;
    const [mergedAfter] = yield sql`SELECT * FROM ${table} WHERE id = ${mergedId}`;
    const snapshot = {
      survivor,
      merged,
      after,
      mergedAfter,
      moved,
      movedIdentities,
      droppedIdentities: dropped,
    };
    const [row] =
      yield sql`INSERT INTO merges (entity, survivor_id, merged_id, user_id, snapshot, created_at)
      VALUES (${entity}, ${survivorId}, ${mergedId}, ${context.userId}, ${JSON.stringify(snapshot)},
        ${dialect.time(context.at)}) RETURNING *`;
    const merge = record(row!);
    const changed = Object.keys(set);
    yield* timeline(
      entity,
      survivorId,
      'merged',
      { mergedId },
      { mergeId: merge.id, changed },
      context,
    );
    yield* timeline(
      entity,
      mergedId,
      'merged_into',
      null,
      { survivorId, mergeId: merge.id },
      context,
    );
    yield* event(
      `${entity}.merged`,
      entity === 'lead' ? survivorId : null,
      { mergeId: merge.id, survivorId, mergedId, changed },
      context,
    );
    return { ok: true, merge };
  }

  /** What changed after the merge and would be lost by putting the snapshot back. */
  function* blocksOf(entity: MergeEntity, snapshot: Row): Steps<UndoBlock[]> {
    const blocks: UndoBlock[] = [];
    const table = TABLE[entity];
    for (const [label, atMerge] of [
      ['after', snapshot.after],
      ['mergedAfter', snapshot.mergedAfter],
    ] as const) {
      const then = atMerge as Row;
      const [now] = yield sql`SELECT * FROM ${table} WHERE id = ${Number(then.id)}`;
      if (!now) {
        blocks.push({
          what: `${entity} ${String(then.id)}`,
          why: 'it was deleted after the merge',
        });
        continue;
      }
      for (const column of Object.keys(then)) {
        if (NOT_COMPARED.has(column)) continue;
        if (JSON.stringify(plain(now[column])) !== JSON.stringify(plain(then[column])))
          blocks.push({
            what: `${entity} ${String(then.id)} ${column}`,
            why: `${label === 'after' ? 'changed' : 'changed on the merged record'} after the merge, from ${JSON.stringify(plain(then[column]))} to ${JSON.stringify(plain(now[column]))}`,
          });
      }
    }
    const survivorId = Number((snapshot.after as Row).id);
    const moved = snapshot.moved as Record<string, number[]>;
    const check = [
      ...MOVES[entity].map(([name, column]) => [name, column, moved[name] ?? []] as const),
      [
        'identities',
        entity === 'lead' ? 'lead_id' : 'client_id',
        snapshot.movedIdentities as number[],
      ] as const,
    ];
    for (const [name, column, list] of check) {
      if (!list.length) continue;
      const still = new Set(
        (yield sql`SELECT id FROM ${sql.raw(name)} WHERE id IN (${ids(list)}) AND ${sql.raw(column)} = ${survivorId}`).map(
          (row) => Number(row.id),
        ),
      );
      for (const id of list)
        if (!still.has(id))
          blocks.push({
            what: `${name} ${id}`,
            why: 'it was moved or deleted after the merge, so it cannot go back',
          });
    }
    return blocks;
  }

  /** Puts a row back as the snapshot has it (every column but its id). */
  function* restore(table: SQL, row: Row): Steps<void> {
    const assignments = Object.entries(row)
      .filter(([column]) => column !== 'id')
      .map(([column, value]) => {
        const cell =
          value !== null && typeof value === 'object' ? JSON.stringify(value) : (value as string);
        return sql`${sql.raw(column)} = ${cell}`;
      });
    yield sql`UPDATE ${table} SET ${sql.join(assignments, sql`, `)} WHERE id = ${Number(row.id)}`;
  }

  function* undoSteps(id: number, context: ChangeContext, scope: RecordScope): Steps<UndoOutcome> {
    const [row] = yield sql`SELECT * FROM merges WHERE id = ${id}`;
    if (!row) return { ok: false, problem: 'not-found', blocks: [] };
    const merge = record(row);
    const { entity, survivorId, mergedId } = merge;
    const inScope = dialect.scope(entity, scope);
    const reachable =
      yield sql`SELECT id FROM ${TABLE[entity]} WHERE id IN (${survivorId}, ${mergedId})${
        inScope ? sql` AND ${inScope}` : sql``
      }`;
    if (reachable.length !== 2) return { ok: false, problem: 'not-found', blocks: [] };
    if (merge.undoneAt) return { ok: false, problem: 'already-undone', blocks: [] };
    const snapshot = dialect.json(row.snapshot);
    const blocks = yield* blocksOf(entity, snapshot);
    if (blocks.length) return { ok: false, problem: 'changed', blocks };

    const table = TABLE[entity];
    const own = owner(entity);
    const moved = snapshot.moved as Record<string, number[]>;
    for (const [name, column] of MOVES[entity]) {
      const list = moved[name] ?? [];
      if (list.length)
        yield sql`UPDATE ${sql.raw(name)} SET ${sql.raw(column)} = ${mergedId} WHERE id IN (${ids(list)})`;
    }
    const movedIdentities = snapshot.movedIdentities as number[];
    if (movedIdentities.length)
      yield sql`UPDATE identities SET ${own} = ${mergedId} WHERE id IN (${ids(movedIdentities)})`;
    for (const identity of snapshot.droppedIdentities as Row[]) {
      const columns = Object.keys(identity);
      yield sql`INSERT INTO identities (${sql.raw(columns.join(', '))}) VALUES (${sql.join(
        columns.map((column) => sql`${identity[column] as string}`),
        sql`, `,
      )})`;
    }
    yield* restore(table, snapshot.survivor as Row);
    yield* restore(table, snapshot.merged as Row);
    yield sql`UPDATE merges SET undone_at = ${dialect.time(context.at)}, undone_by = ${context.userId} WHERE id = ${id}`;
    yield* timeline(entity, survivorId, 'unmerged', null, { mergeId: id, mergedId }, context);
    yield* timeline(entity, mergedId, 'unmerged', null, { mergeId: id, survivorId }, context);
    yield* event(
      `${entity}.unmerged`,
      entity === 'lead' ? survivorId : null,
      { mergeId: id, survivorId, mergedId },
      context,
    );
    return {
      ok: true,
      merge: { ...merge, undoneAt: context.at, undoneBy: context.userId },
    };
  }

  return {
    sides(entity, survivorId, mergedId, scope) {
      return dialect.transaction(function* () {
        const both = yield* bothRows(entity, survivorId, mergedId, scope);
        return both && { survivor: side(entity, both.survivor), merged: side(entity, both.merged) };
      });
    },
    merge: (request, context, scope) =>
      dialect.transaction(() => mergeSteps(request, context, scope)),
    undo: (id, context, scope) => dialect.transaction(() => undoSteps(id, context, scope)),
    get: (id) =>
      dialect.transaction(function* () {
        const [row] = yield sql`SELECT * FROM merges WHERE id = ${id}`;
        return row && record(row);
      }),
    of: (entity, id) =>
      dialect.transaction(function* () {
        const rows = yield sql`SELECT * FROM merges WHERE entity = ${entity}
          AND (survivor_id = ${id} OR merged_id = ${id}) ORDER BY id DESC`;
        return rows.map(record);
      }),
  };
}
