/** The WhatsApp Business (Cloud API) channel: Meta's webhook in, Graph API media and replies out. */
import type { Router } from 'express';
import type { Channel } from '../../core/channel.ts';
import { whatsappHealth, whatsappSaved, whatsappTest } from './health.ts';
import { expandWhatsApp } from './ingest.ts';
import { normaliseWhatsApp } from './normalise.ts';
import { draftReply, greetingOf } from './reply.ts';
import { whatsappSender } from './send.ts';
import { whatsappSettingsSupport } from './settings.ts';
import { whatsappWebhook } from './webhook.ts';

export const whatsappChannel: Channel<Router> = {
  kind: 'whatsapp',
  source: 'WHATSAPP',
  label: 'WhatsApp',
  settings: whatsappSettingsSupport,
  normalise: normaliseWhatsApp,
  expand: expandWhatsApp,
  replies: { draft: draftReply, greeting: greetingOf, sender: whatsappSender },
  webhook: whatsappWebhook,
  onSaved: whatsappSaved,
  health: whatsappHealth,
  test: whatsappTest,
};
