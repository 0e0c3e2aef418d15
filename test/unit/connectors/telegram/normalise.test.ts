import { describe, expect, it } from 'vitest';
import { MalformedInputError } from '../../../../core/errors.ts';
import { ANA, BOB, fetched, fixture, INBOX_ID, normalise, patched, type Json } from './helpers.ts';

describe('normaliseTelegram: private text messages', () => {
  it('turns a text message into a message from the user, keyed by chat and message id', () => {
    expect(normalise(fixture('text'))).toEqual({
      externalId: 'tg-111111111-42',
      source: 'TELEGRAM',
      sentAt: new Date('2026-11-24T09:15:00.000Z'),
      identities: [ANA],
      unrecognised: [],
      threadRefs: [],
      sender: { name: 'Ana Pérez' },
      title: 'Telegram: Ana Pérez',
      text: 'Hola, ¿tenéis la chaqueta Nord en talla M?',
      fields: {},
      utm: {},
      attachments: [],
      meta: {
        telegram: {
          updateId: 904512301,
          chatId: 111111111,
          chatType: 'private',
          messageId: 42,
          username: 'ana_perez',
          firstName: 'Ana',
          lastName: 'Pérez',
          languageCode: 'es',
        },
      },
    });
  });

  it('gives a redelivered message (new update id) the same external id, so it is skipped', () => {
    const again = { ...fixture('text'), update_id: 904512399 };
    expect(normalise(again).externalId).toBe(normalise(fixture('text')).externalId);
    expect(normalise(again).meta).toMatchObject({ telegram: { updateId: 904512399 } });
  });

  it('names the sender by username when there is no name, and by id as a last resort', () => {
    const from = { id: 333333333, is_bot: false, username: 'carla_x' };
    const named = normalise(patched('text', 'message', { from }));
    expect(named.sender).toEqual({ name: '@carla_x' });
    expect(named.title).toBe('Telegram: @carla_x');
    const bare = normalise(patched('text', 'message', { from: { id: 333333333, is_bot: false } }));
    expect(bare.sender).toEqual({});
    expect(bare.title).toBe('Telegram: 333333333');
    expect(bare.identities).toEqual([
      { kind: 'telegram', key: 'telegram:333333333', raw: '333333333' },
    ]);
  });

  it('takes a deep-link /start payload as the source detail and keeps the command as text', () => {
    const message = normalise(fixture('start-payload'));
    expect(message.externalId).toBe('tg-111111111-41');
    expect(message.text).toBe('/start campaign_autumn');
    expect(message.fields).toEqual({ sourceDetail: 'campaign_autumn' });
    expect(message.meta).toMatchObject({ startPayload: 'campaign_autumn' });
    expect(message.automated).toBeUndefined();
  });

  it('has no source detail for a bare /start, and reads /start@bot <payload>', () => {
    const bare = normalise(patched('start-payload', 'message', { text: '/start' }));
    expect(bare.fields).toEqual({});
    expect(bare.meta).not.toHaveProperty('startPayload');
    const addressed = normalise(
      patched('start-payload', 'message', { text: '/start@tienda_leads_bot promo_42' }),
    );
    expect(addressed.fields).toEqual({ sourceDetail: 'promo_42' });
    const notStart = normalise(patched('start-payload', 'message', { text: '/starting soon?' }));
    expect(notStart.fields).toEqual({});
  });

  it('keeps an edit as its own message, marked and dated by the edit', () => {
    const original = normalise(fixture('text'));
    const edit = normalise(fixture('edited-message'));
    expect(edit.externalId).toBe('tg-111111111-42-edit-1795511820');
    expect(edit.externalId).not.toBe(original.externalId);
    expect(edit.sentAt).toEqual(new Date(1795511820 * 1000));
    expect(edit.text).toBe('(edited) Hola, ¿tenéis la chaqueta Nord en talla M y en azul?');
    expect(edit.identities).toEqual([ANA]);
    expect(edit.meta).toMatchObject({ telegram: { messageId: 42, edited: true } });
    expect(original.meta).not.toMatchObject({ telegram: { edited: true } });
  });

  it('points a reply at the external id of the message it answers', () => {
    const reply = normalise(fixture('reply'));
    expect(reply.externalId).toBe('tg-111111111-45');
    expect(reply.threadRefs).toEqual([normalise(fixture('text')).externalId]);
    expect(reply.text).toBe('Si no, en negro también me vale');
    expect(reply.meta).toMatchObject({ telegram: { replyToMessageId: 42 } });
  });
});

