/** Duplicate reasons: why two contacts, companies or leads may be the same, strongest first. */
import { companyKey, emailDomain } from './companies.ts';
import { sameName } from './names.ts';

export type DuplicateReason =
  /** A shared identity; `value` is the canonical key without its `kind:` prefix. */
  | { kind: 'phone' | 'email' | 'telegram'; value: string }
  /** Similar person names (`sameName`); `score` rounded to 2 decimals. */
  | { kind: 'name'; score: number }
  /** Equal company keys (`companyKey`). */
  | { kind: 'company'; value: string }
  /** A shared email domain that is not a free-mail provider, where a company is involved. */
  | { kind: 'domain'; value: string };

/** What the comparison needs of a record. */
export interface Comparable {
  /** A person's name (contacts and leads); ignored for companies, which compare by `company`. */
  name: string | null;
  /** The company title: a company's own, or the one a contact or lead gave. */
  company: string | null;
  kind: 'contact' | 'company' | 'lead';
  /** Canonical identity keys (`email:…`, `phone:…`, `telegram:…`). */
  identityKeys: string[];
}

const IDENTITY_KINDS = ['phone', 'email', 'telegram'] as const;
type IdentityReasonKind = (typeof IDENTITY_KINDS)[number];

const STRENGTH: Record<DuplicateReason['kind'], number> = {
  phone: 0,
  email: 1,
  telegram: 2,
  company: 3,
  domain: 4,
  name: 5,
};

function identityReasons(a: Comparable, b: Comparable): DuplicateReason[] {
  const theirs = new Set(b.identityKeys);
  const shared = [...new Set(a.identityKeys)].filter((key) => theirs.has(key)).sort();
  return shared.flatMap((key): DuplicateReason[] => {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon) as IdentityReasonKind;
    return IDENTITY_KINDS.includes(kind) ? [{ kind, value: key.slice(colon + 1) }] : [];
  });
}

/**
 * The record is the company itself: a company client, or a contact or lead with a company
 * title and no person's name. Two people who name one company (or share its work domain) are
 * colleagues, not duplicates.
 */
function isCompanyItself(record: Comparable): boolean {
  return record.kind === 'company' || (!record.name?.trim() && companyKey(record.company) !== null);
}

function domainReasons(a: Comparable, b: Comparable, similarNames: boolean): DuplicateReason[] {
  if (!isCompanyItself(a) && !isCompanyItself(b) && !similarNames) return [];
  const domains = (record: Comparable): Set<string> =>
    new Set(record.identityKeys.map(emailDomain).filter((domain) => domain !== null));
  const theirs = domains(b);
  return [...domains(a)]
    .filter((domain) => theirs.has(domain))
    .sort()
    .map((value) => ({ kind: 'domain', value }));
}

/**
 * Every reason to think `a` and `b` are the same, strongest first: shared identities (phone,
 * email, Telegram), then an equal company key (of two companies, or beside similar names), a
 * shared work email domain (where one side is the company itself, or beside similar names: two
 * people at acme.com are colleagues, not duplicates), then similar person names (contacts and leads only).
 */
export function duplicateReasons(a: Comparable, b: Comparable): DuplicateReason[] {
  const reasons = [...identityReasons(a, b)];
  let similarNames = false;
  if (a.kind !== 'company' && b.kind !== 'company' && a.name && b.name) {
    const { similar, score } = sameName(a.name, b.name);
    if (similar) reasons.push({ kind: 'name', score: Math.round(score * 100) / 100 });
    similarNames = similar;
  }
  // The same company title says "same record" of two companies, or of one person named twice.
  const company = companyKey(a.company);
  if (
    company !== null &&
    company === companyKey(b.company) &&
    ((isCompanyItself(a) && isCompanyItself(b)) || similarNames)
  ) {
    reasons.push({ kind: 'company', value: company });
  }
  reasons.push(...domainReasons(a, b, similarNames));
  return reasons.sort((x, y) => STRENGTH[x.kind] - STRENGTH[y.kind]);
}

/** Whether the reasons can link records: a similar name alone never does. */
export function isStrong(reasons: DuplicateReason[]): boolean {
  return reasons.some((reason) => reason.kind !== 'name');
}
