import { describe, expect, it } from 'vitest';
import { foldAlbums } from '../../../core/conversation.ts';

const message = (id: number, text: string, meta: Record<string, unknown>, channelId = 3) => ({
  id,
  channelId,
  text,
  meta,
  attachments: [`file-${id}`],
});

describe('foldAlbums', () => {
  it('reads an album as one entry with every file, wherever its parts fall', () => {
    const folded = foldAlbums([
      message(1, 'hello', {}),
      message(2, 'our new sofa', { albumId: 'g1' }),
      message(3, '', { albumId: 'g1' }),
      message(4, 'and a question', {}),
      message(5, '', { albumId: 'g1' }),
    ]);
    expect(folded.map((m) => m.id)).toEqual([1, 2, 4]);
    expect(folded[1]).toMatchObject({
      text: 'our new sofa',
      attachments: ['file-2', 'file-3', 'file-5'],
      meta: { albumId: 'g1', albumParts: [2, 3, 5] },
    });
  });

  it('keeps two albums apart, and the same album id on another channel apart', () => {
    const folded = foldAlbums([
      message(1, 'a', { albumId: 'g1' }),
      message(2, 'b', { albumId: 'g2' }),
      message(3, 'c', { albumId: 'g1' }, 4),
      message(4, 'd', { albumId: 'g1' }),
    ]);
    expect(folded.map((m) => [m.id, m.text, m.attachments.length])).toEqual([
      [1, 'a\nd', 2],
      [2, 'b', 1],
      [3, 'c', 1],
    ]);
  });

  it('leaves the stored messages as they were', () => {
    const parts = [message(1, 'x', { albumId: 'g' }), message(2, 'y', { albumId: 'g' })];
    foldAlbums(parts);
    expect(parts[0]).toEqual(message(1, 'x', { albumId: 'g' }));
  });
});
