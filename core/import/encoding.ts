/** Guesses the character encoding of an imported file from its first bytes. */

/**
 * The encodings a contact center's files come in: UTF-8 (Google, HubSpot, most CRMs), with a
 * BOM when Excel saved it as "CSV UTF-8", UTF-16 when Excel saved "Unicode text", and the
 * Windows code pages of older Excel "CSV" exports — 1251 in Russian, 1252 in Western Europe.
 */
export type CsvEncoding =
  'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1251' | 'windows-1252';

/** How much of a file is enough to tell its encoding (and delimiter). */
export const SAMPLE_BYTES = 64 * 1024;

/** The WHATWG label to hand to `TextDecoder` (which drops a BOM itself). */
export function decoderLabel(encoding: CsvEncoding): string {
  return encoding === 'utf-8-bom' ? 'utf-8' : encoding;
}

/**
 * The encoding of a file from its first bytes (`SAMPLE_BYTES` is plenty). A BOM decides;
 * otherwise text that is valid UTF-8 is UTF-8 (a file in a legacy code page almost never is,
 * as soon as it has one non-ASCII letter); otherwise the code page that makes words of it.
 */
export function detectEncoding(sample: Uint8Array): CsvEncoding {
  if (startsWith(sample, [0xef, 0xbb, 0xbf])) return 'utf-8-bom';
  if (startsWith(sample, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(sample, [0xfe, 0xff])) return 'utf-16be';
  const utf16 = utf16WithoutBom(sample);
  if (utf16) return utf16;
  if (isUtf8(sample)) return 'utf-8';
  return looksCyrillic(sample) ? 'windows-1251' : 'windows-1252';
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

/** UTF-16 without a BOM still shows itself: text is mostly ASCII, so every other byte is 0. */
function utf16WithoutBom(sample: Uint8Array): CsvEncoding | undefined {
  const length = Math.min(sample.length, 4096) & ~1;
  if (length < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < length; i += 2) {
    if (sample[i] === 0) evenZeros++;
    if (sample[i + 1] === 0) oddZeros++;
  }
  const pairs = length / 2;
  if (oddZeros > pairs * 0.4 && evenZeros < pairs * 0.05) return 'utf-16le';
  if (evenZeros > pairs * 0.4 && oddZeros < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** Strict UTF-8, forgiving only a character cut in half at the end of the sample. */
function isUtf8(sample: Uint8Array): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    // `stream: true` keeps an incomplete trailing sequence for a next call instead of failing.
    decoder.decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

// In Windows-1251 0xC0–0xFF are А–я, and 0xA8/0xB8 are Ё/ё; in Windows-1252 the same bytes are
// Latin letters with accents (and ¨ ¸).
function isHighLetter(byte: number): boolean {
  return byte >= 0xc0 || byte === 0xa8 || byte === 0xb8;
}

function isAsciiLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/**
 * Russian words are written entirely in high bytes, so high letters sit next to each other;
 * Spanish, French or German words have an accented letter here and there between ASCII ones
 * (`Müller`, `Hélène`, `Núñez`). Whichever kind of neighbour is commoner decides.
 */
function looksCyrillic(sample: Uint8Array): boolean {
  let highNextToHigh = 0;
  let highNextToAscii = 0;
  for (let i = 1; i < sample.length; i++) {
    const previous = sample[i - 1] as number;
    const current = sample[i] as number;
    const previousHigh = isHighLetter(previous);
    const currentHigh = isHighLetter(current);
    if (previousHigh && currentHigh) highNextToHigh++;
    else if ((previousHigh && isAsciiLetter(current)) || (currentHigh && isAsciiLetter(previous))) {
      highNextToAscii++;
    }
  }
  return highNextToHigh > highNextToAscii;
}
