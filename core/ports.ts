/** What core needs from storage, as plain data. db/ implements it for SQLite. */
import type { ChannelKind, InboundMessage } from './inbound.ts';
import type { DecisionState, LeadDecision } from './lead-decision.ts';

export type InboxStatus = 'pending' | 'done' | 'ignored' | 'failed';
export type InboxOutcome =
  'created_simple' | 'created_repeat' | 'appended' | 'duplicate' | 'ignored';

export interface InboxRow {
  id: number;
  channelId: number;
  externalId: string;
  raw: string;
  status: InboxStatus;
  outcome: InboxOutcome | null;
  reason: string | null;
  error: string | null;
  leadId: number | null;
  attempts: number;
  receivedAt: Date;
}

export interface ChannelInfo {
  id: number;
  kind: ChannelKind;
  defaultCountry: string | null;
  appendScope: 'any' | 'same-channel';
  /** Canonical identity keys of the channel's own addresses (mail from them is a loop). */
  ownIdentityKeys: string[];
  /** The channel's own settings (JSON), for the channels whose parse step needs them. */
  settings?: Record<string, unknown>;
}

export interface RecordedInbox {
  row: InboxRow;
  /** False when `(channel, external id)` was already recorded: the call changed nothing. */
  created: boolean;
}

export interface IngestOutcome {
  status: InboxStatus;
  outcome: InboxOutcome;
  leadId: number | null;
  reason?: string;
  /** The row had been processed before this run (a replay, a duplicate job): nothing changed now. */
  earlier?: true;
}

/**
 * The ingest worker's view of storage. `transaction` runs its callback in ONE write transaction
 * that serialises against every other writer (SQLite: BEGIN IMMEDIATE), so two messages from the
 * same new sender can never both decide "new lead".
 */
export interface IngestStore {
  transaction<T>(work: () => T): T;
  recordInbox(channelId: number, externalId: string, raw: string, receivedAt: Date): RecordedInbox;
  loadInbox(id: number): InboxRow | undefined;
  loadChannel(id: number): ChannelInfo | undefined;
  loadDecisionState(channel: ChannelInfo, message: InboundMessage): DecisionState;
  applyDecision(
    inbox: InboxRow,
    channel: ChannelInfo,
    message: InboundMessage,
    decision: LeadDecision,
  ): IngestOutcome;
  markFailed(inboxId: number, error: string, attempts: number): void;
  /** Pending rows received before `before`, oldest first, after id `afterId` (the reconciler's scan). */
  pendingBefore(before: Date, afterId: number, limit: number): number[];
}
