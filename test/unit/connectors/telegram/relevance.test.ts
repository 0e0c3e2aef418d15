import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { carriedMessage, whyIgnored } from '../../../../connectors/telegram/relevance.ts';
import { telegramUpdate } from '../../../../connectors/telegram/schema.ts';
import { fixture, type Json, normalise, patched, retyped } from './helpers.ts';

const FIXTURES = readdirSync(new URL('../../../fixtures/telegram/', import.meta.url))
  .map((file) => file.replace(/\.json$/, ''))
  .filter((name) => name !== 'broken');
const parse = (update: Json) => telegramUpdate.parse(update);

describe('whyIgnored', () => {
  it('is the reason the normaliser gives, for every fixture, with and without groups', () => {
    const reasons = new Set<string | undefined>();
    for (const name of FIXTURES) {
      for (const allowGroups of [false, true]) {
        const reason = whyIgnored(parse(fixture(name)), allowGroups);
        expect(normalise(fixture(name), { allowGroups }).automated?.reason, name).toBe(reason);
        reasons.add(reason);
      }
    }
    // The fixtures cover leads and several kinds of ignored update.
    expect(reasons.size).toBeGreaterThan(5);
  });

  it('ignores group posts, bots, service messages and live locations before anything is fetched', () => {
    const group = parse(fixture('group-message'));
    expect(whyIgnored(group, false)).toBe('group chat: this channel does not take group messages');
    expect(whyIgnored(group, true)).toBeUndefined();
    const photoInGroup = patched('group-message', 'message', {
      photo: (fixture('photo-caption').message as Json).photo,
    });
    expect(whyIgnored(parse(photoInGroup), false)).toMatch(/^group chat/);
    const pinned = patched('text', 'message', { pinned_message: { message_id: 1 } });
    expect(whyIgnored(parse(pinned), true)).toBe('service message: pinned_message');
    const bot = { id: 1, is_bot: true, first_name: 'Other Bot' };
    expect(whyIgnored(parse(patched('text', 'message', { from: bot })), true)).toBe(
      'sent by a bot',
    );
    expect(whyIgnored(parse(fixture('business-message-own')), true)).toBe(
      'written by the business account',
    );
    expect(whyIgnored(parse(fixture('callback-query')), false)).toBeUndefined();
  });
});

describe('carriedMessage', () => {
  it('finds the message of each of the six message-bearing update types', () => {
    const post = fixture('text').message as Json;
    const cases: [string, boolean, boolean][] = [
      ['message', false, false],
      ['channel_post', false, false],
      ['edited_message', true, false],
      ['edited_channel_post', true, false],
      ['business_message', false, true],
      ['edited_business_message', true, true],
    ];
    for (const [type, edited, business] of cases) {
      const carried = carriedMessage(
        parse(retyped({ update_id: 1, message: post }, 'message', type)),
      );
      expect(carried, type).toMatchObject({ edited, business, post: { message_id: 42 } });
    }
    for (const name of ['callback-query', 'my-chat-member-blocked', 'business-connection'])
      expect(carriedMessage(parse(fixture(name))), name).toBeUndefined();
  });
});
