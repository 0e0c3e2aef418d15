/**
 * The worker's Telegram step against the local Bot API server: button presses answered, files of
 * a lead message fetched and named from getFile's file_path, nothing fetched for ignored updates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeTelegramSettings } from '../../../../connectors/telegram/config.ts';
import { expandTelegram } from '../../../../connectors/telegram/ingest.ts';
import type { ChannelInfo } from '../../../../core/ports.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { FileBlobStore } from '../../../../db/files/blob-store.ts';
import { startBotApi, type BotApi } from '../../../helpers/telegram-api.ts';
import { fixture, type Json, patched } from './helpers.ts';

const key = 'e'.repeat(40);
const token = '7200000002:AAexpand-test-xxxxxxxxxxxxxxxxxxxxxx';
const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-tgexpand-'));
const blobs = new FileBlobStore(path.join(dir, 'blobs'));
const credentials = { secretsKey: key, readVariable: () => undefined };
const logged: Json[] = [];
const log = createLogger(
  'debug',
  'test',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString()) as Json);
      done();
    },
  }),
);
let botApi: BotApi;

beforeAll(async () => {
  botApi = await startBotApi();
  botApi.addBot(token);
});
afterAll(async () => {
  await botApi.close();
  rmSync(dir, { recursive: true, force: true });
});

function channel(allowGroups = false): ChannelInfo {
  const settings = storeTelegramSettings(
    {
      token: { value: token },
      mode: 'polling',
      allowGroups,
      maxFileMb: 20,
      apiRoot: botApi.apiRoot,
    },
    key,
    undefined,
  );
  return {
    id: 9,
    kind: 'telegram',
    defaultCountry: null,
    appendScope: 'any',
    ownIdentityKeys: [],
    settings,
  };
}

const expand = (update: Json, options: { allowGroups?: boolean; withCredentials?: boolean } = {}) =>
  expandTelegram(
    { kind: 'telegram', update, receivedAt: new Date().toISOString() },
    {
      blobs,
      maxAttachmentBytes: 1e9,
      log,
      // Without a way to open the bot token, any call to Telegram fails the expansion.
      credentials:
        options.withCredentials === false
          ? { secretsKey: undefined, readVariable: () => undefined }
          : credentials,
    },
    channel(options.allowGroups),
  );
const getFileCalls = () => botApi.calls(token, 'getFile').length;

/** Registers the file a message carries (a photo's largest size) with the Bot API server. */
function serve(update: Json, field: string, filePath: string): Buffer {
  const message = (update.message ?? update.business_message) as Json;
  const carried = message[field] as Json | Json[];
  const file = (Array.isArray(carried) ? carried.at(-1) : carried) as Json;
  const content = Buffer.from(`${field} ${filePath} ${Math.random()}`);
  botApi.addFile(String(file.file_id), content, {
    fileUniqueId: String(file.file_unique_id),
    path: filePath,
  });
  return content;
}

describe('expandTelegram: button presses', () => {
  it('answers the press so the button stops spinning, and fetches nothing', async () => {
    const update = fixture('callback-query');
    const before = getFileCalls();
    const expanded = await expand(update);
    expect(expanded.files).toEqual([]);
    expect(botApi.calls(token, 'answerCallbackQuery').at(-1)).toMatchObject({
      callback_query_id: '477261958103944377',
    });
    expect(getFileCalls()).toBe(before);
  });

  it('goes on when Telegram refuses the answer (answered before, too old), logging it at debug', async () => {
    const update = patched('callback-query', 'callback_query', { id: '477261958103944400' });
    await expand(update);
    logged.length = 0;
    // The job runs again: Telegram refuses a second answer.
    const again = await expand(update);
    expect(again.update).toEqual(update);
    expect(logged).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'callback query not answered',
        callbackQueryId: '477261958103944400',
      }),
    ]);
    expect(JSON.stringify(logged)).toContain('query is too old');
    expect(JSON.stringify(logged)).not.toContain(token.split(':')[1]);

    botApi.failNext(token, 'answerCallbackQuery', { error_code: 500, description: 'Internal' });
    const other = patched('callback-query', 'callback_query', { id: '477261958103944401' });
    await expect(expand(other)).resolves.toMatchObject({ files: [] });
    // Without credentials there is no bot to answer with; the press is still kept.
    await expect(expand(other, { withCredentials: false })).resolves.toMatchObject({ files: [] });
  });
});

