/** The worker's Telegram step: files fetched with getFile into the blob store, or noted. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storeTelegramSettings } from '../../connectors/telegram/config.ts';
import { expandTelegram } from '../../connectors/telegram/ingest.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import { createLogger } from '../../core/runtime/logger.ts';
import { FileBlobStore } from '../../db/files/blob-store.ts';
import { startBotApi, type BotApi } from '../helpers/telegram-api.ts';
import { fixture } from '../helpers/telegram.ts';

const key = 'f'.repeat(40);
const token = '7200000001:AAfiles-test-xxxxxxxxxxxxxxxxxxxxxxxx';
const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-tgfiles-'));
const blobs = new FileBlobStore(path.join(dir, 'blobs'));
const credentials = { secretsKey: key, readVariable: () => undefined };
let botApi: BotApi;

beforeAll(async () => {
  botApi = await startBotApi();
  botApi.addBot(token);
});
afterAll(async () => {
  await botApi.close();
  rmSync(dir, { recursive: true, force: true });
});

function channel(maxFileMb: number): ChannelInfo {
  const settings = storeTelegramSettings(
    {
      token: { value: token },
      mode: 'polling',
      allowGroups: false,
      maxFileMb,
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

const documentUpdate = () => {
  const update = fixture('document');
  const document = (
    update.message as { document: { file_id: string; file_unique_id: string; file_size: number } }
  ).document;
  return { update, document };
};

it('fetches a file under the limit into the blob store', async () => {
  const { update, document } = documentUpdate();
  const content = Buffer.from('%PDF-1.7 quote request');
  botApi.addFile(document.file_id, content, { fileUniqueId: document.file_unique_id });
  const raw = { kind: 'telegram', update, receivedAt: new Date().toISOString() };
  const expanded = await expandTelegram(
    raw,
    { blobs, maxAttachmentBytes: 1e9, credentials, log: createLogger('silent') },
    channel(20),
  );
  expect(expanded.files).toEqual([
    expect.objectContaining({
      kind: 'document',
      filename: 'quote-request.pdf',
      contentType: 'application/pdf',
      size: content.length,
    }),
  ]);
  const sha = expanded.files[0]?.sha256 ?? '';
  expect((await blobs.readAll(sha)).equals(content)).toBe(true);
});

it('notes a file over the channel limit without downloading it, and one Telegram will not hand out', async () => {
  const { update, document } = documentUpdate();
  const big = {
    ...update,
    message: {
      ...(update.message as object),
      document: { ...document, file_size: 3 * 1024 * 1024 },
    },
  };
  const raw = { kind: 'telegram', update: big, receivedAt: new Date().toISOString() };
  const before = botApi.calls(token, 'getFile').length;
  const expanded = await expandTelegram(
    raw,
    { blobs, maxAttachmentBytes: 1e9, credentials, log: createLogger('silent') },
    channel(1),
  );
  expect(expanded.files[0]).toMatchObject({ sha256: null, skipped: 'larger than the 1 MB limit' });
  expect(botApi.calls(token, 'getFile')).toHaveLength(before);

  const unknown = {
    ...update,
    message: { ...(update.message as object), document: { ...document, file_id: 'nope' } },
  };
  const refused = await expandTelegram(
    { kind: 'telegram', update: unknown, receivedAt: new Date().toISOString() },
    { blobs, maxAttachmentBytes: 1e9, credentials, log: createLogger('silent') },
    channel(20),
  );
  expect(refused.files[0]).toMatchObject({
    sha256: null,
    skipped: expect.stringContaining('invalid file_id'),
  });
});
