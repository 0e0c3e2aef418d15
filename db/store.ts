/**
 * The SQLite implementation of core's IngestStore. The ingest path runs on prepared statements
 * (better-sqlite3 directly): it is the hot path, and one message costs a handful of index lookups.
 */
import type { Identity } from '../core/identities.ts';
import type { InboundMessage } from '../core/inbound.ts';
import type { DecisionState, LeadDecision, LeadRef } from '../core/lead-decision.ts';
import type { ClientCandidate } from '../core/matching.ts';
import type {
  ChannelInfo,
  IngestOutcome,
  IngestStore,
  InboxRow,
  RecordedInbox,
} from '../core/ports.ts';
import { INITIAL_STAGE } from '../core/stages.ts';
import { IngestExtras } from './ingest-extras.ts';
import type { Db } from './open.ts';
import {
  prepareIngestStatements,
  type IngestStatements,
  type InboxDbRow,
  type LeadRow,
} from './ingest-statements.ts';

const toInbox = (row: InboxDbRow): InboxRow => ({
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
});

export class SqliteStore implements IngestStore {
  private readonly sql: IngestStatements;
  private readonly extras: IngestExtras;

  constructor(readonly db: Db) {
    this.sql = prepareIngestStatements(db.$client);
    this.extras = new IngestExtras(db.$client);
  }

  transaction<T>(work: () => T): T {
    return this.db.$client.transaction(work).immediate();
  }

  recordInbox(channelId: number, externalId: string, raw: string, receivedAt: Date): RecordedInbox {
    const inserted = this.sql.insertInbox.get(channelId, externalId, raw, receivedAt.getTime()) as
      InboxDbRow | undefined;
    if (inserted) return { row: toInbox(inserted), created: true };
    const existing = this.sql.inboxByExternal.get(channelId, externalId);
    if (!existing)
      throw new Error(`inbox row (${channelId}, ${externalId}) vanished during insert`);
    return { row: toInbox(existing), created: false };
  }

  loadInbox(id: number): InboxRow | undefined {
    const row = this.sql.inboxById.get(id);
    return row && toInbox(row);
  }

  loadChannel(id: number): ChannelInfo | undefined {
    const row = this.sql.channel.get(id);
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
  }

  loadDecisionState(channel: ChannelInfo, message: InboundMessage): DecisionState {
    const keys = JSON.stringify(message.identities.map((identity) => identity.key));
    const alreadyProcessed =
      this.sql.messageByExternal.get(channel.id, message.externalId) !== undefined;
    const threadLeadIds = new Set<number>(
      message.threadRefs.length
        ? this.sql.threadLeadIds.all(JSON.stringify(message.threadRefs)).map((r) => r.lead_id)
        : [],
    );
    if (message.leadToken !== undefined) threadLeadIds.add(message.leadToken);
    const threadLeads = [...threadLeadIds]
      .map((id) => this.sql.lead.get(id))
      .filter((row): row is LeadRow => row !== undefined)
      .map((row) => this.leadRef(row));

    const clients: ClientCandidate[] = this.sql.clientMatches
      .all(keys)
      .map(({ client_id, matched }) => {
        const identityKeys = this.sql.clientKeys.all(client_id).map((r) => r.key);
        const responsible = this.sql.clientResponsible.get(client_id);
        return {
          id: client_id,
          identityKeys,
          matched,
          responsible: responsible
            ? { id: responsible.id, active: responsible.active === 1 }
            : null,
          openLeads: this.sql.clientOpenLeads
            .all(client_id)
            .map((row) => this.leadRef(row, identityKeys)),
        };
      });
    const simpleLeads = this.sql.simpleLeads.all(keys).map((row) => this.leadRef(row));
    return {
      alreadyProcessed,
      ownIdentityKeys: channel.ownIdentityKeys,
      threadLeads,
      clients,
      simpleLeads,
      operatorQueue: {
        activeUserIds: this.sql.operatorQueue.all(channel.id).map((r) => r.id),
        lastAssignedId: this.sql.lastAssigned.get(channel.id)?.last_assigned_user_id ?? null,
      },
    };
  }

  private leadRef(row: LeadRow, clientKeys?: string[]): LeadRef {
    const senderKeys =
      row.client_id === null
        ? this.sql.leadKeys.all(row.id).map((r) => r.key)
        : (clientKeys ?? this.sql.clientKeys.all(row.client_id).map((r) => r.key));
    return {
      id: row.id,
      type: row.type,
      clientId: row.client_id,
      channelId: row.channel_id,
      open: row.open === 1,
      updatedAt: new Date(row.updated_at),
      senderKeys,
    };
  }

