/** A urlencoded post of a widget screen, read input by input (no object is built from its names). */

/** A urlencoded body as express reads it (`extended: false`): flat names, repeats as arrays. */
export type Body = Record<string, unknown>;

/** The value of one input (the last one when a name repeats). */
export function one(body: Body, name: string): string {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (Array.isArray(value)) return String(value.at(-1) ?? '');
  return typeof value === 'string' ? value : '';
}

/** Every value of a repeated input (ticked checkboxes). */
export function many(body: Body, name: string): string[] {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? [value] : [];
}

export const ticked = (body: Body, name: string) => one(body, name) === 'on';

/** A number when it reads as one; else the text, for the schema to refuse in its words. */
export const numberOr = (value: string) => (/^\d+$/.test(value) ? Number(value) : value);
