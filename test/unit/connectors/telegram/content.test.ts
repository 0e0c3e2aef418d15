import { describe, expect, it } from 'vitest';
import { ANA, BOB, fetched, fixture, type Json, normalise, patched } from './helpers.ts';

const ORIGIN_DATE = 1795400000;
const forwardedWith = (forward_origin: Json) =>
  normalise(patched('text', 'message', { forward_origin }));

describe('normaliseTelegram: forwarded messages', () => {
  it('says which channel a post was forwarded from, and keeps the origin in meta', () => {
    const message = normalise(fixture('forwarded-channel'));
    expect(message.text).toBe(
      'Forwarded from Ofertas Tienda\nNueva colección de invierno disponible',
    );
    expect(message.meta).toMatchObject({
      telegram: {
        forwardedFrom: {
          type: 'channel',
          name: 'Ofertas Tienda',
          chatId: -1001987654321,
          messageId: 17,
          signature: 'María',
          date: 1795512900,
        },
      },
    });
    // Forwarding is the sender's act: Ana, not the channel, is who wrote to us.
    expect(message.identities).toEqual([ANA]);
    expect(message.sender).toEqual({ name: 'Ana Pérez' });
  });

  it('names every kind of origin: a user, a hidden user, a chat, a channel without a title', () => {
    const carlos = { id: 333333333, is_bot: false, first_name: 'Carlos', last_name: 'Ruiz' };
    const user = forwardedWith({ type: 'user', date: ORIGIN_DATE, sender_user: carlos });
    expect(user.text).toBe(
      'Forwarded from Carlos Ruiz\nHola, ¿tenéis la chaqueta Nord en talla M?',
    );
    expect(user.meta).toMatchObject({
      telegram: { forwardedFrom: { type: 'user', userId: 333333333 } },
    });
    expect(user.identities).toEqual([ANA]);

    const named = { id: 444444444, is_bot: false, username: 'dani_k' };
    expect(forwardedWith({ type: 'user', date: ORIGIN_DATE, sender_user: named }).text).toMatch(
      /^Forwarded from @dani_k\n/,
    );
    const hidden = forwardedWith({
      type: 'hidden_user',
      date: ORIGIN_DATE,
      sender_user_name: 'Lucía M',
    });
    expect(hidden.text).toMatch(/^Forwarded from Lucía M\n/);
    const group = { id: -1001122334455, title: 'Compras Oficina', type: 'supergroup' };
    const chat = forwardedWith({ type: 'chat', date: ORIGIN_DATE, sender_chat: group });
    expect(chat.text).toMatch(/^Forwarded from Compras Oficina\n/);
    expect(chat.meta).toMatchObject({ telegram: { forwardedFrom: { chatId: -1001122334455 } } });
    const untitled = { id: -1001987654321, type: 'channel', username: 'ofertas_tienda' };
    const channel = forwardedWith({
      type: 'channel',
      date: ORIGIN_DATE,
      chat: untitled,
      message_id: 9,
    });
    expect(channel.text).toMatch(/^Forwarded from @ofertas_tienda\n/);
  });

  it('reads the fields older updates describe a forward with', () => {
    const message = normalise(fixture('forwarded-legacy-user'));
    expect(message.text).toBe(
      'Forwarded from Carlos Ruiz\nMe interesa el modelo Nord en azul, ¿cuánto cuesta?',
    );
    expect(message.identities).toEqual([BOB]);
    const legacy = (changes: Json) => normalise(patched('text', 'message', changes)).text;
    expect(legacy({ forward_sender_name: 'Lucía M', forward_date: ORIGIN_DATE })).toMatch(
      /^Forwarded from Lucía M\n/,
    );
    const channel = { id: -1001987654321, title: 'Ofertas Tienda', type: 'channel' };
    const fromChannel = normalise(
      patched('text', 'message', {
        forward_from_chat: channel,
        forward_from_message_id: 17,
        forward_date: ORIGIN_DATE,
      }),
    );
    expect(fromChannel.text).toMatch(/^Forwarded from Ofertas Tienda\n/);
    expect(fromChannel.meta).toMatchObject({
      telegram: { forwardedFrom: { type: 'channel', messageId: 17 } },
    });
  });
});

