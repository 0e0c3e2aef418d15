/**
 * Free space under DATA_DIR (and BLOB_DIR) as the alert rules read it: one series per
 * filesystem, none for a directory that cannot be read.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { snapshot, watchFreeSpace } from '../../../../core/runtime/metrics.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-free-space-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function reported(name: string): Promise<Map<string, number>> {
  const metric = (await snapshot()).find((m) => m.name === name);
  return new Map((metric?.values ?? []).map((v) => [String(v.labels.path), v.value]));
}

it('reports each filesystem once, and nothing for a directory it cannot read', async () => {
  const blobs = path.join(dir, 'blobs');
  mkdirSync(blobs);
  const missing = path.join(dir, 'not-made-yet');
  const stop = watchFreeSpace([dir, blobs, missing]);
  try {
    const deadline = Date.now() + 10_000;
    while (!(await reported('leadwire_data_dir_free_bytes')).size) {
      if (Date.now() > deadline) throw new Error('no free space reported in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const free = await reported('leadwire_data_dir_free_bytes');
    const size = await reported('leadwire_data_dir_size_bytes');
    // DATA_DIR/blobs is on DATA_DIR's filesystem: reported once, under DATA_DIR.
    expect([...free.keys()]).toEqual([dir]);
    expect(free.get(dir)).toBeGreaterThan(0);
    expect(size.get(dir)).toBeGreaterThanOrEqual(free.get(dir) ?? Infinity);
  } finally {
    stop();
  }
});
