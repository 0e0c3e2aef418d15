/** SQLite: channels with their operator queues, and the identities a channel can no longer answer. */
import { and, asc, eq } from 'drizzle-orm';
import type { ChannelRecord, ChannelRepository } from '../../core/repositories/channels.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import type { Db } from './open.ts';
import { channelBlocks, channelOperators, channels } from './schema.ts';

export function withOperators(db: Db, row: typeof channels.$inferSelect): ChannelRecord {
  return { ...row, operatorIds: operatorsOf(db, row.id) };
}

export function operatorsOf(db: Db, channelId: number): number[] {
  return db
    .select({ id: channelOperators.userId })
    .from(channelOperators)
    .where(eq(channelOperators.channelId, channelId))
    .orderBy(asc(channelOperators.position))
    .all()
    .map((r) => r.id);
}

export function setOperators(db: Db, channelId: number, userIds: number[]): void {
  db.delete(channelOperators).where(eq(channelOperators.channelId, channelId)).run();
  if (!userIds.length) return;
  db.insert(channelOperators)
    .values(userIds.map((userId, position) => ({ channelId, userId, position })))
    .run();
}

/** The channel as the ingest path sees it (one prepared statement; the worker asks per message). */
export function channelInfoReader(db: Db): (id: number) => ChannelInfo | undefined {
  const statement = db.$client.prepare<
    [number],
    {
      id: number;
      kind: ChannelInfo['kind'];
      default_country: string | null;
      append_scope: ChannelInfo['appendScope'];
      config: string;
    }
  >(`SELECT id, kind, default_country, append_scope, config FROM channels WHERE id = ?`);
  return (id) => {
    const row = statement.get(id);
    if (!row) return undefined;
    const config = JSON.parse(row.config) as { ownIdentityKeys?: string[] };
    return {
      id: row.id,
      kind: row.kind,
      defaultCountry: row.default_country,
      appendScope: row.append_scope,
      ownIdentityKeys: config.ownIdentityKeys ?? [],
      settings: config,
    };
  };
}

export function sqliteChannels(db: Db): ChannelRepository {
  const info = channelInfoReader(db);
  const get = (id: number) => {
    const row = db.select().from(channels).where(eq(channels.id, id)).get();
    return row && withOperators(db, row);
  };
  const reread = (id: number, what: string) => {
    const channel = get(id);
    if (!channel) throw new Error(`channel ${id} vanished while it was ${what}`);
    return channel;
  };
  return {
    async info(id) {
      return info(id);
    },
    async get(id) {
      return get(id);
    },
    async list(kind) {
      return db
        .select()
        .from(channels)
        .where(kind ? eq(channels.kind, kind) : undefined)
        .orderBy(asc(channels.id))
        .all()
        .map((row) => withOperators(db, row));
    },
    async create(input) {
      const id = db.transaction(
        (tx) => {
          const [row] = tx
            .insert(channels)
            .values({
              kind: input.kind,
              name: input.name,
              defaultCountry: input.defaultCountry,
              appendScope: input.appendScope,
              active: input.active,
              config: input.config,
            })
            .returning({ id: channels.id })
            .all();
          if (!row) throw new Error('the channel was not stored');
          setOperators(tx as unknown as Db, row.id, input.operatorIds);
          return row.id;
        },
        { behavior: 'immediate' },
      );
      return reread(id, 'created');
    },
    async update(id, input) {
      db.transaction(
        (tx) => {
          tx.update(channels)
            .set({
              name: input.name,
              defaultCountry: input.defaultCountry,
              appendScope: input.appendScope,
              active: input.active,
              config: input.config,
            })
            .where(eq(channels.id, id))
            .run();
          setOperators(tx as unknown as Db, id, input.operatorIds);
        },
        { behavior: 'immediate' },
      );
      return reread(id, 'updated');
    },
    async setConfig(id, config) {
      db.update(channels).set({ config }).where(eq(channels.id, id)).run();
    },
    async blockOf(channelId, identityKey) {
      return db
        .select({
          channelId: channelBlocks.channelId,
          identityKey: channelBlocks.identityKey,
          reason: channelBlocks.reason,
          blockedAt: channelBlocks.blockedAt,
        })
        .from(channelBlocks)
        .where(
          and(
            eq(channelBlocks.channelId, channelId),
            eq(channelBlocks.identityKey, identityKey),
            eq(channelBlocks.reachable, false),
          ),
        )
        .get();
    },
    async block(channelId, identityKey, reason, at) {
      db.insert(channelBlocks)
        .values({ channelId, identityKey, reason, reachable: false, blockedAt: at })
        .onConflictDoUpdate({
          target: [channelBlocks.channelId, channelBlocks.identityKey],
          set: { reason, reachable: false, blockedAt: at },
        })
        .run();
    },
  };
}
