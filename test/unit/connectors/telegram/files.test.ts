import { describe, expect, it } from 'vitest';
import { fileNaming, type FileRef } from '../../../../connectors/telegram/files.ts';
import type { TelegramFile } from '../../../../connectors/telegram/schema.ts';
import type { TelegramFileKind } from '../../../../connectors/telegram/update.ts';

const ref = (kind: TelegramFileKind, fields: Partial<TelegramFile> = {}): FileRef => ({
  kind,
  versions: [{ file_id: 'f', file_unique_id: 'AgADuq', ...fields }],
});

describe('fileNaming', () => {
  it('names what has no name of its own by kind and unique id, with the extension of its type', () => {
    expect(fileNaming(ref('photo'), 'photos/file_12.jpg')).toEqual({
      filename: 'photo-AgADuq.jpg',
      contentType: 'image/jpeg',
    });
    // Telegram keeps voice notes as .oga; the name says .ogg, which players know.
    expect(fileNaming(ref('voice', { mime_type: 'audio/ogg' }), 'voice/file_3.oga')).toEqual({
      filename: 'voice-AgADuq.ogg',
      contentType: 'audio/ogg',
    });
    expect(fileNaming(ref('video_note'), 'video_notes/file_4.mp4')).toEqual({
      filename: 'video_note-AgADuq.mp4',
      contentType: 'video/mp4',
    });
    expect(fileNaming(ref('sticker'), 'stickers/file_5.webp')).toEqual({
      filename: 'sticker-AgADuq.webp',
      contentType: 'image/webp',
    });
  });

  it('types animated stickers as Lottie and video stickers as WebM', () => {
    expect(fileNaming(ref('sticker', { is_animated: true }), 'stickers/file_6.tgs')).toEqual({
      filename: 'sticker-AgADuq.tgs',
      contentType: 'application/x-tgsticker',
    });
    expect(fileNaming(ref('sticker', { is_video: true }), 'stickers/file_7.webm')).toEqual({
      filename: 'sticker-AgADuq.webm',
      contentType: 'video/webm',
    });
    // Before getFile answers, the sticker's own flags already say it.
    expect(fileNaming(ref('sticker', { is_video: true }))).toEqual({
      filename: 'sticker-AgADuq.webm',
      contentType: 'video/webm',
    });
  });

  it('keeps the name a document (or video, audio, GIF) was sent with', () => {
    const pdf = ref('document', { file_name: 'report.pdf', mime_type: 'application/pdf' });
    expect(fileNaming(pdf, 'documents/file_9.pdf')).toEqual({
      filename: 'report.pdf',
      contentType: 'application/pdf',
    });
    const audio = ref('audio', { file_name: 'cancion.m4a', mime_type: 'audio/mp4' });
    expect(fileNaming(audio, 'music/file_2.m4a').filename).toBe('cancion.m4a');
  });

  it("reads the type from file_path when the message has none, else uses the kind's", () => {
    expect(fileNaming(ref('document'), 'documents/file_7.PDF')).toEqual({
      filename: 'document-AgADuq.pdf',
      contentType: 'application/pdf',
    });
    expect(fileNaming(ref('document'), 'documents/file_8.xyz')).toEqual({
      filename: 'document-AgADuq.xyz',
      contentType: 'application/octet-stream',
    });
    expect(fileNaming(ref('document'))).toEqual({
      filename: 'document-AgADuq',
      contentType: 'application/octet-stream',
    });
    expect(fileNaming(ref('audio'))).toEqual({
      filename: 'audio-AgADuq.mp3',
      contentType: 'audio/mpeg',
    });
    // The message's MIME type wins over the path.
    const voice = ref('voice', { mime_type: 'audio/mpeg' });
    expect(fileNaming(voice, 'voice/file_3.oga')).toEqual({
      filename: 'voice-AgADuq.mp3',
      contentType: 'audio/mpeg',
    });
  });
});
