/**
 * The Telegram channel's shapes: what the inbox keeps of an update, and what the worker's async
 * step (file downloads via getFile) hands the pure normaliser.
 */

/** The inbox row of a Telegram update, from the webhook or from polling. */
export interface TelegramRaw {
  kind: 'telegram';
  /** The Update object exactly as Telegram sent it. */
  update: unknown;
  receivedAt: string;
}

export type TelegramFileKind =
  'photo' | 'document' | 'voice' | 'audio' | 'video' | 'video_note' | 'animation' | 'sticker';

/** A file of the message, after the worker tried to fetch it into the blob store. */
export interface FetchedFile {
  kind: TelegramFileKind;
  fileId: string;
  fileUniqueId: string;
  filename: string;
  contentType: string;
  /** As Telegram reported it (0 when unknown). */
  size: number;
  /** Null when the content was not kept (`skipped` says why). */
  sha256: string | null;
  skipped?: string;
}

/** What the normaliser receives: the update, its files, and the channel's rules. */
export interface ExpandedUpdate {
  update: unknown;
  receivedAt: string;
  files: FetchedFile[];
  /** Group, supergroup and channel posts become leads only when the channel allows them. */
  allowGroups: boolean;
}

/** Telegram's limit for one sendMessage text. */
export const MAX_MESSAGE_LENGTH = 4096;
