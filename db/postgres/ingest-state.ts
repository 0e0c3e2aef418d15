/**
 * Everything one message's decision needs, locked and read in ONE query: the identity keys of
 * every record the message may write to (locked without waiting), then the inbox row as it is
 * now, the message already stored under the same external id, the leads its thread points at,
 * the clients and simple leads owning the sender's identities, the channel's operator queue, and
 * the call already open for a callback's phone.
 */
import type { InboundMessage } from '../../core/inbound.ts';
import type { IngestState } from '../../core/ingest-plan.ts';
import type { LeadRef } from '../../core/lead-decision.ts';
import type { ChannelInfo, InboxRow } from '../../core/ports.ts';
import type pg from 'pg';

/**
 * leadwire_ingest_state (migration 0002): $1 channel id, $2 external id, $3 the sender's identity
 * keys, $4 thread references, $5 the lead token of the subject, $6 the inbox row id, $7 the
 * callback's phone key, $8 the keys the transaction holds already.
 */
const STATE = {
  name: 'ingest-state',
  text: 'SELECT leadwire_ingest_state($1, $2, $3, $4, $5, $6, $7, $8) AS state',
};

type LeadJson = Omit<LeadRef, 'updatedAt'> & { updatedAt: string };

type StateRow = { needs: string[] } | Found;

interface Found {
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
  /** Operators of the queue at capacity. */
  full: number[];
  last_assigned: number | null;
  open_call: { id: number; dueAt: string } | null;
  touched: string[];
  locked: string[];
}

export type LoadedState =
  /** A record the message touches has a key another transaction holds. */
  | { needs: string[] }
  | {
      current: InboxRow;
      state: IngestState;
      /** The identity keys of every record the message may write to. */
      touched: string[];
      /** Keys locked by this call (beside those it was told were held). */
      locked: string[];
    };

const leadRef = (lead: LeadJson): LeadRef => ({ ...lead, updatedAt: new Date(lead.updatedAt) });

/** The row as it is now (another worker may have finished it), and the state it touches. */
export async function loadState(
  client: pg.PoolClient,
  row: InboxRow,
  channel: ChannelInfo,
  message: InboundMessage,
  held: readonly string[],
): Promise<LoadedState> {
  const result = await client.query<{ state: StateRow }>(STATE, [
    channel.id,
    message.externalId,
    message.identities.map((identity) => identity.key),
    message.threadRefs,
    message.leadToken ?? null,
    row.id,
    message.callback?.identityKey ?? null,
    held,
  ]);
  const found = result.rows[0]?.state;
  if (!found) throw new Error('the decision state query returned no row');
  if ('needs' in found) return { needs: found.needs };
  const now = found.inbox;
  const current: InboxRow = now
    ? { ...row, ...now, processedAt: now.processedAt === null ? null : new Date(now.processedAt) }
    : row;
  return {
    current,
    touched: found.touched,
    locked: found.locked,
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
      operatorQueue: {
        activeUserIds: found.operators,
        lastAssignedId: found.last_assigned,
        atCapacity: found.full,
      },
      openCall: found.open_call
        ? { id: found.open_call.id, dueAt: new Date(found.open_call.dueAt) }
        : null,
    },
  };
}
