/**
 * My activities: the open calls and tasks the viewer is responsible for, by due time, overdue
 * ones marked, each with "done" and its lead. The list refreshes itself when the live stream
 * says a lead changed (a callback request makes a call).
 */
import { Router } from 'express';
import { inScope } from '../../../core/permissions.ts';
import type { ActivityRecord } from '../../../core/repositories/activities.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { scopeFor } from '../operator/scope.ts';
import { CsrfField, Page } from './layout.tsx';
import { notFound } from './lead.tsx';
import { sendFragment, sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

const LIMIT = 200;

export interface ActivityPagesDeps {
  repos: Pick<Repositories, 'activities'>;
}

function ActivityList({
  viewer: seeing,
  activities,
  now,
}: {
  viewer: Viewer;
  activities: ActivityRecord[];
  now: Date;
}) {
  const { t, when } = seeing;
  return (
    <div
      id="activity-list"
      hx-get="/activities?fragment=1"
      hx-trigger="sse:leads"
      hx-swap="outerHTML"
    >
      {activities.length === 0 ? <p class="empty">{t('activities.none')}</p> : null}
      <ul class="activities">
        {activities.map((activity) => {
          const overdue = activity.dueAt < now;
          return (
            <li class={overdue ? 'overdue' : ''} data-activity={activity.id}>
              <time datetime={activity.dueAt.toISOString()}>{when(activity.dueAt)}</time>
              {overdue ? (
                <strong class="badge review"> {t('activities.overdue')}</strong>
              ) : null}{' '}
              <span>{t(`activities.kind.${activity.kind}`)}</span>: {activity.subject}{' '}
              <a href={`/leads/${activity.leadId}`}>
                {t('activities.lead', { id: activity.leadId })}
              </a>
              <form method="post" action={`/activities/${activity.id}/done`} class="inline">
                <CsrfField viewer={seeing} />
                <button type="submit">{t('activities.done')}</button>
              </form>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function activityPages(deps: ActivityPagesDeps): Router {
  const router = Router();
  router.get('/activities', async (req, res) => {
    const seeing = viewer(res);
    const me = seeing.principal.user?.id;
    const scope = scopeFor(res, 'activities', 'read');
    const open = me
      ? (await deps.repos.activities.list({ responsibleId: me, status: 'open', limit: LIMIT }))
          .filter((activity) => inScope(scope, activity))
          .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
      : [];
    const list = <ActivityList viewer={seeing} activities={open} now={new Date()} />;
    if (req.query.fragment === '1') return sendFragment(res, list);
    sendPage(
      res,
      200,
      <Page viewer={seeing} title={seeing.t('activities.title')}>
        <h1>{seeing.t('activities.title')}</h1>
        <section hx-ext="sse" sse-connect="/stream" aria-live="polite">
          {list}
        </section>
      </Page>,
    );
  });

  router.post('/activities/:id/done', async (req, res) => {
    const id = Number(req.params.id);
    const activity = Number.isSafeInteger(id) ? await deps.repos.activities.get(id) : undefined;
    const reachable = activity && inScope(scopeFor(res, 'activities', 'update'), activity);
    if (!reachable || !(await deps.repos.activities.complete(activity.id, new Date())))
      return notFound(res);
    // Back where it was marked (the lead's page), else the list.
    const back = (req.body as Record<string, unknown>).back;
    res.redirect(
      303,
      typeof back === 'string' && /^\/leads\/\d+$/.test(back) ? back : '/activities',
    );
  });
  return router;
}