describe('normaliseTelegram: files', () => {
  const largest = 'AQADvsMxG28rSFJ9';

  it('attaches the largest photo size that was fetched, with the caption as text', () => {
    const files = [
      fetched({
        kind: 'photo',
        fileUniqueId: largest,
        filename: 'photo-43.jpg',
        contentType: 'image/jpeg',
        size: 87412,
        sha256: 'b'.repeat(64),
      }),
    ];
    const message = normalise(fixture('photo-caption'), { files });
    expect(message.text).toBe('Esta es la que vi en la tienda');
    expect(message.attachments).toEqual([
      {
        filename: 'photo-43.jpg',
        contentType: 'image/jpeg',
        size: 87412,
        sha256: 'b'.repeat(64),
      },
    ]);
  });

  it('lists a photo that was not fetched, by its largest size, as not kept', () => {
    const message = normalise(fixture('photo-caption'));
    expect(message.attachments).toEqual([
      {
        filename: `photo-${largest}.jpg`,
        contentType: 'image/jpeg',
        size: 87412,
        sha256: null,
        skipped: 'not fetched',
      },
    ]);
  });

  it('uses a smaller photo size when that is the one the worker fetched', () => {
    const files = [
      fetched({ kind: 'photo', fileUniqueId: 'AQADvsMxG28rSFJy', filename: 'medium.jpg' }),
    ];
    const message = normalise(fixture('photo-caption'), { files });
    expect(message.attachments?.map((file) => file.filename)).toEqual(['medium.jpg']);
  });

  it('describes a photo without a caption', () => {
    const message = normalise(patched('photo-caption', 'message', { caption: undefined }));
    expect(message.text).toBe('[photo]');
  });

  it('names a document, and passes on why the worker did not keep its content', () => {
    const update = fixture('document');
    expect(normalise(update).text).toBe('[document quote-request.pdf]');
    expect(normalise(update).attachments).toEqual([
      {
        filename: 'quote-request.pdf',
        contentType: 'application/pdf',
        size: 48213,
        sha256: null,
        skipped: 'not fetched',
      },
    ]);
    const files = [
      fetched({
        kind: 'document',
        // Matched by file_id when the unique id differs.
        fileId: 'BQACAgQAAxkBAAIBLGdGq2L18kNZzQdmz9FdpwABiXdsAAJfGAACS8pIUNLVak0AATYE',
        filename: 'quote-request.pdf',
        contentType: 'application/pdf',
        size: 48213,
        sha256: null,
        skipped: 'larger than the 20 MB limit',
      }),
    ];
    expect(normalise(update, { files }).attachments).toEqual([
      {
        filename: 'quote-request.pdf',
        contentType: 'application/pdf',
        size: 48213,
        sha256: null,
        skipped: 'larger than the 20 MB limit',
      },
    ]);
  });

  it('describes a voice message with its length, and names its file by kind', () => {
    const message = normalise(fixture('voice'));
    expect(message.text).toBe('[voice message 0:07]');
    expect(message.attachments).toEqual([
      expect.objectContaining({
        filename: 'voice-AgADrBkAAkvKSFA.ogg',
        contentType: 'audio/ogg',
        size: 23541,
      }),
    ]);
    const long = normalise(
      patched('voice', 'message', {
        voice: { file_id: 'x', file_unique_id: 'y', duration: 3725, mime_type: 'audio/ogg' },
      }),
    );
    expect(long.text).toBe('[voice message 1:02:05]');
  });

  it('describes a video with its length and keeps its file name', () => {
    const message = normalise(fixture('video'));
    expect(message.externalId).toBe('tg-222222222-13');
    expect(message.identities).toEqual([BOB]);
    expect(message.sender).toEqual({ name: 'Bob' });
    expect(message.text).toBe('[video 0:15]');
    expect(message.attachments).toEqual([
      expect.objectContaining({ filename: 'IMG_2041.MP4', contentType: 'video/mp4' }),
    ]);
  });

  it('describes a sticker by its emoji and types it by its format', () => {
    const message = normalise(fixture('sticker'));
    expect(message.text).toBe('[sticker 😀]');
    expect(message.attachments).toEqual([
      expect.objectContaining({
        filename: 'sticker-AgADBQADwDZPEw.webp',
        contentType: 'image/webp',
      }),
    ]);
    const sticker = { file_id: 'x', file_unique_id: 'anim1', emoji: '🔥', is_animated: true };
    const animated = normalise(patched('sticker', 'message', { sticker }));
    expect(animated.text).toBe('[sticker 🔥]');
    expect(animated.attachments).toEqual([
      expect.objectContaining({
        filename: 'sticker-anim1.tgs',
        contentType: 'application/x-tgsticker',
      }),
    ]);
  });

  it('counts an animation once, although Telegram also sends it as a document', () => {
    const gif = {
      file_id: 'CgACAgQAAxkBAAIBMWdG',
      file_unique_id: 'AgADgif1',
      file_name: 'dancing.mp4',
      mime_type: 'video/mp4',
      duration: 3,
      file_size: 90210,
    };
    const message = normalise(
      patched('document', 'message', { animation: gif, document: { ...gif, duration: undefined } }),
    );
    expect(message.text).toBe('[GIF]');
    expect(message.attachments).toEqual([
      {
        filename: 'dancing.mp4',
        contentType: 'video/mp4',
        size: 90210,
        sha256: null,
        skipped: 'not fetched',
      },
    ]);
  });

  it('shows other content by its name and still takes it as a message', () => {
    const story = { chat: { id: -1001987654321, type: 'channel', title: 'Ofertas' }, id: 5 };
    const message = normalise(patched('text', 'message', { text: undefined, story }));
    expect(message.text).toBe('[story]');
    expect(message.automated).toBeUndefined();
    expect(message.identities).toEqual([ANA]);
  });
});

