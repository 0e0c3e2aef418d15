/** Inbox rows written straight into the database, as the REST connector would have stored them. */
import { inbox } from '../../db/schema.ts';
import type { TestSystem } from './system.ts';

/** A REST intake event as the connector stores it in `inbox.raw`. */
export const intakeRaw = (body: Record<string, unknown>) =>
  JSON.stringify({ body, receivedAt: '2026-01-01T00:00:00.000Z' });

/** An inbox row of the REST intake channel (pending unless `values` says otherwise). */
export function addInboxRow(
  system: TestSystem,
  values: Partial<typeof inbox.$inferInsert> & { externalId: string },
) {
  const [row] = system.db
    .insert(inbox)
    .values({
      channelId: 1,
      raw: intakeRaw({ email: 'x@example.com' }),
      receivedAt: new Date(),
      ...values,
    })
    .returning()
    .all();
  if (!row) throw new Error('row not stored');
  return row;
}
