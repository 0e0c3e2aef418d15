/**
 * Operators' replies through the Cloud API (`POST /{phone-number-id}/messages`): free text, split
 * over WhatsApp's 4,096 characters, or an approved template outside the 24-hour window. Each
 * part's wamid is recorded as it goes, so a retried job never sends a part twice; the first one
 * becomes the reply's external id as soon as it is known, which the delivery statuses then find.
 */
import { PermanentSendError } from '../../core/errors.ts';
import type { OutboundRequest, Sender, SenderDeps, SendResult } from '../../core/channel.ts';
import { accessToken, readSettings } from './config.ts';
import { GraphClient, GraphError } from './graph.ts';
import { MAX_TEXT_LENGTH } from './raw.ts';
import { sendError } from './send-errors.ts';
import { splitText } from '../../core/split-text.ts';

const SEND_TIMEOUT_MS = 30_000;

/** What a reply's draft stores for the sender (message.meta.whatsapp). */
export interface WhatsAppReplyMeta {
  /** The customer's wa_id. */
  to: string;
  identityKey: string;
  template?: { name: string; language: string; parameters: string[] };
  /** The wamids of the parts already sent, in order. */
  sentParts?: string[];
}

interface SendResponse {
  messages?: { id?: string; message_status?: string }[];
}

export function whatsappSender(deps: SenderDeps): Sender {
  return {
    async send(request: OutboundRequest): Promise<SendResult> {
      const { channel, message } = request;
      const settings = readSettings(channel.config);
      if (!settings)
        throw new PermanentSendError(`channel ${channel.id} has no valid WhatsApp settings`);
      const meta = message.meta.whatsapp as WhatsAppReplyMeta | undefined;
      if (!meta?.to)
        throw new PermanentSendError(`message ${message.id} has no WhatsApp recipient`);
      let token: string;
      try {
        token = accessToken(settings, deps.credentials);
      } catch (error) {
        throw new PermanentSendError(
          `the access token of channel ${channel.id} cannot be read: ${(error as Error).message}`,
        );
      }
      const graph = new GraphClient(settings, token);
      const payloads = meta.template
        ? [templatePayload(meta.to, meta.template)]
        : splitText(message.text, MAX_TEXT_LENGTH).map((part) => textPayload(meta.to, part));
      if (!payloads.length) throw new PermanentSendError('an empty reply cannot be sent');

      const sentParts = [...(meta.sentParts ?? [])];
      let status: string | undefined;
      for (let index = sentParts.length; index < payloads.length; index++) {
        let answer: SendResponse;
        try {
          answer = await graph.call<SendResponse>(`${settings.phoneNumberId}/messages`, {
            method: 'POST',
            body: payloads[index],
            timeoutMs: SEND_TIMEOUT_MS,
          });
        } catch (error) {
          throw error instanceof GraphError ? sendError(error, channel.id) : error;
        }
        const sent = answer.messages?.[0];
        if (!sent?.id) {
          throw new PermanentSendError(
            'WhatsApp accepted the message but gave no id: it may have been delivered, so it is not sent again',
          );
        }
        status = sent.message_status ?? status;
        sentParts.push(sent.id);
        // The first part's wamid names the reply at once: its statuses may come within a second.
        await request.saveMeta({ ...message.meta, whatsapp: { ...meta, sentParts } }, sentParts[0]);
      }
      const what = meta.template ? `template ${meta.template.name}` : `${payloads.length} part(s)`;
      return {
        response: `${what} accepted by WhatsApp${status ? ` (${status})` : ''}`,
        meta: {
          whatsapp: { ...meta, sentParts },
          sent: { parts: payloads.length, at: new Date().toISOString() },
        },
        externalId: sentParts[0],
      };
    },
  };
}

function textPayload(to: string, body: string) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'text',
    text: { body, preview_url: false },
  };
}

function templatePayload(to: string, template: NonNullable<WhatsAppReplyMeta['template']>) {
  const parameters = template.parameters.map((text) => ({ type: 'text', text }));
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: template.name,
      language: { code: template.language },
      ...(parameters.length ? { components: [{ type: 'body', parameters }] } : {}),
    },
  };
}
