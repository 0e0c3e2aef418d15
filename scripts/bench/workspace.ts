/** Where the bench's database lives: a temporary directory, or a file of its own in --data-dir. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Workspace {
  databaseFile: string;
  /** Deletes what the bench created, and only that. */
  remove(): void;
}

/** `label` names the temporary directory (`leadwire-<label>-…`) so a leftover one says whose it is. */
export function createWorkspace(
  dataDir: string | undefined,
  runId: string,
  label = 'bench',
): Workspace {
  if (!dataDir) {
    const dir = mkdtempSync(path.join(tmpdir(), `leadwire-${label}-`));
    return {
      databaseFile: path.join(dir, 'leadwire.db'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const databaseFile = path.resolve(dataDir, `${label}-${runId}.db`);
  return {
    databaseFile,
    remove: () => {
      for (const suffix of ['', '-wal', '-shm'])
        rmSync(`${databaseFile}${suffix}`, { force: true });
    },
  };
}
