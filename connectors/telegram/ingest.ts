/**
 * The worker's side of a Telegram update, before the pure normaliser: a button press is answered
 * so the customer's button stops spinning, and the files of a message that can be a lead are
 * fetched with getFile into the blob store (up to the channel's size limit; larger ones are
 * noted). A file Telegram refuses to hand out is noted too; a network failure retries the job.
 * An update that will be ignored (relevance.ts) downloads nothing.
 */
import type { Telegram } from 'telegraf';
import { readTelegramSettings } from './settings.ts';
import { z } from 'zod';
import type { ExpandDeps } from '../../core/channel.ts';
import { MalformedInputError } from '../../core/errors.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import { botClient, type TelegramSettings } from './config.ts';
import { fileNaming, fileRefs, type FileRef } from './files.ts';
import { carriedMessage, whyIgnored } from './relevance.ts';
import { telegramUpdate, type CallbackQuery } from './schema.ts';
import type { ExpandedUpdate, FetchedFile } from './update.ts';

const raw = z.object({ kind: z.literal('telegram'), update: z.unknown(), receivedAt: z.string() });

export async function expandTelegram(
  stored: unknown,
  deps: ExpandDeps,
  channel: ChannelInfo,
): Promise<ExpandedUpdate> {
  const parsed = raw.safeParse(stored);
  if (!parsed.success) throw new MalformedInputError('the stored Telegram event is not valid');
  const settings = readTelegramSettings(channel.settings);
  if (!settings) throw new MalformedInputError(`channel ${channel.id} has no valid bot settings`);
  const { update, receivedAt } = parsed.data;
  const { allowGroups, maxFileBytes } = settings;
  const expanded: ExpandedUpdate = { update, receivedAt, files: [], allowGroups };
  const read = telegramUpdate.safeParse(update);
  // A broken update is the normaliser's to refuse, saying what is wrong: nothing to do here.
  if (!read.success) return expanded;

  if (read.data.callback_query) await answerPress(read.data.callback_query, settings, deps);
  const carried = carriedMessage(read.data);
  const wanted = carried && !whyIgnored(read.data, allowGroups) ? fileRefs(carried.post) : [];
  if (!wanted.length) return expanded;
  const telegram = botClient(settings, deps.credentials);
  for (const ref of wanted)
    expanded.files.push(await fetchFile(telegram, ref, maxFileBytes, deps.blobs));
  return expanded;
}

/**
 * answerCallbackQuery, best effort: Telegram refuses a query it stopped waiting for ("query is
 * too old") or answered before (this job ran already), and the press is on the lead either way.
 */
async function answerPress(query: CallbackQuery, settings: TelegramSettings, deps: ExpandDeps) {
  try {
    await botClient(settings, deps.credentials).answerCbQuery(query.id);
  } catch (error) {
    deps.log.debug({ callbackQueryId: query.id, err: error }, 'callback query not answered');
  }
}

async function fetchFile(
  telegram: Telegram,
  ref: FileRef,
  maxBytes: number,
  blobs: BlobStore,
): Promise<FetchedFile> {
  // For a photo only the largest size is fetched.
  const main = ref.versions[0];
  const base: FetchedFile = {
    kind: ref.kind,
    fileId: main.file_id,
    fileUniqueId: main.file_unique_id,
    ...fileNaming(ref),
    size: main.file_size ?? 0,
    sha256: null,
  };
  if (base.size > maxBytes)
    return { ...base, skipped: `larger than the ${maxBytes / 1024 / 1024} MB limit` };
  let file: Awaited<ReturnType<Telegram['getFile']>>;
  try {
    file = await telegram.getFile(main.file_id);
  } catch (error) {
    const code = (error as { response?: { error_code?: number } }).response?.error_code;
    if (code !== 400) throw error;
    return { ...base, skipped: `Telegram would not hand it out: ${(error as Error).message}` };
  }
  if (!file.file_path) return { ...base, skipped: 'Telegram gave no file_path for it' };
  // file_path (`voice/file_3.oga`) tells the type when the message does not.
  const named: FetchedFile = { ...base, ...fileNaming(ref, file.file_path) };
  const link = await telegram.getFileLink(file);
  // A stuck download must not hold a worker slot for ever: it fails and is retried.
  const response = await fetch(link, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`downloading a Telegram file failed: HTTP ${response.status}`);
  const content = Buffer.from(await response.arrayBuffer());
  return { ...named, size: content.length, sha256: await blobs.putDurable(content) };
}
