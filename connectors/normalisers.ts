/**
 * Every channel's normaliser, registered explicitly: raw inbox event → InboundMessage.
 * The ingest worker looks a row's channel kind up here; a kind without an entry fails loudly.
 */
import type { ChannelKind, InboundMessage } from '../core/inbound.ts';
import type { BlobStore } from '../db/blob-store.ts';
import { normaliseIntake, type NormaliseContext } from './api/normalise.ts';
import { normaliseCallback } from './callback/normalise.ts';
import { expandEmail, normaliseExpandedEmail } from './email/ingest.ts';
import { normaliseWebform } from './webform/normalise.ts';

export type Normaliser = (raw: unknown, context: NormaliseContext) => InboundMessage;

/** What an async parse step may use. */
export interface ExpandDeps {
  blobs: BlobStore;
  /** Attachments over this are noted, not kept. */
  maxAttachmentBytes: number;
}

/**
 * Channels whose stored event needs async work before the pure normaliser (an email's .eml is
 * read from the blob store and parsed). The result is what the normaliser then receives.
 */
export type Expander = (raw: unknown, deps: ExpandDeps) => Promise<unknown>;

export const EXPANDERS: Partial<Record<ChannelKind, Expander>> = {
  email: expandEmail,
};

export const NORMALISERS: Partial<Record<ChannelKind, Normaliser>> = {
  api: normaliseIntake,
  webform: normaliseWebform,
  callback: normaliseCallback,
  email: normaliseExpandedEmail,
};
