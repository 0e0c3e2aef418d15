/** A message's files: which it carries, how each shows as an attachment and in the text. */
import { posix } from 'node:path';
import type { AttachmentRef } from '../../core/inbound.ts';
import type { Post, TelegramFile } from './schema.ts';
import type { FetchedFile, TelegramFileKind } from './update.ts';

/** One file of a message, with its versions (photo sizes) largest first. */
export interface FileRef {
  kind: TelegramFileKind;
  versions: [TelegramFile, ...TelegramFile[]];
}

// Label, and the type Telegram stores the kind as when the update names none. The order matters:
// an animation also arrives as `document` (for old clients), so it comes first and wins.
const FILE_KINDS: Record<TelegramFileKind, [label: string, contentType: string, ext: string]> = {
  photo: ['photo', 'image/jpeg', '.jpg'],
  animation: ['GIF', 'video/mp4', '.mp4'],
  document: ['document', 'application/octet-stream', ''],
  video: ['video', 'video/mp4', '.mp4'],
  video_note: ['video message', 'video/mp4', '.mp4'],
  voice: ['voice message', 'audio/ogg', '.ogg'],
  audio: ['audio', 'audio/mpeg', '.mp3'],
  sticker: ['sticker', 'image/webp', '.webp'],
};

export function fileRefs(post: Post): FileRef[] {
  const refs: FileRef[] = [];
  for (const kind of Object.keys(FILE_KINDS) as TelegramFileKind[]) {
    if (kind === 'photo') {
      const [largest, ...rest] = [...(post.photo ?? [])].sort((a, b) => area(b) - area(a));
      if (largest) refs.push({ kind, versions: [largest, ...rest] });
    } else if (kind === 'document' && post.animation) {
      continue;
    } else {
      const item = post[kind];
      if (item) refs.push({ kind, versions: [item] });
    }
  }
  return refs;
}

function area(size: TelegramFile): number {
  return (size.width ?? 0) * (size.height ?? 0) || (size.file_size ?? 0);
}

/** The fetched copy of a file (of any of its versions), else a note that it was not fetched. */
export function attachment(ref: FileRef, fetched: FetchedFile[]): AttachmentRef {
  for (const version of ref.versions) {
    const copy = fetched.find(
      (item) => item.fileUniqueId === version.file_unique_id || item.fileId === version.file_id,
    );
    if (copy) {
      const { filename, contentType, size, sha256, skipped } = copy;
      return { filename, contentType, size, sha256, ...(skipped ? { skipped } : {}) };
    }
  }
  const main = ref.versions[0];
  return { ...fileNaming(ref), size: main.file_size ?? 0, sha256: null, skipped: 'not fetched' };
}

// The type a file has when its message names none, by the extension Telegram's file_path has.
const TYPE_OF_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  tgs: 'application/x-tgsticker',
  pdf: 'application/pdf',
  txt: 'text/plain',
  zip: 'application/zip',
};
// The extension a made-up name gets for a type. Telegram stores voice notes as `.oga`; players
// and operating systems know Ogg as `.ogg`.
const EXTENSION_OF_TYPE: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'application/x-tgsticker': '.tgs',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'application/zip': '.zip',
};

/**
 * A file's name and type. A document (or a video, audio or GIF sent as a file) keeps its own
 * name; anything else is `<kind>-<file_unique_id>` with the extension of its type. The type is
 * the message's MIME type, else what getFile's `file_path` ends in (`voice/file_3.oga`), else the
 * kind's: photos are always JPEG, animated stickers Lottie (`.tgs`), video stickers WebM.
 */
export function fileNaming(ref: FileRef, filePath?: string) {
  const main = ref.versions[0];
  const [, kindType, kindExtension] = FILE_KINDS[ref.kind];
  const pathExtension = filePath ? posix.extname(filePath).slice(1).toLowerCase() : '';
  const contentType =
    ref.kind === 'photo'
      ? 'image/jpeg'
      : ref.kind === 'sticker' && main.is_animated
        ? 'application/x-tgsticker'
        : ref.kind === 'sticker' && main.is_video
          ? 'video/webm'
          : (main.mime_type ?? TYPE_OF_EXTENSION[pathExtension] ?? kindType);
  if (main.file_name) return { filename: main.file_name, contentType };
  const extension =
    EXTENSION_OF_TYPE[contentType] ?? (pathExtension ? `.${pathExtension}` : kindExtension);
  return { filename: `${ref.kind}-${main.file_unique_id}${extension}`, contentType };
}

/** `[photo]`, `[document report.pdf]`, `[voice message 0:07]`, `[sticker 😀]`… */
export function describe(ref: FileRef): string {
  const main = ref.versions[0];
  const name =
    ref.kind === 'sticker'
      ? main.emoji
      : ref.kind === 'audio'
        ? [main.performer, main.title].filter(Boolean).join(' – ') || main.file_name
        : ref.kind === 'document'
          ? main.file_name
          : undefined;
  const played = ref.kind === 'animation' ? undefined : main.duration;
  const length = played === undefined ? undefined : duration(played);
  return `[${[FILE_KINDS[ref.kind][0], name, length].filter(Boolean).join(' ')}]`;
}

function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor(whole / 60) % 60, whole % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}
