/**
 * The columns of an export, per entity: the header a spreadsheet shows and how a record becomes
 * that column's cell. Every custom field defined for the entity is a column of its own, under
 * its label, after the built-in ones. Pure: names (users, channels) and identities come in as
 * look-ups the caller resolved once per page.
 */
import type { CustomFieldDefinition, CustomFieldEntity } from '../custom-fields.ts';
import type { ClientDetail } from '../repositories/clients.ts';
import type { DealRecord } from '../repositories/deals.ts';
import type { IdentityView, LeadRecord } from '../repositories/leads.ts';
import { customCell, guardFormula, identitiesCell, isoUtc, type Cell } from './cells.ts';

export const EXPORT_ENTITIES = ['leads', 'clients', 'deals'] as const;
export type ExportEntity = (typeof EXPORT_ENTITIES)[number];

/** The record each entity's export writes a row of. */
export interface ExportRecords {
  leads: LeadRecord;
  clients: ClientDetail;
  deals: DealRecord;
}

/** The custom fields' entity of each export. */
export const CUSTOM_ENTITY: Record<ExportEntity, CustomFieldEntity> = {
  leads: 'lead',
  clients: 'client',
  deals: 'deal',
};

/** What a cell needs beside its record, resolved by the caller once per page. */
export interface Lookups {
  /** The user's name (their email when it has none); empty for nobody. */
  user(id: number | null): string;
  /** The channel's name. */
  channel(id: number): string;
  /** The identities of a record of the page (a lead's, a repeat lead's client's, a client's). */
  identities(recordId: number): readonly IdentityView[];
}

export interface Column<R> {
  header: string;
  cell(record: R, lookups: Lookups): Cell | null;
}

type Built<R> = [header: string, cell: Column<R>['cell']];

const identityColumns = <R extends { id: number }>(): Built<R>[] => [
  ['emails', (r, l) => identitiesCell(l.identities(r.id), 'email')],
  ['phones', (r, l) => identitiesCell(l.identities(r.id), 'phone')],
  ['telegram', (r, l) => identitiesCell(l.identities(r.id), 'telegram')],
];

const LEAD: Built<LeadRecord>[] = [
  ['id', (r) => r.id],
  ['type', (r) => r.type],
  ['stage', (r) => r.stage],
  ['source', (r) => r.source],
  ['channel', (r, l) => l.channel(r.channelId)],
  ['title', (r) => r.title],
  ['name', (r) => r.name],
  ['company', (r) => r.company],
  ...identityColumns<LeadRecord>(),
  ['client id', (r) => r.clientId],
  ['responsible', (r, l) => l.user(r.responsibleId)],
  ['created', (r) => isoUtc(r.createdAt)],
  ['updated', (r) => isoUtc(r.updatedAt)],
  ['closed', (r) => isoUtc(r.closedAt)],
];

const CLIENT: Built<ClientDetail>[] = [
  ['id', (r) => r.id],
  ['kind', (r) => r.kind],
  ['name', (r) => r.name],
  ['company', (r) => r.company],
  ...identityColumns<ClientDetail>(),
  ['responsible', (r, l) => l.user(r.responsibleId)],
  ['created', (r) => isoUtc(r.createdAt)],
  ['updated', (r) => isoUtc(r.updatedAt)],
];

const DEAL: Built<DealRecord>[] = [
  ['id', (r) => r.id],
  ['title', (r) => r.title],
  ['amount', (r) => r.amount],
  ['currency', (r) => r.currency],
  ['stage', (r) => r.stage],
  ['client id', (r) => r.clientId],
  ['lead id', (r) => r.leadId],
  ['responsible', (r, l) => l.user(r.responsibleId)],
  ['created', (r) => isoUtc(r.createdAt)],
  ['updated', (r) => isoUtc(r.updatedAt)],
  ['closed', (r) => isoUtc(r.closedAt)],
];

const BUILT_IN: { [E in ExportEntity]: Built<ExportRecords[E]>[] } = {
  leads: LEAD,
  clients: CLIENT,
  deals: DEAL,
};

/** The entity's columns: the built-in ones, then its custom fields in their sort order. */
export function columnsOf<E extends ExportEntity>(
  entity: E,
  customFields: readonly CustomFieldDefinition[],
): Column<ExportRecords[E]>[] {
  const custom: Built<ExportRecords[E]>[] = customFields
    .filter((field) => field.entity === CUSTOM_ENTITY[entity])
    .map((field) => [field.label, (r) => customCell(field, r.custom[field.key])]);
  return [...(BUILT_IN[entity] as Built<ExportRecords[E]>[]), ...custom].map(([header, cell]) => ({
    header,
    cell,
  }));
}

/** The header row, guarded like any text (a custom field's label is typed by a person). */
export const headerOf = (columns: readonly Column<never>[]): string[] =>
  columns.map((column) => guardFormula(column.header));

/** One record's row: nothing missing is written as empty, every text cell guarded. */
export function rowOf<R>(columns: readonly Column<R>[], record: R, lookups: Lookups): Cell[] {
  return columns.map((column) => {
    const cell = column.cell(record, lookups);
    if (cell === null) return '';
    return typeof cell === 'number' ? cell : guardFormula(cell);
  });
}

/** `leads-2026-12-07.csv`: the entity and the day (UTC) it was exported. */
export const exportFilename = (entity: ExportEntity, now: Date): string =>
  `${entity}-${now.toISOString().slice(0, 10)}.csv`;
