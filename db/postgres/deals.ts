/** PostgreSQL: deals on their stages, each change on the deal's timeline with its events. */
import { and, asc, desc, eq } from 'drizzle-orm';
import type { RecordScope } from '../../core/permissions.ts';
import type {
  DealPatch,
  DealProblem,
  DealRepository,
  DealWrite,
  NewDeal,
} from '../../core/repositories/deals.ts';
import type { ChangeContext } from '../../core/repositories/timeline.ts';
import { created, dealChanges } from '../../core/record-changes.ts';
import { dealConditions, pageOf } from '../listing.ts';
import { scopeCondition } from '../scope.ts';
import { drizzleOf, type PgDb } from './open.ts';
import { clients, dealStages, deals, users } from './schema.ts';
import { withoutNul } from './text.ts';
import { recordChange, recordEvent, timelineOf } from './timeline.ts';
import { inTransaction } from './transaction.ts';

const stageOf = async (db: PgDb, code: string) =>
  (await db.select().from(dealStages).where(eq(dealStages.code, code)))[0];

/** The first stage in progress: where a deal starts unless told otherwise. */
const firstOpenStage = async (db: PgDb) =>
  (
    await db
      .select()
      .from(dealStages)
      .where(eq(dealStages.semantics, 'process'))
      .orderBy(asc(dealStages.sort))
      .limit(1)
  )[0];

/** Why the client or responsible a deal is given cannot be stored; undefined when both can. */
async function missingReference(
  db: PgDb,
  deal: { clientId?: number | null | undefined; responsibleId?: number | null | undefined },
): Promise<DealProblem | undefined> {
  const { clientId, responsibleId } = deal;
  if (typeof clientId === 'number') {
    const [client] = await db
      .select({ id: clients.id })
      .from(clients)
      .where(eq(clients.id, clientId));
    if (!client) return 'no-client';
  }
  if (typeof responsibleId === 'number') {
    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, responsibleId));
    if (!user) return 'no-user';
  }
  return undefined;
}

/**
 * Stores a deal with its `created` timeline entry and `deal.created` event, inside the caller's
 * transaction (a lead's conversion writes its deal this way too).
 */
export async function insertDeal(
  tx: PgDb,
  input: NewDeal,
  context: ChangeContext,
): Promise<DealWrite> {
  const stage =
    input.stage === undefined ? await firstOpenStage(tx) : await stageOf(tx, input.stage);
  if (!stage) return { ok: false, problem: 'no-stage' };
  const problem = await missingReference(tx, input);
  if (problem) return { ok: false, problem };
  const open = stage.semantics === 'process';
  const fields = withoutNul({
    title: input.title,
    amount: input.amount ?? null,
    currency: input.currency ?? null,
    stage: stage.code,
    clientId: input.clientId ?? null,
    responsibleId: input.responsibleId ?? null,
    leadId: input.leadId ?? null,
    custom: input.custom ?? {},
  });
  const [deal] = await tx
    .insert(deals)
    .values({
      ...fields,
      open,
      createdAt: context.at,
      updatedAt: context.at,
      closedAt: open ? null : context.at,
    })
    .returning();
  if (!deal) throw new Error('the deal was not stored');
  const { entry, event } = created(
    'deal',
    deal.id,
    fields,
    { dealId: deal.id, clientId: deal.clientId, leadId: deal.leadId },
    context,
    deal.leadId,
  );
  await recordChange(tx, entry);
  await recordEvent(tx, event);
  return { ok: true, deal };
}

async function updateDeal(
  tx: PgDb,
  id: number,
  patch: DealPatch,
  context: ChangeContext,
  scope: RecordScope,
): Promise<DealWrite> {
  // The row stays locked to the end: a concurrent update waits and then sees this one's values.
  const [current] = await tx
    .select()
    .from(deals)
    .where(and(eq(deals.id, id), scopeCondition(scope, deals.responsibleId)))
    .for('update');
  if (!current) return { ok: false, problem: 'no-deal' };
  const stage = patch.stage === undefined ? undefined : await stageOf(tx, patch.stage);
  if (patch.stage !== undefined && !stage) return { ok: false, problem: 'no-stage' };
  const problem = await missingReference(tx, patch);
  if (problem) return { ok: false, problem };
  const change = dealChanges(
    id,
    current,
    withoutNul(patch),
    stage?.semantics === 'process',
    context,
  );
  if (!change.changes.length) return { ok: true, deal: current };
  const [deal] = await tx
    .update(deals)
    .set({ ...change.set, updatedAt: context.at })
    .where(eq(deals.id, id))
    .returning();
  for (const entry of change.entries) await recordChange(tx, entry);
  for (const event of change.events) await recordEvent(tx, event);
  return { ok: true, deal: deal! };
}

export function pgDeals(db: PgDb): DealRepository {
  return {
    async list(filter, scope) {
      const rows = await db
        .select()
        .from(deals)
        .where(dealConditions(withoutNul(filter), scope, deals))
        .orderBy(desc(deals.id))
        .limit(filter.limit + 1);
      const { page, nextCursor } = pageOf(rows, filter.limit);
      return { deals: page, nextCursor };
    },

    async get(id, scope) {
      const [deal] = await db
        .select()
        .from(deals)
        .where(and(eq(deals.id, id), scopeCondition(scope, deals.responsibleId)));
      return deal && { ...deal, timeline: await timelineOf(db, 'deal', id) };
    },

    create(deal, context) {
      return inTransaction(db.$client, (client) => insertDeal(drizzleOf(client), deal, context));
    },

    update(id, patch, context, scope) {
      return inTransaction(db.$client, (client) =>
        updateDeal(drizzleOf(client), id, patch, context, scope),
      );
    },
  };
}
