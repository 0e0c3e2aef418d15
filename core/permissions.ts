/**
 * Who may do what to which records (the Bitrix24 model): a role grants, per entity and action, a
 * scope — none, own (the record's responsible is me), department (responsible in my department
 * or one under it), all. A user with several roles gets the widest scope any of them grants.
 * `scopeOf` turns an actor, an entity and an action into a `RecordScope`: plain data that each
 * store turns into its query predicate (db/*\/scope.ts), so every list, get, update, search and
 * export asks the same question the same way.
 */

export const ENTITIES = ['leads', 'clients', 'deals', 'activities'] as const;
export const ACTIONS = ['read', 'create', 'update', 'delete', 'export'] as const;
export const SCOPES = ['none', 'own', 'department', 'all'] as const;

export type Entity = (typeof ENTITIES)[number];
export type Action = (typeof ACTIONS)[number];
export type Scope = (typeof SCOPES)[number];

/** What a role grants; a missing entity or action is `none`. */
export type Grants = Partial<Record<Entity, Partial<Record<Action, Scope>>>>;

export interface RoleDefinition {
  code: string;
  name: string;
  grants: Grants;
  /** Administration: users, roles, departments, channels, stages, the operations pages. */
  manage: boolean;
}

const everywhere = (scope: Scope, except: Partial<Record<Action, Scope>> = {}) =>
  Object.fromEntries(ACTIONS.map((action) => [action, except[action] ?? scope])) as Record<
    Action,
    Scope
  >;

const forAll = (grant: Record<Action, Scope>): Grants =>
  Object.fromEntries(ENTITIES.map((entity) => [entity, grant])) as Grants;

/** The roles every installation starts with (editable afterwards, through the API). */
export const SEEDED_ROLES: readonly RoleDefinition[] = [
  {
    code: 'operator',
    name: 'Operator',
    grants: forAll(everywhere('own', { delete: 'none', export: 'none' })),
    manage: false,
  },
  {
    code: 'supervisor',
    name: 'Supervisor',
    grants: forAll(everywhere('department')),
    manage: false,
  },
  { code: 'admin', name: 'Administrator', grants: forAll(everywhere('all')), manage: true },
];

const RANK: Record<Scope, number> = { none: 0, own: 1, department: 2, all: 3 };

export function widestScope(
  roles: readonly Pick<RoleDefinition, 'grants'>[],
  entity: Entity,
  action: Action,
): Scope {
  let widest: Scope = 'none';
  for (const role of roles) {
    const scope = role.grants[entity]?.[action] ?? 'none';
    if (RANK[scope] > RANK[widest]) widest = scope;
  }
  return widest;
}

/**
 * Whoever makes a request. A user (signed in, or an API key acting as one) carries their roles,
 * the users of their department subtree and the channels whose queue they are in. An API key of
 * no user is an integration: `integration` grants it the CRM (read, create and update of every
 * record) without deleting, exporting or administration; an admin key has everything.
 */
export interface Actor {
  userId: number | null;
  label: string;
  roles: readonly Pick<RoleDefinition, 'code' | 'grants' | 'manage'>[];
  /** Users whose department is the actor's or one under it (the actor included). */
  departmentUserIds: readonly number[];
  /** Channels whose operator queue the actor is in: their unassigned leads are the actor's too. */
  queueChannelIds: readonly number[];
  /** Only posting leads (an intake API key). */
  intakeOnly: boolean;
}

/**
 * The records an actor may touch, as data: every record, none, or those whose responsible is one
 * of `responsibleIds` (plus, for leads, unassigned ones of `unassignedChannelIds`).
 */
export type RecordScope =
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'some'; responsibleIds: readonly number[]; unassignedChannelIds: readonly number[] };

export function scopeOf(actor: Actor, entity: Entity, action: Action): RecordScope {
  if (actor.intakeOnly) return { kind: 'none' };
  const scope = widestScope(actor.roles, entity, action);
  if (scope === 'all') return { kind: 'all' };
  if (scope === 'none' || actor.userId === null) return { kind: 'none' };
  // An operator's "own" leads include the unassigned ones of the queues they work.
  const unassignedChannelIds = entity === 'leads' ? actor.queueChannelIds : [];
  const responsibleIds = scope === 'own' ? [actor.userId] : actor.departmentUserIds;
  return { kind: 'some', responsibleIds, unassignedChannelIds };
}

/** Whether a record with this responsible (and channel, for leads) is within a scope. */
export function inScope(
  scope: RecordScope,
  record: { responsibleId: number | null; channelId?: number | null },
): boolean {
  if (scope.kind !== 'some') return scope.kind === 'all';
  if (record.responsibleId !== null) return scope.responsibleIds.includes(record.responsibleId);
  return record.channelId != null && scope.unassignedChannelIds.includes(record.channelId);
}

export function canManage(actor: Actor): boolean {
  return !actor.intakeOnly && actor.roles.some((role) => role.manage);
}

/** The role an integration key (no user) plays: the whole CRM, no deletes, exports or administration. */
export const INTEGRATION_ROLE: RoleDefinition = {
  code: 'integration',
  name: 'Integration',
  grants: forAll(everywhere('all', { delete: 'none', export: 'none' })),
  manage: false,
};