describe('normaliseTelegram: contacts and locations', () => {
  it("adds the sender's own shared number as a phone identity", () => {
    const message = normalise(fixture('contact-own'));
    expect(message.identities).toEqual([
      ANA,
      { kind: 'phone', key: 'phone:+34600123456', raw: '+34600123456' },
    ]);
    expect(message.unrecognised).toEqual([]);
    expect(message.text).toBe('Shared contact: Ana Pérez 34600123456');
    expect(message.meta).toMatchObject({
      contact: { phoneNumber: '34600123456', name: 'Ana Pérez', userId: 111111111, own: true },
    });
  });

  it('reads an own number without + as international before the channel country', () => {
    const contact = (phone_number: string) => ({
      phone_number,
      first_name: 'Ana',
      user_id: 111111111,
    });
    const phoneKeys = (phone: string, defaultCountry: string) =>
      normalise(patched('contact-own', 'message', { contact: contact(phone) }), { defaultCountry })
        .identities.filter((identity) => identity.kind === 'phone')
        .map((identity) => identity.key);
    expect(phoneKeys('34600123456', 'US')).toEqual(['phone:+34600123456']);
    // Read in Germany first, these digits would become +49 4915112345678.
    expect(phoneKeys('4915112345678', 'DE')).toEqual(['phone:+4915112345678']);
    expect(phoneKeys('+34600123456', 'US')).toEqual(['phone:+34600123456']);
    expect(phoneKeys('600 12 34 56', 'ES')).toEqual(['phone:+34600123456']);
  });

  it('keeps an own number that is not a phone number as unrecognised', () => {
    const contact = { phone_number: '12', first_name: 'Ana', user_id: 111111111 };
    const message = normalise(patched('contact-own', 'message', { contact }));
    expect(message.identities).toEqual([ANA]);
    expect(message.unrecognised).toEqual([
      { kind: 'phone', raw: '12', reason: 'not a valid phone number' },
    ]);
  });

  it("never takes somebody else's contact as the sender's number", () => {
    const message = normalise(fixture('contact-other'));
    expect(message.identities).toEqual([BOB]);
    expect(message.unrecognised).toEqual([
      {
        kind: 'phone',
        raw: '+34 611 22 33 44',
        reason: "a contact shared by someone else is not the sender's own number",
      },
    ]);
    expect(message.text).toBe('Shared contact: Carlos Ruiz +34 611 22 33 44');
    expect(message.meta).toMatchObject({
      contact: { phoneNumber: '+34 611 22 33 44', userId: 333333333, own: false },
    });
    // A contact card of someone not on Telegram has no user_id: not the sender either.
    const contact = { phone_number: '+34600123456', first_name: 'Ana' };
    const unknown = normalise(patched('contact-own', 'message', { contact }));
    expect(unknown.identities).toEqual([ANA]);
    expect(unknown.unrecognised.map((item) => item.raw)).toEqual(['+34600123456']);
  });

  it('writes a location as coordinates, with the venue when there is one', () => {
    const message = normalise(fixture('location'));
    expect(message.text).toBe('Location: 40.416775, -3.70379');
    expect(message.meta).toMatchObject({ location: { latitude: 40.416775, longitude: -3.70379 } });
    const venue = {
      location: { latitude: 40.4168, longitude: -3.7038 },
      title: 'Tienda Sol',
      address: 'Puerta del Sol 1, Madrid',
    };
    const atVenue = normalise(patched('location', 'message', { location: venue.location, venue }));
    expect(atVenue.text).toBe('Location: 40.4168, -3.7038 (Tienda Sol, Puerta del Sol 1, Madrid)');
    expect(atVenue.meta).toMatchObject({
      location: { title: 'Tienda Sol', address: 'Puerta del Sol 1, Madrid' },
    });
  });

  it('ignores live location updates, which arrive as edits every few seconds', () => {
    const update = fixture('location');
    const live = {
      update_id: 904512320,
      edited_message: {
        ...(update.message as Json),
        edit_date: 1795512150,
        location: { latitude: 40.4169, longitude: -3.7039, live_period: 900 },
      },
    };
    expect(normalise(live).automated).toEqual({ reason: 'live location update' });
    expect(normalise(update).automated).toBeUndefined();
  });
});

