import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nameMatchKey, sameName } from '../../../../core/duplicates/names.ts';

/**
 * `same` says whether the pair should be suggested as one person from the names alone;
 * `sameKey` marks the positives that differ only by script, transliteration scheme, diacritics,
 * word order, titles, particles or a patronymic, where the blocking key must agree.
 */
interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  note: string;
  sameKey?: true;
}

const pairs = JSON.parse(
  readFileSync(new URL('../../../fixtures/names/pairs.json', import.meta.url), 'utf8'),
) as LabelledPair[];

const positives = pairs.filter((pair) => pair.same);
const negatives = pairs.filter((pair) => !pair.same);

describe('name corpus', () => {
  it('is large, varied and at least 40% negative', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(400);
    expect(negatives.length / pairs.length).toBeGreaterThanOrEqual(0.4);
    expect(new Set(pairs.map((pair) => pair.note)).size).toBeGreaterThanOrEqual(30);
    expect(pairs.some((pair) => /[а-яё]/i.test(pair.a))).toBe(true);
  });

  it('keeps precision ≥ 0.95 and recall ≥ 0.85', () => {
    const found = pairs.map((pair) => ({ pair, similar: sameName(pair.a, pair.b).similar }));
    const truePositives = found.filter(({ pair, similar }) => similar && pair.same).length;
    const predicted = found.filter(({ similar }) => similar).length;
    const precision = truePositives / predicted;
    const recall = truePositives / positives.length;
    const f1 = (2 * precision * recall) / (precision + recall);
    const keyAgrees = positives.filter((pair) => {
      const key = nameMatchKey(pair.a);
      return key !== null && key === nameMatchKey(pair.b);
    }).length;
    console.log(
      `name matcher: precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} ` +
        `f1 ${f1.toFixed(3)} over ${pairs.length} pairs`,
    );
    console.log(
      `name blocking key: agrees on ${keyAgrees}/${positives.length} positive pairs ` +
        `(key recall ${(keyAgrees / positives.length).toFixed(3)})`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.85);
  });

  it('gives the same blocking key to every pair that differs only in spelling of the script', () => {
    const designated = positives.filter((pair) => pair.sameKey);
    expect(designated.length).toBeGreaterThanOrEqual(150);
    const disagreeing = designated
      .filter((pair) => nameMatchKey(pair.a) !== nameMatchKey(pair.b) || !nameMatchKey(pair.a))
      .map((pair) => `${pair.a} | ${pair.b}: ${nameMatchKey(pair.a)} ≠ ${nameMatchKey(pair.b)}`);
    expect(disagreeing).toEqual([]);
  });

  it('is symmetric', () => {
    const asymmetric = pairs.filter(
      (pair) => sameName(pair.a, pair.b).similar !== sameName(pair.b, pair.a).similar,
    );
    expect(asymmetric).toEqual([]);
  });
});
