/** SQLite: website widgets (a channel plus a forms row each) and the posts turned away. */
import type { Statement } from 'better-sqlite3';
import { and, asc, count, desc, eq, gte, max } from 'drizzle-orm';
import type { FormRepository, Widget, WidgetKind } from '../../core/repositories/forms.ts';
import { operatorsOf, setOperators } from './channels.ts';
import type { Db } from './open.ts';
import { channels, formRejections, forms, inbox } from './schema.ts';

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

export function sqliteForms(db: Db): FormRepository {
  // Every website post looks its widget up: one prepared statement, one round of the b-tree.
  const bySlug: Statement<[string, string], WidgetRow> = db.$client.prepare(
    `SELECT f.id, f.channel_id, f.kind, f.slug, f.title, f.definition, f.created_at, f.updated_at,
       c.active, c.default_country,
       (SELECT json_group_array(user_id) FROM (SELECT user_id FROM channel_operators
         WHERE channel_id = f.channel_id ORDER BY position)) AS operator_ids
     FROM forms f JOIN channels c ON c.id = f.channel_id WHERE f.kind = ? AND f.slug = ?`,
  );
  const get = (kind: WidgetKind, id: number): Widget | undefined => {
    const row = db
      .select(columns)
      .from(forms)
      .innerJoin(channels, eq(channels.id, forms.channelId))
      .where(and(eq(forms.kind, kind), eq(forms.id, id)))
      .get();
    return row && { ...row, operatorIds: operatorsOf(db, row.channelId) };
  };
  const reread = (kind: WidgetKind, id: number, what: string) => {
    const widget = get(kind, id);
    if (!widget) throw new Error(`form ${id} vanished while it was ${what}`);
    return widget;
  };
  return {
    async bySlug(kind, slug) {
      const row = bySlug.get(kind, slug);
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
    },
    async get(kind, id) {
      return get(kind, id);
    },
    async list(kind) {
      return db
        .select(columns)
        .from(forms)
        .innerJoin(channels, eq(channels.id, forms.channelId))
        .where(eq(forms.kind, kind))
        .orderBy(asc(forms.id))
        .all()
        .map((row) => ({ ...row, operatorIds: operatorsOf(db, row.channelId) }));
    },
    async slugTaken(slug, exceptId) {
      const row = db.select({ id: forms.id }).from(forms).where(eq(forms.slug, slug)).get();
      return row !== undefined && row.id !== exceptId;
    },
    async create(kind, input, at) {
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
          const [form] = tx
            .insert(forms)
            .values({
              channelId: channel.id,
              kind,
              slug: input.slug,
              title: input.title,
              definition: input.definition,
              updatedAt: at,
            })
            .returning({ id: forms.id })
            .all();
          if (!form) throw new Error('the form was not stored');
          return form.id;
        },
        { behavior: 'immediate' },
      );
      return reread(kind, id, 'created');
    },
    async update(widget, input, at) {
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
              updatedAt: at,
            })
            .where(eq(forms.id, widget.id))
            .run();
        },
        { behavior: 'immediate' },
      );
      return reread(widget.kind, widget.id, 'updated');
    },
    async recordRejection(rejection) {
      db.insert(formRejections).values(rejection).run();
    },
    async rejections(formId, limit) {
      return db
        .select()
        .from(formRejections)
        .where(eq(formRejections.formId, formId))
        .orderBy(desc(formRejections.id))
        .limit(limit)
        .all();
    },
    async received(channelId, since) {
      const [recent] = db
        .select({ n: count() })
        .from(inbox)
        .where(and(eq(inbox.channelId, channelId), gte(inbox.receivedAt, since)))
        .all();
      const [newest] = db
        .select({ at: max(inbox.receivedAt) })
        .from(inbox)
        .where(eq(inbox.channelId, channelId))
        .all();
      return { count: recent?.n ?? 0, lastAt: newest?.at ?? null };
    },
  };
}
