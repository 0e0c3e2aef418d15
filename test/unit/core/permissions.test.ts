import { describe, expect, it } from 'vitest';
import {
  INTEGRATION_ROLE,
  SEEDED_ROLES,
  canManage,
  inScope,
  scopeOf,
  widestScope,
  type Actor,
  type RoleDefinition,
} from '../../../core/permissions.ts';

const role = (code: string) => SEEDED_ROLES.find((r) => r.code === code) as RoleDefinition;
const actor = (roles: RoleDefinition[], extra: Partial<Actor> = {}): Actor => ({
  userId: 7,
  label: 'Olga',
  roles,
  departmentUserIds: [7, 8, 9],
  queueChannelIds: [3],
  intakeOnly: false,
  ...extra,
});

describe('permissions', () => {
  it('the widest scope of several roles wins, per entity and action', () => {
    const exporter: RoleDefinition = {
      code: 'exporter',
      name: 'Exporter',
      grants: { leads: { export: 'all' } },
      manage: false,
    };
    const roles = [role('operator'), exporter];
    expect(widestScope(roles, 'leads', 'read')).toBe('own');
    expect(widestScope(roles, 'leads', 'export')).toBe('all');
    expect(widestScope(roles, 'deals', 'export')).toBe('none');
    expect(widestScope([], 'leads', 'read')).toBe('none');
  });

  it('own is the actor plus, for leads, the unassigned ones of their queues; department is the subtree', () => {
    const own = scopeOf(actor([role('operator')]), 'leads', 'read');
    expect(own).toEqual({ kind: 'some', responsibleIds: [7], unassignedChannelIds: [3] });
    expect(inScope(own, { responsibleId: 7, channelId: 1 })).toBe(true);
    expect(inScope(own, { responsibleId: 8, channelId: 3 })).toBe(false);
    expect(inScope(own, { responsibleId: null, channelId: 3 })).toBe(true);
    expect(inScope(own, { responsibleId: null, channelId: 4 })).toBe(false);
    // Clients have no queue: an unassigned client is nobody's.
    const client = scopeOf(actor([role('operator')]), 'clients', 'read');
    expect(inScope(client, { responsibleId: null })).toBe(false);
    const department = scopeOf(actor([role('supervisor')]), 'deals', 'update');
    expect(inScope(department, { responsibleId: 9 })).toBe(true);
    expect(inScope(department, { responsibleId: 10 })).toBe(false);
    expect(scopeOf(actor([role('operator')]), 'leads', 'delete')).toEqual({ kind: 'none' });
    expect(scopeOf(actor([role('admin')]), 'leads', 'delete')).toEqual({ kind: 'all' });
  });

  it('an intake key reaches nothing; an integration reads and writes all but never manages', () => {
    expect(scopeOf(actor([role('admin')], { intakeOnly: true }), 'leads', 'read')).toEqual({
      kind: 'none',
    });
    expect(canManage(actor([role('admin')], { intakeOnly: true }))).toBe(false);
    const integration = actor([INTEGRATION_ROLE], { userId: null });
    expect(scopeOf(integration, 'leads', 'update')).toEqual({ kind: 'all' });
    expect(scopeOf(integration, 'clients', 'export')).toEqual({ kind: 'none' });
    expect(canManage(integration)).toBe(false);
    // A scope of `own` without a user is nothing at all.
    expect(scopeOf(actor([role('operator')], { userId: null }), 'leads', 'read')).toEqual({
      kind: 'none',
    });
  });
});
