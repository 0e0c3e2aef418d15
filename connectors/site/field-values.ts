/**
 * Field values of a post, keyed by field names a form's author (or a visitor) chose. Plain objects
 * inherit `constructor`, `toString`, `__proto__`…: a field of that name would read the inherited
 * function (a 500 when the page is rendered) or be dropped from a post. So values live in
 * null-prototype records and are read as own properties only, and those names are reserved.
 */

/** A record without a prototype: no name is taken before a field claims it. */
export function fieldRecord(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** The value posted (or prefilled) for `key`, never an inherited property. */
export function fieldValue(values: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

/** Names an object already has before anything is put in it: refused as field keys. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(
  Object.getOwnPropertyNames(Object.prototype),
);
