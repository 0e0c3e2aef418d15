import { describe, expect, it } from 'vitest';
import {
  CARLA,
  fetched,
  fixture,
  INBOX_ID,
  type Json,
  normalise,
  patched,
  RECEIVED_AT,
  retyped,
} from './helpers.ts';

const CONNECTION = 'Zl8kSgXxAAAvqUr6u5Rcm3Pu3sE';
const customer = () => fixture('business-message').business_message as Json;

describe('normaliseTelegram: Telegram Business', () => {
  it('records a connected Business account as information, never a lead', () => {
    const message = normalise(fixture('business-connection'));
    expect(message).toMatchObject({
      externalId: INBOX_ID,
      sentAt: new Date(1795520000 * 1000),
      automated: { reason: 'business connection enabled by @tienda_nord (can reply)' },
      sender: { name: 'Tienda Nord' },
      meta: {
        telegram: {
          businessConnectionId: CONNECTION,
          userChatId: 555555555,
          enabled: true,
          canReply: true,
        },
      },
    });
    expect(message.reachability).toBeUndefined();
  });

  it('says when the bot may not reply, from rights or the older can_reply, and a disconnection', () => {
    const connection = fixture('business-connection').business_connection as Json;
    const reason = (changes: Json) =>
      normalise(patched('business-connection', 'business_connection', changes)).automated?.reason;
    expect(reason({ rights: { can_read_messages: true } })).toBe(
      'business connection enabled by @tienda_nord (cannot reply)',
    );
    // Before Bot API 9.0: can_reply on the connection itself.
    expect(reason({ rights: undefined, can_reply: true })).toBe(
      'business connection enabled by @tienda_nord (can reply)',
    );
    expect(reason({ is_enabled: false })).toBe('business connection disabled by @tienda_nord');
    const { username: _, ...user } = connection.user as Json;
    expect(reason({ user })).toBe('business connection enabled by Tienda Nord (can reply)');
  });

  it("takes a customer's message to the Business account as a lead message, answered through the connection", () => {
    expect(normalise(fixture('business-message'))).toEqual({
      // The business account's chat with Carla numbers its messages apart from the bot's chat.
      externalId: `tg-b${CONNECTION}-333333333-1207`,
      source: 'TELEGRAM',
      sentAt: new Date(1795520100 * 1000),
      identities: [CARLA],
      unrecognised: [],
      threadRefs: [],
      sender: { name: 'Carla Gómez' },
      title: 'Telegram: Carla Gómez',
      text: 'Buenas, ¿hacéis envíos a Canarias?',
      fields: {},
      utm: {},
      attachments: [],
      meta: {
        telegram: {
          updateId: 904512331,
          chatId: 333333333,
          chatType: 'private',
          messageId: 1207,
          businessConnectionId: CONNECTION,
          username: 'carla_g',
          firstName: 'Carla',
          lastName: 'Gómez',
          languageCode: 'es',
        },
      },
    });
  });

  it('keeps an edit of a business message apart, like an edited message', () => {
    const edited = {
      update_id: 904512342,
      edited_business_message: {
        ...customer(),
        edit_date: 1795520130,
        text: 'Buenas, ¿hacéis envíos a Canarias y a Ceuta?',
      },
    };
    const message = normalise(edited);
    expect(message.externalId).toBe(`tg-b${CONNECTION}-333333333-1207-edit-1795520130`);
    expect(message.text).toBe('(edited) Buenas, ¿hacéis envíos a Canarias y a Ceuta?');
    expect(message.automated).toBeUndefined();
    expect(message.meta).toMatchObject({
      telegram: { edited: true, businessConnectionId: CONNECTION },
    });
  });

  it("does not take what the business account writes in the chat as the customer's words", () => {
    const files = [fetched({ kind: 'document', fileUniqueId: 'AgADdBkAAkvKSFA' })];
    const own = normalise(fixture('business-message-own'), { files });
    expect(own.automated).toEqual({ reason: 'written by the business account' });
    expect(own.threadRefs).toEqual([`tg-b${CONNECTION}-333333333-1207`]);
    // A bot writing for the account, even as the customer's chat, is the account too.
    const bot = {
      id: 7012345678,
      is_bot: true,
      first_name: 'Tienda Leads',
      username: 'tienda_leads_bot',
    };
    const byBot = normalise(
      patched('business-message', 'business_message', { sender_business_bot: bot }),
    );
    expect(byBot.automated).toEqual({ reason: 'written by the business account' });
    const editedOwn = retyped(
      fixture('business-message-own'),
      'business_message',
      'edited_business_message',
    );
    expect(normalise(editedOwn).automated).toEqual({ reason: 'written by the business account' });
    // The same message in the bot's own chat is not a business chat: no such rule there.
    const plain = retyped(fixture('business-message-own'), 'business_message', 'message');
    expect(normalise(plain).automated).toBeUndefined();
  });

  it('records deleted business messages as information naming the chat and how many', () => {
    const message = normalise(fixture('deleted-business-messages'));
    expect(message).toMatchObject({
      externalId: INBOX_ID,
      identities: [],
      sentAt: new Date(RECEIVED_AT),
      automated: { reason: '2 messages deleted in the business chat with Carla Gómez' },
      meta: {
        telegram: {
          businessConnectionId: CONNECTION,
          chatId: 333333333,
          messageIds: [1207, 1209],
          // The ids the deleted messages were stored under.
          deletedExternalIds: [
            `tg-b${CONNECTION}-333333333-1207`,
            `tg-b${CONNECTION}-333333333-1209`,
          ],
        },
      },
    });
    const one = patched('deleted-business-messages', 'deleted_business_messages', {
      message_ids: [1207],
      chat: { id: 333333333, type: 'private', username: 'carla_g' },
    });
    expect(normalise(one).automated).toEqual({
      reason: '1 message deleted in the business chat with @carla_g',
    });
  });
});
