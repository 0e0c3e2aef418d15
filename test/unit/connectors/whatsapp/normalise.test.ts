import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../core/errors.ts';
import { normaliseWhatsApp } from '../../../../connectors/whatsapp/normalise.ts';
import type { FetchedMedia } from '../../../../connectors/whatsapp/raw.ts';
import { ANA, OURS, storedEvent } from './fixtures.ts';

function normalise(
  name: string,
  options: { media?: FetchedMedia; edit?: Parameters<typeof storedEvent>[1] } = {},
) {
  const { externalId, raw } = storedEvent(name, options.edit);
  const event = options.media ? { ...raw, media: options.media } : raw;
  return normaliseWhatsApp(event, { externalId, defaultCountry: 'ES' });
}

const NOT_FETCHED = { size: 0, sha256: null, skipped: 'not fetched' };

describe('normaliseWhatsApp: text and the customer', () => {
  it('turns a text message into a message from the phone number, keyed by its wamid', () => {
    expect(normalise('text')).toEqual({
      externalId: 'wamid.HBgLMzQ2MDAxMjM0NTYVAgASGBQzQTRB1MDM4MTAxNDRGAA==',
      source: 'WHATSAPP',
      sentAt: new Date('2026-11-24T09:15:00.000Z'),
      identities: [ANA],
      unrecognised: [],
      threadRefs: [],
      sender: { name: 'Ana Pérez' },
      title: 'WhatsApp: Ana Pérez',
      text: 'Hola, ¿tenéis la chaqueta Nord en talla M?',
      fields: {},
      utm: {},
      attachments: [],
      meta: {
        whatsapp: {
          waId: '34600123456',
          profileName: 'Ana Pérez',
          messageId: 'wamid.HBgLMzQ2MDAxMjM0NTYVAgASGBQzQTRB1MDM4MTAxNDRGAA==',
          type: 'text',
          phoneNumberId: '106540352242922',
          displayPhoneNumber: '15550783881',
        },
      },
    });
  });

  it('reads wa_id as an international number whatever the channel country', () => {
    const { externalId, raw } = storedEvent('text');
    const inUs = normaliseWhatsApp(raw, { externalId, defaultCountry: 'US' });
    expect(inUs.identities).toEqual([ANA]);
  });

  it('keeps a number WhatsApp gives that is not a valid phone as text, and a username-only customer unmatched', () => {
    const odd = normalise('text', { edit: (m) => (m.from = '999') });
    expect(odd.identities).toEqual([]);
    expect(odd.unrecognised).toEqual([
      { kind: 'phone', raw: '999', reason: 'not a valid phone number' },
    ]);
    const hidden = normalise('username-only');
    expect(hidden).toMatchObject({
      identities: [],
      unrecognised: [
        {
          kind: 'whatsapp',
          raw: 'ES.2081978709342942',
          reason: expect.stringContaining('username'),
        },
      ],
      sender: { name: 'Marta' },
      text: 'Hola, ¿hacéis envíos a Canarias?',
    });
  });

  it('links a reply to the message it answers and marks forwarded messages', () => {
    const reply = normalise('reply');
    expect(reply.threadRefs).toEqual([OURS]);
    expect(reply.meta?.whatsapp).toMatchObject({ replyTo: OURS });
    expect(normalise('forwarded')).toMatchObject({
      text: '(Forwarded) Oferta: 2x1 en chaquetas hasta el domingo',
      threadRefs: [],
      meta: { whatsapp: { forwarded: 'once' } },
    });
    const often = normalise('forwarded', {
      edit: (m) => (m.context = { forwarded: true, frequently_forwarded: true }),
    });
    expect(often.text).toBe('(Forwarded many times) Oferta: 2x1 en chaquetas hasta el domingo');
  });

  it('keeps a click-to-WhatsApp ad as UTM, source detail and meta', () => {
    const message = normalise('referral');
    expect(message.text).toBe('Hola, vi el anuncio de las rebajas');
    expect(message.utm).toEqual({
      utm_source: 'ad',
      utm_medium: 'click_to_whatsapp',
      utm_campaign: 'Rebajas de invierno',
      utm_content: '120226305854810726',
    });
    expect(message.fields).toEqual({ sourceDetail: 'https://fb.me/3cr4Wqqkv' });
    expect(message.meta?.referral).toMatchObject({
      sourceUrl: 'https://fb.me/3cr4Wqqkv',
      headline: 'Rebajas de invierno',
      ctwaClid: 'Afd9pQk4W1uW4rHnqvS2WbdXKJ0M2i0GuS',
    });
  });
});

