/**
 * Website widgets (web forms and callback widgets): each is a channel plus a `forms` row. The
 * definition is stored as JSON and validated by its connector; here it is only persisted.
 */
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './open.ts';
import { channelOperators, channels, formRejections, forms, settings, users } from './schema.ts';

export type WidgetKind = 'webform' | 'callback';

export interface Widget {
  id: number;
  channelId: number;
  kind: WidgetKind;
  slug: string;
  title: string;
  active: boolean;
  defaultCountry: string | null;
  operatorIds: number[];
  definition: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface WidgetInput {
  slug: string;
  title: string;
  active: boolean;
  defaultCountry: string | null;
  operatorIds: number[];
  definition: Record<string, unknown>;
}

const columns = {
  id: forms.id,
  channelId: forms.channelId,
  kind: forms.kind,
  slug: forms.slug,
  title: forms.title,
  definition: forms.definition,
  createdAt: forms.createdAt,
  updatedAt: forms.updatedAt,
  active: channels.active,
  defaultCountry: channels.defaultCountry,
};

function withOperators(db: Db, row: Omit<Widget, 'operatorIds'>): Widget {
  const operatorIds = db
    .select({ id: channelOperators.userId })
    .from(channelOperators)
    .where(eq(channelOperators.channelId, row.channelId))
    .orderBy(asc(channelOperators.position))
    .all()
    .map((r) => r.id);
  return { ...row, operatorIds };
}

interface WidgetRow {
  id: number;
  channel_id: number;
  kind: WidgetKind;
  slug: string;
  title: string;
  definition: string;
  created_at: number;
  updated_at: number;
  active: number;
  default_country: string | null;
  operator_ids: string | null;
}

/** Every website post looks its widget up: one prepared statement per connection. */
const bySlug = new WeakMap<object, Statement<[string, string], WidgetRow>>();

export function getWidgetBySlug(db: Db, kind: WidgetKind, slug: string): Widget | undefined {
  let statement = bySlug.get(db.$client);
  if (!statement) {
    statement = db.$client.prepare(
      `SELECT f.id, f.channel_id, f.kind, f.slug, f.title, f.definition, f.created_at, f.updated_at,
         c.active, c.default_country,
         (SELECT json_group_array(user_id) FROM (SELECT user_id FROM channel_operators
           WHERE channel_id = f.channel_id ORDER BY position)) AS operator_ids
       FROM forms f JOIN channels c ON c.id = f.channel_id WHERE f.kind = ? AND f.slug = ?`,
    );
    bySlug.set(db.$client, statement);
  }
  const row = statement.get(kind, slug);
  return (
    row && {
      id: row.id,
      channelId: row.channel_id,
      kind: row.kind,
      slug: row.slug,
      title: row.title,
      active: row.active === 1,
      defaultCountry: row.default_country,
      operatorIds: JSON.parse(row.operator_ids ?? '[]') as number[],
      definition: JSON.parse(row.definition) as Record<string, unknown>,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
    }
  );
}

export function getWidget(db: Db, kind: WidgetKind, id: number): Widget | undefined {
  const row = db
    .select(columns)
    .from(forms)
    .innerJoin(channels, eq(channels.id, forms.channelId))
    .where(and(eq(forms.kind, kind), eq(forms.id, id)))
    .get();
  return row && withOperators(db, row);
}

export function listWidgets(db: Db, kind: WidgetKind): Widget[] {
  return db
    .select(columns)
    .from(forms)
    .innerJoin(channels, eq(channels.id, forms.channelId))
    .where(eq(forms.kind, kind))
    .orderBy(asc(forms.id))
    .all()
    .map((row) => withOperators(db, row));
}

export function slugTaken(db: Db, slug: string, exceptId?: number): boolean {
  const row = db.select({ id: forms.id }).from(forms).where(eq(forms.slug, slug)).get();
  return row !== undefined && row.id !== exceptId;
}

/** Ids among `ids` that are not users. */
export function unknownUsers(db: Db, ids: number[]): number[] {
  if (!ids.length) return [];
  const known = new Set(
    db
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.id, ids))
      .all()
      .map((r) => r.id),
  );
  return ids.filter((id) => !known.has(id));
}

export function createWidget(db: Db, kind: WidgetKind, input: WidgetInput): Widget {
  const id = db.transaction(
    (tx) => {
      const [channel] = tx
        .insert(channels)
        .values({
          kind,
          name: input.title,
          defaultCountry: input.defaultCountry,
          active: input.active,
        })
        .returning({ id: channels.id })
        .all();
      if (!channel) throw new Error('the channel was not stored');
      setOperators(tx as unknown as Db, channel.id, input.operatorIds);
      const now = new Date();
      const [form] = tx
        .insert(forms)
        .values({
          channelId: channel.id,
          kind,
          slug: input.slug,
          title: input.title,
          definition: input.definition,
          updatedAt: now,
        })
        .returning({ id: forms.id })
        .all();
      if (!form) throw new Error('the form was not stored');
      return form.id;
    },
    { behavior: 'immediate' },
  );
  const created = getWidget(db, kind, id);
  if (!created) throw new Error(`form ${id} vanished after it was created`);
  return created;
}

export function updateWidget(db: Db, widget: Widget, input: WidgetInput): Widget {
  db.transaction(
    (tx) => {
      tx.update(channels)
        .set({ name: input.title, defaultCountry: input.defaultCountry, active: input.active })
        .where(eq(channels.id, widget.channelId))
        .run();
      setOperators(tx as unknown as Db, widget.channelId, input.operatorIds);
      tx.update(forms)
        .set({
          slug: input.slug,
          title: input.title,
          definition: input.definition,
          updatedAt: new Date(),
        })
        .where(eq(forms.id, widget.id))
        .run();
    },
    { behavior: 'immediate' },
  );
  const updated = getWidget(db, widget.kind, widget.id);
  if (!updated) throw new Error(`form ${widget.id} vanished while it was updated`);
  return updated;
}

export function setOperators(db: Db, channelId: number, userIds: number[]): void {
  db.delete(channelOperators).where(eq(channelOperators.channelId, channelId)).run();
  if (!userIds.length) return;
  db.insert(channelOperators)
    .values(userIds.map((userId, position) => ({ channelId, userId, position })))
    .run();
}

export interface Rejection {
  formId: number;
  reason: string;
  ip: string | null;
  userAgent: string | null;
  body: string;
  receivedAt: Date;
}

export function recordRejection(db: Db, rejection: Rejection): void {
  db.insert(formRejections).values(rejection).run();
}

export function listRejections(db: Db, formId: number, limit: number) {
  return db
    .select()
    .from(formRejections)
    .where(eq(formRejections.formId, formId))
    .orderBy(desc(formRejections.id))
    .limit(limit)
    .all();
}

/**
 * The key that signs form tokens. Every web process must use the same one, so unless the
 * environment gives one (FORM_SECRET) it is generated once and kept in the database.
 */
export function siteSecret(db: Db, fromEnvironment: string | undefined): string {
  if (fromEnvironment) return fromEnvironment;
  db.insert(settings)
    .values({ key: 'form_token_secret', value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing()
    .run();
  const row = db.select().from(settings).where(eq(settings.key, 'form_token_secret')).get();
  if (!row) throw new Error('the form token secret could not be stored');
  return row.value;
}
