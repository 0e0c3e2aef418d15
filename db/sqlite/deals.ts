/** SQLite: deals on their stages, each change on the deal's timeline with its events. */
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
import type { Db } from './open.ts';
import { clients, dealStages, deals, users } from './schema.ts';
import { recordChange, recordEvent, timelineOf } from './timeline.ts';

type Reader = Pick<Db, 'select'>;
type Writer = Pick<Db, 'select' | 'insert'>;

const stageOf = (db: Reader, code: string) =>
  db.select().from(dealStages).where(eq(dealStages.code, code)).get();

/** The first stage in progress: where a deal starts unless told otherwise. */
const firstOpenStage = (db: Reader) =>
  db
    .select()
    .from(dealStages)
    .where(eq(dealStages.semantics, 'process'))
    .orderBy(asc(dealStages.sort))
    .limit(1)
    .get();

/** Why the client or responsible a deal is given cannot be stored; undefined when both can. */
function missingReference(
  db: Reader,
  deal: { clientId?: number | null | undefined; responsibleId?: number | null | undefined },
): DealProblem | undefined {
  const { clientId, responsibleId } = deal;
  if (typeof clientId === 'number') {
    if (!db.select({ id: clients.id }).from(clients).where(eq(clients.id, clientId)).get())
      return 'no-client';
  }
  if (typeof responsibleId === 'number') {
    if (!db.select({ id: users.id }).from(users).where(eq(users.id, responsibleId)).get())
      return 'no-user';
  }
  return undefined;
}

/**
 * Stores a deal with its `created` timeline entry and `deal.created` event, inside the caller's
 * transaction (a lead's conversion writes its deal this way too).
 */
export function insertDeal(tx: Writer, input: NewDeal, context: ChangeContext): DealWrite {
  const stage = input.stage === undefined ? firstOpenStage(tx) : stageOf(tx, input.stage);
  if (!stage) return { ok: false, problem: 'no-stage' };
  const problem = missingReference(tx, input);
  if (problem) return { ok: false, problem };
  const open = stage.semantics === 'process';
  const fields = {
    title: input.title,
    amount: input.amount ?? null,
    currency: input.currency ?? null,
    stage: stage.code,
    clientId: input.clientId ?? null,
    responsibleId: input.responsibleId ?? null,
    leadId: input.leadId ?? null,
    custom: input.custom ?? {},
  };
  const [deal] = tx
    .insert(deals)
    .values({
      ...fields,
      open,
      createdAt: context.at,
      updatedAt: context.at,
      closedAt: open ? null : context.at,
    })
    .returning()
    .all();
  if (!deal) throw new Error('the deal was not stored');
  const { entry, event } = created(
    'deal',
    deal.id,
    fields,
    { dealId: deal.id, clientId: deal.clientId, leadId: deal.leadId },
    context,
    deal.leadId,
  );
  recordChange(tx, entry);
  recordEvent(tx, event);
  return { ok: true, deal };
}

function updateDeal(
  tx: Pick<Db, 'select' | 'insert' | 'update'>,
  id: number,
  patch: DealPatch,
  context: ChangeContext,
  scope: RecordScope,
): DealWrite {
  const current = tx
    .select()
    .from(deals)
    .where(and(eq(deals.id, id), scopeCondition(scope, deals.responsibleId)))
    .get();
  if (!current) return { ok: false, problem: 'no-deal' };
  const stage = patch.stage === undefined ? undefined : stageOf(tx, patch.stage);
  if (patch.stage !== undefined && !stage) return { ok: false, problem: 'no-stage' };
  const problem = missingReference(tx, patch);
  if (problem) return { ok: false, problem };
  const change = dealChanges(id, current, patch, stage?.semantics === 'process', context);
  if (!change.changes.length) return { ok: true, deal: current };
  const [deal] = tx
    .update(deals)
    .set({ ...change.set, updatedAt: context.at })
    .where(eq(deals.id, id))
    .returning()
    .all();
  for (const entry of change.entries) recordChange(tx, entry);
  for (const event of change.events) recordEvent(tx, event);
  return { ok: true, deal: deal! };
}

export function sqliteDeals(db: Db): DealRepository {
  return {
    async list(filter, scope) {
      const rows = db
        .select()
        .from(deals)
        .where(dealConditions(filter, scope, deals))
        .orderBy(desc(deals.id))
        .limit(filter.limit + 1)
        .all();
      const { page, nextCursor } = pageOf(rows, filter.limit);
      return { deals: page, nextCursor };
    },

    async get(id, scope) {
      return db.transaction((tx) => {
        const deal = tx
          .select()
          .from(deals)
          .where(and(eq(deals.id, id), scopeCondition(scope, deals.responsibleId)))
          .get();
        return deal && { ...deal, timeline: timelineOf(tx, 'deal', id) };
      });
    },

    async create(deal, context) {
      return db.transaction((tx) => insertDeal(tx, deal, context), { behavior: 'immediate' });
    },

    async update(id, patch, context, scope) {
      return db.transaction((tx) => updateDeal(tx, id, patch, context, scope), {
        behavior: 'immediate',
      });
    },
  };
}
