/** Channels (mailboxes, bots, the REST intake, website widgets), their operator queues and blocks. */
import type { ChannelKind } from '../inbound.ts';
import type { ChannelInfo } from '../ports.ts';

export interface ChannelRecord {
  id: number;
  kind: ChannelKind;
  name: string;
  /** Channel-specific settings (never secrets in plain text). */
  config: Record<string, unknown>;
  defaultCountry: string | null;
  appendScope: 'any' | 'same-channel';
  lastAssignedUserId: number | null;
  active: boolean;
  createdAt: Date;
  /** The operator queue, in turn order. */
  operatorIds: number[];
}

export interface ChannelInput {
  kind: ChannelKind;
  name: string;
  defaultCountry: string | null;
  appendScope: 'any' | 'same-channel';
  active: boolean;
  operatorIds: number[];
  config: Record<string, unknown>;
}

/** An identity a channel can no longer answer (a Telegram user who blocked the bot). */
export interface ChannelBlock {
  channelId: number;
  identityKey: string;
  reason: string;
  blockedAt: Date;
}

export interface ChannelRepository {
  /** What the ingest worker needs of a channel. */
  info(id: number): Promise<ChannelInfo | undefined>;
  get(id: number): Promise<ChannelRecord | undefined>;
  list(kind?: ChannelKind): Promise<ChannelRecord[]>;
  create(input: ChannelInput): Promise<ChannelRecord>;
  update(id: number, input: ChannelInput): Promise<ChannelRecord>;
  /** Replaces the settings alone (a webhook secret set after saving). */
  setConfig(id: number, config: Record<string, unknown>): Promise<void>;
  blockOf(channelId: number, identityKey: string): Promise<ChannelBlock | undefined>;
  block(channelId: number, identityKey: string, reason: string, at: Date): Promise<void>;
}
