/**
 * What every intake post looks up again (its form by slug, its webhook's channel), kept for a
 * moment: at a thousand posts a second the same row would otherwise be read, parsed and its
 * settings re-validated a thousand times. An operator's change made through this process forgets
 * everything at once (app.ts); one made elsewhere (another web process, the CLI) is seen within
 * `ttlMs`, which is why the moment stays short. Only found values are kept: a slug that does not
 * exist is asked again, so a scan of random addresses cannot fill the cache.
 */
import type { ChannelRepository } from '../../core/repositories/channels.ts';
import type { FormRepository } from '../../core/repositories/forms.ts';

export interface RecentLookups {
  /** The value under `key` if it was loaded less than `ttlMs` ago, else `load()`'s, kept. */
  get<V extends object>(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  /** Forgets everything (a channel or form changed). */
  clear(): void;
}

export interface RecentLookupOptions {
  ttlMs: number;
  /** The most values kept; the oldest go first. */
  limit: number;
  now?: () => number;
}

export function recentLookups({
  ttlMs,
  limit,
  now = Date.now,
}: RecentLookupOptions): RecentLookups {
  const kept = new Map<string, { value: object; until: number }>();
  // A load that started before a clear must not put what it read back afterwards.
  let generation = 0;
  return {
    async get<V extends object>(key: string, load: () => Promise<V | undefined>) {
      const hit = kept.get(key);
      if (hit && hit.until > now()) return hit.value as V;
      const started = generation;
      const value = await load();
      if (value === undefined || started !== generation) return value;
      kept.delete(key);
      if (kept.size >= limit) kept.delete(kept.keys().next().value as string);
      kept.set(key, { value, until: now() + ttlMs });
      return value;
    },
    clear() {
      generation += 1;
      kept.clear();
    },
  };
}

/** The forms repository with `bySlug` answered from `lookups`. */
export function recentForms<R extends Pick<FormRepository, 'bySlug'>>(
  forms: R,
  lookups: RecentLookups,
): R {
  const bySlug: FormRepository['bySlug'] = (kind, slug) =>
    lookups.get(`form:${kind}:${slug}`, () => forms.bySlug(kind, slug));
  return Object.assign(Object.create(forms) as R, { bySlug });
}

/** The channels repository with `get` and `info` answered from `lookups`. */
export function recentChannels<R extends Pick<ChannelRepository, 'get' | 'info'>>(
  channels: R,
  lookups: RecentLookups,
): R {
  const get: ChannelRepository['get'] = (id) =>
    lookups.get(`channel:${id}`, () => channels.get(id));
  const info: ChannelRepository['info'] = (id) =>
    lookups.get(`channel-info:${id}`, () => channels.info(id));
  return Object.assign(Object.create(channels) as R, { get, info });
}
