/**
 * The lead list: filters (mine, unassigned, my department, kind, stage, review, open), one search
 * box for a name, an email, a phone or words, and the newest leads first. The list refreshes
 * itself when the live stream says a lead the viewer may see changed; with the script off it is
 * a plain GET form and links.
 */
import { Router, type Request } from 'express';
import { normaliseEmail, normalisePhone } from '../../../core/identities.ts';
import { scopeOf } from '../../../core/permissions.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { LeadFilter, LeadRecord, SavedFilter } from '../../../core/repositories/leads.ts';
import type { UserRecord } from '../../../core/repositories/users.ts';
import type { Stage } from '../../../core/stages.ts';
import { departmentSubtree } from '../operator/people.ts';
import { scopeFor } from '../operator/scope.ts';
import { CsrfField, Page } from './layout.tsx';
import { sendFragment, sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

const PAGE = 50;
const VIEWS = ['all', 'mine', 'unassigned', 'department'] as const;
type View = (typeof VIEWS)[number];

/** What the filter form sent, each value checked (anything else is ignored, as a form would be). */
export interface ListQuery {
  view: View;
  search: string;
  type: 'simple' | 'repeat' | '';
  stage: string;
  /** A channel's id, or 0 for every channel. */
  channel: number;
  review: boolean;
  open: boolean;
  cursor: string;
  /** The board: a column per stage with its count, instead of the list. */
  board: boolean;
}

const one = (value: unknown) => (typeof value === 'string' ? value : '');

export function readListQuery(req: Request): ListQuery {
  const query = req.query as Record<string, unknown>;
  const view = one(query.view) as View;
  const type = one(query.type);
  return {
    view: VIEWS.includes(view) ? view : 'all',
    search: one(query.q).trim().slice(0, 200),
    type: type === 'simple' || type === 'repeat' ? type : '',
    stage: one(query.stage).slice(0, 64),
    channel: /^[1-9]\d{0,9}$/.test(one(query.channel)) ? Number(one(query.channel)) : 0,
    review: one(query.review) === '1',
    open: one(query.open) === '1',
    cursor: one(query.cursor).slice(0, 200),
    board: one(query.board) === '1',
  };
}

/** The query string of a list (for links, the refresh and the next page). */
export function listHref(query: ListQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (query.view !== 'all') params.set('view', query.view);
  if (query.search) params.set('q', query.search);
  if (query.type) params.set('type', query.type);
  if (query.stage) params.set('stage', query.stage);
  if (query.channel) params.set('channel', String(query.channel));
  if (query.review) params.set('review', '1');
  if (query.open) params.set('open', '1');
  if (query.board) params.set('board', '1');
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `/leads?${text}` : '/leads';
}

/** One box finds a person by email or phone (any spelling), else by words. */
export function searchFilter(search: string, country: string | undefined): Partial<LeadFilter> {
  if (!search) return {};
  if (search.includes('@')) {
    const email = normaliseEmail(search);
    if (email.ok) return { identityKeys: [email.identity.key] };
  }
  if (/^[+\d\s().-]{6,}$/.test(search)) {
    const phone = normalisePhone(search, country);
    if (phone.ok) return { identityKeys: [phone.identity.key] };
  }
  return { q: search };
}

/** The records a list query selects, whatever the page: the list's and its CSV export's. */
export async function listFilter(
  query: ListQuery,
  user: Pick<UserRecord, 'id' | 'departmentId'> | null,
  deps: { repos: Pick<Repositories, 'users'>; defaultCountry: string | undefined },
): Promise<Omit<LeadFilter, 'limit' | 'cursor'>> {
  const filter: Omit<LeadFilter, 'limit' | 'cursor'> = {
    ...searchFilter(query.search, deps.defaultCountry),
    ...(query.type ? { type: query.type } : {}),
    ...(query.stage ? { stage: query.stage } : {}),
    ...(query.channel ? { channelId: query.channel } : {}),
    ...(query.review ? { review: true } : {}),
    ...(query.open ? { open: true } : {}),
  };
  if (query.view === 'mine') filter.responsibleId = user?.id ?? -1;
  if (query.view === 'unassigned') filter.unassigned = true;
  if (query.view === 'department')
    filter.departmentIds = user?.departmentId
      ? departmentSubtree(await deps.repos.users.listDepartments(), user.departmentId)
      : [];
  return filter;
}

/** The CSV of the list as filtered (every page, never the board), for a viewer who may export. */
function ExportLink({ viewer: seeing, query }: { viewer: Viewer; query: ListQuery }) {
  if (scopeOf(seeing.principal.actor, 'leads', 'export').kind === 'none') return null;
  const href = listHref({ ...query, board: false, cursor: '' }).replace(
    /^\/leads/,
    '/leads/export.csv',
  );
  return (
    <a class="export" href={href} download>
      {seeing.t('export.csv')}
    </a>
  );
}

export interface LeadsDeps {
  repos: Pick<Repositories, 'leads' | 'users' | 'stages' | 'channels'>;
  defaultCountry: string | undefined;
}

/** Names to show beside ids: users, stages and channels, read once per page. */
async function names(repos: LeadsDeps['repos']) {
  const [users, stages, channels] = await Promise.all([
    repos.users.listUsers({}),
    repos.stages.list('lead'),
    repos.channels.list(),
  ]);
  return {
    user: new Map(users.map((user) => [user.id, user.name])),
    stages,
    stage: new Map(stages.map((stage) => [stage.code, stage.name])),
    channels,
    channel: new Map(channels.map((channel) => [channel.id, channel.name])),
  };
}
type Names = Awaited<ReturnType<typeof names>>;

/**
 * A lead is unread for the viewer when it changed (a message, a stage, a note) after they last
 * opened it, or when they never did.
 */
function unread(lead: LeadRecord, reads: Map<number, Date>): boolean {
  const read = reads.get(lead.id);
  return !read || read < lead.updatedAt;
}

function UnreadMark({ viewer: seeing }: { viewer: Viewer }) {
  return <span class="badge unread">{seeing.t('leads.unread')}</span>;
}

function LeadRows(props: {
  viewer: Viewer;
  leads: LeadRecord[];
  reads: Map<number, Date>;
  names: Names;
  query: ListQuery;
  next: string | null;
}) {
  const { t, when } = props.viewer;
  const { names } = props;
  // The page being looked at refreshes in place (a later page stays that page).
  const refresh = listHref(props.query, {
    fragment: '1',
    ...(props.query.cursor ? { cursor: props.query.cursor } : {}),
  });
  return (
    <div id="lead-list" hx-get={refresh} hx-trigger="sse:leads" hx-swap="outerHTML">
      {props.leads.length === 0 ? (
        <p class="empty">
          {props.query.search || props.query.view !== 'all' ? t('leads.empty') : t('leads.noneYet')}
        </p>
      ) : (
        <table class="leads">
          <thead>
            <tr>
              <th scope="col">{t('leads.col.lead')}</th>
              <th scope="col">{t('leads.col.stage')}</th>
              <th scope="col">{t('leads.col.responsible')}</th>
              <th scope="col">{t('leads.col.channel')}</th>
              <th scope="col">{t('leads.col.updated')}</th>
            </tr>
          </thead>
          <tbody>
            {props.leads.map((lead) => (
              <tr data-lead={lead.id} class={unread(lead, props.reads) ? 'unread' : undefined}>
                <td>
                  <a class="lead-link" href={`/leads/${lead.id}`}>
                    {lead.name ?? lead.title}
                  </a>{' '}
                  {unread(lead, props.reads) ? <UnreadMark viewer={props.viewer} /> : null}
                  <span class={`badge ${lead.type}`}>{t(`type.${lead.type}`)}</span>
                  {lead.review ? (
                    <span class="badge review" title={lead.review}>
                      {t('leads.review')}
                    </span>
                  ) : null}
                  <div class="sub">{lead.name ? lead.title : ''}</div>
                </td>
                <td>{names.stage.get(lead.stage) ?? lead.stage}</td>
                <td>
                  {lead.responsibleId ? (
                    (names.user.get(lead.responsibleId) ?? `#${lead.responsibleId}`)
                  ) : (
                    <em>{t('leads.unassigned')}</em>
                  )}
                </td>
                <td>{names.channel.get(lead.channelId) ?? `#${lead.channelId}`}</td>
                <td>
                  <time datetime={lead.updatedAt.toISOString()}>{when(lead.updatedAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.next ? (
        <p>
          <a href={listHref(props.query, { cursor: props.next })}>{t('leads.more')}</a>
        </p>
      ) : null}
    </div>
  );
}

/** Cards shown in a board column (its count says how many there are). */
const COLUMN = 20;

function Board(props: {
  viewer: Viewer;
  columns: { stage: Stage; count: number; leads: LeadRecord[] }[];
  query: ListQuery;
  names: Names;
  reads: Map<number, Date>;
}) {
  const { t } = props.viewer;
  const refresh = listHref(props.query, { fragment: '1' });
  return (
    <div id="lead-list" class="board" hx-get={refresh} hx-trigger="sse:leads" hx-swap="outerHTML">
      {props.columns.map(({ stage, count, leads }) => (
        <section
          class="column"
          data-stage={stage.code}
          aria-label={t(count === 1 ? 'leads.column.one' : 'leads.column', {
            stage: stage.name,
            count,
          })}
        >
          <h2>
            {stage.name} <span class="count">{count}</span>
          </h2>
          <ol>
            {leads.map((lead) => (
              <li
                data-lead={lead.id}
                class={unread(lead, props.reads) ? 'unread' : undefined}
                draggable
              >
                <a class="lead-link" href={`/leads/${lead.id}`}>
                  {lead.name ?? lead.title}
                </a>{' '}
                {unread(lead, props.reads) ? <UnreadMark viewer={props.viewer} /> : null}
                <span class={`badge ${lead.type}`}>{t(`type.${lead.type}`)}</span>
                <div class="sub">
                  {lead.responsibleId
                    ? (props.names.user.get(lead.responsibleId) ?? `#${lead.responsibleId}`)
                    : t('leads.unassigned')}
                </div>
              </li>
            ))}
          </ol>
          {count > leads.length ? (
            <a href={listHref({ ...props.query, board: false, stage: stage.code })}>
              {t('leads.allOfStage', { count })}
            </a>
          ) : null}
        </section>
      ))}
    </div>
  );
}

function Filters(props: {
  viewer: Viewer;
  query: ListQuery;
  stages: Stage[];
  channels: { id: number; name: string }[];
}) {
  const { t } = props.viewer;
  const { query } = props;
  return (
    <form method="get" action="/leads" class="filters" role="search">
      <label for="q" class="visually-hidden">
        {t('leads.search')}
      </label>
      <input
        id="q"
        name="q"
        type="search"
        value={query.search}
        placeholder={t('leads.search')}
        maxlength={200}
      />
      <label for="view">{t('leads.view')}</label>
      <select id="view" name="view">
        {VIEWS.map((view) => (
          <option value={view} selected={query.view === view}>
            {t(`leads.view.${view}`)}
          </option>
        ))}
      </select>
      <label for="type">{t('leads.type')}</label>
      <select id="type" name="type">
        <option value="">{t('leads.type.any')}</option>
        <option value="simple" selected={query.type === 'simple'}>
          {t('leads.type.simple')}
        </option>
        <option value="repeat" selected={query.type === 'repeat'}>
          {t('leads.type.repeat')}
        </option>
      </select>
      <label for="stage">{t('leads.stage')}</label>
      <select id="stage" name="stage">
        <option value="">{t('leads.stage.any')}</option>
        {props.stages.map((stage) => (
          <option value={stage.code} selected={query.stage === stage.code}>
            {stage.name}
          </option>
        ))}
      </select>
      <label for="channel">{t('leads.channel')}</label>
      <select id="channel" name="channel">
        <option value="">{t('leads.channel.any')}</option>
        {props.channels.map((channel) => (
          <option value={String(channel.id)} selected={query.channel === channel.id}>
            {channel.name}
          </option>
        ))}
      </select>
      <label class="check">
        <input type="checkbox" name="review" value="1" checked={query.review} /> {t('leads.review')}
      </label>
      <label class="check">
        <input type="checkbox" name="open" value="1" checked={query.open} /> {t('leads.open')}
      </label>
      {query.board ? <input type="hidden" name="board" value="1" /> : null}
      <button type="submit">{t('leads.apply')}</button>
    </form>
  );
}

/** The viewer's saved filters as links, and a box to save the current one under a name. */
function SavedFilters(props: { viewer: Viewer; query: ListQuery; saved: SavedFilter[] }) {
  const { viewer: seeing, query } = props;
  const { t } = seeing;
  const current = listHref({ ...query, cursor: '' });
  return (
    <section class="saved-filters" aria-label={t('leads.saved')}>
      {props.saved.length ? (
        <ul>
          {props.saved.map((filter) => {
            const href = filter.query ? `/leads?${filter.query}` : '/leads';
            return (
              <li>
                <a href={href} aria-current={href === current ? 'page' : undefined}>
                  {filter.name}
                </a>
                <form method="post" action={`/leads/filters/${filter.id}/delete`} class="inline">
                  <CsrfField viewer={seeing} />
                  <button
                    type="submit"
                    class="link"
                    aria-label={t('leads.saved.delete', { name: filter.name })}
                  >
                    ×
                  </button>
                </form>
              </li>
            );
          })}
        </ul>
      ) : null}
      <form method="post" action="/leads/filters" class="inline save-filter">
        <CsrfField viewer={seeing} />
        <input type="hidden" name="query" value={current.split('?')[1] ?? ''} />
        <label for="filter-name">{t('leads.saved.name')}</label>
        <input id="filter-name" name="name" required maxlength={80} />
        <button type="submit">{t('leads.saved.save')}</button>
      </form>
    </section>
  );
}

/** A saved query: only the list's own parameters, as the list would write them. */
function savedQuery(raw: string): string {
  const params = new URLSearchParams(raw.slice(0, 1000));
  const known = readListQuery({ query: Object.fromEntries(params) } as unknown as Request);
  return listHref({ ...known, cursor: '' }).split('?')[1] ?? '';
}

export function leadListPages(deps: LeadsDeps): Router {
  const router = Router();

  router.post('/leads/filters', async (req, res) => {
    const user = viewer(res).principal.user;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = one(body.name).trim().slice(0, 80);
    const query = savedQuery(one(body.query));
    if (user && name) await deps.repos.leads.saveFilter(user.id, name, query, new Date());
    res.redirect(303, query ? `/leads?${query}` : '/leads');
  });

  router.post('/leads/filters/:id/delete', async (req, res) => {
    const user = viewer(res).principal.user;
    const id = Number(req.params.id);
    if (user && Number.isSafeInteger(id)) await deps.repos.leads.deleteFilter(user.id, id);
    res.redirect(303, '/leads');
  });

  router.get('/leads', async (req, res) => {
    const seeing = viewer(res);
    const query = readListQuery(req);
    const user = seeing.principal.user;
    const filter: LeadFilter = {
      limit: PAGE,
      ...(await listFilter(query, user, deps)),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    };
    const scope = scopeFor(res, 'leads', 'read');
    const [known, saved] = await Promise.all([
      names(deps.repos),
      user && req.query.fragment !== '1' ? deps.repos.leads.savedFilters(user.id) : [],
    ]);
    /** When the viewer last opened each lead shown (an integration's key has no reads). */
    const readsOf = (shown: LeadRecord[]) =>
      user
        ? deps.repos.leads.readsOf(
            user.id,
            shown.map((lead) => lead.id),
          )
        : Promise.resolve(new Map<number, Date>());
    const { t } = seeing;
    const switcher = (
      <p class="views">
        <a
          href={listHref({ ...query, board: false, cursor: '' })}
          aria-current={query.board ? undefined : 'page'}
        >
          {t('leads.asList')}
        </a>{' '}
        <a
          href={listHref({ ...query, board: true, cursor: '' })}
          aria-current={query.board ? 'page' : undefined}
        >
          {t('leads.asBoard')}
        </a>{' '}
        <ExportLink viewer={seeing} query={query} />{' '}
        {scopeOf(seeing.principal.actor, 'leads', 'create').kind === 'all' ? (
          <a class="import" href="/leads/import">
            {t('import.link')}
          </a>
        ) : null}
      </p>
    );
    if (query.board) {
      const { limit: _limit, cursor: _cursor, ...counted } = filter;
      const stages = known.stages.filter((stage) => !query.stage || stage.code === query.stage);
      const [counts, ...columns] = await Promise.all([
        deps.repos.leads.countByStage(counted, scope),
        ...stages.map((stage) =>
          deps.repos.leads.list({ ...counted, stage: stage.code, limit: COLUMN }, scope),
        ),
      ]);
      const reads = await readsOf(columns.flatMap((column) => column.leads));
      const board = (
        <Board
          viewer={seeing}
          query={query}
          names={known}
          reads={reads}
          columns={stages.map((stage, i) => ({
            stage,
            count: counts[stage.code] ?? 0,
            leads: columns[i]?.leads ?? [],
          }))}
        />
      );
      if (req.query.fragment === '1') return sendFragment(res, board);
      return sendPage(
        res,
        200,
        <Page viewer={seeing} title={t('leads.title')}>
          <h1>{t('leads.title')}</h1>
          <Filters viewer={seeing} query={query} stages={known.stages} channels={known.channels} />
          <SavedFilters viewer={seeing} query={query} saved={saved} />
          {switcher}
          <p class="hint">{t('leads.boardHint')}</p>
          <p
            id="board-status"
            role="status"
            class="alert"
            data-failed={t('leads.moveFailed')}
            hidden
          ></p>
          <section hx-ext="sse" sse-connect="/stream" aria-live="polite">
            {board}
          </section>
        </Page>,
      );
    }
    const page = await deps.repos.leads.list(filter, scope);
    const rows = (
      <LeadRows
        viewer={seeing}
        leads={page.leads}
        reads={await readsOf(page.leads)}
        names={known}
        query={query}
        next={page.nextCursor}
      />
    );
    if (req.query.fragment === '1') return sendFragment(res, rows);
    sendPage(
      res,
      200,
      <Page viewer={seeing} title={t('leads.title')}>
        <h1>{t('leads.title')}</h1>
        {req.query.welcome === '1' ? (
          <p class="notice" role="status">
            {t('setup.next')} <a href="/channels">{t('setup.connect')}</a>
          </p>
        ) : null}
        <Filters viewer={seeing} query={query} stages={known.stages} channels={known.channels} />
        <SavedFilters viewer={seeing} query={query} saved={saved} />
        {switcher}
        <p class="hint keys">{t('leads.keys')}</p>
        <section hx-ext="sse" sse-connect="/stream" aria-live="polite">
          {rows}
        </section>
      </Page>,
    );
  });
  return router;
}