  applyDecision(
    inbox: InboxRow,
    channel: ChannelInfo,
    message: InboundMessage,
    decision: LeadDecision,
  ): IngestOutcome {
    const now = Date.now();
    const finish = (result: IngestOutcome): IngestOutcome => {
      const status = result.status;
      this.sql.finishInbox.run(
        status,
        result.outcome,
        result.reason ?? null,
        result.leadId,
        now,
        inbox.id,
      );
      return result;
    };
    switch (decision.kind) {
      case 'skip': {
        const existing = this.sql.messageByExternal.get(channel.id, message.externalId);
        return finish({
          status: 'done',
          outcome: 'duplicate',
          leadId: existing?.lead_id ?? null,
          reason: decision.reason,
        });
      }
      case 'ignore':
        if (decision.bounceOf) this.sql.markUndelivered.run(decision.bounceOf);
        this.extras.applyReachability(channel.id, message, now);
        return finish({
          status: 'ignored',
          outcome: 'ignored',
          leadId: null,
          reason: decision.reason,
        });
      case 'unreachable':
        return finish({
          status: 'ignored',
          outcome: 'ignored',
          leadId: null,
          reason: decision.reason,
        });
      case 'create':
      case 'append': {
        const at = decision.at.getTime();
        let leadId: number;
        if (decision.kind === 'create') {
          leadId = this.createLead(channel, message, decision, at);
          if (decision.roundRobin) this.sql.advanceQueue.run(decision.responsibleId, channel.id);
        } else {
          leadId = decision.leadId;
          this.sql.touchLead.run(at, leadId);
        }
        this.addIdentities(decision.addToLead, null, leadId, at);
        if (decision.addToClient)
          this.addIdentities(
            decision.addToClient.identities,
            decision.addToClient.clientId,
            null,
            at,
          );
        const duplicates = decision.possibleDuplicates;
        for (const other of duplicates?.otherClientIds ?? []) {
          this.sql.insertClientDuplicate.run(duplicates?.clientId, other, leadId, at);
        }
        const { lastInsertRowid: messageId } = this.sql.insertMessage.run(
          leadId,
          channel.id,
          message.externalId,
          inbox.id,
          senderLabel(message),
          message.text,
          message.sentAt.getTime(),
          JSON.stringify(messageMeta(message)),
          at,
        );
        this.extras.apply(leadId, Number(messageId), inbox.id, message, at);
        const outcome =
          decision.kind === 'append'
            ? 'appended'
            : decision.type === 'repeat'
              ? 'created_repeat'
              : 'created_simple';
        return finish({ status: 'done', outcome, leadId });
      }
    }
  }

  private createLead(
    channel: ChannelInfo,
    message: InboundMessage,
    decision: Extract<LeadDecision, { kind: 'create' }>,
    at: number,
  ): number {
    const row = this.sql.insertLead.get(
      decision.type,
      INITIAL_STAGE,
      message.source,
      channel.id,
      decision.clientId,
      decision.responsibleId,
      message.title ?? defaultTitle(message),
      message.sender.name ?? null,
      message.sender.company ?? null,
      JSON.stringify(message.fields),
      JSON.stringify(message.utm),
      decision.duplicateOfLeadId,
      message.review ?? null,
      at,
      at,
    ) as { id: number };
    return row.id;
  }

  private addIdentities(
    list: Identity[],
    clientId: number | null,
    leadId: number | null,
    at: number,
  ): void {
    for (const identity of list)
      this.sql.insertIdentity.run(identity.kind, identity.key, identity.raw, clientId, leadId, at);
  }

  markFailed(inboxId: number, error: string, attempts: number): void {
    this.sql.failInbox.run(error, attempts, Date.now(), inboxId);
  }

  pendingBefore(before: Date, afterId: number, limit: number): number[] {
    return this.sql.pending.all(afterId, before.getTime(), limit).map((row) => row.id);
  }
}

function senderLabel(message: InboundMessage): string {
  const contact = message.identities[0]?.raw;
  const name = message.sender.name;
  if (name && contact) return `${name} <${contact}>`;
  return name ?? contact ?? 'unknown sender';
}

function defaultTitle(message: InboundMessage): string {
  const who =
    message.sender.name ?? message.sender.company ?? message.identities[0]?.raw ?? 'unknown sender';
  return `${who} (${message.source})`;
}

function messageMeta(message: InboundMessage): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...message.meta };
  if (Object.keys(message.fields).length) meta.fields = message.fields;
  if (Object.keys(message.utm).length) meta.utm = message.utm;
  if (message.unrecognised.length) meta.unrecognised = message.unrecognised;
  if (message.review) meta.review = message.review;
  return meta;
}
