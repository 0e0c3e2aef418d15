/** Deals: what a converted lead (or an operator) opens for a client, on stages of their own. */
import type { RecordScope } from '../permissions.ts';
import type { ChangeContext, TimelineEntry } from './timeline.ts';

export interface DealRecord {
  id: number;
  title: string;
  amount: number | null;
  /** ISO 4217, upper case. */
  currency: string | null;
  stage: string;
  /** Denormalised from the stage's semantics. */
  open: boolean;
  clientId: number | null;
  responsibleId: number | null;
  /** The lead it was converted from. */
  leadId: number | null;
  /** Values of the custom fields defined for deals. */
  custom: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export interface DealDetail extends DealRecord {
  timeline: TimelineEntry[];
}

export interface NewDeal {
  title: string;
  amount?: number | null | undefined;
  currency?: string | null | undefined;
  /** Default: the first deal stage in progress. */
  stage?: string | undefined;
  clientId?: number | null | undefined;
  responsibleId?: number | null | undefined;
  leadId?: number | null | undefined;
  custom?: Record<string, unknown> | undefined;
}

export type DealPatch = Partial<
  Pick<NewDeal, 'title' | 'amount' | 'currency' | 'stage' | 'responsibleId' | 'clientId' | 'custom'>
>;

export interface DealFilter {
  clientId?: number | undefined;
  responsibleId?: number | undefined;
  leadId?: number | undefined;
  stage?: string | undefined;
  open?: boolean | undefined;
  limit: number;
  /** Id of the last deal of the previous page (newest first). */
  cursor?: number | undefined;
}

export type DealProblem = 'no-deal' | 'no-stage' | 'no-client' | 'no-user';

export type DealWrite = { ok: true; deal: DealRecord } | { ok: false; problem: DealProblem };

export interface DealRepository {
  list(
    filter: DealFilter,
    scope: RecordScope,
  ): Promise<{ deals: DealRecord[]; nextCursor: string | null }>;
  /** Undefined when missing or out of scope. */
  get(id: number, scope: RecordScope): Promise<DealDetail | undefined>;
  /** Writes `created` on the deal's timeline and a `deal.created` event. */
  create(deal: NewDeal, context: ChangeContext): Promise<DealWrite>;
  /**
   * Changes what is given; `no-deal` when missing or out of `scope`. Each changed field goes on
   * the timeline with its value before and after, with `deal.updated` (and `deal.stage_changed`).
   */
  update(
    id: number,
    patch: DealPatch,
    context: ChangeContext,
    scope: RecordScope,
  ): Promise<DealWrite>;
}
