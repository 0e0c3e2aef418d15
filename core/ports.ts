/** The inbox row and channel as the ingest path sees them: plain data, shared by both stores. */
import type { ChannelKind } from './inbound.ts';

export const INBOX_STATUSES = ['pending', 'done', 'ignored', 'failed'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];
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
  processedAt: Date | null;
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
