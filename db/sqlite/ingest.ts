/**
 * The SQLite ingest transaction: the hot path, on prepared statements (better-sqlite3 directly),
 * where one message costs a handful of index lookups. A batch of items is ONE `BEGIN IMMEDIATE`
 * transaction (group commit: one fsync for the batch), each item in its own savepoint.
 */
import type { Identity } from '../../core/identities.ts';
import { deliveryEvent, deliveryRank } from '../../core/ingest-plan.ts';
import type { InboundMessage } from '../../core/inbound.ts';
import {
  awaitsProcessing,
  finishedOutcome,
  outcomeOf,
  type IngestPlan,
  type IngestState,
} from '../../core/ingest-plan.ts';
import type { LeadRef } from '../../core/lead-decision.ts';
import type { ClientCandidate } from '../../core/matching.ts';
import type { ChannelInfo, InboxRow, IngestOutcome } from '../../core/ports.ts';
import type {
  BatchResult,
  IngestItem,
  IngestRepository,
  PlanIngest,
} from '../../core/repositories/ingest.ts';
import type { Db } from './open.ts';
import type { InboxProgress, IngestStatements, LeadRow } from './ingest-statements.ts';

export class SqliteIngest implements IngestRepository {
  constructor(
    private readonly db: Db,
    private readonly sql: IngestStatements,
  ) {}

  async commit(items: IngestItem[], plan: PlanIngest): Promise<BatchResult[]> {
    try {
      try {
        return this.commitAll(items, plan, false);
      } catch (error) {
        // A row failed: the batch was rolled back whole, and runs again with each row in a
        // savepoint of its own, so that row fails alone and the others commit.
        if (!(error instanceof RowFailed)) throw error;
        return this.commitAll(items, plan, true);
      }
    } catch (error) {
      // The transaction itself could not start or commit: every row is retried.
      return items.map(() => ({ ok: false, error }));
    }
  }

  /**
   * The batch in ONE transaction. A savepoint per row costs a copy of every page the row changes
   * (about a tenth of a message's time), and rows almost never fail here (bad input fails before,
   * in preparing), so the first try runs without them and throws RowFailed at the first failure.
   */
  private commitAll(items: IngestItem[], plan: PlanIngest, savepoints: boolean): BatchResult[] {
    const client = this.db.$client;
    const { sql } = this;
    return client
      .transaction(() => {
        // The batch's search documents are written at its end, in one go (migration 0017).
        sql.deferSearch.run();
        const documents = new SearchDocuments();
        const results = items.map((item): BatchResult => {
          const written = new SearchDocuments();
          const commitOne = () => this.commitOne(item, plan, written);
          try {
            // A nested transaction is a savepoint: a row that fails rolls back alone.
            const outcome = savepoints ? client.transaction(commitOne)() : commitOne();
            documents.add(written);
            return { ok: true, outcome };
          } catch (error) {
            if (!savepoints) throw new RowFailed(error);
            return { ok: false, error };
          }
        });
        documents.write(sql);
        sql.resumeSearch.run();
        return results;
      })
      .immediate();
  }

  async peek(channel: ChannelInfo, message: InboundMessage): Promise<IngestState> {
    return this.loadState(channel, message);
  }

  private commitOne(item: IngestItem, plan: PlanIngest, written: SearchDocuments): IngestOutcome {
    // Read again under the lock: another worker may have finished this row meanwhile.
    const stored = this.sql.inboxProgress.get(item.row.id);
    const current = stored ? progressed(item.row, stored) : item.row;
    if (!awaitsProcessing(current)) return finishedOutcome(current);
    return this.persist(plan(item, current, this.loadState(item.channel, item.message)), written);
  }

