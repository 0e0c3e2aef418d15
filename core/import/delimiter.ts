/** Guesses the field delimiter of a CSV file from its first records. */

export type CsvDelimiter = ',' | ';' | '\t' | '|';

// Order breaks ties: the comma is the standard, the semicolon is Excel's in most of Europe and
// Russia (where the comma is the decimal separator).
const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
const MAX_RECORDS = 50;

/**
 * The delimiter that splits the first records most consistently: the header's count of it must
 * be > 0 and the records that have the same count win. Delimiters inside quoted values do not
 * count, and a record whose quoted value spans lines is one record. A text with no candidate
 * at all is a one-column file, read with ','.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const records = countPerRecord(text);
  let best: CsvDelimiter = ',';
  let bestScore = 0;
  let bestWidth = 0;
  for (const [c, delimiter] of CANDIDATES.entries()) {
    const header = records[0]?.[c] ?? 0;
    if (header === 0) continue;
    const score = records.filter((counts) => counts[c] === header).length / records.length;
    if (score > bestScore || (score === bestScore && header > bestWidth)) {
      best = delimiter;
      bestScore = score;
      bestWidth = header;
    }
  }
  return best;
}

/** For each of the first records, how many of each candidate it has outside quotes. */
function countPerRecord(text: string): number[][] {
  const records: number[][] = [];
  let counts = CANDIDATES.map(() => 0);
  let quoted = false;
  let blank = true;
  for (let i = 0; i < text.length && records.length < MAX_RECORDS; i++) {
    const char = text[i] as string;
    if (char === '"') {
      // `""` inside quotes is an escaped quote: leaving and re-entering is the same thing.
      quoted = !quoted;
      blank = false;
    } else if (!quoted && (char === '\n' || char === '\r')) {
      if (!blank) records.push(counts);
      counts = CANDIDATES.map(() => 0);
      blank = true;
    } else if (!quoted) {
      const c = CANDIDATES.indexOf(char as CsvDelimiter);
      if (c >= 0) counts[c] = (counts[c] ?? 0) + 1;
      if (char !== ' ') blank = false;
    }
  }
  // An unterminated last line may be a sample cut short; keep it only when it is all there is.
  if (!blank && records.length === 0) records.push(counts);
  return records;
}
