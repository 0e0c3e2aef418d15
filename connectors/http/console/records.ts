/**
 * What the duplicate and merge screens share: the two kinds of record they work on, where each
 * is shown, and whether the viewer may read or change one (the same answer as the record's own
 * page: a record out of scope does not exist).
 */
import type { Response } from 'express';
import type { MergeEntity } from '../../../core/merge.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { Action } from '../../../core/permissions.ts';
import { scopeFor } from '../operator/scope.ts';

export interface RecordDeps {
  repos: Pick<
    Repositories,
    'leads' | 'clients' | 'duplicates' | 'merges' | 'users' | 'customFields'
  >;
}

/** The path segment of an entity (`/leads/…`, `/merge/clients/…`), and back. */
export const PATH_OF: Record<MergeEntity, 'leads' | 'clients'> = {
  lead: 'leads',
  client: 'clients',
};

export function entityOfPath(segment: unknown): MergeEntity | undefined {
  return segment === 'leads' ? 'lead' : segment === 'clients' ? 'client' : undefined;
}

export const recordPath = (entity: MergeEntity, id: number) => `/${PATH_OF[entity]}/${id}`;

/** A record's id from the address: undefined unless a positive whole number. */
export function idOf(value: unknown): number | undefined {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export const scopeOfRecords = (res: Response, entity: MergeEntity, action: Action) =>
  scopeFor(res, PATH_OF[entity], action);

const NO_RELATED = { leads: { kind: 'none' }, deals: { kind: 'none' } } as const;

/** The record's name as a person reads it, when the viewer may `action` it (merged ones too). */
export async function lookUp(
  deps: RecordDeps,
  res: Response,
  entity: MergeEntity,
  id: number,
  action: Action,
): Promise<{ id: number; name: string } | undefined> {
  const scope = scopeOfRecords(res, entity, action);
  if (entity === 'lead') {
    const lead = await deps.repos.leads.find(id, scope);
    return lead && { id, name: lead.name ?? lead.title };
  }
  const client = await deps.repos.clients.view(id, scope, NO_RELATED);
  return client && { id, name: client.name ?? client.company ?? `#${id}` };
}