describe('expandTelegram: files', () => {
  it('names each file from the file_path getFile gives and the message type', async () => {
    const voice = fixture('voice');
    const content = serve(voice, 'voice', 'voice/file_3.oga');
    expect((await expand(voice)).files).toEqual([
      expect.objectContaining({
        kind: 'voice',
        filename: 'voice-AgADrBkAAkvKSFA.ogg',
        contentType: 'audio/ogg',
        size: content.length,
      }),
    ]);

    const photo = fixture('photo-caption');
    serve(photo, 'photo', 'photos/file_12.jpg');
    expect((await expand(photo)).files).toEqual([
      expect.objectContaining({
        filename: 'photo-AQADvsMxG28rSFJ9.jpg',
        contentType: 'image/jpeg',
      }),
    ]);

    const sticker = fixture('sticker');
    const tgs = { ...((sticker.message as Json).sticker as Json), is_animated: true };
    const animated = patched('sticker', 'message', { sticker: tgs });
    serve(animated, 'sticker', 'stickers/file_5.tgs');
    expect((await expand(animated)).files).toEqual([
      expect.objectContaining({
        filename: 'sticker-AgADBQADwDZPEw.tgs',
        contentType: 'application/x-tgsticker',
      }),
    ]);

    // A document sent without a name or type: its file_path says what it is.
    const bare = {
      file_id: 'BQACAgQAAxkBAAIBOGdGrm2',
      file_unique_id: 'AgADbare1',
      file_size: 40,
    };
    const unnamed = patched('document', 'message', { document: bare });
    const pdf = serve(unnamed, 'document', 'documents/file_7.pdf');
    const [stored] = (await expand(unnamed)).files;
    expect(stored).toMatchObject({
      filename: 'document-AgADbare1.pdf',
      contentType: 'application/pdf',
    });
    expect((await blobs.readAll(stored?.sha256 ?? '')).equals(pdf)).toBe(true);
  });

  it('fetches a GIF once, although it also arrives as a document', async () => {
    const gif = {
      file_id: 'CgACAgQAAxkBAAIBMWdGgif',
      file_unique_id: 'AgADgif2',
      file_name: 'dancing.mp4',
      mime_type: 'video/mp4',
      file_size: 30,
    };
    const update = patched('document', 'message', { animation: gif, document: gif });
    serve(update, 'animation', 'animations/file_1.mp4');
    const before = getFileCalls();
    const { files } = await expand(update);
    expect(files.map((file) => [file.kind, file.filename])).toEqual([['animation', 'dancing.mp4']]);
    expect(getFileCalls()).toBe(before + 1);
  });

  it('fetches the photo of every part of an album', async () => {
    for (const name of ['album-1', 'album-2']) {
      const part = fixture(name);
      serve(part, 'photo', `photos/file_${name}.jpg`);
      expect((await expand(part)).files, name).toEqual([
        expect.objectContaining({ kind: 'photo', sha256: expect.any(String) }),
      ]);
    }
  });
});

describe('expandTelegram: updates that will be ignored fetch nothing', () => {
  it('skips the files of group posts, bots and the business account’s own messages', async () => {
    const photo = (fixture('photo-caption').message as Json).photo;
    const group = patched('group-message', 'message', { photo, text: undefined });
    serve(group, 'photo', 'photos/file_20.jpg');
    const bot = { id: 7012345678, is_bot: true, first_name: 'Other Bot', username: 'other_bot' };
    const byBot = patched('photo-caption', 'message', { from: bot });
    const own = fixture('business-message-own');
    serve(own, 'document', 'documents/file_21.pdf');
    const before = getFileCalls();
    for (const update of [group, byBot, own]) expect((await expand(update)).files).toEqual([]);
    // Even without credentials: nothing is fetched, so nothing fails.
    expect((await expand(own, { withCredentials: false })).files).toEqual([]);
    expect(getFileCalls()).toBe(before);
    // Where the channel takes groups, the same post's photo is fetched.
    expect((await expand(group, { allowGroups: true })).files).toHaveLength(1);
    expect(getFileCalls()).toBe(before + 1);
  });

  it('leaves an update it cannot read to the normaliser, fetching nothing', async () => {
    const broken = patched('photo-caption', 'message', { chat: undefined });
    const before = getFileCalls();
    await expect(expand(broken)).resolves.toMatchObject({ files: [], update: broken });
    expect(getFileCalls()).toBe(before);
  });
});
