/**
 * What a client or deal update writes, worked out the same way for both stores: the fields that
 * really change (a value given equal to the stored one is no change), the timeline entries with
 * their values before and after, and the domain events. Each store reads the record, asks here,
 * and writes the answer in the change's own transaction.
 */
import type { IdentityView } from './repositories/leads.ts';
import type { ChangeContext, TimelineChange as Change } from './repositories/timeline.ts';

export interface DomainEvent {
  type: string;
  leadId: number | null;
  payload: Record<string, unknown>;
  at: Date;
}

/** What one update writes; nothing at all when `changes` is empty. */
export interface ChangeSet<T> {
  /** The columns to set (without `updatedAt`, which the store adds when anything changed). */
  set: Partial<T>;
  /** Names of what changed, as the `*.updated` event lists them. */
  changes: string[];
  entries: Change[];
  events: DomainEvent[];
}

/** Equal values: custom-field objects compare by their JSON (keys in the order written). */
const same = (a: unknown, b: unknown) =>
  Object.is(a, b) ||
  (typeof a === 'object' && a !== null && JSON.stringify(a) === JSON.stringify(b));

/** The fields of `patch` (given, not undefined) whose value differs from `current`. */
export function changedFields<T extends object, K extends keyof T>(
  current: T,
  patch: Partial<Record<K, T[K] | undefined>>,
  fields: readonly K[],
): { before: Partial<T>; after: Partial<T>; names: K[] } {
  const before: Partial<T> = {};
  const after: Partial<T> = {};
  const names: K[] = [];
  for (const field of fields) {
    const value = patch[field];
    if (value === undefined || same(value, current[field])) continue;
    before[field] = current[field];
    after[field] = value as T[K];
    names.push(field);
  }
  return { before, after, names };
}

/** What creating a record writes: `created` with its fields, and its `*.created` event. */
export function created(
  entity: 'client' | 'deal',
  id: number,
  fields: Record<string, unknown>,
  payload: Record<string, unknown>,
  context: ChangeContext,
  leadId: number | null = null,
): { entry: Change; event: DomainEvent } {
  const { userId, at } = context;
  return {
    entry: { entity, entityId: id, userId, action: 'created', before: null, after: fields, at },
    event: { type: `${entity}.created`, leadId, payload, at },
  };
}

const CLIENT_FIELDS = ['name', 'company', 'responsibleId', 'custom'] as const;

export interface ClientScalars {
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  custom: Record<string, unknown>;
}

/**
 * A client update: `updated` with the scalar fields before and after, one `identity_removed` or
 * `identity_added` entry per identity really taken away or added, and `client.updated`.
 */
export function clientChanges(
  id: number,
  current: ClientScalars,
  patch: Partial<ClientScalars>,
  identities: { added: IdentityView[]; removed: IdentityView[] },
  context: ChangeContext,
): ChangeSet<ClientScalars> {
  const { before, after, names } = changedFields(current, patch, CLIENT_FIELDS);
  const entry = (action: string, was: object | null, now: object | null): Change => ({
    entity: 'client',
    entityId: id,
    userId: context.userId,
    action,
    before: was && { ...was },
    after: now && { ...now },
    at: context.at,
  });
  const entries: Change[] = [];
  if (names.length) entries.push(entry('updated', before, after));
  for (const { key, raw } of identities.removed)
    entries.push(entry('identity_removed', { key, raw }, null));
  for (const { key, raw } of identities.added)
    entries.push(entry('identity_added', null, { key, raw }));
  const changes: string[] = [...names];
  if (identities.added.length || identities.removed.length) changes.push('identities');
  const events = changes.length
    ? [{ type: 'client.updated', leadId: null, payload: { clientId: id, changes }, at: context.at }]
    : [];
  return { set: after, changes, entries, events };
}

const DEAL_FIELDS = [
  'title',
  'amount',
  'currency',
  'stage',
  'responsibleId',
  'clientId',
  'custom',
] as const;

export interface DealFields {
  title: string;
  amount: number | null;
  currency: string | null;
  stage: string;
  responsibleId: number | null;
  clientId: number | null;
  leadId: number | null;
  custom: Record<string, unknown>;
}

/**
 * A deal update: `updated` with every changed field before and after; a new stage also writes
 * `stage_changed` and `deal.stage_changed`, a new responsible `assigned` and `deal.assigned`;
 * `deal.updated` lists what changed. `open` and `closedAt` follow the new stage's semantics.
 */
export function dealChanges(
  id: number,
  current: DealFields,
  patch: Partial<DealFields>,
  /** Whether the patch's stage (when it changes) is one in progress. */
  stageOpen: boolean,
  context: ChangeContext,
): ChangeSet<DealFields & { open: boolean; closedAt: Date | null }> {
  const { before, after, names } = changedFields(current, patch, DEAL_FIELDS);
  const entry = (action: string, was: object, now: object): Change => ({
    entity: 'deal',
    entityId: id,
    userId: context.userId,
    action,
    before: { ...was },
    after: { ...now },
    at: context.at,
  });
  const event = (type: string, payload: Record<string, unknown>): DomainEvent => ({
    type,
    leadId: current.leadId,
    payload: { dealId: id, ...payload },
    at: context.at,
  });
  if (!names.length) return { set: {}, changes: [], entries: [], events: [] };
  const entries = [entry('updated', before, after)];
  const events: DomainEvent[] = [];
  const set: ChangeSet<DealFields & { open: boolean; closedAt: Date | null }>['set'] = after;
  if (after.stage !== undefined) {
    set.open = stageOpen;
    set.closedAt = stageOpen ? null : context.at;
    entries.push(entry('stage_changed', { stage: current.stage }, { stage: after.stage }));
    events.push(event('deal.stage_changed', { from: current.stage, to: after.stage }));
  }
  if (after.responsibleId !== undefined) {
    const from = current.responsibleId;
    entries.push(
      entry('assigned', { responsibleId: from }, { responsibleId: after.responsibleId }),
    );
    events.push(event('deal.assigned', { from, to: after.responsibleId }));
  }
  events.push(event('deal.updated', { changes: names }));
  return { set, changes: names, entries, events };
}
