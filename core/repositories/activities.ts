/** Operator activities: calls, meetings and tasks (e.g. the call back a customer asked for). */

export type ActivityKind = 'call' | 'meeting' | 'task';

export interface ActivityRecord {
  id: number;
  leadId: number;
  kind: ActivityKind;
  subject: string;
  dueAt: Date;
  responsibleId: number | null;
  status: 'open' | 'done';
  /** The identity the activity is about (a call's phone), so a repeat request finds it. */
  identityKey: string | null;
  /** The inbox row that asked for it. */
  inboxId: number | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface ActivityFilter {
  responsibleId?: number | undefined;
  status?: 'open' | 'done' | undefined;
  leadId?: number | undefined;
  dueBefore?: Date | undefined;
  limit: number;
}

export interface NewActivity {
  leadId: number;
  kind: ActivityKind;
  subject: string;
  dueAt: Date;
  responsibleId: number | null;
}

export interface ActivityRepository {
  /** Soonest due first: the order an operator works through calls. */
  list(filter: ActivityFilter): Promise<ActivityRecord[]>;
  create(activity: NewActivity, at: Date): Promise<ActivityRecord>;
  get(id: number): Promise<ActivityRecord | undefined>;
  /** Marks an activity done; completing a done one changes nothing (safe to retry). */
  complete(id: number, at: Date): Promise<ActivityRecord | undefined>;
  /**
   * The open activities of `responsibleId` due after `after` and at or before `until`, latest due
   * first, at most `limit`: what a live console reminds its viewer of. Latest first, so a long
   * tail of old overdue calls never crowds out the ones coming up. One range of the
   * (responsible, status, due) index.
   */
  dueBetween(
    responsibleId: number,
    after: Date,
    until: Date,
    limit: number,
  ): Promise<ActivityRecord[]>;
}