describe('normaliseTelegram: groups and channels', () => {
  it('stores a group message as ignored when the channel does not take groups', () => {
    const message = normalise(fixture('group-message'));
    expect(message.automated).toEqual({
      reason: 'group chat: this channel does not take group messages',
    });
    expect(message.identities).toEqual([BOB]);
  });

  it('takes a group message from its sender when the channel allows groups', () => {
    const message = normalise(fixture('group-message'), { allowGroups: true });
    expect(message.automated).toBeUndefined();
    expect(message.identities).toEqual([BOB]);
    expect(message.externalId).toBe('tg--987654321-301');
    expect(message.title).toBe('Telegram: Bob in Compras Oficina');
    expect(message.meta).toMatchObject({
      telegram: { chatId: -987654321, chatType: 'group', chatTitle: 'Compras Oficina' },
    });
  });

  it('ignores service messages and bots even where groups are allowed', () => {
    const joined = patched('group-message', 'message', {
      text: undefined,
      new_chat_members: [{ id: 333333333, is_bot: false, first_name: 'Carla' }],
    });
    expect(normalise(joined, { allowGroups: true }).automated).toEqual({
      reason: 'service message: new_chat_members',
    });
    const from = { id: 7012345678, is_bot: true, first_name: 'Other Bot', username: 'other_bot' };
    const byBot = patched('group-message', 'message', { from });
    expect(normalise(byBot, { allowGroups: true }).automated).toEqual({ reason: 'sent by a bot' });
  });

  it('ignores a channel post unless groups are allowed, and then it has no identity', () => {
    const ignored = normalise(fixture('channel-post'));
    expect(ignored.automated).toEqual({
      reason: 'group chat: this channel does not take group messages',
    });
    const taken = normalise(fixture('channel-post'), { allowGroups: true });
    expect(taken.automated).toBeUndefined();
    expect(taken.identities).toEqual([]);
    expect(taken.externalId).toBe('tg--1001987654321-17');
    expect(taken.sender).toEqual({ name: 'Ofertas Tienda' });
    expect(taken.title).toBe('Telegram: Ofertas Tienda');
    expect(taken.text).toBe('Nueva colección de invierno disponible');
  });

  it('keeps edits of channel posts apart from the post', () => {
    const post = fixture('channel-post').channel_post as Json;
    const edit = { update_id: 904512321, edited_channel_post: { ...post, edit_date: 1795513000 } };
    const message = normalise(edit, { allowGroups: true });
    expect(message.externalId).toBe('tg--1001987654321-17-edit-1795513000');
    expect(message.text).toBe('(edited) Nueva colección de invierno disponible');
  });
});