describe('normaliseWhatsApp: files', () => {
  it.each([
    ['image', 'Esta, la azul', 'image-1184536520197765.jpg', 'image/jpeg'],
    ['audio-voice', '[voice message]', 'voice-1003383421387256.ogg', 'audio/ogg'],
    ['audio', '[audio]', 'audio-960723229452816.mp3', 'audio/mpeg'],
    ['video', 'Así queda puesta', 'video-1166846181421424.mp4', 'video/mp4'],
    ['document', 'El presupuesto que me pasasteis', 'presupuesto-obra.pdf', 'application/pdf'],
    ['sticker', '[sticker]', 'sticker-1055150306273716.webp', 'image/webp'],
    ['sticker-animated', '[animated sticker]', 'sticker-2026511577738520.webp', 'image/webp'],
  ])(
    '%s: its caption or kind as text, the file noted until the worker fetches it',
    (name, text, filename, contentType) => {
      const message = normalise(name);
      expect(message.text).toBe(text);
      expect(message.attachments).toEqual([{ filename, contentType, ...NOT_FETCHED }]);
    },
  );

  it('takes the fetched copy of the file', () => {
    const media: FetchedMedia = {
      mediaId: '1376223850470843',
      filename: 'presupuesto-obra.pdf',
      contentType: 'application/pdf',
      size: 48213,
      sha256: 'c'.repeat(64),
    };
    expect(normalise('document', { media }).attachments).toEqual([
      {
        filename: 'presupuesto-obra.pdf',
        contentType: 'application/pdf',
        size: 48213,
        sha256: 'c'.repeat(64),
      },
    ]);
    const skipped = { ...media, sha256: null, skipped: 'larger than the 1 MB limit' };
    expect(normalise('document', { media: skipped }).attachments?.[0]).toMatchObject({
      sha256: null,
      skipped: 'larger than the 1 MB limit',
    });
  });

  it("adds WhatsApp's own errors about a message to its text", () => {
    const message = normalise('image', {
      edit: (m) =>
        (m.errors = [
          { code: 131052, title: 'Media download error', error_data: { details: 'Expired' } },
        ]),
    });
    expect(message.text).toBe('Esta, la azul\n(WhatsApp: Media download error: Expired (131052))');
  });
});

