/** The worker's WhatsApp step: a message's file fetched through Graph into the blob store, or noted. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExpandDeps } from '../../../../core/channel.ts';
import type { ChannelInfo } from '../../../../core/ports.ts';
import { createLogger } from '../../../../core/runtime/logger.ts';
import { FileBlobStore } from '../../../../db/files/blob-store.ts';
import { expandWhatsApp } from '../../../../connectors/whatsapp/ingest.ts';
import { normaliseWhatsApp } from '../../../../connectors/whatsapp/normalise.ts';
import type { ExpandedWhatsApp } from '../../../../connectors/whatsapp/raw.ts';
import { whatsappSettingsSupport } from '../../../../connectors/whatsapp/settings.ts';
import { startFakeGraph, type FakeGraph } from '../../../helpers/whatsapp-graph.ts';
import { PHONE_NUMBER_ID, storedEvent } from './fixtures.ts';

const KEY = 'i'.repeat(40);
const TOKEN = 'EAAGingest-test-access-token-0123456';
const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-wamedia-'));
const blobs = new FileBlobStore(path.join(dir, 'blobs'));
const deps: ExpandDeps = {
  blobs,
  maxAttachmentBytes: 1e9,
  credentials: { secretsKey: KEY, readVariable: () => undefined },
  log: createLogger('silent'),
};
let graph: FakeGraph;

beforeAll(async () => {
  graph = await startFakeGraph();
  graph.addNumber({ phoneNumberId: PHONE_NUMBER_ID, token: TOKEN });
});
afterAll(async () => {
  await graph?.close();
  rmSync(dir, { recursive: true, force: true });
});

function channel(maxFileMb = 16, apiRoot = graph.apiRoot): ChannelInfo {
  const prepared = whatsappSettingsSupport.prepare(
    {
      phoneNumberId: PHONE_NUMBER_ID,
      accessToken: { value: TOKEN },
      appSecret: { value: 'secret' },
      verifyToken: 'verify-me-please',
      apiRoot,
      maxFileMb,
    },
    { secretsKey: KEY, now: new Date(), previous: undefined },
  );
  if (!prepared.ok) throw new Error('settings refused');
  return {
    id: 11,
    kind: 'whatsapp',
    defaultCountry: null,
    appendScope: 'any',
    ownIdentityKeys: [],
    settings: prepared.config,
  };
}

const expand = async (name: string, info = channel()) =>
  (await expandWhatsApp(storedEvent(name).raw, deps, info)) as ExpandedWhatsApp;
const mediaRequests = (id: string) => graph.requests().filter((r) => r.path.endsWith(`/${id}`));

it('downloads a document with the bearer token into the blob store, keeping its name', async () => {
  const content = Buffer.from('%PDF-1.7 presupuesto');
  graph.addMedia('1376223850470843', content, { mimeType: 'application/pdf' });
  const expanded = await expand('document');
  expect(expanded.media).toEqual({
    mediaId: '1376223850470843',
    filename: 'presupuesto-obra.pdf',
    contentType: 'application/pdf',
    size: content.length,
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
  });
  expect((await blobs.readAll(expanded.media?.sha256 ?? '')).equals(content)).toBe(true);
  // Both the look-up and the download carried the right token.
  expect(
    graph
      .requests()
      .slice(-2)
      .map((r) => r.authorized),
  ).toEqual([true, true]);
  const message = normaliseWhatsApp(expanded, { externalId: 'x', defaultCountry: 'ES' });
  expect(message.attachments).toEqual([
    {
      filename: 'presupuesto-obra.pdf',
      contentType: 'application/pdf',
      size: content.length,
      sha256: expanded.media?.sha256,
    },
  ]);
});

it('names a voice note by its type, without the codec', async () => {
  graph.addMedia('1003383421387256', Buffer.from('OggS voice'), {
    mimeType: 'audio/ogg; codecs=opus',
  });
  expect((await expand('audio-voice')).media).toMatchObject({
    filename: 'voice-1003383421387256.ogg',
    contentType: 'audio/ogg',
    size: 10,
  });
});

it('notes a file over the limit without downloading it', async () => {
  graph.addMedia('1166846181421424', Buffer.from('tiny'), {
    mimeType: 'video/mp4',
    fileSize: 3 * 1024 * 1024,
  });
  const downloads = () => graph.requests().filter((r) => r.path.includes('attachments')).length;
  const [lookUps, fetched] = [mediaRequests('1166846181421424').length, downloads()];
  const expanded = await expand('video', channel(1));
  expect(expanded.media).toMatchObject({
    sha256: null,
    size: 3 * 1024 * 1024,
    skipped: 'larger than the 1 MB limit',
  });
  // The look-up, not the download.
  expect(graph.requests().filter((r) => r.path.endsWith('/1166846181421424')).length).toBe(
    lookUps + 1,
  );
  expect(downloads()).toBe(fetched);
});

it('stops reading a file Graph gave no size for once it passes the limit', async () => {
  graph.addMedia('1166846181421424', Buffer.alloc(3 * 1024 * 1024, 7), {
    mimeType: 'video/mp4',
    fileSize: 0,
  });
  const expanded = await expand('video', channel(1));
  expect(expanded.media).toMatchObject({ sha256: null, skipped: 'larger than the 1 MB limit' });
  // Cut off just past the limit, not read to its end.
  expect(expanded.media?.size).toBeGreaterThan(1024 * 1024);
  expect(expanded.media?.size).toBeLessThan(3 * 1024 * 1024);
});

it('notes a file WhatsApp will not hand out, and keeps the message', async () => {
  const expanded = await expand('sticker');
  expect(expanded.media).toMatchObject({
    sha256: null,
    skipped: expect.stringMatching(/^WhatsApp would not hand it out: .*does not exist.*\(100\)$/),
  });
  expect(normaliseWhatsApp(expanded, { externalId: 'x', defaultCountry: 'ES' }).text).toBe(
    '[sticker]',
  );
});

it('throws on a 5xx or an unreachable Graph, so the job retries', async () => {
  graph.addMedia('1184536520197765', Buffer.from('jpeg'), { mimeType: 'image/jpeg' });
  graph.failNext(
    { status: 500, error: { message: 'An unknown error occurred', code: 1 } },
    1,
    'media',
  );
  await expect(expand('image')).rejects.toThrow(/HTTP 500/);
  await expect(expand('image', channel(16, 'http://127.0.0.1:1'))).rejects.toThrow(
    /cannot be reached/,
  );
  // And the next try works.
  expect((await expand('image')).media?.sha256).toMatch(/^[0-9a-f]{64}$/);
});

it('leaves messages without a file and statuses as they are', async () => {
  const text = storedEvent('text').raw;
  expect(await expandWhatsApp(text, deps, channel())).toBe(text);
  const status = storedEvent('status-read').raw;
  expect(await expandWhatsApp(status, deps, channel())).toBe(status);
});
