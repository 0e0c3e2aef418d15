/**
 * What the live stream's events tell one viewer as notifications: a lead that became theirs (a
 * new lead given to them, or one assigned to them) and a customer answering on a lead of theirs.
 * A new lead's first message is the "new lead" notice, not an answer. Each notice goes to the
 * browser as a `notify` event on the stream it already has (stream.ts); notifications-due.ts
 * adds the calls coming up and overdue.
 */
import type { RecordScope } from '../../../core/permissions.ts';
import type { EventRecord } from '../../../core/repositories/events.ts';
import type { LeadRepository } from '../../../core/repositories/leads.ts';
import type { Translate } from './catalogue.ts';

export type NoticeKind = 'assigned' | 'message' | 'due-soon' | 'overdue' | 'more' | 'webhook';

/** One notification, as the browser's notify.js receives it (JSON). */
export interface Notice {
  /** The same for every stream and tab that tells it: the browser shows each once. */
  id: string;
  kind: NoticeKind;
  /** What happened, in the viewer's language. */
  title: string;
  /** What it is about: the lead's title, the call's subject. */
  body: string;
  leadId: number | null;
  /** Where a click on it goes. */
  url: string;
}

/** The `notify` events of some notices, in the stream's wire format. */
export function noticeEvents(notices: readonly Notice[]): string {
  // JSON has no raw line breaks, so each notice is one `data:` line.
  return notices.map((notice) => `event: notify\ndata: ${JSON.stringify(notice)}\n\n`).join('');
}

/** For administrators: each webhook subscription Leadwire turned off (a 410, days of failures). */
export function webhookNotices(events: readonly EventRecord[], t: Translate): Notice[] {
  return events
    .filter((event) => event.type === 'webhook.disabled')
    .map((event) => ({
      id: `event-${event.id}`,
      kind: 'webhook' as const,
      title: t('notify.webhookDisabled'),
      // The event names the subscription, never its URL (a URL may carry the receiver's token).
      body: `#${String(event.payload.webhookId ?? '?')}: ${String(event.payload.reason ?? '')}`,
      leadId: null,
      url: Number(event.payload.webhookId)
        ? `/settings/webhooks/${Number(event.payload.webhookId)}`
        : '/settings/webhooks',
    }));
}

/**
 * Most notices told one by one per batch of events; the rest become one "n more" (an import that
 * hands an operator 3,000 leads is one notice, not 3,000).
 */
export const NOTICES_PER_BATCH = 5;
/** Most new leads remembered until their first message (see `newLeads`). */
const REMEMBERED_NEW_LEADS = 1000;

export interface LeadNoticeDeps {
  leads: Pick<LeadRepository, 'visible' | 'find'>;
  t: Translate;
}

/** One stream's reading of its events as notifications (it remembers the new leads it saw). */
export class LeadNotices {
  /**
   * New leads seen whose first message is not yet: the two events are written together, but a
   * batch may end between them.
   */
  private readonly newLeads = new Set<number>();

  constructor(private readonly deps: LeadNoticeDeps) {}

  /**
   * The notices for viewer `userId` in `events`, of which only the leads in `visible` (their read
   * scope, as the stream asked it) count. A lead is told once per batch, its assignment before
   * an answer. Asks the store only when an event may be a notice: which of those leads are the
   * viewer's now (one query), then each notice's lead title.
   */
  async of(
    events: readonly EventRecord[],
    visible: ReadonlySet<number>,
    userId: number | null,
    scope: RecordScope,
  ): Promise<Notice[]> {
    const wanted = new Map<number, { kind: 'assigned' | 'message'; eventId: number }>();
    for (const event of events) {
      const leadId = event.leadId;
      if (leadId === null) continue;
      if (event.type === 'lead.created') this.remember(leadId);
      if (!visible.has(leadId) || userId === null) {
        if (event.type === 'message.received') this.firstMessage(leadId);
        continue;
      }
      if (event.type === 'lead.created')
        wanted.set(leadId, { kind: 'assigned', eventId: event.id });
      else if (event.type === 'lead.assigned' && event.payload.to === userId)
        wanted.set(leadId, { kind: 'assigned', eventId: event.id });
      else if (
        event.type === 'message.received' &&
        !this.firstMessage(leadId) &&
        !wanted.has(leadId)
      )
        wanted.set(leadId, { kind: 'message', eventId: event.id });
    }
    if (wanted.size === 0 || userId === null) return [];
    // The viewer's now: a lead assigned to them and on to someone else is no longer news to them.
    const own: RecordScope = { kind: 'some', responsibleIds: [userId], unassignedChannelIds: [] };
    const mine = new Set(await this.deps.leads.visible([...wanted.keys()], own));
    const told = [...wanted].filter(([leadId]) => mine.has(leadId));
    const { t } = this.deps;
    const notices: Notice[] = [];
    for (const [leadId, { kind, eventId }] of told.slice(0, NOTICES_PER_BATCH)) {
      const lead = await this.deps.leads.find(leadId, scope);
      if (!lead) continue;
      notices.push({
        id: `event-${eventId}`,
        kind,
        title: t(kind === 'assigned' ? 'notify.assigned' : 'notify.message'),
        body: lead.title,
        leadId,
        url: `/leads/${leadId}`,
      });
    }
    const rest = told.slice(NOTICES_PER_BATCH);
    if (rest.length) {
      notices.push({
        id: `events-${rest[0]![1].eventId}-${rest[rest.length - 1]![1].eventId}`,
        kind: 'more',
        title: t('notify.more', { count: rest.length }),
        body: t('notify.moreBody'),
        leadId: null,
        url: '/leads',
      });
    }
    return notices;
  }

  /** Whether this is a new lead's first message (its "new lead" notice tells it). */
  private firstMessage(leadId: number): boolean {
    return this.newLeads.delete(leadId);
  }

  private remember(leadId: number) {
    this.newLeads.add(leadId);
    if (this.newLeads.size <= REMEMBERED_NEW_LEADS) return;
    // A Set iterates in insertion order: the first is the oldest.
    const oldest = this.newLeads.values().next().value;
    if (oldest !== undefined) this.newLeads.delete(oldest);
  }
}
