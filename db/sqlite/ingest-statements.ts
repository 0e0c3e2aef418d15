/** The hot path's SQL (recording inbox rows, ingesting them), prepared once per connection. Each statement is an index lookup. */
import type { Database, Statement } from 'better-sqlite3';
import { DELIVERY_RANK_SQL } from '../delivery-rank.ts';
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';

/** Leads loaded per sender: every open one plus the newest closed ones (row 6 needs only one). */
const SIMPLE_LEADS_LIMIT = 20;

export type LeadRow = {
  id: number;
  type: 'simple' | 'repeat';
  client_id: number | null;
  channel_id: number;
  open: number;
  updated_at: number;
  responsible_id: number | null;
};
export type InboxDbRow = {
  id: number;
  channel_id: number;
  external_id: string;
  raw: string;
  status: InboxRow['status'];
  outcome: InboxRow['outcome'];
  reason: string | null;
  error: string | null;
  lead_id: number | null;
  attempts: number;
  received_at: number;
  processed_at: number | null;
};

export type InboxProgress = Omit<InboxDbRow, 'raw' | 'channel_id' | 'external_id' | 'received_at'>;

export const toInbox = (row: InboxDbRow): InboxRow => ({
  id: row.id,
  channelId: row.channel_id,
  externalId: row.external_id,
  raw: row.raw,
  status: row.status,
  outcome: row.outcome,
  reason: row.reason,
  error: row.error,
  leadId: row.lead_id,
  attempts: row.attempts,
  receivedAt: new Date(row.received_at),
  processedAt: row.processed_at === null ? null : new Date(row.processed_at),
});

