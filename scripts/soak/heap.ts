/**
 * V8 heap used by the web and worker processes, read the way an operator reads it: one scrape
 * of the web process's `/metrics` (admin key), where every process's registry is shared through
 * Redis (core/runtime/metrics-share.ts), each series labelled `process_id="<host>/<pid>"`.
 * A process publishes every 5 s, so a figure is up to that old. With the heap beside the RSS,
 * a growing RSS over a flat heap is the allocator or native memory (SQLite, buffers), not a leak
 * of JavaScript objects. Any failure (slow answer under load, no such metric) reads as unknown:
 * the soak must not fail over a diagnostic.
 */
import type { Watched } from './usage.ts';

const SCRAPE_TIMEOUT_MS = 3_000;
const HEAP_USED = /^nodejs_heap_size_used_bytes\{([^}]*)\}\s+(\S+)/gm;

export type Heaps = { [K in keyof Watched]?: number };

export async function readHeaps(baseUrl: string, adminKey: string, pids: Watched): Promise<Heaps> {
  let text: string;
  try {
    const answer = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminKey}` },
      signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
    });
    if (!answer.ok) return {};
    text = await answer.text();
  } catch {
    return {};
  }
  const byPid = new Map<number, number>();
  for (const [, labels = '', value] of text.matchAll(HEAP_USED)) {
    const pid = /process_id="[^"]*\/(\d+)"/.exec(labels)?.[1];
    if (pid) byPid.set(Number(pid), Number(value));
  }
  const heaps: Heaps = {};
  for (const key of ['web', 'worker'] as const) {
    const bytes = byPid.get(pids[key]);
    if (bytes !== undefined) heaps[key] = bytes;
  }
  return heaps;
}