  private loadState(channel: ChannelInfo, message: InboundMessage): IngestState {
    const { sql } = this;
    const existing = sql.messageByExternal.get(channel.id, message.externalId);
    const threadLeadIds = new Set<number>(
      message.threadRefs.length
        ? sql.threadLeadIds.all(JSON.stringify(message.threadRefs)).map((r) => r.lead_id)
        : [],
    );
    if (message.leadToken !== undefined) threadLeadIds.add(message.leadToken);
    const threadLeads = [...threadLeadIds]
      .map((id) => sql.lead.get(id))
      .filter((row): row is LeadRow => row !== undefined)
      .map((row) => this.leadRef(row));

    // Who owns the sender's identities: clients (how many of them each) and leads.
    const matchedOf = new Map<number, number>();
    const ownLeadIds = new Set<number>();
    const owners = message.identities.length
      ? sql.identityOwners.all(JSON.stringify(message.identities.map((identity) => identity.key)))
      : [];
    for (const { client_id, lead_id } of owners) {
      if (client_id !== null) matchedOf.set(client_id, (matchedOf.get(client_id) ?? 0) + 1);
      else if (lead_id !== null) ownLeadIds.add(lead_id);
    }
    const clients: ClientCandidate[] = [];
    for (const [id, matched] of matchedOf) {
      const client = sql.client.get(id);
      if (!client) continue;
      const identityKeys = JSON.parse(client.keys) as string[];
      clients.push({
        id,
        identityKeys,
        matched,
        responsible:
          client.responsible_id === null
            ? null
            : { id: client.responsible_id, active: client.active === 1 },
        openLeads: sql.clientOpenLeads.all(id).map((row) => this.leadRef(row, identityKeys)),
      });
    }
    const simpleLeads = ownLeadIds.size
      ? sql.simpleLeads.all(JSON.stringify([...ownLeadIds])).map((row) => this.leadRef(row))
      : [];
    const call = message.callback ? sql.openCallFor.get(message.callback.identityKey) : undefined;
    const operators = sql.operatorQueue.all(channel.id);
    return {
      alreadyProcessed: existing !== undefined,
      existingLeadId: existing?.lead_id ?? null,
      ownIdentityKeys: channel.ownIdentityKeys,
      threadLeads,
      clients,
      simpleLeads,
      operatorQueue: {
        activeUserIds: operators.map((row) => row.id),
        atCapacity: operators.filter((row) => row.full).map((row) => row.id),
        lastAssignedId: operators.length
          ? (operators[0]?.last ?? null)
          : (sql.lastAssigned.get(channel.id)?.last_assigned_user_id ?? null),
      },
      openCall: call ? { id: call.id, dueAt: new Date(call.due_at) } : null,
    };
  }

  private leadRef(row: LeadRow, clientKeys?: string[]): LeadRef {
    const senderKeys =
      row.client_id === null
        ? this.sql.leadKeys.all(row.id)
        : (clientKeys ?? this.sql.clientKeys.all(row.client_id));
    return {
      id: row.id,
      type: row.type,
      clientId: row.client_id,
      channelId: row.channel_id,
      open: row.open === 1,
      updatedAt: new Date(row.updated_at),
      responsibleId: row.responsible_id,
      senderKeys,
    };
  }

