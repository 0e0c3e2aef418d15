/**
 * The rows of an export: the header, then every record the filter and scope select, read through
 * the repository's own `list` a page at a time with its cursor. Only one page is held at once, so
 * memory stays flat whatever the count; names and identities are resolved once per page.
 */
import type { RecordScope } from '../permissions.ts';
import type { Repositories } from '../repositories/index.ts';
import type { ClientFilter } from '../repositories/clients.ts';
import type { DealFilter } from '../repositories/deals.ts';
import type { IdentityView, LeadFilter } from '../repositories/leads.ts';
import type { Cell } from './cells.ts';
import {
  columnsOf,
  CUSTOM_ENTITY,
  headerOf,
  rowOf,
  type ExportEntity,
  type ExportRecords,
  type Lookups,
} from './columns.ts';

/** Records read per page: one list query, one users query, the page's identities. */
export const EXPORT_PAGE = 500;

export type ExportRepos = Pick<
  Repositories,
  'leads' | 'clients' | 'deals' | 'users' | 'channels' | 'customFields'
>;

/** What each entity's export selects: its list filter, without the page and cursor. */
export interface ExportFilters {
  leads: Omit<LeadFilter, 'limit' | 'cursor'>;
  clients: Omit<ClientFilter, 'limit' | 'cursor'>;
  deals: Omit<DealFilter, 'limit' | 'cursor'>;
}

export type ExportRequest = {
  [E in ExportEntity]: { entity: E; filter: ExportFilters[E]; scope: RecordScope };
}[ExportEntity];

interface Page<R> {
  records: R[];
  nextCursor: string | null;
  identities: Map<number, readonly IdentityView[]>;
}

type PageReader<E extends ExportEntity> = (
  repos: ExportRepos,
  filter: ExportFilters[E],
  scope: RecordScope,
  cursor: string | undefined,
  limit: number,
) => Promise<Page<ExportRecords[E]>>;

const READERS: { [E in ExportEntity]: PageReader<E> } = {
  async leads(repos, filter, scope, cursor, limit) {
    const page = await repos.leads.list({ ...filter, limit, ...(cursor ? { cursor } : {}) }, scope);
    return {
      records: page.leads,
      nextCursor: page.nextCursor,
      identities: await repos.leads.identitiesOf(
        page.leads.map((lead) => lead.id),
        scope,
      ),
    };
  },
  async clients(repos, filter, scope, cursor, limit) {
    const page = await repos.clients.list(
      { ...filter, limit, ...(cursor ? { cursor: Number(cursor) } : {}) },
      scope,
    );
    return {
      records: page.clients,
      nextCursor: page.nextCursor,
      identities: new Map(page.clients.map((client) => [client.id, client.identities])),
    };
  },
  async deals(repos, filter, scope, cursor, limit) {
    const page = await repos.deals.list(
      { ...filter, limit, ...(cursor ? { cursor: Number(cursor) } : {}) },
      scope,
    );
    return { records: page.deals, nextCursor: page.nextCursor, identities: new Map() };
  },
};

/**
 * The header row, then one row per record. Stop iterating (a closed connection does, through
 * the stream pipeline) and no further page is read.
 */
export async function* exportRows(
  repos: ExportRepos,
  request: ExportRequest,
  pageSize = EXPORT_PAGE,
): AsyncGenerator<Cell[]> {
  const { entity, filter, scope } = request;
  const columns = columnsOf(entity, await repos.customFields.list(CUSTOM_ENTITY[entity]));
  yield headerOf(columns);
  if (scope.kind === 'none') return;
  const channels =
    entity === 'leads'
      ? new Map((await repos.channels.list()).map((channel) => [channel.id, channel.name]))
      : new Map<number, string>();
  const read = READERS[entity] as PageReader<typeof entity>;
  let cursor: string | undefined;
  do {
    const page = await read(repos, filter as ExportFilters[typeof entity], scope, cursor, pageSize);
    // Responsibles of this page by name; users are few, and a page reads them once.
    const users = new Map(
      (await repos.users.listUsers({})).map((user) => [user.id, user.name || user.email]),
    );
    const lookups: Lookups = {
      user: (id) => (id === null ? '' : (users.get(id) ?? `#${id}`)),
      channel: (id) => channels.get(id) ?? `#${id}`,
      identities: (id) => page.identities.get(id) ?? [],
    };
    for (const record of page.records) yield rowOf(columns, record, lookups);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