describe('normaliseTelegram: what a message says', () => {
  it('keeps the quoted words of a reply before the text, and in meta', () => {
    const message = normalise(fixture('quote'));
    expect(message.text).toBe('> El envío es gratis desde 50 €.\n¿Y a Portugal también?');
    expect(message.meta).toMatchObject({
      telegram: { quote: 'El envío es gratis desde 50 €.', replyToMessageId: 44 },
    });
    expect(message.threadRefs).toEqual(['tg-111111111-44']);
    const lines = normalise(
      patched('quote', 'message', { quote: { text: 'tarda 3 días\nEl envío', position: 10 } }),
    );
    expect(lines.text).toBe('> tarda 3 días\n> El envío\n¿Y a Portugal también?');
    // A reply without a quote has no quote line.
    expect(normalise(fixture('reply')).text).toBe('Si no, en negro también me vale');
  });

  it('shows a poll with its question and options', () => {
    const message = normalise(fixture('poll'));
    expect(message.text).toBe('Poll: ¿Qué color preferís?\n- Azul\n- Negro');
    expect(message.automated).toBeUndefined();
    expect(message.identities).toEqual([ANA]);
    const poll = { ...((fixture('poll').message as Json).poll as Json), type: 'quiz' };
    expect(normalise(patched('poll', 'message', { poll })).text).toMatch(/^Quiz: ¿Qué color/);
  });

  it('shows a die with its emoji and value', () => {
    expect(normalise(fixture('dice')).text).toBe('🎲 4');
    const dart = normalise(patched('dice', 'message', { dice: { emoji: '🎯', value: 6 } }));
    expect(dart.text).toBe('🎯 6');
  });

  it('marks every part of an album with its group; the caption is the text, the rest say nothing', () => {
    const [first, second] = [normalise(fixture('album-1')), normalise(fixture('album-2'))];
    for (const part of [first, second]) {
      expect(part.meta).toMatchObject({
        albumId: '13845720913645376',
        telegram: { mediaGroupId: '13845720913645376' },
      });
      expect(part.attachments).toHaveLength(1);
      expect(part.automated).toBeUndefined();
      expect(part.identities).toEqual([ANA]);
    }
    expect(first.text).toBe('Estas dos, ¿las tenéis en M?');
    expect(second.text).toBe('');
    expect([first.externalId, second.externalId]).toEqual(['tg-111111111-52', 'tg-111111111-53']);
    const files = [fetched({ kind: 'photo', fileUniqueId: 'AQADw8MxG28rSFJ9', filename: 'b.jpg' })];
    expect(normalise(fixture('album-2'), { files }).attachments).toEqual([
      expect.objectContaining({ filename: 'b.jpg' }),
    ]);
    // A forwarded album part says where it came from only with its caption.
    const origin = { type: 'hidden_user', date: ORIGIN_DATE, sender_user_name: 'Lucía M' };
    const forwarded = normalise(patched('album-2', 'message', { forward_origin: origin }));
    expect(forwarded.text).toBe('');
    expect(forwarded.meta).toMatchObject({ telegram: { forwardedFrom: { name: 'Lucía M' } } });
    // Not in an album, a photo without a caption still says what it is.
    expect(normalise(patched('album-2', 'message', { media_group_id: undefined })).text).toBe(
      '[photo]',
    );
  });

  it('marks an edited album caption as edited, and an edited part without one stays empty', () => {
    const edit = (name: string) => {
      const message = { ...(fixture(name).message as Json), edit_date: 1795512700 };
      return normalise({ update_id: 904512343, edited_message: message });
    };
    expect(edit('album-1').text).toBe('(edited) Estas dos, ¿las tenéis en M?');
    expect(edit('album-2').text).toBe('');
  });
});
