/** SQLite: deployment settings and how far polling sources have been recorded. */
import { and, asc, eq } from 'drizzle-orm';
import type { CheckpointRepository } from '../../core/repositories/checkpoints.ts';
import type { SettingRepository } from '../../core/repositories/settings.ts';
import type { Db } from './open.ts';
import { emailCheckpoints, settings, telegramOffsets } from './schema.ts';

export function sqliteSettings(db: Db): SettingRepository {
  return {
    async getOrCreate(key, value) {
      db.insert(settings).values({ key, value }).onConflictDoNothing().run();
      const row = db.select().from(settings).where(eq(settings.key, key)).get();
      if (!row) throw new Error(`the setting ${key} could not be stored`);
      return row.value;
    },
  };
}

export function sqliteCheckpoints(db: Db): CheckpointRepository {
  return {
    async email(channelId, folder) {
      return db
        .select({ uidValidity: emailCheckpoints.uidValidity, lastUid: emailCheckpoints.lastUid })
        .from(emailCheckpoints)
        .where(and(eq(emailCheckpoints.channelId, channelId), eq(emailCheckpoints.folder, folder)))
        .get();
    },
    async emailFolders(channelId) {
      return db
        .select()
        .from(emailCheckpoints)
        .where(eq(emailCheckpoints.channelId, channelId))
        .orderBy(asc(emailCheckpoints.folder))
        .all();
    },
    async telegramOffset(channelId) {
      return db
        .select({ offset: telegramOffsets.nextOffset })
        .from(telegramOffsets)
        .where(eq(telegramOffsets.channelId, channelId))
        .get()?.offset;
    },
  };
}
