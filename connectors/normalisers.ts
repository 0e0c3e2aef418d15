/**
 * Every channel's normaliser, registered explicitly: raw inbox event → InboundMessage.
 * The ingest worker looks a row's channel kind up here; a kind without an entry fails loudly.
 */
import type { ChannelKind, InboundMessage } from '../core/inbound.ts';
import type { ChannelInfo } from '../core/ports.ts';
import type { BlobStore } from '../core/repositories/blobs.ts';
import type { NormaliseContext } from '../core/channel.ts';
import type { Credentials } from '../core/runtime/secrets.ts';
import { normaliseIntake } from './api/normalise.ts';
import { normaliseCallback } from './callback/normalise.ts';
import { expandEmail, normaliseExpandedEmail } from './email/ingest.ts';
import { expandTelegram } from './telegram/ingest.ts';
import { normaliseTelegram } from './telegram/normalise.ts';
import type { ExpandedUpdate } from './telegram/update.ts';
import { normaliseWebform } from './webform/normalise.ts';

export type Normaliser = (raw: unknown, context: NormaliseContext) => InboundMessage;

/** What an async parse step may use. */
export interface ExpandDeps {
  blobs: BlobStore;
  /** Attachments over this are noted, not kept. */
  maxAttachmentBytes: number;
  /** Opens channel secrets (a bot token to download files). */
  credentials?: Credentials;
}

/**
 * Channels whose stored event needs async work before the pure normaliser (an email's .eml is
 * read from the blob store and parsed). The result is what the normaliser then receives.
 */
export type Expander = (raw: unknown, deps: ExpandDeps, channel: ChannelInfo) => Promise<unknown>;

export const EXPANDERS: Partial<Record<ChannelKind, Expander>> = {
  email: expandEmail,
  telegram: expandTelegram,
};

export const NORMALISERS: Partial<Record<ChannelKind, Normaliser>> = {
  api: normaliseIntake,
  webform: normaliseWebform,
  callback: normaliseCallback,
  email: normaliseExpandedEmail,
  telegram: (expanded, context) => normaliseTelegram(expanded as ExpandedUpdate, context),
};
