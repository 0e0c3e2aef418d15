import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_UPDATES,
  isKnownUpdate,
  UPDATE_TYPES,
  updateType,
} from '../../../../connectors/telegram/update.ts';
import { fixture } from './helpers.ts';

const FIXTURES = readdirSync(new URL('../../../fixtures/telegram/', import.meta.url))
  .map((file) => file.replace(/\.json$/, ''))
  .filter((name) => name !== 'broken');

describe('ALLOWED_UPDATES', () => {
  it('subscribes to messages, button presses, blocks and Business chats, and nothing else', () => {
    expect([...ALLOWED_UPDATES].sort()).toEqual(
      [
        'business_connection',
        'business_message',
        'callback_query',
        'channel_post',
        'deleted_business_messages',
        'edited_business_message',
        'edited_channel_post',
        'edited_message',
        'message',
        'my_chat_member',
      ].sort(),
    );
    expect(
      ALLOWED_UPDATES.every((type) => (UPDATE_TYPES as readonly string[]).includes(type)),
    ).toBe(true);
  });
});

describe('isKnownUpdate', () => {
  it('accepts every real-shaped fixture, as the type it is', () => {
    for (const name of FIXTURES) {
      const update = fixture(name);
      expect(isKnownUpdate(update), name).toEqual({
        ok: true,
        type: updateType(update),
        subscribed: true,
      });
    }
    expect(isKnownUpdate(fixture('business-message'))).toMatchObject({ type: 'business_message' });
  });

  it('refuses what is not an update, saying why', () => {
    expect(isKnownUpdate(fixture('broken'))).toEqual({
      ok: false,
      reason: 'update_id is missing or not a whole number',
    });
    for (const body of [null, 'update', 42, [{ update_id: 1 }]])
      expect(isKnownUpdate(body)).toEqual({ ok: false, reason: 'the body is not a JSON object' });
    for (const id of ['904512301', 1.5, -1, Number.MAX_SAFE_INTEGER + 2, undefined])
      expect(isKnownUpdate({ update_id: id, message: {} }), String(id)).toMatchObject({
        ok: false,
      });
    expect(isKnownUpdate({ update_id: 1 })).toEqual({
      ok: false,
      reason: 'no update type of the Bot API holds an object (it has nothing else)',
    });
    expect(isKnownUpdate({ update_id: 1, message: 'hola', text: 'hola' })).toEqual({
      ok: false,
      reason: 'no update type of the Bot API holds an object (it has message, text)',
    });
    expect(isKnownUpdate({ update_id: 1, message: [] })).toMatchObject({ ok: false });
    expect(isKnownUpdate({ update_id: 1, made_up_update: { id: 1 } })).toMatchObject({ ok: false });
  });

  it('does not refuse an update of a subscribed type for a detail of its shape', () => {
    expect(isKnownUpdate({ update_id: 7, message: {} })).toEqual({
      ok: true,
      type: 'message',
      subscribed: true,
    });
    expect(isKnownUpdate({ update_id: 0, callback_query: { id: 5 }, extra: 1 })).toMatchObject({
      ok: true,
      type: 'callback_query',
    });
  });

  it('accepts a Bot API type the bot did not subscribe to, to be stored as ignored', () => {
    // Telegram: allowed_updates "doesn't affect updates created before the call".
    const reaction = { update_id: 9, message_reaction: { chat: { id: 1, type: 'private' } } };
    expect(isKnownUpdate(reaction)).toEqual({
      ok: true,
      type: 'message_reaction',
      subscribed: false,
    });
  });
});
