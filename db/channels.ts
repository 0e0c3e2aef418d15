/** Channels as the admin API sees them (mailboxes now, bots later): settings JSON, queue, state. */
import { asc, eq } from 'drizzle-orm';
import { setOperators } from './forms.ts';
import type { Db } from './open.ts';
import { channelOperators, channels, emailCheckpoints } from './schema.ts';

export type ChannelRecord = typeof channels.$inferSelect & { operatorIds: number[] };

export interface ChannelInput {
  kind: 'email' | 'telegram';
  name: string;
  defaultCountry: string | null;
  appendScope: 'any' | 'same-channel';
  active: boolean;
  operatorIds: number[];
  config: Record<string, unknown>;
}

function withOperators(db: Db, row: typeof channels.$inferSelect): ChannelRecord {
  const operatorIds = db
    .select({ id: channelOperators.userId })
    .from(channelOperators)
    .where(eq(channelOperators.channelId, row.id))
    .orderBy(asc(channelOperators.position))
    .all()
    .map((r) => r.id);
  return { ...row, operatorIds };
}

export function getChannel(db: Db, id: number): ChannelRecord | undefined {
  const row = db.select().from(channels).where(eq(channels.id, id)).get();
  return row && withOperators(db, row);
}

export function listChannels(db: Db, kind?: ChannelInput['kind']): ChannelRecord[] {
  return db
    .select()
    .from(channels)
    .where(kind ? eq(channels.kind, kind) : undefined)
    .orderBy(asc(channels.id))
    .all()
    .map((row) => withOperators(db, row));
}

export function createChannel(db: Db, input: ChannelInput): ChannelRecord {
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
  const created = getChannel(db, id);
  if (!created) throw new Error(`channel ${id} vanished after it was created`);
  return created;
}

export function updateChannel(db: Db, id: number, input: ChannelInput): ChannelRecord {
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
  const updated = getChannel(db, id);
  if (!updated) throw new Error(`channel ${id} vanished while it was updated`);
  return updated;
}

export function listCheckpoints(db: Db, channelId: number) {
  return db
    .select()
    .from(emailCheckpoints)
    .where(eq(emailCheckpoints.channelId, channelId))
    .orderBy(asc(emailCheckpoints.folder))
    .all();
}
