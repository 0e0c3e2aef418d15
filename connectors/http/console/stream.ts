/**
 * GET /stream: the console's live updates as Server-Sent Events. Each change to a lead the viewer
 * may read (their read scope, asked of the database for every batch) becomes two events: `leads`
 * (a list refreshes itself) and `lead-<id>` (that lead's page does). Every event carries the
 * outbox id it came from, so a browser that reconnects (EventSource sends Last-Event-ID) gets
 * what it missed. The session is looked at again every half minute, without counting as use (an
 * open tab must not keep an idle session alive): signing out, deactivation or a changed role ends
 * or narrows the stream. The same stream carries the viewer's notifications as `notify` events
 * (notifications.ts: a lead given to them, a customer's answer; notifications-due.ts: their calls
 * coming up and overdue), checked against the same read scope.
 */
import { Router, type Response } from 'express';
import { canManage, scopeOf } from '../../../core/permissions.ts';
import type { ActivityRepository } from '../../../core/repositories/activities.ts';
import type { EventRecord } from '../../../core/repositories/events.ts';
import type { LeadRepository } from '../../../core/repositories/leads.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import { principalOfSession, SESSION_COOKIE, cookieValue, type AuthDeps } from '../auth.ts';
import type { LiveFeed } from './live-feed.ts';
import { LeadNotices, noticeEvents, webhookNotices } from './notifications.ts';
import { DueWatch } from './notifications-due.ts';
import { viewer } from './viewer.ts';

const HEARTBEAT_MS = 30_000;
/** The browser waits this long before reconnecting a dropped stream. */
const RETRY_MS = 2_000;

export interface StreamDeps {
  feed: LiveFeed;
  leads: Pick<LeadRepository, 'visible' | 'find'>;
  activities: Pick<ActivityRepository, 'dueBetween'>;
  auth: Pick<AuthDeps, 'users' | 'session'>;
  log: Logger;
  /** How often each stream looks for its viewer's due activities at the least (default 30 s). */
  dueCheckEveryMs?: number | undefined;
}

/** How far behind the newest event told a late-committing one is still told (see LiveFeed). */
const LATE_IDS = 200;

export function streamRoutes(deps: StreamDeps): Router {
  const router = Router();
  router.get('/stream', async (req, res) => {
    const seeing = viewer(res);
    const { t } = seeing;
    let actor = seeing.principal.actor;
    const notices = new LeadNotices({ leads: deps.leads, t });
    let due: DueWatch | undefined;
    // Torn down however the stream ends (the browser leaves, sign-out, shutdown), even while
    // the lines below still wait for the database.
    let closed = false;
    let stop = () => {};
    const heartbeat: { timer?: NodeJS.Timeout } = {};
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat.timer);
      due?.stop();
      stop();
      // A browser that went away may leave its side half-open: end ours, so the connection is
      // idle and closes (the server waits for busy connections when it shuts down).
      res.end();
    };
    req.on('close', close);
    res.on('close', close);

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      // Proxies (nginx) must pass each event on as it comes, not buffer the response.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: ${RETRY_MS}\n\n`);

    const newest = await deps.feed.lastId();
    // A reconnect's Last-Event-ID, else where the page's data was read (`?after=`).
    const given = Number(req.get('last-event-id') ?? req.query.after);
    // An id from the future (a restored database) would mute the stream: start from now.
    let sent = Number.isSafeInteger(given) && given > 0 && given <= newest ? given : newest;
    const start = sent;
    // Events just behind the newest told may commit late (LiveFeed): each is told once.
    const told = new Set<number>();

    const tell = async (out: Response, events: EventRecord[]) => {
      const fresh = events.filter(
        (event) => event.id > start && event.id > sent - LATE_IDS && !told.has(event.id),
      );
      if (fresh.length === 0 || closed) return;
      for (const event of fresh) told.add(event.id);
      for (const id of told) if (id <= sent - LATE_IDS) told.delete(id);
      const last = Math.max(sent, fresh[fresh.length - 1]!.id);
      const ids = [...new Set(fresh.map((event) => event.leadId).filter((id) => id !== null))];
      const scope = scopeOf(actor, 'leads', 'read');
      const visible = scope.kind === 'all' ? ids : await deps.leads.visible(ids, scope);
      const seen = new Set(visible);
      const news = await notices.of(fresh, seen, actor.userId, scope);
      // A webhook Leadwire turned off is news for those who administer them.
      if (canManage(actor)) news.push(...webhookNotices(fresh, t));
      sent = last;
      // A callback request may have made a call due in minutes: no need to wait for the check.
      if (fresh.some((e) => e.type === 'callback.requested' && seen.has(e.leadId ?? 0)))
        due?.check();
      if (visible.length === 0) {
        // Nothing to show, but a reconnect need not ask for these again.
        out.write(`id: ${last}\n\n${noticeEvents(news)}`);
        return;
      }
      let text = '';
      for (const id of visible) text += `event: lead-${id}\ndata: ${id}\n\n`;
      text += `id: ${last}\nevent: leads\ndata: ${visible.join(',')}\n\n`;
      // Notices carry no id of their own: a reconnect resumes from the batch's.
      out.write(text + noticeEvents(news));
    };
    const failed = (error: unknown) => deps.log.warn({ err: error }, 'live stream could not send');

    // Batches are told in order, one at a time. The first is what was written since `sent`
    // (what a reconnecting browser missed, however much), read only once the feed is listening,
    // so nothing written between the two is missed; events told twice are skipped by their id.
    let listening!: () => void;
    let queue = new Promise<void>((resolve) => (listening = resolve))
      .then(async () => {
        for (;;) {
          const batch = await deps.feed.since(sent);
          await tell(res, batch);
          if (batch.length < deps.feed.batch || closed) return;
        }
      })
      .catch(failed);
    const pass = (events: EventRecord[]) => {
      queue = queue.then(() => tell(res, events)).catch(failed);
    };

    if (closed) return;
    const listener = await deps.feed.listen(pass, close);
    stop = listener;
    if (closed) return stop();
    listening();

    const userId = actor.userId;
    if (userId !== null) {
      due = new DueWatch({
        activities: deps.activities,
        userId,
        scope: () => scopeOf(actor, 'activities', 'read'),
        t,
        send: (list) => {
          if (!closed) res.write(noticeEvents(list));
        },
        log: deps.log,
        checkEveryMs: deps.dueCheckEveryMs,
      });
      due.check();
    }

    const token = cookieValue(req, SESSION_COOKIE);
    heartbeat.timer = setInterval(() => {
      void (async () => {
        const principal = token ? await principalOfSession(deps.auth, token, false) : undefined;
        if (!principal) return close();
        actor = principal.actor;
        res.write(': still here\n\n');
      })().catch(() => undefined);
    }, HEARTBEAT_MS);
  });
  return router;
}
