/**
 * What a customer's WhatsApp message says, type by type (pure): the text an operator reads, the
 * details kept with it, and what it refers to (a replied-to or reacted-to message, an ad).
 */
import { normalisePhone } from '../../core/identities.ts';
import { describeErrors } from './errors.ts';
import { attachmentOf, describeMedia, mediaOf } from './media.ts';
import type { FetchedMedia } from './raw.ts';
import { compact, interactiveReply, orderOf, sharedContacts, type Content } from './parts.ts';
import type { Message } from './schema.ts';

export function readContent(message: Message, waId: string | undefined, media?: FetchedMedia) {
  const content: Content = {
    text: '',
    threadRefs: [],
    identities: [],
    unrecognised: [],
    attachments: [],
    fields: {},
    utm: {},
    meta: {},
  };
  let text = said(message, waId, content, media);
  const { context, referral } = message;
  if (context?.id) content.threadRefs.push(context.id);
  if (context?.frequently_forwarded) text = `(Forwarded many times) ${text}`;
  else if (context?.forwarded) text = `(Forwarded) ${text}`;
  const product = context?.referred_product;
  if (product?.product_retailer_id) {
    content.meta.product = compact({
      catalogId: product.catalog_id,
      productRetailerId: product.product_retailer_id,
    });
    text = `${text}\n(About product ${product.product_retailer_id})`;
  }
  if (referral) {
    content.meta.referral = compact({
      sourceUrl: referral.source_url,
      sourceId: referral.source_id,
      sourceType: referral.source_type,
      headline: referral.headline,
      body: referral.body,
      mediaType: referral.media_type,
      ctwaClid: referral.ctwa_clid,
    });
    content.utm = compact({
      utm_source: referral.source_type,
      utm_medium: 'click_to_whatsapp',
      utm_campaign: referral.headline,
      utm_content: referral.source_id,
    }) as Record<string, string>;
    if (referral.source_url) content.fields.sourceDetail = referral.source_url;
  }
  const problems = message.type === 'unsupported' ? undefined : describeErrors(message.errors);
  if (problems) text = `${text}\n(WhatsApp: ${problems})`;
  content.text = text;
  return content;
}

/** The words of the message itself, by type. */
function said(message: Message, waId: string | undefined, content: Content, media?: FetchedMedia) {
  const file = mediaOf(message);
  if (file) {
    content.attachments.push(attachmentOf(file.kind, file.media, media));
    return file.media.caption?.trim() || describeMedia(file.kind, file.media);
  }
  const { location, interactive, button, reaction, order, system } = message;
  switch (message.type) {
    case 'text':
      return message.text?.body ?? '';
    case 'location': {
      if (!location) return '[location]';
      const { latitude, longitude, name, address, url } = location;
      content.meta.location = compact({ latitude, longitude, name, address, url });
      const place = [name, address].filter(Boolean).join(', ');
      return `Location: ${place ? `${place} ` : ''}(${latitude}, ${longitude})`;
    }
    case 'contacts':
      return sharedContacts(message.contacts ?? [], waId, content);
    case 'interactive':
      return interactiveReply(interactive, content);
    case 'button':
      content.meta.button = compact({ text: button?.text, payload: button?.payload });
      return `Button: ${button?.text ?? button?.payload ?? '(no text)'}`;
    case 'reaction': {
      content.meta.reaction = compact({ messageId: reaction?.message_id, emoji: reaction?.emoji });
      if (reaction?.message_id) content.threadRefs.push(reaction.message_id);
      return reaction?.emoji ? `Reacted ${reaction.emoji} to a message` : 'Removed a reaction';
    }
    case 'order':
      return orderOf(order, content);
    case 'system': {
      const newNumber = system?.type?.includes('changed_number')
        ? (system.wa_id ?? system.new_wa_id)
        : undefined;
      const read = newNumber ? normalisePhone(`+${newNumber.replace(/\D/g, '')}`) : undefined;
      if (read?.ok) content.identities.push(read.identity);
      content.meta.system = compact({ type: system?.type, body: system?.body, newWaId: newNumber });
      return system?.body ?? `[WhatsApp notice: ${system?.type ?? 'system'}]`;
    }
    case 'unsupported': {
      const why = describeErrors(message.errors);
      return `[a message WhatsApp cannot pass on${why ? `: ${why}` : ''}]`;
    }
    default: {
      const words = message.text?.body;
      return words ?? `[a WhatsApp ${message.type ?? 'message'} message Leadwire cannot show]`;
    }
  }
}
