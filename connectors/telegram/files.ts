/** A message's files: which it carries, how each shows as an attachment and in the text. */
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
  const [, defaultType, ext] = FILE_KINDS[ref.kind];
  const [contentType, extension] =
    ref.kind === 'sticker' && main.is_animated
      ? ['application/x-tgsticker', '.tgs']
      : ref.kind === 'sticker' && main.is_video
        ? ['video/webm', '.webm']
        : [main.mime_type ?? defaultType, ext];
  return {
    filename: main.file_name ?? `${ref.kind}-${main.file_unique_id}${extension}`,
    contentType,
    size: main.file_size ?? 0,
    sha256: null,
    skipped: 'not fetched',
  };
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
