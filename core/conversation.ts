/**
 * How a lead's conversation reads. Messengers send an album (several photos with one caption) as
 * one message per file, sharing an album id; stored one per message (each has its own id and is
 * processed once), they read as one entry with all its files.
 */

/** The album a stored message belongs to, when its channel said so (`meta.albumId`). */
export function albumOf(message: { channelId: number; meta: Record<string, unknown> }) {
  const id = message.meta.albumId;
  return typeof id === 'string' && id ? `${message.channelId}:${id}` : undefined;
}

/**
 * The conversation with each album folded into its first message: the files of every part in
 * order, the captions joined, `meta.albumParts` listing the message ids it stands for.
 */
export function foldAlbums<
  M extends { id: number; channelId: number; text: string; meta: Record<string, unknown> } & {
    attachments: unknown[];
  },
>(messages: M[]): M[] {
  const first = new Map<string, M>();
  const folded: M[] = [];
  for (const message of messages) {
    const album = albumOf(message);
    const head = album ? first.get(album) : undefined;
    if (!album || !head) {
      const entry = album
        ? { ...message, meta: { ...message.meta, albumParts: [message.id] } }
        : message;
      if (album) first.set(album, entry);
      folded.push(entry);
      continue;
    }
    head.attachments = [...head.attachments, ...message.attachments];
    head.text = [head.text, message.text].filter((text) => text.trim()).join('\n');
    (head.meta.albumParts as number[]).push(message.id);
  }
  return folded;
}
