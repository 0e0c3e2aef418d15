/** The WhatsApp fixtures as the webhook stores them: notification → inbox rows → stored events. */
import { readFileSync } from 'node:fs';
import { inboxRows } from '../../../../connectors/whatsapp/rows.ts';
import { notification } from '../../../../connectors/whatsapp/schema.ts';
import type { WhatsAppRaw } from '../../../../connectors/whatsapp/raw.ts';

export const PHONE_NUMBER_ID = '106540352242922';
export const RECEIVED_AT = new Date('2026-11-24T12:00:00.000Z');
/** The wamid of our outbound message the fixtures reply, react and report statuses to. */
export const OURS = 'wamid.HBgLMzQ2MDAxMjM0NTYVAgARGBI3QjVGMjQ4QzE5RjM0NjFEQjMA';
export const ANA = { kind: 'phone', key: 'phone:+34600123456', raw: '+34600123456' };

type Json = Record<string, unknown>;

export function fixture(name: string): Json {
  const file = new URL(`../../../fixtures/whatsapp/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

/** The inbox rows the webhook makes of a fixture: external id and stored event. */
export function storedEvents(
  body: Json,
  phoneNumberId = PHONE_NUMBER_ID,
): { externalId: string; raw: WhatsAppRaw }[] {
  return inboxRows(notification.parse(body), phoneNumberId, RECEIVED_AT).rows.map((row) => ({
    externalId: row.externalId,
    raw: JSON.parse(row.raw) as WhatsAppRaw,
  }));
}

/** The one stored event of a fixture, its message (or status) changed by `edit`. */
export function storedEvent(name: string, edit?: (item: Json) => void) {
  const body = fixture(name);
  if (edit) {
    const value = (body.entry as Json[])[0]?.changes as Json[];
    const change = value[0]?.value as Json;
    const item = ((change.messages ?? change.statuses) as Json[])[0];
    if (item) edit(item);
  }
  const [event] = storedEvents(body);
  if (!event) throw new Error(`fixture ${name} makes no inbox row`);
  return event;
}
