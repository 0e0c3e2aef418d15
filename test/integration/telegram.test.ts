/**
 * A Telegram bot in webhook mode against the local Bot API server: every fixture delivered to the
 * real webhook and its outcome, blocking and unblocking, and redelivery.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import {
  connectBot,
  fixture,
  inboxOf,
  processedUpdate,
  type BotChannel,
  type Update,
} from '../helpers/telegram.ts';
import { api, startSystem, waitFor, type TestSystem } from '../helpers/system.ts';

let botApi: BotApi;
let system: TestSystem;
let bot: BotChannel;

beforeAll(async () => {
  botApi = await startBotApi({ webhookRetryMs: 200 });
  system = await startSystem({ label: 'telegram', env: { SECRETS_KEY: 't'.repeat(40) } });
  await system.startInProcessWorker();
  bot = await connectBot(system, botApi, { mode: 'webhook' });
}, 120_000);

afterAll(async () => {
  await botApi?.close();
  await system?.close();
});

const lead = async (id: number | null) => (await api(system)('GET', `/api/v1/leads/${id}`)).body;
const channel = async (id: number) => (await api(system)('GET', `/api/v1/channels/${id}`)).body;
const reply = (leadId: number | null, text: string) =>
  api(system)('POST', `/api/v1/leads/${leadId}/messages`, { text });

/** Telegram delivers the update to the webhook; the worker finishes its inbox row. */
async function deliver(update: Update) {
  expect(botApi.pushUpdate(bot.token, update)).toBeDefined();
  return processedUpdate(system, bot.id, update.update_id);
}

/** Every update Telegram holds for the bot has been delivered (answered 2xx). */
async function delivered(channelId: number) {
  await waitFor('the webhook to take every pending update', async () => {
    const info = (await channel(channelId)).webhookInfo;
    return info?.pendingUpdates === 0;
  });
}

interface Attachment {
  id: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string | null;
  skipped: string | null;
}

function blockOf(identityKey: string) {
  return system.store.channels.blockOf(bot.id, identityKey);
}

