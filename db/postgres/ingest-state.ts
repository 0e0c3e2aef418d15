/**
 * Everything one message's decision needs, read in ONE query under the transaction's locks:
 * the inbox row as it is now, the message already stored under the same external id, the leads
 * its thread points at, the clients and simple leads owning the sender's identities, the
 * channel's operator queue, and the call already open for a callback's phone.
 */
import type { InboundMessage } from '../../core/inbound.ts';
import type { IngestState } from '../../core/ingest-plan.ts';
import type { LeadRef } from '../../core/lead-decision.ts';
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';
import type pg from 'pg';

/** Leads loaded per sender: every open one plus the newest closed ones (row 6 needs only one). */
const SIMPLE_LEADS_LIMIT = 20;

/** A lead as the decision sees it; its sender is its own identities or its client's. */
const LEAD_REF = (l: string) => `json_build_object(
  'id', ${l}.id, 'type', ${l}.type, 'clientId', ${l}.client_id, 'channelId', ${l}.channel_id,
  'open', ${l}.open, 'updatedAt', ${l}.updated_at, 'responsibleId', ${l}.responsible_id,
  'senderKeys', CASE WHEN ${l}.client_id IS NULL
    THEN (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE lead_id = ${l}.id)
    ELSE (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE client_id = ${l}.client_id)
  END)`;

/**
 * $1 channel id, $2 external id, $3 the sender's identity keys, $4 thread references,
 * $5 the lead token of the subject, $6 the inbox row id, $7 the callback's phone key.
 */
const STATE_SQL = `
WITH thread_ids AS (
  SELECT lead_id AS id FROM messages WHERE external_id = ANY($4::text[])
  UNION SELECT $5::bigint WHERE $5::bigint IS NOT NULL
), matched AS (
  SELECT client_id, count(*) AS matched FROM identities
  WHERE key = ANY($3::text[]) AND client_id IS NOT NULL GROUP BY client_id
), simple AS (
  SELECT DISTINCT l.id, l.open, l.updated_at FROM identities i JOIN leads l ON l.id = i.lead_id
  WHERE i.key = ANY($3::text[]) AND l.client_id IS NULL
  ORDER BY l.open DESC, l.updated_at DESC LIMIT ${SIMPLE_LEADS_LIMIT}
)
SELECT
  (SELECT json_build_object('status', status, 'outcome', outcome, 'reason', reason, 'error', error,
     'leadId', lead_id, 'attempts', attempts, 'processedAt', processed_at)
   FROM inbox WHERE id = $6) AS inbox,
  (SELECT lead_id FROM messages WHERE external_id = $2 AND channel_id = $1) AS existing,
  (SELECT coalesce(json_agg(${LEAD_REF('l')}), '[]') FROM leads l
   WHERE l.id IN (SELECT id FROM thread_ids)) AS threads,
  (SELECT coalesce(json_agg(json_build_object(
     'id', m.client_id, 'matched', m.matched,
     'identityKeys', (SELECT coalesce(array_agg(key), '{}') FROM identities WHERE client_id = m.client_id),
     'responsible', (SELECT json_build_object('id', u.id, 'active', u.active)
                     FROM clients c JOIN users u ON u.id = c.responsible_id WHERE c.id = m.client_id),
     'openLeads', (SELECT coalesce(json_agg(${LEAD_REF('l')}), '[]') FROM leads l
                   WHERE l.client_id = m.client_id AND l.open))), '[]')
   FROM matched m) AS clients,
  (SELECT coalesce(json_agg(${LEAD_REF('l')} ORDER BY s.open DESC, s.updated_at DESC), '[]')
   FROM simple s JOIN leads l ON l.id = s.id) AS simple,
  (SELECT coalesce(array_agg(u.id ORDER BY co.position, u.id), '{}')
   FROM channel_operators co JOIN users u ON u.id = co.user_id
   WHERE co.channel_id = $1 AND u.active) AS operators,
  (SELECT last_assigned_user_id FROM channels WHERE id = $1) AS last_assigned,
  (SELECT json_build_object('id', id, 'dueAt', due_at) FROM activities
   WHERE identity_key = $7 AND status = 'open' AND kind = 'call' LIMIT 1) AS open_call`;

type LeadJson = Omit<LeadRef, 'updatedAt'> & { updatedAt: string };

interface StateRow {
  inbox: {
    status: InboxRow['status'];
    outcome: InboxRow['outcome'];
    reason: string | null;
    error: string | null;
    leadId: number | null;
    attempts: number;
    processedAt: string | null;
  } | null;
  existing: number | null;
  threads: LeadJson[];
  clients: {
    id: number;
    matched: number;
    identityKeys: string[];
    responsible: { id: number; active: boolean } | null;
    openLeads: LeadJson[];
  }[];
  simple: LeadJson[];
  operators: number[];
  last_assigned: number | null;
  open_call: { id: number; dueAt: string } | null;
}

const leadRef = (lead: LeadJson): LeadRef => ({ ...lead, updatedAt: new Date(lead.updatedAt) });

/** The row as it is now (another worker may have finished it), and the state it touches. */
export async function loadState(
  client: pg.PoolClient,
  row: InboxRow,
  channel: ChannelInfo,
  message: InboundMessage,
): Promise<{ current: InboxRow; state: IngestState }> {
  const result = await client.query<StateRow>(STATE_SQL, [
    channel.id,
    message.externalId,
    message.identities.map((identity) => identity.key),
    message.threadRefs,
    message.leadToken ?? null,
    row.id,
    message.callback?.identityKey ?? null,
  ]);
  const found = result.rows[0];
  if (!found) throw new Error('the decision state query returned no row');
  const now = found.inbox;
  const current: InboxRow = now
    ? { ...row, ...now, processedAt: now.processedAt === null ? null : new Date(now.processedAt) }
    : row;
  return {
    current,
    state: {
      alreadyProcessed: found.existing !== null,
      existingLeadId: found.existing,
      ownIdentityKeys: channel.ownIdentityKeys,
      threadLeads: found.threads.map(leadRef),
      clients: found.clients.map((candidate) => ({
        ...candidate,
        openLeads: candidate.openLeads.map(leadRef),
      })),
      simpleLeads: found.simple.map(leadRef),
      operatorQueue: { activeUserIds: found.operators, lastAssignedId: found.last_assigned },
      openCall: found.open_call
        ? { id: found.open_call.id, dueAt: new Date(found.open_call.dueAt) }
        : null,
    },
  };
}
