/** Person names: a blocking key, a similarity score and the "probably the same person" decision. */
import { doubleMetaphone } from 'double-metaphone';
import jaroWinkler from 'talisman/metrics/jaro-winkler.js';
import { coreTokens, foldSpelling, normaliseName } from './name-tokens.ts';

export { normaliseName } from './name-tokens.ts';
export { transliterate } from './transliterate.ts';

/** A one-letter typo (Smtih, Fernado) must also keep the words this similar. */
const TYPO_SIMILARITY = 0.93;
/** Words that sound alike (same Double Metaphone code) must also be spelled this alike. */
const PHONETIC_SIMILARITY = 0.8;
/** Short words (Li, Yan, Jie, Eva) differ by one letter between different people: exact only. */
const SHORT_WORD = 3;
/** Words beyond this are ignored when aligning names: a record name is not a biography. */
const MAX_WORDS = 5;

/**
 * The key stored with a contact or lead so that possible namesakes are found through an index:
 * the Double Metaphone primary code of each identifying word, sorted and joined by a space.
 * `Юлия Иванова`, `Ivanova Yulia` and `Julia Ivanova` share `AFNF AL`. Null for a name of fewer
 * than two words (after titles, initials and particles go), because `sameName` never matches one.
 */
export function nameMatchKey(name: string | null | undefined): string | null {
  if (!name) return null;
  const words = coreTokens(normaliseName(name));
  if (words.length < 2) return null;
  const codes = words.map((word) => doubleMetaphone(foldSpelling(word))[0]).filter(Boolean);
  return codes.length >= 2 ? codes.sort().join(' ') : null;
}

/**
 * Jaro-Winkler similarity of two names in [0, 1], on their transliterated words, the best of the
 * order as written and alphabetical order so that `García Ana` scores like `Ana García`.
 */
export function nameSimilarity(a: string, b: string): number {
  const left = normaliseName(a);
  const right = normaliseName(b);
  if (left.length === 0 || right.length === 0) return 0;
  const written = jaroWinkler(left.join(' '), right.join(' '));
  const sorted = jaroWinkler([...left].sort().join(' '), [...right].sort().join(' '));
  return Math.max(written, sorted);
}

interface WordPair {
  similarity: number;
  /** The two words name the same person's word (equal, alike in sound and spelling, a typo). */
  match: boolean;
  /** Matched only through TYPO_SIMILARITY, not by sound. */
  typo: boolean;
}

/**
 * Different forms of one name belong to different people, so they never match: gendered forms
 * (Ivanov/Ivanova, Alexander/Alexandra, Kowalski/Kowalska, Louis/Louise, Daniel/Danielle) and
 * forms that differ only in their final vowels (Mario/Maria, Julie/Julia, Rossi/Rosso,
 * Hassan/Hassani). An `Ivan Petrova` typo is missed rather than a couple merged. A transposition
 * (Katarzyna/Katarzyan) keeps the same letters and is a typo, not another form.
 */
function differentForms([x, y]: [string, string], raw: [string, string]): boolean {
  const letters = (word: string): string => [...word].sort().join('');
  if (letters(x) === letters(y) || letters(raw[0]) === letters(raw[1])) return false;
  const stem = (word: string): string => word.replace(/[aeiou]+$/, '');
  if (stem(x) === stem(y)) return true;
  // Alexander/Alexandra: a feminine -a on one side only (Anne/Anna are both feminine).
  const [feminine, other] = x.endsWith('a') ? [x, y] : [y, x];
  return feminine.endsWith('a') && !other.endsWith('a') && !other.endsWith('e');
}

/**
 * One letter dropped, added, replaced or two neighbours swapped — but not the last letter, where
 * a change makes another name (Rossi/Rosso, Hassan/Hassani) rather than a typo.
 */
function oneInnerEdit(x: string, y: string): boolean {
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (long.length - short.length > 1) return false;
  let at = 0;
  while (at < short.length && short[at] === long[at]) at += 1;
  if (at >= long.length - 1) return false;
  if (short.length < long.length) return short.slice(at) === long.slice(at + 1);
  if (short.slice(at + 1) === long.slice(at + 1)) return true;
  return (
    short[at] === long[at + 1] &&
    short[at + 1] === long[at] &&
    short.slice(at + 2) === long.slice(at + 2)
  );
}

