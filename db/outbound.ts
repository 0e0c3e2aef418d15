/** Operators' replies: the message row is written first (delivery `queued`), then sent by the worker. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { channels, leads, messages } from './schema.ts';

export type OutboundMessage = typeof messages.$inferSelect;

/** The newest inbound message on the lead from a channel of `kind`: what a reply answers. */
export function lastInboundOn(db: Db, leadId: number, kinds: ('email' | 'telegram')[]) {
  return db
    .select({ message: messages, channel: channels })
    .from(messages)
    .innerJoin(channels, eq(channels.id, messages.channelId))
    .where(
      and(eq(messages.leadId, leadId), eq(messages.direction, 'in'), inArray(channels.kind, kinds)),
    )
    .orderBy(desc(messages.sentAt), desc(messages.id))
    .limit(1)
    .get();
}

export interface NewOutbound {
  leadId: number;
  channelId: number;
  externalId: string;
  sender: string;
  text: string;
  meta: Record<string, unknown>;
  at: Date;
}

export function createOutbound(db: Db, message: NewOutbound): OutboundMessage {
  return db.transaction(
    (tx) => {
      const [row] = tx
        .insert(messages)
        .values({
          leadId: message.leadId,
          channelId: message.channelId,
          direction: 'out',
          externalId: message.externalId,
          sender: message.sender,
          text: message.text,
          sentAt: message.at,
          meta: message.meta,
          delivery: 'queued',
        })
        .returning()
        .all();
      if (!row) throw new Error('the reply was not stored');
      tx.update(leads)
        .set({ updatedAt: sql`max(${leads.updatedAt}, ${message.at.getTime()})` })
        .where(eq(leads.id, message.leadId))
        .run();
      return row;
    },
    { behavior: 'immediate' },
  );
}

export function getMessage(db: Db, id: number): OutboundMessage | undefined {
  return db.select().from(messages).where(eq(messages.id, id)).get();
}

/** Records how sending ended; `extra` is merged into the message's meta (SMTP answer, error). */
export function setDelivery(
  db: Db,
  id: number,
  delivery: 'sent' | 'failed' | 'undelivered',
  extra: Record<string, unknown>,
): void {
  const current = getMessage(db, id);
  if (!current) return;
  db.update(messages)
    .set({ delivery, meta: { ...current.meta, ...extra } })
    .where(and(eq(messages.id, id), eq(messages.delivery, 'queued')))
    .run();
}

/** Replies still queued after `before`: the reconciler makes sure each has its job. */
export function queuedBefore(db: Db, before: Date, limit: number): number[] {
  return db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.delivery, 'queued'), sql`${messages.createdAt} < ${before.getTime()}`))
    .limit(limit)
    .all()
    .map((row) => row.id);
}

export function leadExists(db: Db, id: number): boolean {
  return db.select({ id: leads.id }).from(leads).where(eq(leads.id, id)).get() !== undefined;
}
