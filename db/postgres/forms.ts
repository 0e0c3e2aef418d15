/** PostgreSQL: website widgets (a channel plus a forms row each) and the posts turned away. */
import { and, asc, count, desc, eq, gte, max } from 'drizzle-orm';
import type { FormRepository, Widget, WidgetKind } from '../../core/repositories/forms.ts';
import { operatorsOf, setOperators } from './channels.ts';
import type { PgDb } from './open.ts';
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
  definition: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  active: boolean;
  default_country: string | null;
  operator_ids: number[];
}

/** Every website post looks its widget up: one prepared statement, one index probe. */
const BY_SLUG = `SELECT f.id, f.channel_id, f.kind, f.slug, f.title, f.definition, f.created_at,
    f.updated_at, c.active, c.default_country,
    ARRAY(SELECT user_id FROM channel_operators WHERE channel_id = f.channel_id ORDER BY position)
      AS operator_ids
  FROM forms f JOIN channels c ON c.id = f.channel_id WHERE f.kind = $1 AND f.slug = $2`;

export function pgForms(db: PgDb): FormRepository {
  const get = async (kind: WidgetKind, id: number): Promise<Widget | undefined> => {
    const [row] = await db
      .select(columns)
      .from(forms)
      .innerJoin(channels, eq(channels.id, forms.channelId))
      .where(and(eq(forms.kind, kind), eq(forms.id, id)));
    return row && { ...row, operatorIds: await operatorsOf(db, row.channelId) };
  };
  const reread = async (kind: WidgetKind, id: number, what: string) => {
    const widget = await get(kind, id);
    if (!widget) throw new Error(`form ${id} vanished while it was ${what}`);
    return widget;
  };
  return {
    async bySlug(kind, slug) {
      const result = await db.$client.query<WidgetRow>({ name: 'widget-by-slug', text: BY_SLUG }, [
        kind,
        slug,
      ]);
      const row = result.rows[0];
      return (
        row && {
          id: row.id,
          channelId: row.channel_id,
          kind: row.kind,
          slug: row.slug,
          title: row.title,
          active: row.active,
          defaultCountry: row.default_country,
          operatorIds: row.operator_ids,
          definition: row.definition,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
        }
      );
    },
    get,
    async list(kind) {
      const rows = await db
        .select(columns)
        .from(forms)
        .innerJoin(channels, eq(channels.id, forms.channelId))
        .where(eq(forms.kind, kind))
        .orderBy(asc(forms.id));
      return Promise.all(
        rows.map(async (row) => ({ ...row, operatorIds: await operatorsOf(db, row.channelId) })),
      );
    },
    async slugTaken(slug, exceptId) {
      const [row] = await db.select({ id: forms.id }).from(forms).where(eq(forms.slug, slug));
      return row !== undefined && row.id !== exceptId;
    },
    async create(kind, input, at) {
      const id = await db.transaction(async (tx) => {
        const [channel] = await tx
          .insert(channels)
          .values({
            kind,
            name: input.title,
            defaultCountry: input.defaultCountry,
            active: input.active,
          })
          .returning({ id: channels.id });
        if (!channel) throw new Error('the channel was not stored');
        await setOperators(tx as unknown as PgDb, channel.id, input.operatorIds);
        const [form] = await tx
          .insert(forms)
          .values({
            channelId: channel.id,
            kind,
            slug: input.slug,
            title: input.title,
            definition: input.definition,
            updatedAt: at,
          })
          .returning({ id: forms.id });
        if (!form) throw new Error('the form was not stored');
        return form.id;
      });
      return reread(kind, id, 'created');
    },
    async update(widget, input, at) {
      await db.transaction(async (tx) => {
        await tx
          .update(channels)
          .set({ name: input.title, defaultCountry: input.defaultCountry, active: input.active })
          .where(eq(channels.id, widget.channelId));
        await setOperators(tx as unknown as PgDb, widget.channelId, input.operatorIds);
        await tx
          .update(forms)
          .set({
            slug: input.slug,
            title: input.title,
            definition: input.definition,
            updatedAt: at,
          })
          .where(eq(forms.id, widget.id));
      });
      return reread(widget.kind, widget.id, 'updated');
    },
    async recordRejection(rejection) {
      await db.insert(formRejections).values(rejection);
    },
    rejections: (formId, limit) =>
      db
        .select()
        .from(formRejections)
        .where(eq(formRejections.formId, formId))
        .orderBy(desc(formRejections.id))
        .limit(limit),
    async received(channelId, since) {
      const [recent] = await db
        .select({ n: count() })
        .from(inbox)
        .where(and(eq(inbox.channelId, channelId), gte(inbox.receivedAt, since)));
      const [newest] = await db
        .select({ at: max(inbox.receivedAt) })
        .from(inbox)
        .where(eq(inbox.channelId, channelId));
      return { count: recent?.n ?? 0, lastAt: newest?.at ?? null };
    },
  };
}
