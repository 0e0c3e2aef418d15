/** What each operator has read, and the lead filters they saved (the console's list). */
import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import type { LeadRepository } from '../../core/repositories/leads.ts';
import type { Db } from './open.ts';
import { leadReads, savedFilters } from './schema.ts';

type Reads = Pick<
  LeadRepository,
  'markRead' | 'readsOf' | 'savedFilters' | 'saveFilter' | 'deleteFilter'
>;

const filterColumns = {
  id: savedFilters.id,
  name: savedFilters.name,
  query: savedFilters.query,
  createdAt: savedFilters.createdAt,
};

export function sqliteLeadReads(db: Db): Reads {
  return {
    async markRead(userId, leadId, at) {
      db.insert(leadReads)
        .values({ userId, leadId, readAt: at })
        .onConflictDoUpdate({
          target: [leadReads.userId, leadReads.leadId],
          set: { readAt: at },
          // Two views finishing out of order never move the mark back.
          setWhere: lt(leadReads.readAt, at),
        })
        .run();
    },

    async readsOf(userId, leadIds) {
      if (leadIds.length === 0) return new Map();
      const rows = db
        .select({ leadId: leadReads.leadId, readAt: leadReads.readAt })
        .from(leadReads)
        .where(and(eq(leadReads.userId, userId), inArray(leadReads.leadId, leadIds)))
        .all();
      return new Map(rows.map((row) => [row.leadId, row.readAt]));
    },

    async savedFilters(userId) {
      return db
        .select(filterColumns)
        .from(savedFilters)
        .where(eq(savedFilters.userId, userId))
        .orderBy(asc(savedFilters.name))
        .all();
    },

    async saveFilter(userId, name, query, at) {
      return db
        .insert(savedFilters)
        .values({ userId, name, query, createdAt: at })
        .onConflictDoUpdate({
          target: [savedFilters.userId, savedFilters.name],
          set: { query, createdAt: at },
        })
        .returning(filterColumns)
        .get();
    },

    async deleteFilter(userId, id) {
      const deleted = db
        .delete(savedFilters)
        .where(and(eq(savedFilters.id, id), eq(savedFilters.userId, userId)))
        .run();
      return deleted.changes > 0;
    },
  };
}
