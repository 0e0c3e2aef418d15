/** A store of the test's own (SQLite file or PostgreSQL database), for tests that need no system. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Store } from '../../core/repositories/index.ts';
import { loadConfig, type Config } from '../../core/runtime/config.ts';
import { inspect, type Inspector } from '../../db/inspect.ts';
import { openStore, type OpenStoreOptions } from '../../db/open.ts';
import { freshDatabase } from './database.ts';

export interface TestStore {
  store: Store;
  look: Inspector;
  config: Config;
  /** The DATA_DIR (SQLite file, blobs on the filesystem). */
  dir: string;
  close(): Promise<void>;
}

export async function openTestStore(
  label: string,
  env: Record<string, string> = {},
  options: OpenStoreOptions = {},
): Promise<TestStore> {
  const dir = mkdtempSync(path.join(tmpdir(), `leadwire-${label}-`));
  const database = await freshDatabase(label);
  const config = loadConfig({ DATA_DIR: dir, ...database.env, ...env });
  const store = await openStore(config, options);
  return {
    store,
    look: inspect(store),
    config,
    dir,
    async close() {
      await store.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
