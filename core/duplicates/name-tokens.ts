/** Name tokens: a person's name split into comparable words, with spelling variants folded. */
import { transliterate } from './transliterate.ts';

// Titles say nothing about who someone is. `г-н`/`г-жа` transliterate to `g n`/`g zha`; the
// lone letters go with the initials. `md` is left alone: it is how Bangladesh abbreviates Mohammed.
const HONORIFICS = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'dr',
  'prof',
  'sir',
  'dame',
  'sr',
  'sra',
  'srta',
  'snr',
  'jr',
  'phd',
  'herr',
  'frau',
  'mme',
  'mlle',
  'zha',
  'gr',
  'gn',
  'ii',
  'iii',
]);

// Joining words of surnames (da Silva, van der Berg, bin Laden) and Turkic patronymic markers:
// a record written with or without them is the same person, so they are never compared.
// `le`, `do` and `du` are not here: they are Vietnamese and Chinese surnames.
const PARTICLES = new Set([
  'de',
  'del',
  'della',
  'di',
  'da',
  'das',
  'dos',
  'la',
  'van',
  'von',
  'der',
  'den',
  'ter',
  'ten',
  'zu',
  'bin',
  'ibn',
  'bint',
  'ogly',
  'oglu',
  'kyzy',
  'gyzy',
]);

// Arabic articles and name parts written joined or apart (Al-Sayed, Alsayed, Abdel Rahman).
const JOINED_PREFIXES = new Set(['al', 'el', 'abd', 'abdel', 'abdul', 'abu']);

// Russian, Ukrainian and Belarusian patronymics (Ivanovich, Sergeevna, Ilyich, Kuzminichna).
const PATRONYMIC = /(?:ovich|evich|ovych|evych|ich|ovna|evna|ivna|ichna)$/;

/**
 * The words of a name after transliteration, without titles and lone initials
 * (`Dr. Iván J. Pérez` → `['ivan', 'perez']`). Initials are dropped rather than matched: `J.`
 * fits John and Jane alike.
 */
export function normaliseName(name: string): string[] {
  return transliterate(name)
    .split(' ')
    .filter((word) => word.length > 1 && !HONORIFICS.has(word) && !/^\d+$/.test(word));
}

/**
 * The words that identify the person: particles dropped, Arabic prefixes joined to the next word,
 * and one patronymic dropped from a name
 * of three words or more (the middle one, `Ivan Ivanovich Petrov`, else the last one, `Petrov Ivan
 * Ivanovich`), so `Roman Abramovich` keeps his surname. Falls back to all words when nothing
 * would be left.
 */
export function coreTokens(words: string[]): string[] {
  const kept: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const next = words[index + 1];
    if (JOINED_PREFIXES.has(word) && next !== undefined) {
      kept.push(word + next);
      index += 1;
    } else if (!PARTICLES.has(word)) kept.push(word);
  }
  if (kept.length >= 3) {
    const index = [1, kept.length - 1].find((at) => PATRONYMIC.test(kept[at]!));
    if (index !== undefined) kept.splice(index, 1);
  }
  return kept.length > 0 ? kept : words;
}

// Spelling folds, in order. Each one maps the ways transliteration schemes and languages write
// one sound to a single spelling, so Юлия written iuliia, yulia, yuliya, julija or ioulia folds
// to `yulia`, and Aleksandr and Alexander to `aleksander`.
const FOLDS: [RegExp, string][] = [
  // Doubled letters, first so that later folds see Ricci as rici (and again at the end).
  [/(.)\1+/g, '$1'],
  [/ph/g, 'f'],
  [/th/g, 't'],
  [/w/g, 'v'],
  [/x/g, 'ks'],
  [/q/g, 'k'],
  // A hard c (Carl, Nicolas, Victor) is a k; before e, i, y or h it is something else.
  [/c(?![ehiy])/g, 'k'],
  [/kh/g, 'h'],
  // German umlauts typed without the dots: Mueller, Schroeder, Joerg.
  [/(?<=.)([aou])e/g, '$1'],
  // A leading j or i before a vowel is the glide y: Julia, Iuliia, Iosif.
  [/^[ji](?=[aeiou])/, 'y'],
  [/ou/g, 'u'],
  // Ye/Ie at the start is how some schemes write the Cyrillic е: Yevgeny, Yelena, Jelena.
  [/^ye/, 'e'],
  // A glide between letters (Tatyana, Tatjana, Nataliya, Natalija, Lyudmila, Maja) is an i.
  [/(?<=[^aeiou])(?:iy|ij|y|j)(?=[aeiou])/g, 'i'],
  [/(?<=[aeiou])[yj](?=[aeiou])/g, 'i'],
  // Zaytsev/Zaitsev, Mikhaylov/Mikhailov.
  [/(?<=[aeiou])y(?=[^aeiou])/g, 'i'],
  // Ё written as yo: Fyodor/Fedor, Semyonova/Semenova, Artyom/Artem, Pyotr/Petr.
  [/(?<=[^aeiou])io(?=[^aeiou])/g, 'e'],
  // Endings: Dmitriy, Dmitrij, Dmitry → dmitri; Sergey, Sergej → sergei; Nikolay → nikolai.
  [/(?:iy|ij|yi|ii)$/, 'i'],
  [/(?<=[aeiou])j$/, 'i'],
  [/y$/, 'i'],
  // A silent h after a vowel: John/Jon, Sarah/Sara, Ahmed/Amed, Abdullah/Abdulla.
  [/(?<=[aeiou])h(?![aeiou])/g, ''],
  // Doubled letters: Anna/Ana, Hassan/Hasan, Mohammed/Mohamed, Iuliia/Iulia.
  [/(.)\1+/g, '$1'],
];

/** One word with its spelling variants folded (see FOLDS); used for keys and token comparison. */
export function foldSpelling(word: string): string {
  let folded = word;
  for (const [pattern, replacement] of FOLDS) folded = folded.replace(pattern, replacement);
  return folded;
}
