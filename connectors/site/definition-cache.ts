/**
 * Stored widget definitions parsed once per version: a post is answered without re-validating
 * the same JSON every time, and an edited form (new updatedAt) is parsed afresh.
 */
import type { z } from 'zod';
import type { Widget } from '../../core/repositories/forms.ts';

const cache = new Map<string, unknown>();
const LIMIT = 1000;

export function parsedDefinition<S extends z.ZodType>(widget: Widget, schema: S): z.output<S> {
  const key = `${widget.id}@${widget.updatedAt.getTime()}`;
  if (cache.has(key)) return cache.get(key) as z.output<S>;
  const parsed = schema.parse(widget.definition);
  if (cache.size >= LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, parsed);
  return parsed;
}
