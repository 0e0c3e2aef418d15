/** PostgreSQL: channels with their operator queues, and the identities a channel can no longer answer. */
import { and, asc, eq } from 'drizzle-orm';
import type { ChannelInfo } from '../../core/ports.ts';
import type { ChannelRecord, ChannelRepository } from '../../core/repositories/channels.ts';
import type { PgDb } from './open.ts';
import { channelBlocks, channelOperators, channels } from './schema.ts';

export async function withOperators(
  db: PgDb,
  row: typeof channels.$inferSelect,
): Promise<ChannelRecord> {
  return { ...row, operatorIds: await operatorsOf(db, row.id) };
}

export async function operatorsOf(db: PgDb, channelId: number): Promise<number[]> {
  const rows = await db
    .select({ id: channelOperators.userId })
    .from(channelOperators)
    .where(eq(channelOperators.channelId, channelId))
    .orderBy(asc(channelOperators.position));
  return rows.map((r) => r.id);
}

export async function setOperators(db: PgDb, channelId: number, userIds: number[]) {
  await db.delete(channelOperators).where(eq(channelOperators.channelId, channelId));
  if (!userIds.length) return;
  await db
    .insert(channelOperators)
    .values(userIds.map((userId, position) => ({ channelId, userId, position })));
}

export function pgChannels(db: PgDb): ChannelRepository {
  const get = async (id: number) => {
    const [row] = await db.select().from(channels).where(eq(channels.id, id));
    return row && withOperators(db, row);
  };
  const reread = async (id: number, what: string) => {
    const channel = await get(id);
    if (!channel) throw new Error(`channel ${id} vanished while it was ${what}`);
    return channel;
  };
  const settings = (input: Parameters<ChannelRepository['create']>[0]) => ({
    name: input.name,
    defaultCountry: input.defaultCountry,
    appendScope: input.appendScope,
    active: input.active,
    config: input.config,
  });
  return {
    async info(id) {
      const result = await db.$client.query<{
        id: number;
        kind: ChannelInfo['kind'];
        default_country: string | null;
        append_scope: ChannelInfo['appendScope'];
        config: Record<string, unknown> & { ownIdentityKeys?: string[] };
      }>(
        {
          name: 'channel-info',
          text: 'SELECT id, kind, default_country, append_scope, config FROM channels WHERE id = $1',
        },
        [id],
      );
      const row = result.rows[0];
      return (
        row && {
          id: row.id,
          kind: row.kind,
          defaultCountry: row.default_country,
          appendScope: row.append_scope,
          ownIdentityKeys: row.config.ownIdentityKeys ?? [],
          settings: row.config,
        }
      );
    },
    get,
    async list(kind) {
      const rows = await db
        .select()
        .from(channels)
        .where(kind ? eq(channels.kind, kind) : undefined)
        .orderBy(asc(channels.id));
      return Promise.all(rows.map((row) => withOperators(db, row)));
    },
    async create(input) {
      const id = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(channels)
          .values({ kind: input.kind, ...settings(input) })
          .returning({ id: channels.id });
        if (!row) throw new Error('the channel was not stored');
        await setOperators(tx as unknown as PgDb, row.id, input.operatorIds);
        return row.id;
      });
      return reread(id, 'created');
    },
    async update(id, input) {
      await db.transaction(async (tx) => {
        await tx.update(channels).set(settings(input)).where(eq(channels.id, id));
        await setOperators(tx as unknown as PgDb, id, input.operatorIds);
      });
      return reread(id, 'updated');
    },
    async setConfig(id, config) {
      await db.update(channels).set({ config }).where(eq(channels.id, id));
    },
    async blockOf(channelId, identityKey) {
      const [row] = await db
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
        );
      return row;
    },
    async block(channelId, identityKey, reason, at) {
      await db
        .insert(channelBlocks)
        .values({ channelId, identityKey, reason, reachable: false, blockedAt: at })
        .onConflictDoUpdate({
          target: [channelBlocks.channelId, channelBlocks.identityKey],
          set: { reason, reachable: false, blockedAt: at },
        });
    },
  };
}
