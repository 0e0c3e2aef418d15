/**
 * A lead: who wrote, its kind, stage and responsible, and the whole conversation of every
 * channel in sent-at order (files linked), with the reply box on the channel the customer last
 * wrote on, internal notes and the timeline. The conversation refreshes itself when the live
 * stream says this lead changed (a new message, a delivery status). Every change is a plain form
 * post that comes back to the page; what cannot be done is said on the page, with its reason.
 */
import { randomUUID } from 'node:crypto';
import { Router, type Response } from 'express';
import type { VNode } from 'preact';
import type { AnyChannel } from '../../../core/channel.ts';
import type { BlobStore } from '../../../core/repositories/blobs.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { Delivery, LeadDetail, LeadPatch } from '../../../core/repositories/leads.ts';
import type { TimelineEntry } from '../../../core/repositories/timeline.ts';
import type { Stage } from '../../../core/stages.ts';
import { changeBy, scopeFor } from '../operator/scope.ts';
import { replyKeyOf, sendReply, type ReplyDeps } from '../operator/replies.ts';
import type { ClientDetail } from '../../../core/repositories/clients.ts';
import type { MessageKey } from './catalogue.ts';
import { ConvertDialog, convertFromForm } from './convert.tsx';
import { Alert, CsrfField, notFound, Page } from './layout.tsx';
import { emailFrameRoutes, MessageBody } from './message.tsx';
import { recordPanels } from './record-panels.tsx';
import type { RecordDeps } from './records.ts';
import { sendFragment, sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

export { notFound };

export interface LeadPageDeps extends ReplyDeps {
  repos: ReplyDeps['repos'] &
    Pick<Repositories, 'users' | 'stages' | 'clients' | 'events'> &
    RecordDeps['repos'];
  channels: readonly AnyChannel[];
  /** Where attachments are kept: an email's inline pictures are shown from there. */
  blobs: BlobStore;
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');

const DELIVERY: Record<Delivery, MessageKey> = {
  queued: 'status.queued',
  sent: 'status.sent',
  delivered: 'status.delivered',
  read: 'status.read',
  failed: 'status.failed',
  undelivered: 'status.undelivered',
};

/**
 * Why a reply did not go out, as kept on the message: our sentence (`reason`), else the server's
 * answer (`error.message`), else a delivery receipt's error (`deliveryError`).
 */
function deliveryReason(meta: Record<string, unknown>): string {
  const answer = meta.error as { message?: unknown } | undefined;
  const reason =
    typeof meta.reason === 'string'
      ? meta.reason
      : typeof answer?.message === 'string'
        ? answer.message
        : typeof meta.deliveryError === 'string'
          ? meta.deliveryError
          : '';
  return reason ? `: ${reason}` : '';
}

function Conversation({ viewer: seeing, lead }: { viewer: Viewer; lead: LeadDetail }) {
  const { t, when } = seeing;
  return (
    <section
      id="conversation"
      hx-get={`/leads/${lead.id}/conversation`}
      hx-trigger={`sse:lead-${lead.id}`}
      hx-swap="outerHTML"
      aria-labelledby="conversation-title"
    >
      <h2 id="conversation-title">{t('lead.history')}</h2>
      {lead.messages.length === 0 ? <p class="empty">{t('lead.noMessages')}</p> : null}
      <ol class="messages">
        {lead.messages.map((message) => (
          <li class={`message ${message.direction}`} id={`message-${message.id}`}>
            <div class="meta">
              <span>
                {message.direction === 'out'
                  ? t('message.out', { sender: message.sender ?? '' })
                  : message.direction === 'system'
                    ? t('message.system')
                    : t('message.in', { sender: message.sender ?? lead.name ?? '' })}
              </span>{' '}
              <time datetime={message.sentAt.toISOString()}>{when(message.sentAt)}</time>
              {message.delivery ? (
                <span class={`delivery ${message.delivery}`} data-delivery={message.delivery}>
                  {t(DELIVERY[message.delivery])}
                  {message.delivery === 'failed' || message.delivery === 'undelivered'
                    ? deliveryReason(message.meta)
                    : ''}
                </span>
              ) : null}
            </div>
            <MessageBody viewer={seeing} message={message} />
          </li>
        ))}
      </ol>
    </section>
  );
}

interface LeadView {
  /** The newest event id before the page's data was read: where its live stream starts. */
  eventsAt: number;
  lead: LeadDetail;
  canChange: boolean;
  stages: Stage[];
  users: { id: number; name: string }[];
  junkReasons: { code: string; name: string }[];
  replyChannel: string | null;
  /** Clients owning the lead's email or phone: the convert dialog offers to join them. */
  candidates: ClientDetail[];
  /** Every user's name by id, for the timeline. */
  names: Map<number, string>;
  now: Date;
  problem?: string | undefined;
  /** Where it was merged, merges into it and its possible duplicates (record-panels.tsx). */
  records: VNode | null;
}

/** A timeline entry in words: what changed, from what to what (stage and user names). */
function describeChange(seeing: Viewer, entry: TimelineEntry, view: LeadView): string {
  const { t } = seeing;
  const stage = (code: unknown) =>
    view.stages.find((s) => s.code === code)?.name ?? String(code ?? '—');
  const person = (id: unknown) =>
    typeof id === 'number' ? (view.names.get(id) ?? `#${id}`) : t('lead.nobody');
  switch (entry.action) {
    case 'created':
    case 'note_added':
    case 'converted':
      return t(`timeline.${entry.action}`);
    case 'stage_changed':
      return t('timeline.stage_changed', {
        from: stage(entry.before?.stage),
        to: stage(entry.after?.stage),
      });
    case 'assigned':
      return t('timeline.assigned', {
        from: person(entry.before?.responsibleId),
        to: person(entry.after?.responsibleId),
      });
    case 'identity_added':
      return t('timeline.identity_added', {
        what: String(entry.after?.raw ?? entry.after?.key ?? ''),
      });
    case 'updated':
      return t('timeline.updated', { fields: Object.keys(entry.after ?? {}).join(', ') });
    case 'merged':
      return t('timeline.merged', { what: `#${String(entry.before?.mergedId)}` });
    case 'merged_into':
      return t('timeline.merged_into', { what: `#${String(entry.after?.survivorId)}` });
    case 'unmerged':
      return t('timeline.unmerged', {
        what: `#${String(entry.after?.mergedId ?? entry.after?.survivorId)}`,
      });
    default:
      return entry.action;
  }
}

function LeadPage({ viewer: seeing, view }: { viewer: Viewer; view: LeadView }) {
  const { t, when } = seeing;
  const { lead } = view;
  const base = `/leads/${lead.id}`;
  return (
    <Page viewer={seeing} title={lead.name ?? lead.title}>
      <p>
        <a href="/leads">← {t('lead.back')}</a>
      </p>
      <header class="lead-head">
        <h1>{lead.name ?? lead.title}</h1>
        <span class={`badge ${lead.type}`}>{t(`type.${lead.type}`)}</span>
        {lead.review ? <span class="badge review">{lead.review}</span> : null}
        <p class="sub">
          {lead.name ? lead.title : ''} · {t('lead.source')}: {lead.source}
          {lead.company ? ` · ${lead.company}` : ''}
        </p>
        {lead.client ? (
          <p>
            {t('lead.client')}:{' '}
            <a href={`/clients/${lead.client.id}`}>
              {lead.client.name ?? lead.client.company ?? `#${lead.client.id}`}
            </a>
          </p>
        ) : null}
        {lead.duplicateOfLeadId ? (
          <p>
            <a href={`/leads/${lead.duplicateOfLeadId}`}>
              {t('lead.duplicate', { id: lead.duplicateOfLeadId })}
            </a>
          </p>
        ) : null}
      </header>
      <Alert text={view.problem} />
      {view.records}
      {view.canChange ? (
        <div class="lead-actions">
          <form method="post" action={`${base}/stage`} class="inline">
            <CsrfField viewer={seeing} />
            <label for="stage">{t('lead.stage')}</label>
            <select id="stage" name="stage">
              {view.stages.map((stage) => (
                <option value={stage.code} selected={stage.code === lead.stage}>
                  {stage.name}
                </option>
              ))}
            </select>
            <label for="junkReason">{t('lead.junkReason')}</label>
            <select id="junkReason" name="junkReason">
              <option value="">—</option>
              {view.junkReasons.map((reason) => (
                <option value={reason.code} selected={reason.code === lead.junkReason}>
                  {reason.name}
                </option>
              ))}
            </select>
            <button type="submit">{t('lead.save')}</button>
          </form>
          <form method="post" action={`${base}/assign`} class="inline">
            <CsrfField viewer={seeing} />
            <label for="responsibleId">{t('lead.responsible')}</label>
            <select id="responsibleId" name="responsibleId">
              <option value="">{t('lead.nobody')}</option>
              {view.users.map((user) => (
                <option value={String(user.id)} selected={user.id === lead.responsibleId}>
                  {user.name}
                </option>
              ))}
            </select>
            <button type="submit">{t('lead.save')}</button>
          </form>
        </div>
      ) : (
        <p class="hint">{t('lead.readOnly')}</p>
      )}
      {view.canChange && lead.open ? (
        <ConvertDialog viewer={seeing} lead={lead} candidates={view.candidates} />
      ) : null}
      {/* The stream starts where this page's data was read: a change committed between the
          two (a reply sent as the page loads) is told, not lost. */}
      <div hx-ext="sse" sse-connect={`/stream?after=${view.eventsAt}`}>
        <Conversation viewer={seeing} lead={lead} />
      </div>
      {view.canChange ? (
        view.replyChannel ? (
          <form method="post" action={`${base}/reply`} class="reply">
            <CsrfField viewer={seeing} />
            <label for="reply">{t('lead.replyOn', { channel: view.replyChannel })}</label>
            <textarea id="reply" name="text" rows={4} required maxlength={50_000}></textarea>
            {/* One token per rendering: a double click or a resent form sends the reply once. */}
            <input type="hidden" name="key" value={randomUUID()} />
            <button type="submit">{t('lead.send')}</button>
          </form>
        ) : (
          <p class="hint">{t('lead.noReplyChannel')}</p>
        )
      ) : null}
      <section aria-labelledby="activities-title">
        <h2 id="activities-title">{t('lead.activities')}</h2>
        {lead.activities.length === 0 ? <p class="empty">{t('lead.noActivities')}</p> : null}
        <ul class="activities">
          {lead.activities.map((activity) => (
            <li class={activity.status === 'open' && activity.dueAt < view.now ? 'overdue' : ''}>
              <time datetime={activity.dueAt.toISOString()}>{when(activity.dueAt)}</time>{' '}
              {t(`activities.kind.${activity.kind}`)}: {activity.subject}
              {activity.status === 'done' ? (
                <span class="badge repeat">{t('activities.done')}</span>
              ) : view.canChange ? (
                <form method="post" action={`/activities/${activity.id}/done`} class="inline">
                  <CsrfField viewer={seeing} />
                  <input type="hidden" name="back" value={`/leads/${lead.id}`} />
                  <button type="submit">{t('activities.done')}</button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="notes-title">
        <h2 id="notes-title">{t('lead.notes')}</h2>
        <ul class="notes">
          {lead.notes.map((note) => (
            <li>
              <time datetime={note.createdAt.toISOString()}>{when(note.createdAt)}</time>{' '}
              {note.text}
            </li>
          ))}
        </ul>
        {view.canChange ? (
          <form method="post" action={`${base}/notes`}>
            <CsrfField viewer={seeing} />
            <label for="note">{t('lead.note')}</label>
            <textarea id="note" name="text" rows={2} required maxlength={10_000}></textarea>
            <button type="submit">{t('lead.addNote')}</button>
          </form>
        ) : null}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{t('lead.timeline')}</h2>
        <ol class="timeline">
          {lead.timeline.map((entry) => (
            <li>
              <time datetime={entry.at.toISOString()}>{when(entry.at)}</time>{' '}
              {t('timeline.by', {
                who:
                  entry.userId === null
                    ? t('timeline.system')
                    : (view.names.get(entry.userId) ?? `#${entry.userId}`),
              })}{' '}
              {describeChange(seeing, entry, view)}
            </li>
          ))}
        </ol>
      </section>
    </Page>
  );
}

export function leadPages(deps: LeadPageDeps): Router {
  const router = Router();
  const { leads } = deps.repos;
  const replying = deps.channels.filter((channel) => channel.replies);

  /**
   * The viewer has seen the lead as it is being shown: the list stops marking it unread until it
   * changes again. Its own `updatedAt` is the mark (never this process's clock, which may be
   * behind the worker's), written before the page goes out, and only when it moves forward: an
   * open page refetching its conversation writes nothing new.
   */
  const seen = async (res: Response, lead: LeadDetail) => {
    const me = viewer(res).principal.user?.id;
    if (!me) return;
    const read = (await leads.readsOf(me, [lead.id])).get(lead.id);
    if (!read || read < lead.updatedAt) await leads.markRead(me, lead.id, lead.updatedAt);
  };

  /** Shows the lead (or 404 when out of reach), with a problem to say if an action failed. */
  async function show(res: Response, id: number, status = 200, problem?: string) {
    const seeing = viewer(res);
    const eventsAt = await deps.repos.events.lastId();
    const lead = Number.isSafeInteger(id)
      ? await leads.get(id, scopeFor(res, 'leads', 'read'))
      : undefined;
    if (!lead) return notFound(res);
    const canChange = Boolean(await leads.find(id, scopeFor(res, 'leads', 'update')));
    const [stages, everyone, junkReasons, route] = await Promise.all([
      deps.repos.stages.list('lead'),
      deps.repos.users.listUsers({}),
      canChange ? leads.junkReasons() : [],
      canChange
        ? leads.lastInboundOn(
            id,
            replying.map((channel) => channel.kind),
          )
        : undefined,
    ]);
    const users = canChange ? everyone.filter((user) => user.active) : [];
    const names = new Map(everyone.map((user) => [user.id, user.name]));
    const keys = lead.identities.map((identity) => identity.key);
    const candidates =
      canChange && lead.open && lead.type === 'simple' && keys.length
        ? (
            await deps.repos.clients.list(
              { identityKeys: keys, limit: 10 },
              scopeFor(res, 'clients', 'update'),
            )
          ).clients
        : [];
    const replyChannel = route
      ? replying.find((c) => c.kind === route.channel.kind)
        ? route.channel.name
        : null
      : null;
    const records = await recordPanels(deps, res, 'lead', id, lead.mergedIntoId);
    if (status === 200) await seen(res, lead);
    sendPage(
      res,
      status,
      <LeadPage
        viewer={seeing}
        view={{
          lead,
          canChange,
          stages,
          users,
          junkReasons,
          replyChannel,
          candidates,
          names,
          now: new Date(),
          eventsAt,
          problem,
          records,
        }}
      />,
    );
  }

  router.get('/leads/:id', (req, res) => show(res, Number(req.params.id)));

  router.use(emailFrameRoutes(deps));

  router.get('/leads/:id/conversation', async (req, res) => {
    const lead = await leads.get(Number(req.params.id), scopeFor(res, 'leads', 'read'));
    if (!lead) return notFound(res);
    await seen(res, lead);
    sendFragment(res, <Conversation viewer={viewer(res)} lead={lead} />);
  });

  /** After a change: back to the page (a plain post), its address unchanged for a reload. */
  const back = (res: Response, id: number) => res.redirect(303, `/leads/${id}`);

  router.post('/leads/:id/stage', async (req, res) => {
    const id = Number(req.params.id);
    const body = req.body as Record<string, unknown>;
    const patch: LeadPatch = { stage: text(body.stage) };
    if (text(body.junkReason)) patch.junkReason = text(body.junkReason);
    await change(res, id, patch);
  });

  router.post('/leads/:id/assign', async (req, res) => {
    const id = Number(req.params.id);
    const given = text((req.body as Record<string, unknown>).responsibleId);
    const responsibleId = given ? Number(given) : null;
    if (
      responsibleId !== null &&
      !((await deps.repos.users.getUser(responsibleId))?.active ?? false)
    )
      return show(res, id, 422, viewer(res).t('problem.user'));
    await change(res, id, { responsibleId });
  });

  async function change(res: Response, id: number, patch: LeadPatch) {
    const { t } = viewer(res);
    if (!Number.isSafeInteger(id)) return notFound(res);
    const changed = await leads.update(id, patch, changeBy(res), scopeFor(res, 'leads', 'update'));
    if (changed.ok) return back(res, id);
    if (changed.problem === 'no-lead') return notFound(res);
    const problems = {
      'no-stage': 'problem.stage',
      'no-user': 'problem.user',
      'no-junk-reason': 'problem.reason',
      closed: 'convert.closed',
    } as const;
    return show(res, id, 422, t(problems[changed.problem], { message: changed.problem }));
  }

  router.post('/leads/:id/reply', async (req, res) => {
    const id = Number(req.params.id);
    const { t } = viewer(res);
    const message = text((req.body as Record<string, unknown>).text).trim();
    if (!message) return show(res, id, 422, t('problem.text'));
    const body = { text: message.slice(0, 50_000) };
    const given = text((req.body as Record<string, unknown>).key);
    const key = given ? replyKeyOf(res.locals.principal, given, id, body) : undefined;
    const sent = await sendReply(
      deps,
      res.locals.principal,
      scopeFor(res, 'leads', 'update'),
      id,
      body,
      key ?? undefined,
    );
    if (sent.ok) return back(res, id);
    if (sent.status === 404) return notFound(res);
    return show(
      res,
      id,
      422,
      sent.code === 'no_reply_channel'
        ? t('lead.noReplyChannel')
        : t('problem.generic', { message: sent.message }),
    );
  });

  router.post('/leads/:id/convert', async (req, res) => {
    const id = Number(req.params.id);
    const converted = await convertFromForm(deps, req, res, viewer(res));
    if (converted.ok) return back(res, id);
    if (converted.status === 404) return notFound(res);
    return show(res, id, converted.status, converted.problem);
  });

  router.post('/leads/:id/notes', async (req, res) => {
    const id = Number(req.params.id);
    const { t } = viewer(res);
    const note = text((req.body as Record<string, unknown>).text).trim();
    if (!note) return show(res, id, 422, t('problem.text'));
    const added = Number.isSafeInteger(id)
      ? await leads.addNote(
          id,
          note.slice(0, 10_000),
          changeBy(res),
          scopeFor(res, 'leads', 'update'),
        )
      : undefined;
    if (!added) return notFound(res);
    back(res, id);
  });
  return router;
}
