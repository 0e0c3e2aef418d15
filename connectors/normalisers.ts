/**
 * Every channel's normaliser, registered explicitly: raw inbox event → InboundMessage.
 * The ingest worker looks a row's channel kind up here; a kind without an entry fails loudly.
 */
import type { ChannelKind, InboundMessage } from '../core/inbound.ts';
import { normaliseIntake, type NormaliseContext } from './api/normalise.ts';
import { normaliseCallback } from './callback/normalise.ts';
import { normaliseWebform } from './webform/normalise.ts';

export type Normaliser = (raw: unknown, context: NormaliseContext) => InboundMessage;

export const NORMALISERS: Partial<Record<ChannelKind, Normaliser>> = {
  api: normaliseIntake,
  webform: normaliseWebform,
  callback: normaliseCallback,
};
