/**
 * The worker's side of a WhatsApp message: its file (image, voice note, video, document, sticker)
 * is fetched through the Graph API into the blob store — the media id gives a short-lived URL,
 * downloaded with the same bearer token — up to the channel's size limit. A file WhatsApp will
 * not hand out (400/404) is noted; a network failure or a 5xx is thrown, so the job retries.
 */
import type { ExpandDeps } from '../../core/channel.ts';
import type { ChannelInfo } from '../../core/ports.ts';
import { accessToken, readSettings, type WhatsAppSettings } from './config.ts';
import { describeError } from './errors.ts';
import { GraphClient, GraphError } from './graph.ts';
import { contentTypeOf, filenameOf, mediaOf, type MediaKind } from './media.ts';
import type { ExpandedWhatsApp, FetchedMedia, WhatsAppRaw } from './raw.ts';
import { message as messageSchema, type Media } from './schema.ts';

const DOWNLOAD_TIMEOUT_MS = 60_000;
const MB = 1024 * 1024;

/** What Graph says of a media id. */
interface MediaInfo {
  url?: string;
  mime_type?: string;
  sha256?: string;
  file_size?: number | string;
}

export async function expandWhatsApp(
  raw: unknown,
  deps: ExpandDeps,
  channel: ChannelInfo,
): Promise<unknown> {
  const event = raw as Partial<WhatsAppRaw> | null;
  // Anything that is not a media message goes to the normaliser as it is (it judges the shape).
  const parsed = messageSchema.safeParse(event?.message);
  const file = parsed.success ? mediaOf(parsed.data) : undefined;
  if (!event || !file) return raw;
  const media = await fetchMedia(file.kind, file.media, deps, channel);
  const expanded: ExpandedWhatsApp = { ...(event as WhatsAppRaw), media };
  return expanded;
}

async function fetchMedia(
  kind: MediaKind,
  media: Media,
  deps: ExpandDeps,
  channel: ChannelInfo,
): Promise<FetchedMedia> {
  const settings = readSettings(channel.settings);
  const contentType = contentTypeOf(kind, media);
  const note = (skipped: string, type = contentType, size = 0): FetchedMedia => {
    deps.log.warn({ channel: channel.id, mediaId: media.id, skipped }, 'WhatsApp file not kept');
    return {
      mediaId: media.id,
      filename: filenameOf(kind, media, type),
      contentType: type,
      size,
      sha256: null,
      skipped,
    };
  };
  if (!settings) return note(`channel ${channel.id} has no valid WhatsApp settings`);
  const graph = new GraphClient(settings, accessToken(settings, deps.credentials));
  const refused = (error: unknown) =>
    error instanceof GraphError && (error.status === 400 || error.status === 404)
      ? `WhatsApp would not hand it out: ${describeError(error.body)}`
      : undefined;

  let info: MediaInfo;
  try {
    info = await graph.call<MediaInfo>(encodeURIComponent(media.id), {
      query: { phone_number_id: settings.phoneNumberId },
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
    });
  } catch (error) {
    const why = refused(error);
    if (why) return note(why);
    throw error;
  }
  const type = contentTypeOf(kind, media, info.mime_type);
  const declared = Number(info.file_size) || 0;
  const limit = limitOf(settings, deps);
  if (declared > limit) return note(`larger than the ${megabytes(limit)} MB limit`, type, declared);
  if (!info.url) return note('WhatsApp gave no download URL for it', type, declared);

  let content: Buffer | undefined;
  let size: number;
  try {
    ({ content, size } = await graph.download(info.url, DOWNLOAD_TIMEOUT_MS, limit));
  } catch (error) {
    const why = refused(error);
    if (why) return note(why, type, declared);
    throw error;
  }
  // Read no further than the limit: a file Graph did not give a size for is cut off there.
  if (!content) return note(`larger than the ${megabytes(limit)} MB limit`, type, size);
  return {
    mediaId: media.id,
    filename: filenameOf(kind, media, type),
    contentType: type,
    size: content.length,
    sha256: await deps.blobs.putDurable(content),
  };
}

const limitOf = (settings: WhatsAppSettings, deps: ExpandDeps) =>
  Math.min(settings.maxFileBytes, deps.maxAttachmentBytes);

const megabytes = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