describe('a bot in webhook mode', () => {
  it('turns each fixture delivered to the webhook into its outcome', async () => {
    // The files the messages carry (for a photo, its largest size), as the Bot API hands them out.
    type Expected = Pick<Attachment, 'filename' | 'contentType'>;
    const files = new Map<string, Expected & { content: Buffer }>();
    const register = (name: string, key: string, expected: Expected) => {
      const carried = (fixture(name).message as Record<string, unknown>)[key];
      const file = (Array.isArray(carried) ? carried.at(-1) : carried) as Record<string, string>;
      const content = randomBytes(2000 + files.size);
      botApi.addFile(String(file.file_id), content, {
        fileUniqueId: String(file.file_unique_id),
        path: `${key}s/file_${files.size}`,
      });
      files.set(name, { ...expected, content });
    };
    register('photo-caption', 'photo', {
      filename: 'photo-AQADvsMxG28rSFJ9.jpg',
      contentType: 'image/jpeg',
    });
    register('document', 'document', {
      filename: 'quote-request.pdf',
      contentType: 'application/pdf',
    });
    register('voice', 'voice', { filename: 'voice-AgADrBkAAkvKSFA.ogg', contentType: 'audio/ogg' });
    register('video', 'video', { filename: 'IMG_2041.MP4', contentType: 'video/mp4' });
    register('sticker', 'sticker', {
      filename: 'sticker-AgADBQADwDZPEw.webp',
      contentType: 'image/webp',
    });

    const start = await deliver(fixture('start-payload'));
    expect(start.outcome).toBe('created_simple');
    const ana = start.lead_id;
    expect(await lead(ana)).toMatchObject({
      fields: { sourceDetail: 'campaign_autumn' },
      name: 'Ana Pérez',
      source: 'TELEGRAM',
    });
    for (const name of ['text', 'photo-caption', 'edited-message', 'reply', 'voice']) {
      expect(await deliver(fixture(name)), name).toMatchObject({
        outcome: 'appended',
        lead_id: ana,
      });
    }
    const own = await deliver(fixture('contact-own'));
    expect(own).toMatchObject({ outcome: 'appended', lead_id: ana });
    expect(await deliver(fixture('location'))).toMatchObject({ outcome: 'appended', lead_id: ana });

    const document = await deliver(fixture('document'));
    expect(document.outcome).toBe('created_simple');
    const bob = document.lead_id;
    expect(bob).not.toBe(ana);
    for (const name of ['video', 'sticker', 'contact-other']) {
      expect(await deliver(fixture(name)), name).toMatchObject({
        outcome: 'appended',
        lead_id: bob,
      });
    }

    const anaLead = await lead(ana);
    const texts = anaLead.messages.map((m: { text: string }) => m.text);
    // The edit keeps both versions, in the order they were written.
    expect(texts).toEqual([
      '/start campaign_autumn',
      'Hola, ¿tenéis la chaqueta Nord en talla M?',
      'Esta es la que vi en la tienda',
      '(edited) Hola, ¿tenéis la chaqueta Nord en talla M y en azul?',
      'Si no, en negro también me vale',
      'Shared contact: Ana Pérez 34600123456',
      'Location: 40.416775, -3.70379',
      '[voice message 0:07]',
    ]);
    // Her own number is an identity of hers; a contact someone else shares is not Bob's.
    expect(anaLead.identities.map((i: { key: string }) => i.key).sort()).toEqual([
      'phone:+34600123456',
      'telegram:111111111',
    ]);
    const bobLead = await lead(bob);
    expect(bobLead.identities.map((i: { key: string }) => i.key)).toEqual(['telegram:222222222']);
    expect(bobLead.messages.at(-1)).toMatchObject({
      text: 'Shared contact: Carlos Ruiz +34 611 22 33 44',
      meta: { contact: { own: false, userId: 333333333 } },
    });

    // Every file was fetched with getFile into the blob store, byte for byte.
    const attachments: Attachment[] = [...anaLead.messages, ...bobLead.messages].flatMap(
      (m: { attachments: Attachment[] }) => m.attachments,
    );
    expect(attachments).toHaveLength(files.size);
    for (const [name, { content, ...expected }] of files) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      const stored = attachments.find((a) => a.sha256 === sha256);
      expect(stored, name).toMatchObject({ ...expected, size: content.length, skipped: null });
      const download = await fetch(`${system.baseUrl}/api/v1/attachments/${stored?.id}`, {
        headers: { authorization: `Bearer ${system.apiKey}` },
      });
      expect(Buffer.from(await download.arrayBuffer()).equals(content), name).toBe(true);
    }
  });

  it('ignores group and channel posts, and stores an unsupported update', async () => {
    for (const name of ['group-message', 'channel-post']) {
      expect(await deliver(fixture(name)), name).toMatchObject({
        status: 'ignored',
        outcome: 'ignored',
        reason: 'group chat: this channel does not take group messages',
        lead_id: null,
      });
    }
    // A button press is subscribed to: it goes on the presser's lead, and is answered.
    const callback = fixture('callback-query');
    const pressed = await deliver(callback);
    expect(pressed).toMatchObject({ status: 'done', outcome: 'appended' });
    expect((await lead(pressed.lead_id)).messages.at(-1)).toMatchObject({
      text: 'pressed: Llamadme',
    });
    expect(botApi.calls(bot.token, 'answerCallbackQuery')).toEqual([
      expect.objectContaining({ callback_query_id: '477261958103944377' }),
    ]);
  });

  it('stops replies to a customer who blocked the bot, and allows them once unblocked', async () => {
    const ana = (await inboxOf(system, bot.id))[0]?.lead_id ?? null;
    expect(await deliver(fixture('my-chat-member-blocked'))).toMatchObject({
      status: 'ignored',
      reason: 'the user blocked the bot',
    });
    expect(await blockOf('telegram:111111111')).toBeDefined();
    const refused = await reply(ana, 'Hola Ana, ¿seguimos?');
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('unreachable');

    expect(await deliver(fixture('my-chat-member-unblocked'))).toMatchObject({
      status: 'ignored',
      reason: 'the user unblocked the bot',
    });
    expect(await blockOf('telegram:111111111')).toBeUndefined();
    const accepted = await reply(ana, 'Hola Ana, ¿seguimos?');
    expect(accepted.status).toBe(202);
    await waitFor('the reply to reach Telegram', () => botApi.sent(bot.token).length === 1);
    expect(botApi.sent(bot.token)[0]).toMatchObject({
      chat_id: 111111111,
      text: 'Hola Ana, ¿seguimos?',
    });
  });

  it('makes a redelivered update and a re-sent message no-ops', async () => {
    const text = fixture('text');
    const before = (await inboxOf(system, bot.id)).length;
    const ana = (await inboxOf(system, bot.id)).find((r) => r.external_id === `u${text.update_id}`);
    const messagesBefore = (await lead(ana?.lead_id ?? null)).messages.length;

    // Telegram delivers the same update again (it did not see our 200).
    botApi.pushUpdate(bot.token, text);
    await delivered(bot.id);
    expect(await inboxOf(system, bot.id)).toHaveLength(before);

    // The same message under a new update id: a row, but no second message.
    expect(await deliver({ ...text, update_id: text.update_id + 1000 })).toMatchObject({
      status: 'done',
      outcome: 'duplicate',
      lead_id: ana?.lead_id,
    });
    expect((await lead(ana?.lead_id ?? null)).messages).toHaveLength(messagesBefore);
  });
});
