/**
 * The worker's side of a Telegram update: the message's files are fetched with getFile into the
 * blob store (up to the channel's size limit; larger ones are noted), then the pure normaliser
 * runs. A file Telegram refuses to hand out is noted too; a network failure retries the job.
 */
import { z } from 'zod';
import { MalformedInputError } from '../../core/errors.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import type { ExpandDeps } from '../normalisers.ts';
import { botClient, telegramSettings } from './config.ts';
import type { ExpandedUpdate, FetchedFile, TelegramFileKind } from './update.ts';

const raw = z.object({ kind: z.literal('telegram'), update: z.unknown(), receivedAt: z.string() });

interface FileRef {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_name?: string;
  mime_type?: string;
  emoji?: string;
}

const DEFAULT_TYPES: Record<TelegramFileKind, string> = {
  photo: 'image/jpeg',
  document: 'application/octet-stream',
  voice: 'audio/ogg',
  audio: 'audio/mpeg',
  video: 'video/mp4',
  video_note: 'video/mp4',
  animation: 'video/mp4',
  sticker: 'image/webp',
};

/** The files a message carries (for a photo, only its largest size). */
export function filesOf(update: unknown): { kind: TelegramFileKind; file: FileRef }[] {
  const u = update as Record<string, Record<string, unknown> | undefined>;
  const message = u.message ?? u.edited_message ?? u.channel_post ?? u.edited_channel_post;
  if (!message) return [];
  const found: { kind: TelegramFileKind; file: FileRef }[] = [];
  const photos = message.photo as FileRef[] | undefined;
  const largest = photos?.reduce((a, b) => ((b.file_size ?? 0) > (a.file_size ?? 0) ? b : a));
  if (largest) found.push({ kind: 'photo', file: largest });
  for (const kind of [
    'document',
    'voice',
    'audio',
    'video',
    'video_note',
    'animation',
    'sticker',
  ] as const) {
    const file = message[kind] as FileRef | undefined;
    if (file?.file_id) found.push({ kind, file });
  }
  return found;
}

export async function expandTelegram(
  stored: unknown,
  deps: ExpandDeps,
  channel: ChannelInfo,
): Promise<ExpandedUpdate> {
  const parsed = raw.safeParse(stored);
  if (!parsed.success) throw new MalformedInputError('the stored Telegram event is not valid');
  const settings = telegramSettings.safeParse(channel.settings);
  if (!settings.success)
    throw new MalformedInputError(`channel ${channel.id} has no valid bot settings`);
  const { update, receivedAt } = parsed.data;
  const wanted = filesOf(update);
  const files: FetchedFile[] = [];
  if (wanted.length) {
    if (!deps.credentials)
      throw new Error('the worker has no credentials to download Telegram files');
    const telegram = botClient(settings.data, deps.credentials);
    for (const { kind, file } of wanted) {
      const base: FetchedFile = {
        kind,
        fileId: file.file_id,
        fileUniqueId: file.file_unique_id,
        filename: file.file_name ?? `${kind}-${file.file_unique_id}`,
        contentType: file.mime_type ?? DEFAULT_TYPES[kind],
        size: file.file_size ?? 0,
        sha256: null,
      };
      if ((file.file_size ?? 0) > settings.data.maxFileBytes) {
        files.push({
          ...base,
          skipped: `larger than the ${settings.data.maxFileBytes / 1024 / 1024} MB limit`,
        });
        continue;
      }
      let link: URL;
      try {
        link = await telegram.getFileLink(file.file_id);
      } catch (error) {
        const code = (error as { response?: { error_code?: number } }).response?.error_code;
        if (code === 400) {
          files.push({
            ...base,
            skipped: `Telegram would not hand it out: ${(error as Error).message}`,
          });
          continue;
        }
        throw error;
      }
      // A stuck download must not hold a worker slot for ever: it fails and is retried.
      const response = await fetch(link, { signal: AbortSignal.timeout(60_000) });
      if (!response.ok)
        throw new Error(`downloading a Telegram file failed: HTTP ${response.status}`);
      const content = Buffer.from(await response.arrayBuffer());
      files.push({ ...base, size: content.length, sha256: await deps.blobs.putDurable(content) });
    }
  }
  return { update, receivedAt, files, allowGroups: settings.data.allowGroups };
}
