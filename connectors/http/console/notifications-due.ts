/**
 * One stream's reminders of its viewer's open calls, meetings and tasks: "due in 5 minutes" when
 * one comes within five minutes of its due time, "overdue" when it passes it, each told once per
 * activity, state and due time (a call brought forward is told again). It asks the store once per
 * check, for the viewer's activities due from a day ago up to just past the next regular check,
 * and times its next check for the soonest moment one of them changes state, so a reminder comes
 * on time rather than up to a check interval late. Activities made between checks (the API writes
 * no event for them) are found by the next regular one; a callback request asks for one at once.
 */
import { inScope, type RecordScope } from '../../../core/permissions.ts';
import type { ActivityRecord, ActivityRepository } from '../../../core/repositories/activities.ts';
import type { Logger } from '../../../core/runtime/logger.ts';
import type { Translate } from './catalogue.ts';
import type { Notice } from './notifications.ts';

/** "Due soon" is this close to the due time. */
export const DUE_SOON_MS = 5 * 60_000;
/** Older overdue activities are the activities page's to show, not news. */
const OVERDUE_FOR_AT_MOST_MS = 24 * 3600_000;
/** Most activities one check reads (the latest due first). */
const CHECK_LIMIT = 50;
/** A timer may fire a little before its moment: check just after it. */
const SLACK_MS = 20;

export interface DueWatchOptions {
  activities: Pick<ActivityRepository, 'dueBetween'>;
  userId: number;
  /** The viewer's read scope of activities, asked again at every check (a role may change). */
  scope: () => RecordScope;
  t: Translate;
  /** Receives the notices of a check (none are passed empty). */
  send: (notices: Notice[]) => void;
  log: Logger;
  /** How often the store is asked at the least (default 30 s). */
  checkEveryMs?: number | undefined;
}

export class DueWatch {
  /** Notice ids told, with the due time each is about (forgotten once a day overdue). */
  private readonly told = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private again = false;
  private stopped = false;
  private readonly every: number;

  constructor(private readonly options: DueWatchOptions) {
    this.every = options.checkEveryMs ?? 30_000;
  }

  /** Checks now (and then on its own schedule until stopped). */
  check(): void {
    if (this.stopped) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = true;
    clearTimeout(this.timer);
    void this.read()
      .catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'live stream could not read due activities');
        return Date.now() + this.every;
      })
      .then((next) => {
        this.checking = false;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          return this.check();
        }
        const wait = Math.max(0, next - Date.now()) + SLACK_MS;
        this.timer = setTimeout(() => this.check(), wait).unref();
      });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Tells what changed state; returns when to look next. */
  private async read(): Promise<number> {
    const now = Date.now();
    const { activities, userId, scope, send } = this.options;
    const rows = await activities.dueBetween(
      userId,
      new Date(now - OVERDUE_FOR_AT_MOST_MS),
      new Date(now + DUE_SOON_MS + this.every),
      CHECK_LIMIT,
    );
    if (this.stopped) return now;
    const readable = scope();
    const notices: Notice[] = [];
    let next = now + this.every;
    for (const activity of rows) {
      if (!inScope(readable, activity)) continue;
      const due = activity.dueAt.getTime();
      const soonFrom = due - DUE_SOON_MS;
      // The next moment this one changes state.
      if (due > now) next = Math.min(next, soonFrom > now ? soonFrom : due);
      const state = due <= now ? 'overdue' : soonFrom <= now ? 'due-soon' : undefined;
      if (!state) continue;
      const id = `activity-${activity.id}-${due}-${state}`;
      if (this.told.has(id)) continue;
      this.told.set(id, due);
      notices.push(this.notice(activity, state, id, now));
    }
    for (const [id, due] of this.told)
      if (due <= now - OVERDUE_FOR_AT_MOST_MS) this.told.delete(id);
    // Soonest first, as the operator works through them.
    if (notices.length) send(notices.reverse());
    return next;
  }

  private notice(
    activity: ActivityRecord,
    state: 'due-soon' | 'overdue',
    id: string,
    now: number,
  ): Notice {
    const { t } = this.options;
    const minutes = Math.max(1, Math.ceil((activity.dueAt.getTime() - now) / 60_000));
    return {
      id,
      kind: state,
      title: state === 'overdue' ? t('notify.overdue') : t('notify.dueSoon', { minutes }),
      body: `${t(`activities.kind.${activity.kind}`)}: ${activity.subject}`,
      leadId: activity.leadId,
      url: `/leads/${activity.leadId}`,
    };
  }
}
