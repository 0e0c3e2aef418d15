/** PostgreSQL: deployment settings and how far polling sources have been recorded. */
import { and, asc, eq } from 'drizzle-orm';
import type { CheckpointRepository } from '../../core/repositories/checkpoints.ts';
import type { SettingRepository } from '../../core/repositories/settings.ts';
import type { PgDb } from './open.ts';
import { emailCheckpoints, settings, telegramOffsets } from './schema.ts';

export function pgSettings(db: PgDb): SettingRepository {
  return {
    async getOrCreate(key, value) {
      await db.insert(settings).values({ key, value }).onConflictDoNothing();
      const [row] = await db.select().from(settings).where(eq(settings.key, key));
      if (!row) throw new Error(`the setting ${key} could not be stored`);
      return row.value;
    },
  };
}

export function pgCheckpoints(db: PgDb): CheckpointRepository {
  return {
    async email(channelId, folder) {
      const [row] = await db
        .select({ uidValidity: emailCheckpoints.uidValidity, lastUid: emailCheckpoints.lastUid })
        .from(emailCheckpoints)
        .where(and(eq(emailCheckpoints.channelId, channelId), eq(emailCheckpoints.folder, folder)));
      return row;
    },
    emailFolders: (channelId) =>
      db
        .select()
        .from(emailCheckpoints)
        .where(eq(emailCheckpoints.channelId, channelId))
        .orderBy(asc(emailCheckpoints.folder)),
    async telegramOffset(channelId) {
      const [row] = await db
        .select({ offset: telegramOffsets.nextOffset })
        .from(telegramOffsets)
        .where(eq(telegramOffsets.channelId, channelId));
      return row?.offset;
    },
  };
}
