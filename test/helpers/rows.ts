/** Rows a test needs to exist, written as the connectors (or an earlier run) would have left them. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../core/clock.ts';
import type { InboxRow } from '../../core/ports.ts';
import type { Store } from '../../core/repositories/index.ts';
import { CHANNELS } from '../../connectors/registry.ts';
import { ingestInbox } from '../../workers/ingest/handler.ts';
import type { TestSystem } from './system.ts';

/** A REST intake event as the connector stores it in `inbox.raw`. */
export const intakeRaw = (body: Record<string, unknown>) =>
  JSON.stringify({ body, receivedAt: '2026-01-01T00:00:00.000Z' });

type InboxValues = Partial<
  Pick<
    InboxRow,
    'channelId' | 'raw' | 'receivedAt' | 'status' | 'outcome' | 'reason' | 'error' | 'attempts'
  >
> & { externalId: string; processedAt?: Date };

/** An inbox row (of the REST intake channel, pending unless `values` says otherwise). */
export async function addInboxRow(system: TestSystem, values: InboxValues): Promise<InboxRow> {
  const { store, look } = system;
  const { row } = await store.inbox.record(
    values.channelId ?? 1,
    values.externalId,
    values.raw ?? intakeRaw({ email: 'x@example.com' }),
    values.receivedAt ?? new Date(),
  );
  const set: SQL[] = [];
  if (values.status) set.push(sql`status = ${values.status}`);
  if (values.outcome) set.push(sql`outcome = ${values.outcome}`);
  if (values.reason) set.push(sql`reason = ${values.reason}`);
  if (values.error) set.push(sql`error = ${values.error}`);
  if (values.attempts !== undefined) set.push(sql`attempts = ${values.attempts}`);
  if (values.processedAt) set.push(sql`processed_at = ${look.at(values.processedAt)}`);
  if (set.length)
    await look.run(sql`UPDATE inbox SET ${sql.join(set, sql`, `)} WHERE id = ${row.id}`);
  const stored = await store.inbox.get(row.id);
  if (!stored) throw new Error('row not stored');
  return stored;
}

/** One more channel of a kind without settings of its own (a second REST intake); its id. */
export async function addChannel(
  system: TestSystem,
  values: { kind: 'api' | 'webform' | 'callback'; name: string },
): Promise<number> {
  const row = await system.look.get<{ id: number }>(
    sql`INSERT INTO channels (kind, name) VALUES (${values.kind}, ${values.name}) RETURNING id`,
  );
  if (!row) throw new Error('channel not stored');
  return row.id;
}

/** A count from the store (`SELECT count(*) AS n …`). */
export async function count(system: Pick<TestSystem, 'look'>, query: SQL): Promise<number> {
  return (await system.look.get<{ n: number }>(query))?.n ?? -1;
}

export interface InboxView {
  id: number;
  external_id: string;
  status: string;
  outcome: string | null;
  reason: string | null;
  error: string | null;
  lead_id: number | null;
}

/** A channel's inbox rows in id order, as a table. */
export function inboxOf(system: Pick<TestSystem, 'look'>, channelId: number): Promise<InboxView[]> {
  return system.look.all<InboxView>(
    sql`SELECT id, external_id, status, outcome, reason, error, lead_id FROM inbox WHERE channel_id = ${channelId} ORDER BY id`,
  );
}

/** An operator; `active: false` for one who has left. */
export async function addUser(
  system: Pick<TestSystem, 'store' | 'look'>,
  values: { name: string; email: string; active?: boolean },
) {
  const written = await system.store.users.createUser({
    name: values.name,
    email: values.email,
    roles: ['operator'],
  });
  if (!written.ok) throw new Error(`user ${values.email} was not created: ${written.problem}`);
  const { user } = written;
  if (values.active === false) {
    await system.look.run(sql`UPDATE users SET active = false WHERE id = ${user.id}`);
    return { ...user, active: false };
  }
  return user;
}

/**
 * Uploads received but neither kept nor thrown away: temporary files in the blob directory
 * (SQLite), chunks without a named blob (PostgreSQL).
 */
export async function leftoverUploads(system: Pick<TestSystem, 'store' | 'look' | 'config'>) {
  if (system.store.kind === 'postgres') {
    return count(
      system,
      sql`SELECT count(*) AS n FROM blob_chunks c WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.upload_id = c.upload_id)`,
    );
  }
  return readdirSync(path.join(system.config.dataDir, 'blobs', 'tmp')).length;
}

/**
 * A message to the REST intake (channel 1) ingested at once, as the worker would: the lead it
 * went to. `body` is the intake's body (`email`, `phone`, `name`, …); the text is "hello".
 */
export async function intakeNow(
  store: Store,
  externalId: string,
  body: Record<string, string>,
  clock: Clock,
): Promise<number> {
  const raw = JSON.stringify({ body: { message: 'hello', ...body }, receivedAt: clock.now() });
  const { row } = await store.inbox.record(1, externalId, raw, new Date());
  const outcome = await ingestInbox(
    { channels: CHANNELS, repos: store, clock, defaultCountry: 'RU' },
    row.id,
  );
  if (outcome.leadId == null) throw new Error(`${externalId} made no lead`);
  return outcome.leadId;
}
