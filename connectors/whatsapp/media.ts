/** A message's file: which kind it is, how it is named and shown, and its attachment record. */
import type { AttachmentRef } from '../../core/inbound.ts';
import type { FetchedMedia } from './raw.ts';
import type { Media, Message } from './schema.ts';

export const MEDIA_KINDS = ['image', 'audio', 'video', 'document', 'sticker'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const DEFAULT_TYPES: Record<MediaKind, string> = {
  image: 'image/jpeg',
  audio: 'audio/ogg',
  video: 'video/mp4',
  document: 'application/octet-stream',
  sticker: 'image/webp',
};

// The types WhatsApp's Cloud API accepts, and a few common document types.
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'audio/ogg': '.ogg',
  'audio/opus': '.opus',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'audio/amr': '.amr',
  'video/mp4': '.mp4',
  'video/3gpp': '.3gp',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/csv': '.csv',
  'application/zip': '.zip',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.ms-powerpoint': '.ppt',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
};

/** The message's file, if it carries one. */
export function mediaOf(message: Message): { kind: MediaKind; media: Media } | undefined {
  for (const kind of MEDIA_KINDS) {
    const media = message[kind];
    if (media) return { kind, media };
  }
  return undefined;
}

/** `audio/ogg; codecs=opus` → `audio/ogg`. */
export const baseType = (mime: string | undefined) =>
  mime?.split(';')[0]?.trim().toLowerCase() || undefined;

export function contentTypeOf(kind: MediaKind, media: Media, reported?: string): string {
  return baseType(reported) ?? baseType(media.mime_type) ?? DEFAULT_TYPES[kind];
}

/** Documents keep the name they were sent with; other files are named by kind and media id. */
export function filenameOf(kind: MediaKind, media: Media, contentType: string): string {
  const name = media.filename?.trim().replace(/[/\\]/g, '_');
  if (name) return name;
  const label = kind === 'audio' && media.voice ? 'voice' : kind;
  const ext = EXTENSIONS[contentType] ?? '';
  return `${label}-${media.id.replace(/[^\w-]/g, '').slice(-24)}${ext}`;
}

/** `[image]`, `[voice message]`, `[document offer.pdf]`, `[animated sticker]`… */
export function describeMedia(kind: MediaKind, media: Media): string {
  const label =
    kind === 'audio'
      ? media.voice
        ? 'voice message'
        : 'audio'
      : kind === 'sticker' && media.animated
        ? 'animated sticker'
        : kind;
  const name = kind === 'document' ? media.filename : undefined;
  return `[${[label, name].filter(Boolean).join(' ')}]`;
}

/** The fetched copy, else a note that the worker has not fetched it. */
export function attachmentOf(
  kind: MediaKind,
  media: Media,
  fetched: FetchedMedia | undefined,
): AttachmentRef {
  if (fetched && fetched.mediaId === media.id) {
    const { filename, contentType, size, sha256, skipped } = fetched;
    return { filename, contentType, size, sha256, ...(skipped ? { skipped } : {}) };
  }
  const contentType = contentTypeOf(kind, media);
  return {
    filename: filenameOf(kind, media, contentType),
    contentType,
    size: 0,
    sha256: null,
    skipped: 'not fetched',
  };
}