/** Compares one word of each name, as transliterated (`raw`) and with spelling folded. */
function compareWords(raw: [string, string], folded: [string, string]): WordPair {
  const [x, y] = folded;
  const similarity = Math.max(jaroWinkler(x, y), jaroWinkler(...raw));
  const none = { similarity, match: false, typo: false };
  if (x === y) return { similarity: 1, match: true, typo: false };
  // Ivan/Ivanov, Petr/Petrov, Martin/Martinez: one word plus a suffix is another name.
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  if (long.startsWith(short) && long.length - short.length >= 2) return none;
  if (short.length <= SHORT_WORD || differentForms(folded, raw)) return none;
  const [x1, x2] = doubleMetaphone(x);
  const [y1, y2] = doubleMetaphone(y);
  const alike = x1 === y1 || x1 === y2 || x2 === y1 || x2 === y2;
  if (alike && similarity >= PHONETIC_SIMILARITY) return { similarity, match: true, typo: false };
  const typo = oneInnerEdit(x, y) || oneInnerEdit(...raw);
  if (typo && similarity >= TYPO_SIMILARITY && short.length >= 5) {
    return { similarity, match: true, typo: true };
  }
  return none;
}

interface Alignment {
  pairs: WordPair[];
  /** Indexes into the longer name, one per word of the shorter name. */
  chosen: number[];
  total: number;
}

/** Pairs every word of `shorter` with a distinct word of `longer`, most similar overall. */
function align(shorter: string[], longer: string[]): Alignment {
  const fold = (words: string[]): string[] => words.map(foldSpelling);
  const [foldedShorter, foldedLonger] = [fold(shorter), fold(longer)];
  const table = shorter.map((x, i) =>
    longer.map((y, j) => compareWords([x, y], [foldedShorter[i]!, foldedLonger[j]!])),
  );
  let best: Alignment = { pairs: [], chosen: [], total: -1 };
  const visit = (row: number, chosen: number[], total: number): void => {
    if (row === shorter.length) {
      if (total > best.total) {
        const pairs = chosen.map((column, index) => table[index]![column]!);
        best = { pairs, chosen: [...chosen], total };
      }
      return;
    }
    for (let column = 0; column < longer.length; column += 1) {
      if (chosen.includes(column)) continue;
      chosen.push(column);
      visit(row + 1, chosen, total + table[row]![column]!.similarity);
      chosen.pop();
    }
  };
  visit(0, [], 0);
  return best;
}

/**
 * Whether two names are probably the same person, with a score in [0, 1] to show.
 *
 * Both names need two identifying words. Every word of the shorter name must match its own word
 * of the longer one — equal after spelling folds, or alike in Double Metaphone code and close in
 * Jaro-Winkler, or (once per name) a close typo — so extra middle names and patronymics on one
 * side are allowed (`Ivan Ivanovich Petrov` ~ `Petrov Ivan`) while a different first name or
 * surname is not (`John Smith` / `Jane Smith`, `Ana García` / `Ana Garrido`). Gendered and
 * other forms of one name never match (see differentForms). Nicknames (Alex/Alexander,
 * Pepe/José) are different names: telling them apart needs a dictionary, and a missed
 * suggestion costs less than a wrong one.
 *
 * The score is `nameSimilarity`, raised for a match to the similarity of the matched words alone,
 * so that a patronymic present on one side does not make an exact match look weak.
 */
export function sameName(a: string, b: string): { similar: boolean; score: number } {
  const score = nameSimilarity(a, b);
  const left = coreTokens(normaliseName(a)).slice(0, MAX_WORDS);
  const right = coreTokens(normaliseName(b)).slice(0, MAX_WORDS);
  if (left.length < 2 || right.length < 2) return { similar: false, score };
  const [shorter, longer] = left.length <= right.length ? [left, right] : [right, left];
  const { pairs, chosen } = align(shorter, longer);
  const typos = pairs.filter((pair) => pair.typo).length;
  const similar = pairs.every((pair) => pair.match) && typos <= 1 && typos < pairs.length;
  if (!similar) return { similar, score };
  const matched = jaroWinkler(shorter.join(' '), chosen.map((index) => longer[index]).join(' '));
  return { similar, score: Math.max(score, matched) };
}
