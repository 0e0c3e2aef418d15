import { describe, expect, it } from 'vitest';
import {
  UTF7_NOTE,
  decodeUtf8OrWindows1252,
  repairCharsets,
} from '../../../../connectors/email/charset-repair.ts';
import { fixture, fixtureText, parse, withHeader } from './fixtures.ts';

describe('a part declared UTF-8 that is not UTF-8', () => {
  it('reads Windows-1252 text instead of showing U+FFFD', async () => {
    const parsed = await parse(fixture('utf8-invalid.eml'));
    expect(parsed.text).not.toContain('\uFFFD');
    expect(parsed.text).toContain(
      'Buenos días:\n\nNecesito 40 tiradores “latón envejecido” a 3,50 € cada uno.\n¿Cuándo podrían enviarlos?',
    );
  });

  it('keeps the UTF-8 of a part whose footer a gateway added in Windows-1252', async () => {
    const parsed = await parse(fixture('utf8-invalid.eml'));
    expect(parsed.text).toContain(
      'Atentamente, José\n-- \nEste correo es confidencial – Ferretería López',
    );
    expect(parsed.reply).toMatch(/Gracias de antemano\. Atentamente, José$/);
  });

  it('does the same for a part with no charset, which mailparser reads as UTF-8', async () => {
    const eml = withHeader(
      fixtureText('iso-8859-1.eml'),
      'Content-Type',
      'Content-Type: text/plain',
    );
    const parsed = await parse(eml);
    expect(parsed.text).toContain('¿Cuánto cuesta el envío de tres sillas a Logroño?');
  });

  it('leaves valid UTF-8 and the stored bytes alone', async () => {
    const eml = fixture('utf8-headers.eml');
    const before = Buffer.from(eml);
    expect(await repairCharsets(eml)).toBeUndefined();
    expect((await parse(eml)).text).toContain('椅子を20脚注文したいです。');
    expect(eml.equals(before)).toBe(true);
  });

  it.each([
    ['plain ASCII', [0x48, 0x69], 'Hi'],
    ['UTF-8', [...Buffer.from('Málaga €')], 'Málaga €'],
    ['Windows-1252', [0x4d, 0xe1, 0x6c, 0x61, 0x67, 0x61, 0x20, 0x80], 'Málaga €'],
    [
      'smart quotes and dashes',
      [0x93, 0x6f, 0x6b, 0x94, 0x20, 0x96, 0x20, 0x85],
      '\u201cok\u201d \u2013 \u2026',
    ],
    ['a byte Windows-1252 leaves undefined', [0x81], '\u0081'],
    ['an overlong UTF-8 slash', [0xc0, 0xaf], 'À¯'],
    ['a UTF-8 surrogate', [0xed, 0xa0, 0x80], 'í\u00a0€'],
    ['a cut UTF-8 sequence at the end', [0x61, 0xe2, 0x82], 'aâ\u201a'],
    [
      'UTF-8 with one stray byte',
      [...Buffer.from('Ñandú '), 0xe9, ...Buffer.from(' ok')],
      'Ñandú é ok',
    ],
  ])('%s', (_, bytes, text) => {
    expect(decodeUtf8OrWindows1252(Uint8Array.from(bytes))).toBe(text);
  });
});

describe('a UTF-7 part', () => {
  it('is stored with a note saying it was UTF-7 and could not be shown', async () => {
    const parsed = await parse(fixture('utf7.eml'));
    expect(parsed.text).toBe(UTF7_NOTE);
    expect(parsed.reply).toBe(UTF7_NOTE);
    expect(parsed.html).toBe(`<p>${UTF7_NOTE}</p>`);
    expect(UTF7_NOTE).toMatch(/UTF-7.*cannot be shown.*kept with the stored email/);
  });

  it('never turns into markup, and nothing else is lost', async () => {
    const parsed = await parse(fixture('utf7.eml'));
    for (const shown of [parsed.text, parsed.html ?? '']) {
      expect(shown).not.toMatch(/<script|\+ADw-|alert/);
    }
    expect(parsed.subject).toBe('Zapytanie o stoliki');
    expect(parsed.from?.address).toBe('k.nowak@old-mailer.example');
    expect(parsed.automated).toBeNull();
  });
});

describe('raw 8-bit attachment file names', () => {
  it('are read as UTF-8, quoted or not', async () => {
    const blobs = new Map<string, Buffer>();
    const parsed = await parse(fixture('raw-8bit-filenames.eml'), {}, blobs);
    expect(parsed.attachments.map((file) => [file.filename, file.contentType])).toEqual([
      ['Смета №7.pdf', 'application/pdf'],
      ['plano-salón.jpg', 'image/jpeg'],
    ]);
    expect(blobs.size).toBe(2);
  });
});
