/**
 * PostgreSQL cannot store the NUL character, in text or in jsonb (SQLite can). Customer content
 * sometimes carries one (a binary scrap in an email body, a pasted control character): it is
 * dropped on the way in, rather than the whole message failing.
 */
// eslint-disable-next-line no-control-regex -- finding the NUL character is the point
const NUL = /\u0000/g;

export const pgText = <T extends string | null | undefined>(value: T): T =>
  (typeof value === 'string' ? value.replace(NUL, '') : value) as T;

/** JSON text for a jsonb parameter, with NUL removed from every string in it. */
export const pgJson = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'string' ? pgText(inner) : inner,
  );

/** Any value (a row), with NUL removed from every string in it, however deep. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return pgText(value) as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  )
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNul(v)])) as T;
  return value;
}