describe('normaliseWhatsApp: every other message type', () => {
  it('location: the place and its coordinates', () => {
    const message = normalise('location');
    expect(message.text).toBe(
      'Location: Museo Nacional del Prado, C. de Ruiz de Alarcón, 23, Retiro, 28014 Madrid (40.4137818, -3.6921271)',
    );
    expect(message.meta?.location).toEqual({
      latitude: 40.4137818,
      longitude: -3.6921271,
      name: 'Museo Nacional del Prado',
      address: 'C. de Ruiz de Alarcón, 23, Retiro, 28014 Madrid',
      url: 'https://www.museodelprado.es/',
    });
    const bare = normalise('location', {
      edit: (m) => (m.location = { latitude: '40.4', longitude: '-3.7' }),
    });
    expect(bare.text).toBe('Location: (40.4, -3.7)');
  });

  it("contacts: a shared card's numbers are shown, never taken for the sender's", () => {
    const message = normalise('contacts');
    expect(message.text).toBe('Shared contact: Luis García (+34 699 88 77 66, +34 91 123 45 67)');
    expect(message.identities).toEqual([ANA]);
    expect(message.unrecognised.map((item) => item.raw)).toEqual([
      '+34 699 88 77 66',
      '+34 91 123 45 67',
    ]);
    expect(message.unrecognised[0]?.reason).toMatch(/not the customer's own number/);
    expect(message.meta?.contacts).toEqual([
      {
        name: 'Luis García',
        phones: ['+34 699 88 77 66', '+34 91 123 45 67'],
        emails: ['luis.garcia@example.com'],
        company: 'Reformas García',
      },
    ]);
  });

  it('interactive replies: buttons, list rows and flows, linked to the message they answer', () => {
    expect(normalise('interactive-button-reply')).toMatchObject({
      text: 'Button: Sí, llamadme',
      threadRefs: [OURS],
      meta: { interactive: { type: 'button_reply', id: 'callback_yes', title: 'Sí, llamadme' } },
    });
    expect(normalise('interactive-list-reply').text).toBe('Chose: Talla M — Chaqueta Nord, azul');
    const flow = normalise('interactive-nfm-reply');
    expect(flow.text).toBe(
      'Form sent (flow)\nfull_name: Ana Pérez\npreferred_time: morning\ntopics: ["prices","delivery"]',
    );
    expect(flow.fields).toEqual({
      full_name: 'Ana Pérez',
      preferred_time: 'morning',
      topics: '["prices","delivery"]',
    });
    const broken = normalise('interactive-nfm-reply', {
      edit: (m) =>
        ((m.interactive as { nfm_reply: { response_json: string } }).nfm_reply.response_json =
          '{oops'),
    });
    expect(broken).toMatchObject({ text: 'Form sent (flow)', fields: {} });
  });

  it("button: a template's quick reply, linked to the template message", () => {
    expect(normalise('button')).toMatchObject({
      text: 'Button: Llamadme',
      threadRefs: [OURS],
      meta: { button: { text: 'Llamadme', payload: 'CALL_ME' } },
    });
  });

  it('reaction: which emoji on which message; an empty emoji removes it', () => {
    expect(normalise('reaction')).toMatchObject({
      text: 'Reacted 👍 to a message',
      threadRefs: [OURS],
      meta: { reaction: { messageId: OURS, emoji: '👍' } },
    });
    expect(normalise('reaction-removed')).toMatchObject({
      text: 'Removed a reaction',
      threadRefs: [OURS],
      meta: { reaction: { messageId: OURS } },
    });
  });

  it('order: every item with its quantity and price, and the note', () => {
    expect(normalise('order').text).toBe(
      'Order of 2 item(s):\n- 2 × NORD-M-BLUE (89.9 EUR)\n- 1 × GLOVES-L (19.5 EUR)\n¿Lo podéis enviar el viernes?',
    );
  });

  it('system: a changed number adds the new number to the same customer', () => {
    const message = normalise('system');
    expect(message.text).toBe('User Ana Pérez changed from 34600123456 to 34611222333');
    expect(message.identities.map((identity) => identity.key)).toEqual([
      'phone:+34600123456',
      'phone:+34611222333',
    ]);
    expect(message.automated).toBeUndefined();
    expect(message.meta?.system).toEqual({
      type: 'user_changed_number',
      body: 'User Ana Pérez changed from 34600123456 to 34611222333',
      newWaId: '34611222333',
    });
  });

  it('unsupported and unknown types: kept with a readable text, never an error', () => {
    expect(normalise('unsupported').text).toBe(
      '[a message WhatsApp cannot pass on: Message type unknown: Message type is currently not supported. (131051)]',
    );
    expect(normalise('unknown-type')).toMatchObject({
      text: '[a WhatsApp request_welcome message Leadwire cannot show]',
      identities: [ANA],
    });
    // A part in a shape nobody expected is dropped, the message kept.
    const odd = normalise('location', { edit: (m) => (m.location = { latitude: { deg: 40 } }) });
    expect(odd.text).toBe('[location]');
  });

  it('refuses a stored event that is not a WhatsApp message at all', () => {
    const context = { externalId: 'x', defaultCountry: 'ES' };
    expect(() => normaliseWhatsApp({ kind: 'telegram' }, context)).toThrow(MalformedInputError);
    const { raw } = storedEvent('text');
    expect(() => normaliseWhatsApp({ ...raw, message: { type: 'text' } }, context)).toThrow(
      /not a WhatsApp message/,
    );
    expect(() => normaliseWhatsApp({ ...raw, message: undefined }, context)).toThrow(
      /neither a message nor a status/,
    );
  });
});

describe('normaliseWhatsApp: statuses of our replies', () => {
  it.each(['sent', 'delivered', 'read'] as const)(
    '%s moves the reply forward, never a lead',
    (status) => {
      const message = normalise(`status-${status}`);
      expect(message.externalId).toBe(`status:${OURS}:${status}`);
      expect(message.automated).toEqual({
        reason: `WhatsApp status: ${status}`,
        delivery: { of: OURS, status },
      });
    },
  );

  it('failed carries what WhatsApp said, with the template hint outside the 24-hour window', () => {
    expect(normalise('status-failed').automated?.delivery).toEqual({
      of: OURS,
      status: 'failed',
      error:
        "Message undeliverable: Message failed to send because the recipient's phone number is not registered on WhatsApp or is using an old version. (131026)",
    });
    const window = normalise('status-failed-window').automated?.delivery?.error;
    expect(window).toMatch(/^the customer last wrote more than 24 hours ago.*template/);
    expect(window).toContain('Re-engagement message');
  });

  it('a played voice note counts as read; a status Leadwire does not know moves nothing', () => {
    const played = normalise('status-read', { edit: (s) => (s.status = 'played') });
    expect(played.automated?.delivery?.status).toBe('read');
    const deleted = normalise('status-read', { edit: (s) => (s.status = 'deleted') });
    expect(deleted.automated).toEqual({ reason: 'WhatsApp status: deleted' });
  });
});
