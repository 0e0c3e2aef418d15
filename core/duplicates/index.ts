/** Duplicate suggestions: the pure matching of names, companies and identities behind them. */
export { companyKey, emailDomain } from './companies.ts';
export { nameMatchKey, nameSimilarity, normaliseName, sameName, transliterate } from './names.ts';
export { duplicateReasons, isStrong } from './reasons.ts';
export type { Comparable, DuplicateReason } from './reasons.ts';
