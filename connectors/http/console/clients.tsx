/**
 * Clients: the list (one search box for a name or company, an email or a phone) and a client
 * with its identities, leads and deals: what the viewer's scopes let them read, nothing more.
 */
import { Router } from 'express';
import { scopeOf } from '../../../core/permissions.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { ClientDetail } from '../../../core/repositories/clients.ts';
import { scopeFor } from '../operator/scope.ts';
import { Page } from './layout.tsx';
import { notFound } from './lead.tsx';
import { recordPanels } from './record-panels.tsx';
import type { RecordDeps } from './records.ts';
import { searchFilter } from './leads.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

const PAGE = 50;

export interface ClientPagesDeps {
  repos: Pick<Repositories, 'clients' | 'users'> & RecordDeps['repos'];
  defaultCountry: string | undefined;
}

const clientName = (client: Pick<ClientDetail, 'id' | 'name' | 'company'>) =>
  client.name ?? client.company ?? `#${client.id}`;

function ClientList(props: {
  viewer: Viewer;
  clients: ClientDetail[];
  search: string;
  next: string | null;
}) {
  const { t } = props.viewer;
  return (
    <>
      <form method="get" action="/clients" class="filters" role="search">
        <label for="q" class="visually-hidden">
          {t('clients.search')}
        </label>
        <input
          id="q"
          name="q"
          type="search"
          value={props.search}
          placeholder={t('clients.search')}
          maxlength={200}
        />
        <button type="submit">{t('leads.searchButton')}</button>
      </form>
      <p class="views">
        {scopeOf(props.viewer.principal.actor, 'clients', 'export').kind !== 'none' ? (
          <a
            class="export"
            href={`/clients/export.csv${props.search ? `?${new URLSearchParams({ q: props.search })}` : ''}`}
            download
          >
            {t('export.csv')}
          </a>
        ) : null}{' '}
        {scopeOf(props.viewer.principal.actor, 'clients', 'create').kind === 'all' ? (
          <a class="import" href="/clients/import">
            {t('import.link')}
          </a>
        ) : null}
      </p>
      {props.clients.length === 0 ? (
        <p class="empty">{t('clients.empty')}</p>
      ) : (
        <table class="leads">
          <thead>
            <tr>
              <th scope="col">{t('clients.col.client')}</th>
              <th scope="col">{t('clients.col.kind')}</th>
              <th scope="col">{t('clients.col.identities')}</th>
            </tr>
          </thead>
          <tbody>
            {props.clients.map((client) => (
              <tr data-client={client.id}>
                <td>
                  <a class="lead-link" href={`/clients/${client.id}`}>
                    {clientName(client)}
                  </a>
                  {client.name && client.company ? <div class="sub">{client.company}</div> : null}
                </td>
                <td>{t(`clients.kind.${client.kind}`)}</td>
                <td>{client.identities.map((identity) => identity.raw).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.next ? (
        <p>
          <a
            href={`/clients?${new URLSearchParams({ ...(props.search ? { q: props.search } : {}), cursor: props.next })}`}
          >
            {t('clients.more')}
          </a>
        </p>
      ) : null}
    </>
  );
}

export function clientPages(deps: ClientPagesDeps): Router {
  const router = Router();
  router.get('/clients', async (req, res) => {
    const seeing = viewer(res);
    const search = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 200) : '';
    const cursor = Number(req.query.cursor);
    const { identityKeys, q } = searchFilter(search, deps.defaultCountry);
    const page = await deps.repos.clients.list(
      {
        limit: PAGE,
        ...(identityKeys ? { identityKeys } : {}),
        ...(q ? { q } : {}),
        ...(Number.isSafeInteger(cursor) && cursor > 0 ? { cursor } : {}),
      },
      scopeFor(res, 'clients', 'read'),
    );
    sendPage(
      res,
      200,
      <Page viewer={seeing} title={seeing.t('clients.title')}>
        <h1>{seeing.t('clients.title')}</h1>
        <ClientList viewer={seeing} clients={page.clients} search={search} next={page.nextCursor} />
      </Page>,
    );
  });

  router.get('/clients/:id', async (req, res) => {
    const seeing = viewer(res);
    const { t, when } = seeing;
    const id = Number(req.params.id);
    const client = Number.isSafeInteger(id)
      ? await deps.repos.clients.view(id, scopeFor(res, 'clients', 'read'), {
          leads: scopeFor(res, 'leads', 'read'),
          deals: scopeFor(res, 'deals', 'read'),
        })
      : undefined;
    if (!client) return notFound(res);
    const responsible = client.responsibleId
      ? await deps.repos.users.getUser(client.responsibleId)
      : undefined;
    const records = await recordPanels(deps, res, 'client', id, client.mergedIntoId);
    sendPage(
      res,
      200,
      <Page viewer={seeing} title={clientName(client)}>
        <p>
          <a href="/clients">← {t('clients.back')}</a>
        </p>
        <h1>{clientName(client)}</h1>
        <p class="sub">
          {t(`clients.kind.${client.kind}`)}
          {client.name && client.company ? ` · ${client.company}` : ''}
          {` · ${t('lead.responsible')}: ${responsible?.name ?? t('lead.nobody')}`}
        </p>
        {records}
        <h2>{t('clients.col.identities')}</h2>
        <ul>
          {client.identities.map((identity) => (
            <li>
              {identity.kind}: {identity.raw}
            </li>
          ))}
        </ul>
        <h2>{t('nav.leads')}</h2>
        {client.leads.length === 0 ? <p class="empty">{t('leads.empty')}</p> : null}
        <ul>
          {client.leads.map((lead) => (
            <li>
              <a href={`/leads/${lead.id}`}>{lead.title}</a>{' '}
              <span class={`badge ${lead.type}`}>{t(`type.${lead.type}`)}</span>{' '}
              <time datetime={lead.createdAt.toISOString()}>{when(lead.createdAt)}</time>
            </li>
          ))}
        </ul>
        <h2>{t('clients.deals')}</h2>
        {client.deals.length === 0 ? <p class="empty">{t('clients.noDeals')}</p> : null}
        <ul>
          {client.deals.map((deal) => (
            <li>
              {deal.title} · {deal.stage}
              {deal.amount != null ? ` · ${deal.amount} ${deal.currency ?? ''}` : ''}
            </li>
          ))}
        </ul>
      </Page>,
    );
  });
  return router;
}