export function prepareIngestStatements(client: Database) {
  const prepare = <R = unknown>(source: string) =>
    client.prepare(source) as Statement<unknown[], R>;
  return {
    insertInbox: prepare(
      `INSERT INTO inbox (channel_id, external_id, raw, status, received_at) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING *`,
    ),
    inboxByExternal: prepare<InboxDbRow>(
      `SELECT * FROM inbox WHERE channel_id = ? AND external_id = ?`,
    ),
    inboxById: prepare<InboxDbRow>(`SELECT * FROM inbox WHERE id = ?`),
    /** A row's progress without its raw event: what the ingest reads again under the lock. */
    inboxProgress: prepare<InboxProgress>(
      `SELECT id, status, outcome, reason, error, lead_id, attempts, processed_at FROM inbox WHERE id = ?`,
    ),
    channel: prepare<{
      id: number;
      kind: ChannelInfo['kind'];
      default_country: string | null;
      append_scope: ChannelInfo['appendScope'];
      config: string;
    }>(`SELECT id, kind, default_country, append_scope, config FROM channels WHERE id = ?`),
    messageByExternal: prepare<{ lead_id: number }>(
      `SELECT lead_id FROM messages WHERE channel_id = ? AND external_id = ?`,
    ),
    threadLeadIds: prepare<{ lead_id: number }>(
      `SELECT DISTINCT lead_id FROM messages WHERE external_id IN (SELECT value FROM json_each(?))`,
    ),
    lead: prepare<LeadRow>(
      `SELECT id, type, client_id, channel_id, open, updated_at, responsible_id FROM leads WHERE id = ?`,
    ),
    // The owners of the sender's identities: a client once per identity it owns, or a lead.
    identityOwners: prepare<{ client_id: number | null; lead_id: number | null }>(
      `SELECT client_id, lead_id FROM identities WHERE key IN (SELECT value FROM json_each(?))`,
    ),
    // A client candidate: its identity keys (a JSON array) and its responsible, in one look.
    client: prepare<{ keys: string; responsible_id: number | null; active: number | null }>(
      `SELECT (SELECT json_group_array(key) FROM identities WHERE client_id = c.id) AS keys,
         u.id AS responsible_id, u.active
       FROM clients c LEFT JOIN users u ON u.id = c.responsible_id WHERE c.id = ?`,
    ),
    clientKeys: prepare<string>(`SELECT key FROM identities WHERE client_id = ?`).pluck(),
    leadKeys: prepare<string>(`SELECT key FROM identities WHERE lead_id = ?`).pluck(),
    clientOpenLeads: prepare<LeadRow>(
      `SELECT id, type, client_id, channel_id, open, updated_at, responsible_id FROM leads WHERE client_id = ? AND open = 1`,
    ),
    // `+client_id`: by id, never through leads_client_open. SQLite otherwise reads every simple
    // lead there is (`client_id IS NULL` on that index) to keep the few asked for, a cost that
    // grew with the table (about 0.1 ms a message at 2,000 leads).
    simpleLeads: prepare<LeadRow>(
      `SELECT id, type, client_id, channel_id, open, updated_at, responsible_id FROM leads
       WHERE id IN (SELECT value FROM json_each(?)) AND +client_id IS NULL
       ORDER BY open DESC, updated_at DESC LIMIT ${SIMPLE_LEADS_LIMIT}`,
    ),
    // `full`: the operator's open leads already reach their capacity (counted only for people
    // who have one).
    // `last`: the channel's last assigned operator, on every row (read alone when none is left).
    operatorQueue: prepare<{ id: number; full: number; last: number | null }>(
      `SELECT u.id, (u.capacity IS NOT NULL AND (SELECT count(*) FROM leads l
                WHERE l.responsible_id = u.id AND l.open = 1) >= u.capacity) AS full,
         (SELECT last_assigned_user_id FROM channels WHERE id = co.channel_id) AS last
       FROM channel_operators co JOIN users u ON u.id = co.user_id
       WHERE co.channel_id = ? AND u.active = 1 ORDER BY co.position, u.id`,
    ),
    lastAssigned: prepare<{ last_assigned_user_id: number | null }>(
      `SELECT last_assigned_user_id FROM channels WHERE id = ?`,
    ),
    advanceQueue: prepare(`UPDATE channels SET last_assigned_user_id = ? WHERE id = ?`),
    insertLead: prepare<{ id: number }>(
      `INSERT INTO leads (type, stage, open, source, channel_id, client_id, responsible_id, title, name, company,
         fields, utm, custom, duplicate_of_lead_id, match_key, company_key, review, unassigned,
         created_at, updated_at)
       VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ),
    touchLead: prepare(`UPDATE leads SET updated_at = max(updated_at, ?) WHERE id = ?`), // processing time, never a sender's clock
    insertIdentity: prepare(
      `INSERT INTO identities (kind, key, raw, client_id, lead_id, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    insertMessage: prepare(
      `INSERT INTO messages (lead_id, channel_id, direction, external_id, inbox_id, sender, text, sent_at, meta, created_at)
       VALUES (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertAttachment: prepare(
      `INSERT INTO attachments (message_id, filename, content_type, size, sha256, skipped) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    openCallFor: prepare<{ id: number; due_at: number }>(
      `SELECT id, due_at FROM activities WHERE identity_key = ? AND status = 'open' AND kind = 'call' LIMIT 1`,
    ),
    insertActivity: prepare<{ id: number }>(
      `INSERT INTO activities (lead_id, kind, subject, due_at, responsible_id, status, identity_key, inbox_id, created_at)
       VALUES (?, 'call', ?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
    ),
    moveActivity: prepare(`UPDATE activities SET due_at = ? WHERE id = ?`),
    insertEvent: prepare(
      `INSERT INTO events (type, lead_id, payload, created_at) VALUES (?, ?, ?, ?)`,
    ),
    // A reachability change replaces the row only when it happened later than the one kept.
    reach: prepare(
      `INSERT INTO channel_blocks (channel_id, identity_key, reason, reachable, blocked_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, identity_key) DO UPDATE SET reason = excluded.reason,
         reachable = excluded.reachable, blocked_at = excluded.blocked_at
       WHERE excluded.blocked_at >= channel_blocks.blocked_at`,
    ),
    insertClientDuplicate: prepare(
      `INSERT INTO client_duplicates (client_id, other_client_id, lead_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    // A status only moves a reply forward (queued → sent → delivered → read; failed and
    // undelivered are final), whatever order the channel reports them in.
    reportDelivery: prepare<{ id: number; lead_id: number }>(
      `UPDATE messages SET delivery = @status,
         meta = CASE WHEN @error IS NULL THEN meta ELSE json_set(meta, '$.deliveryError', @error) END
       WHERE external_id = @of AND direction = 'out' AND ${DELIVERY_RANK_SQL} < @rank
       RETURNING id, lead_id`,
    ),
    finishInbox: prepare(
      `UPDATE inbox SET status = ?, outcome = ?, reason = ?, lead_id = ?, error = NULL, processed_at = ?, attempts = attempts + 1 WHERE id = ?`,
    ),
    failInbox: prepare(
      `UPDATE inbox SET status = 'failed', error = ?, attempts = ?, processed_at = ? WHERE id = ? AND status IN ('pending', 'failed')`,
    ),
    // A batch's search documents, written once at its end (see migration 0017): the triggers are
    // off while search_deferred holds a row, which only the ingest's own transaction ever does.
    deferSearch: prepare(`INSERT INTO search_deferred (id) VALUES (1)`),
    resumeSearch: prepare(`DELETE FROM search_deferred`),
    // Leads that had no message before this batch lose the document of their fields alone.
    dropLeadDocuments: prepare(
      `DELETE FROM lead_search WHERE rowid IN (SELECT value << 32 FROM json_each(?))`,
    ),
    indexLeads: prepare(
      `INSERT INTO lead_search (rowid, title, name, company)
       SELECT l.id << 32, l.title, l.name, l.company FROM leads l
       WHERE l.id IN (SELECT value FROM json_each(?))
         AND NOT EXISTS (SELECT 1 FROM messages WHERE lead_id = l.id)`,
    ),
    indexMessages: prepare(
      `INSERT INTO lead_search (rowid, title, name, company, text)
       SELECT (l.id << 32) + 1 + (m.id - 1) % 4294967295, l.title, l.name, l.company, m.text
       FROM messages m JOIN leads l ON l.id = m.lead_id
       WHERE m.id IN (SELECT value FROM json_each(?))`,
    ),
    pending: prepare<{ id: number }>(
      `SELECT id FROM inbox INDEXED BY inbox_pending WHERE status = 'pending' AND id > ? AND received_at < ? ORDER BY id LIMIT ?`,
    ),
  };
}

export type IngestStatements = ReturnType<typeof prepareIngestStatements>;
