/** Identity keys: how an email, a phone or a Telegram user is recognised across channels. */

import { domainToASCII } from 'node:url';
import { isSupportedCountry, parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';

export type IdentityKind = 'email' | 'phone' | 'telegram';

/**
 * One way to reach (and recognise) a person.
 * `key` is the canonical form used for matching (`email:ana@gmail.com`, `phone:+34600123456`,
 * `telegram:123456789`); `raw` is the value as the customer wrote it, kept for display and replies.
 */
export interface Identity {
  kind: IdentityKind;
  key: string;
  raw: string;
}

/** Result of reading a value a customer typed: an identity, or the reason it is not one. */
export type Normalised =
  { ok: true; identity: Identity } | { ok: false; raw: string; reason: string };

const NOT_EMAIL = 'not an email address';
const NOT_PHONE = 'not a valid phone number';
const NOT_TELEGRAM = 'not a Telegram user id';

// RFC 5321 limits a forward path to 256 octets including the angle brackets.
const MAX_EMAIL_LENGTH = 254;
// After IDN conversion a domain is plain LDH labels; this also rejects empty labels (`a..b`, `.com`).
const ASCII_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
// Gmail ignores dots in the local part and serves googlemail.com as an alias of gmail.com.
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

function identity(kind: IdentityKind, canonical: string, raw: string): Normalised {
  return { ok: true, identity: { kind, key: `${kind}:${canonical}`, raw } };
}

/**
 * Reads a bare address (optionally as a `mailto:` link); `Name <a@b.com>` is not accepted.
 * `raw` is the address without `mailto:`, so it can be used for replies as is.
 */
export function normaliseEmail(raw: string): Normalised {
  const trimmed = raw.trim();
  const fail = { ok: false, raw: trimmed, reason: NOT_EMAIL } as const;
  let address = trimmed;
  if (/^mailto:/i.test(address)) {
    // A mailto link may carry `?subject=…`; the address ends there.
    address = address.slice('mailto:'.length).split('?')[0] ?? '';
  }
  if (address.length === 0 || address.length > MAX_EMAIL_LENGTH || /\s/.test(address)) return fail;

  const parts = address.toLowerCase().normalize('NFC').split('@');
  if (parts.length !== 2) return fail;
  let [local = '', domain = ''] = parts;
  // domainToASCII returns '' for a domain it cannot convert.
  domain = domainToASCII(domain);
  if (!ASCII_DOMAIN.test(domain)) return fail;

  // Sub-addressing: `ana+news@x` reaches `ana@x`. A leading `+` is the whole name, not a tag.
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll('.', '');
    domain = 'gmail.com';
  }
  if (local.length === 0) return fail;
  return identity('email', `${local}@${domain}`, address);
}

/**
 * Reads a phone number in international or national form; the result key is E.164.
 * `defaultCountry` (ISO 3166 alpha-2) is the channel's country for national forms; an unknown
 * code is ignored rather than making every number fail. Extensions are dropped: they reach the
 * same person's switchboard, not a different person.
 */
export function normalisePhone(raw: string, defaultCountry?: string): Normalised {
  const trimmed = raw.trim();
  const country = defaultCountry?.toUpperCase();
  const known: CountryCode | undefined =
    country && isSupportedCountry(country) ? (country as CountryCode) : undefined;

  let number = parseValid(trimmed, known);
  // `00` is the international prefix in most of the world, but libphonenumber only knows it
  // for countries that use it (Russia dials 810, and without a country there is none at all).
  if (!number && /^00/.test(trimmed)) number = parseValid(`+${trimmed.slice(2)}`, known);
  if (!number) return { ok: false, raw: trimmed, reason: NOT_PHONE };
  return identity('phone', number.number, trimmed);
}

function parseValid(text: string, country: CountryCode | undefined): PhoneNumber | undefined {
  try {
    const number = parsePhoneNumberWithError(text, country);
    return number.isValid() ? number : undefined;
  } catch {
    // Parse errors (NOT_A_NUMBER, TOO_SHORT, INVALID_COUNTRY…) all mean "not a phone number".
    return undefined;
  }
}

/**
 * A Telegram user is recognised by the numeric id only; the username can change, so it is
 * only used as the display value.
 */
export function telegramIdentity(userId: number | string, username?: string): Normalised {
  const text = String(userId).trim();
  // Telegram ids fit in 52 bits; anything beyond a safe integer could not round-trip as a number.
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    return { ok: false, raw: text, reason: NOT_TELEGRAM };
  }
  const name = username?.trim().replace(/^@/, '');
  return identity('telegram', text, name ? `@${name}` : text);
}

/** Reads a value of a known kind; for `telegram` the value is the numeric user id. */
export function normaliseIdentity(
  kind: IdentityKind,
  raw: string,
  defaultCountry?: string,
): Normalised {
  switch (kind) {
    case 'email':
      return normaliseEmail(raw);
    case 'phone':
      return normalisePhone(raw, defaultCountry);
    case 'telegram':
      return telegramIdentity(raw);
  }
}

/** Drops later entries whose key was already seen; the first one (and its raw form) wins. */
export function uniqueIdentities(list: Identity[]): Identity[] {
  const seen = new Set<string>();
  return list.filter((item) => {
    if (seen.has(item.key)) return false;
    seen.add(item.key);
    return true;
  });
}

/** An E.164 number as a person reads it, e.g. `+34 600 12 34 56` (the E.164 itself if unparsable). */
export function formatPhone(e164: string): string {
  try {
    return parsePhoneNumberWithError(e164).formatInternational();
  } catch {
    return e164;
  }
}
