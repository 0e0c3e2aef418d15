import { describe, expect, it } from 'vitest';
import { ANA, fixture, type Json, normalise, patched, RECEIVED_AT } from './helpers.ts';

const query = () => fixture('callback-query').callback_query as Json;
const onMessage = (message: Json) => patched('callback-query', 'callback_query', { message });

describe('normaliseTelegram: button presses', () => {
  it('puts the press on the lead as a message from the person who pressed it', () => {
    expect(normalise(fixture('callback-query'))).toEqual({
      externalId: 'tg-callback-477261958103944377',
      source: 'TELEGRAM',
      // A button press carries no date of its own.
      sentAt: new Date(RECEIVED_AT),
      identities: [ANA],
      unrecognised: [],
      // The message the button was on, in the chat's numbering.
      threadRefs: ['tg-111111111-44'],
      sender: { name: 'Ana Pérez' },
      title: 'Telegram: Ana Pérez',
      text: 'pressed: Llamadme',
      fields: {},
      utm: {},
      meta: {
        telegram: {
          updateId: 904512312,
          chatId: 111111111,
          chatType: 'private',
          messageId: 44,
          callbackQueryId: '477261958103944377',
          callbackData: 'call_me',
          username: 'ana_perez',
          firstName: 'Ana',
          lastName: 'Pérez',
          languageCode: 'es',
        },
      },
    });
  });

  it('names the button by its callback_data among every row of the keyboard', () => {
    const other = normalise(patched('callback-query', 'callback_query', { data: 'chat_only' }));
    expect(other.text).toBe('pressed: Mejor por aquí');
    const message = query().message as Json;
    const rows = [
      [{ text: 'Ver web', url: 'https://tienda.example' }],
      [{ text: 'Sí', callback_data: 'yes' }],
    ];
    const second = {
      ...query(),
      data: 'yes',
      message: { ...message, reply_markup: { inline_keyboard: rows } },
    };
    expect(normalise({ update_id: 904512341, callback_query: second }).text).toBe('pressed: Sí');
  });

  it('falls back to the data when the button cannot be found', () => {
    // Older than 48 h, the message comes as an InaccessibleMessage: chat, id, date 0.
    const inaccessible = { chat: { id: 111111111, type: 'private' }, message_id: 44, date: 0 };
    const pressed = normalise(onMessage(inaccessible));
    expect(pressed.text).toBe('pressed: call_me');
    expect(pressed.automated).toBeUndefined();
    const unknown = normalise(patched('callback-query', 'callback_query', { data: 'size_m' }));
    expect(unknown.text).toBe('pressed: size_m');
  });

  it('answers a button on an inline message in the private chat of the person', () => {
    const inline = patched('callback-query', 'callback_query', {
      message: undefined,
      inline_message_id: 'AgAAAN4FAAD_lOMBv7sSXiP9yJk',
    });
    const pressed = normalise(inline);
    expect(pressed.threadRefs).toEqual([]);
    expect(pressed.meta).toMatchObject({ telegram: { chatId: 111111111 } });
    expect(pressed.meta).not.toMatchObject({ telegram: { messageId: expect.anything() } });
  });

  it('keeps a press in a group only where the channel takes groups', () => {
    const group = { id: -987654321, title: 'Compras Oficina', type: 'group' };
    const update = onMessage({ ...(query().message as Json), chat: group });
    expect(normalise(update).automated).toEqual({
      reason: 'group chat: this channel does not take group messages',
    });
    const taken = normalise(update, { allowGroups: true });
    expect(taken.automated).toBeUndefined();
    expect(taken.title).toBe('Telegram: Ana Pérez in Compras Oficina');
    expect(taken.meta).toMatchObject({ telegram: { chatId: -987654321, chatType: 'group' } });
  });

  it('answers a button in a business chat through its connection', () => {
    const message = {
      ...(query().message as Json),
      business_connection_id: 'Zl8kSgXxAAAvqUr6u5Rcm3Pu3sE',
    };
    const pressed = normalise(onMessage(message));
    expect(pressed.meta).toMatchObject({
      telegram: { chatId: 111111111, businessConnectionId: 'Zl8kSgXxAAAvqUr6u5Rcm3Pu3sE' },
    });
    expect(pressed.threadRefs).toEqual(['tg-bZl8kSgXxAAAvqUr6u5Rcm3Pu3sE-111111111-44']);
  });
});