  private persist(plan: IngestPlan, written: SearchDocuments): IngestOutcome {
    const { sql } = this;
    const at = plan.at.getTime();
    let leadId = plan.leadId;
    if (plan.lead && 'create' in plan.lead) {
      const lead = plan.lead.create;
      leadId = sql.insertLead.get(
        lead.type,
        lead.stage,
        lead.source,
        lead.channelId,
        lead.clientId,
        lead.responsibleId,
        lead.title,
        lead.name,
        lead.company,
        JSON.stringify(lead.fields),
        JSON.stringify(lead.utm),
        JSON.stringify(lead.custom),
        lead.duplicateOfLeadId,
        lead.matchKey,
        lead.companyKey,
        lead.review,
        lead.unassigned,
        at,
        at,
      )!.id;
      written.leads.push(leadId);
    } else if (plan.lead) {
      leadId = plan.lead.append;
      sql.touchLead.run(at, leadId);
    }
    if (plan.advanceQueue)
      sql.advanceQueue.run(plan.advanceQueue.userId, plan.advanceQueue.channelId);
    if (leadId !== null) this.addIdentities(plan.leadIdentities, null, leadId, at);
    if (plan.clientIdentities)
      this.addIdentities(
        plan.clientIdentities.identities,
        plan.clientIdentities.clientId,
        null,
        at,
      );
    for (const other of plan.clientDuplicates?.otherClientIds ?? [])
      sql.insertClientDuplicate.run(plan.clientDuplicates?.clientId, other, leadId, at);
    if (plan.message && leadId !== null) {
      const message = plan.message;
      const { lastInsertRowid: messageId } = sql.insertMessage.run(
        leadId,
        message.channelId,
        message.externalId,
        message.inboxId,
        message.sender,
        message.text,
        message.sentAt.getTime(),
        JSON.stringify(message.meta),
        at,
      );
      written.message(Number(messageId), leadId);
      for (const file of plan.attachments) {
        sql.insertAttachment.run(
          Number(messageId),
          file.filename,
          file.contentType,
          file.size,
          file.sha256,
          file.skipped ?? null,
        );
      }
      for (const event of plan.events) {
        const ids = event.of === 'message' ? { leadId, messageId: Number(messageId) } : { leadId };
        sql.insertEvent.run(event.type, leadId, JSON.stringify({ ...ids, ...event.details }), at);
      }
    }
    if (plan.callback && leadId !== null) {
      const { activity, event } = plan.callback;
      let activityId: number | undefined;
      if (activity.kind === 'create') {
        activityId = sql.insertActivity.get(
          leadId,
          activity.subject,
          activity.dueAt.getTime(),
          activity.responsibleId,
          activity.identityKey,
          plan.inboxId,
          at,
        )?.id;
      } else {
        activityId = activity.id;
        sql.moveActivity.run(activity.dueAt.getTime(), activity.id);
      }
      const payload = { leadId, activityId, ...event.payload };
      sql.insertEvent.run(event.type, leadId, JSON.stringify(payload), at);
    }
    const report = plan.delivery;
    if (report) {
      const changed = sql.reportDelivery.all({
        status: report.status,
        error: report.error ?? null,
        of: report.of,
        rank: deliveryRank(report),
      });
      // A report that moved a reply forward is an event; a late or repeated one is not.
      const { type, details } = deliveryEvent(report.status, report.error);
      for (const reply of changed) {
        const payload = { leadId: reply.lead_id, messageId: reply.id, ...details };
        sql.insertEvent.run(type, reply.lead_id, JSON.stringify(payload), at);
      }
    }
    const change = plan.reachability;
    if (change) {
      const changedAt = change.at?.getTime() ?? at;
      sql.reach.run(
        change.channelId,
        change.identityKey,
        change.reason,
        change.reachable ? 1 : 0,
        changedAt,
      );
    }
    const { status, outcome, reason } = plan.finish;
    sql.finishInbox.run(status, outcome, reason, leadId, at, plan.inboxId);
    return outcomeOf(plan, leadId);
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
}

/** A row of a batch run without savepoints failed: the batch must run again with them. */
class RowFailed extends Error {
  constructor(readonly error: unknown) {
    super('a row of the batch failed');
  }
}

/** What a batch (or one of its rows) must add to the search index. */
class SearchDocuments {
  /** Leads created: indexed by their own fields, unless a message of theirs carries them. */
  readonly leads: number[] = [];
  readonly messages: number[] = [];
  /** Leads that existed before and got a message: the document of their fields alone goes. */
  private readonly appended = new Set<number>();

  message(id: number, leadId: number): void {
    this.messages.push(id);
    if (!this.leads.includes(leadId)) this.appended.add(leadId);
  }

  add(other: SearchDocuments): void {
    this.leads.push(...other.leads);
    this.messages.push(...other.messages);
    for (const id of other.appended) if (!this.leads.includes(id)) this.appended.add(id);
  }

  /** What the insert triggers would have written row by row, in three statements. */
  write(sql: IngestStatements): void {
    if (this.appended.size) sql.dropLeadDocuments.run(JSON.stringify([...this.appended]));
    if (this.leads.length) sql.indexLeads.run(JSON.stringify(this.leads));
    if (this.messages.length) sql.indexMessages.run(JSON.stringify(this.messages));
  }
}

/** The row as stored now, for the parts the ingest may have changed. */
function progressed(row: InboxRow, now: InboxProgress): InboxRow {
  return {
    ...row,
    status: now.status,
    outcome: now.outcome,
    reason: now.reason,
    error: now.error,
    leadId: now.lead_id,
    attempts: now.attempts,
    processedAt: now.processed_at === null ? null : new Date(now.processed_at),
  };
}
