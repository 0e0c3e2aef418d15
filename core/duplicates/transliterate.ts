/** Transliteration: any name or title folded to plain lower-case Latin words for comparison. */

// ICAO Doc 9303 (2013), the scheme of Russian passports since 2013: Юлия → iuliia, Щ → shch.
// Ukrainian і ї є ґ follow the same document; the few Serbian and Belarusian letters are added so
// that their names do not vanish.
const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: 'ie',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
  і: 'i',
  ї: 'i',
  є: 'ie',
  ґ: 'g',
  ў: 'u',
  ђ: 'dj',
  ј: 'j',
  љ: 'lj',
  њ: 'nj',
  ћ: 'c',
  џ: 'dz',
};

// Letters that are not a base letter plus a combining mark, so NFD leaves them alone.
const LATIN_SPECIAL: Record<string, string> = {
  ß: 'ss',
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};

const TABLE: Record<string, string> = { ...CYRILLIC, ...LATIN_SPECIAL };

// In Ukrainian г is an h and и a y (Сергій → serhii, Микола → mykola); a text with a letter only
// Ukrainian has (і ї є ґ) is read as Ukrainian. Without one there is no telling, and the
// Russian reading stands.
const UKRAINIAN_TABLE: Record<string, string> = { ...TABLE, г: 'h', и: 'y' };
const UKRAINIAN_ONLY = /[іїєґ]/u;

/**
 * Cyrillic to Latin (ICAO 2013), diacritics removed, lower case; anything that is not a letter or
 * a digit becomes a space (apostrophes join), and spaces are collapsed. `ООО «Ромашка»` → `ooo romashka`,
 * `José García-Núñez` → `jose garcia nunez`.
 */
export function transliterate(text: string): string {
  const lower = text.toLowerCase();
  const table = UKRAINIAN_ONLY.test(lower) ? UKRAINIAN_TABLE : TABLE;
  let out = '';
  for (const char of lower) out += table[char] ?? char;
  return (
    out
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      // O'Brien, D’Angelo and the Ukrainian apostrophe (Мар'яна) are one word, not two.
      .replace(/['’ʼ`]/gu, '')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
  );
}
