/** SQLite: custom field definitions. */
import { asc, eq } from 'drizzle-orm';
import type { CustomFieldDefinition, CustomFieldType } from '../../core/custom-fields.ts';
import type { CustomFieldRepository } from '../../core/repositories/custom-fields.ts';
import type { Db } from './open.ts';
import { customFields } from './schema.ts';

const definition = (row: typeof customFields.$inferSelect): CustomFieldDefinition => ({
  ...row,
  type: row.type as CustomFieldType,
});

export function sqliteCustomFields(db: Db): CustomFieldRepository {
  return {
    async list(entity) {
      return db
        .select()
        .from(customFields)
        .where(entity ? eq(customFields.entity, entity) : undefined)
        .orderBy(asc(customFields.entity), asc(customFields.sort), asc(customFields.id))
        .all()
        .map(definition);
    },
    async create(field) {
      const [row] = db
        .insert(customFields)
        .values({ ...field, sort: field.sort ?? 0 })
        .onConflictDoNothing()
        .returning()
        .all();
      return row ? { ok: true, field: definition(row) } : { ok: false, problem: 'key-taken' };
    },
    async update(id, patch) {
      const [row] = Object.keys(patch).length
        ? db.update(customFields).set(patch).where(eq(customFields.id, id)).returning().all()
        : db.select().from(customFields).where(eq(customFields.id, id)).all();
      return row ? { ok: true, field: definition(row) } : { ok: false, problem: 'no-field' };
    },
    async delete(id) {
      return db.delete(customFields).where(eq(customFields.id, id)).run().changes > 0;
    },
  };
}
