/**
 * Where a reply goes: to the wa_id of the customer message it answers, as free text or, outside
 * the 24-hour window, as an approved template (its name and values are what the operator sees).
 */
import { randomUUID } from 'node:crypto';
import type { DraftDeps, ReplyDraft, ReplyInput, ReplyRoute } from '../../core/channel.ts';
import { normalisePhone } from '../../core/identities.ts';
import type { ChannelRecord } from '../../core/repositories/channels.ts';
import { readSettings } from './config.ts';
import type { WhatsAppReplyMeta } from './send.ts';

// Meta's rules for template names and language codes (`en`, `en_US`, `pt_BR`, `zh_Hant_HK`…).
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4}){0,2}$/;

export async function draftReply(
  route: ReplyRoute,
  reply: ReplyInput,
  deps: DraftDeps,
): Promise<ReplyDraft> {
  const { channel } = route;
  if (!readSettings(channel.config)) {
    return {
      ok: false,
      code: 'cannot_send',
      message: `channel ${channel.id} has no valid WhatsApp settings`,
    };
  }
  const waId = (route.message.meta.whatsapp as { waId?: unknown } | undefined)?.waId;
  if (typeof waId !== 'string' || !/^\d+$/.test(waId)) {
    return {
      ok: false,
      code: 'cannot_send',
      message: 'the WhatsApp message has no customer number to answer (a username-only customer?)',
    };
  }
  const read = normalisePhone(`+${waId}`);
  const identityKey = read.ok ? read.identity.key : `phone:+${waId}`;
  const blocked = await deps.channels.blockOf(channel.id, identityKey);
  if (blocked) {
    return {
      ok: false,
      code: 'unreachable',
      message: `the customer cannot be answered on WhatsApp: ${blocked.reason}`,
    };
  }
  const { template } = reply;
  if (template && (!TEMPLATE_NAME.test(template.name) || !LANGUAGE.test(template.language))) {
    return {
      ok: false,
      code: 'cannot_send',
      message:
        'a template needs its name as Meta shows it (lower case, digits, _) and a language code such as en_US',
    };
  }
  const meta: WhatsAppReplyMeta = {
    to: waId,
    identityKey,
    ...(template
      ? {
          template: {
            name: template.name,
            language: template.language,
            parameters: template.parameters,
          },
        }
      : {}),
  };
  return {
    ok: true,
    externalId: `wa-out-${reply.unique ?? randomUUID()}`,
    sender: channel.name,
    text: template ? templateText(template) : reply.text,
    meta: { whatsapp: meta },
  };
}

/** `Template order_update (es): Ana | #1234` */
function templateText(template: NonNullable<ReplyInput['template']>): string {
  const values = template.parameters.length ? `: ${template.parameters.join(' | ')}` : '';
  return `Template ${template.name} (${template.language})${values}`;
}

export function greetingOf(channel: ChannelRecord): string | undefined {
  return readSettings(channel.config)?.greeting;
}
