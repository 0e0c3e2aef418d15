/** PostgreSQL: custom field definitions. */
import { asc, eq } from 'drizzle-orm';
import type { CustomFieldDefinition, CustomFieldType } from '../../core/custom-fields.ts';
import type { CustomFieldRepository } from '../../core/repositories/custom-fields.ts';
import type { PgDb } from './open.ts';
import { customFields } from './schema.ts';
import { withoutNul } from './text.ts';

const definition = (row: typeof customFields.$inferSelect): CustomFieldDefinition => ({
  ...row,
  type: row.type as CustomFieldType,
});

export function pgCustomFields(db: PgDb): CustomFieldRepository {
  return {
    async list(entity) {
      const rows = await db
        .select()
        .from(customFields)
        .where(entity ? eq(customFields.entity, entity) : undefined)
        .orderBy(asc(customFields.entity), asc(customFields.sort), asc(customFields.id));
      return rows.map(definition);
    },
    async create(field) {
      const [row] = await db
        .insert(customFields)
        .values(withoutNul({ ...field, sort: field.sort ?? 0 }))
        .onConflictDoNothing()
        .returning();
      return row ? { ok: true, field: definition(row) } : { ok: false, problem: 'key-taken' };
    },
    async update(id, patch) {
      const [row] = Object.keys(patch).length
        ? await db
            .update(customFields)
            .set(withoutNul(patch))
            .where(eq(customFields.id, id))
            .returning()
        : await db.select().from(customFields).where(eq(customFields.id, id));
      return row ? { ok: true, field: definition(row) } : { ok: false, problem: 'no-field' };
    },
    async delete(id) {
      return (await db.delete(customFields).where(eq(customFields.id, id)).returning()).length > 0;
    },
  };
}