describe('normaliseTelegram: updates that are not messages', () => {
  it('marks the user unreachable when they block the bot', () => {
    const message = normalise(fixture('my-chat-member-blocked'));
    expect(message).toMatchObject({
      externalId: INBOX_ID,
      source: 'TELEGRAM',
      sentAt: new Date(1795515600 * 1000),
      identities: [ANA],
      automated: { reason: 'the user blocked the bot' },
      reachability: {
        identityKey: 'telegram:111111111',
        reachable: false,
        reason: 'blocked the bot',
        // The store keeps only the newest change: the update's own date says which that is
        // (the end of its whole second, so it wins over our own record within that second).
        at: new Date(1795515600 * 1000 + 999),
      },
      meta: { telegram: { oldStatus: 'member', newStatus: 'kicked' } },
    });
  });

  it('marks the user reachable again when they unblock the bot', () => {
    const message = normalise(fixture('my-chat-member-unblocked'));
    expect(message.automated).toEqual({ reason: 'the user unblocked the bot' });
    expect(message.reachability).toEqual({
      identityKey: 'telegram:111111111',
      reachable: true,
      reason: 'unblocked the bot',
      at: new Date(1795519200 * 1000 + 999),
    });
    expect(message.identities).toEqual([ANA]);
  });

  it('changes no reachability for membership changes that are not a block', () => {
    const base = fixture('my-chat-member-blocked').my_chat_member as Json;
    const bot = (base.new_chat_member as Json).user;
    const removed = {
      update_id: 904512322,
      my_chat_member: {
        ...base,
        chat: { id: -987654321, title: 'Compras Oficina', type: 'group' },
        new_chat_member: { user: bot, status: 'left' },
      },
    };
    const message = normalise(removed);
    expect(message.reachability).toBeUndefined();
    expect(message.automated).toEqual({
      reason: "the bot's membership changed in a group chat: member → left",
    });
    const bannedFromGroup = {
      ...removed,
      my_chat_member: {
        ...removed.my_chat_member,
        new_chat_member: { user: bot, status: 'kicked' },
      },
    };
    expect(normalise(bannedFromGroup).reachability).toBeUndefined();
    // Only `kicked` → `member` is an unblock; `left` → `member` in a private chat is not.
    const rejoined = {
      update_id: 904512326,
      my_chat_member: {
        ...base,
        old_chat_member: { user: bot, status: 'left' },
        new_chat_member: { user: bot, status: 'member' },
      },
    };
    expect(normalise(rejoined).reachability).toBeUndefined();
    expect(normalise(rejoined).automated).toEqual({
      reason: "the bot's membership changed in a private chat: left → member",
    });
  });

  it('stores unsupported update types as ignored, with the user when there is one', () => {
    const reaction = normalise({
      update_id: 904512323,
      message_reaction: {
        chat: { id: 111111111, type: 'private' },
        message_id: 42,
        user: { id: 111111111, is_bot: false, first_name: 'Ana', username: 'ana_perez' },
        date: 1795512700,
        old_reaction: [],
        new_reaction: [{ type: 'emoji', emoji: '👍' }],
      },
    });
    expect(reaction).toMatchObject({
      externalId: INBOX_ID,
      identities: [ANA],
      automated: { reason: 'unsupported update type: message_reaction' },
      sentAt: new Date(1795512700 * 1000),
      sender: { name: 'Ana' },
    });
    expect(reaction.reachability).toBeUndefined();

    const inline = normalise({
      update_id: 904512327,
      inline_query: {
        id: '477261958103944999',
        from: { id: 222222222, is_bot: false, first_name: 'Bob', username: 'bob_m' },
        query: 'chaqueta',
        offset: '',
      },
    });
    expect(inline.automated).toEqual({ reason: 'unsupported update type: inline_query' });
    expect(inline.identities).toEqual([BOB]);
    // An inline query carries no date of its own.
    expect(inline.sentAt).toEqual(new Date('2026-11-24T12:00:00.000Z'));

    const poll = normalise({ update_id: 904512324, poll: { id: '1', question: '?', options: [] } });
    expect(poll.automated).toEqual({ reason: 'unsupported update type: poll' });
    expect(poll.identities).toEqual([]);
  });
});

describe('normaliseTelegram: input that is not an update', () => {
  it('refuses a stored event that is not a Telegram update', () => {
    expect(() => normalise(fixture('broken'))).toThrow(MalformedInputError);
    expect(() => normalise(fixture('broken'))).toThrow('not a Telegram update');
    expect(() => normalise({ update_id: '904512301' })).toThrow(MalformedInputError);
    expect(() => normalise(null)).toThrow(MalformedInputError);
  });

  it('says which part of a message is broken', () => {
    const update = patched('text', 'message', { chat: undefined });
    try {
      normalise(update);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MalformedInputError);
      expect((error as MalformedInputError).details.map((detail) => detail.path)).toEqual([
        'message.chat',
      ]);
    }
  });

  it('lets fields it does not know pass', () => {
    const update = { ...patched('text', 'message', { effect_id: '5104841245755180586' }), x: 1 };
    expect(normalise(update).text).toBe('Hola, ¿tenéis la chaqueta Nord en talla M?');
  });
});
