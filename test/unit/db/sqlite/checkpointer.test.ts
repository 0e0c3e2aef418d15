/** The worker's write-ahead log copied back into the database file by a thread, not its commits. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { startCheckpointer } from '../../../../db/sqlite/checkpointer.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-checkpoint-'));
  dirs.push(dir);
  const file = path.join(dir, 'test.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)');
  return { file, db };
}

async function until(what: string, done: () => boolean) {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!done()) throw new Error(`never: ${what}`);
}

it('copies committed pages into the database file while the connection itself never does', async () => {
  const { file, db } = walDatabase();
  const checkpointer = startCheckpointer(db);
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  const insert = db.prepare('INSERT INTO notes (text) VALUES (?)');
  // Far more than the 1,000 pages after which the connection would checkpoint by default.
  const write = db.transaction((n: number) => {
    for (let i = 0; i < 50; i++) insert.run(`note ${n}-${i} ${'x'.repeat(400)}`);
  });
  for (let n = 0; n < 200; n++) write(n);
  // The database file grows only as pages are copied into it: 4 MB of notes are in the log alone
  // until a checkpoint.
  await until('the notes are in the database file', () => statSync(file).size > 4_000_000);
  await checkpointer.stop();
  // Its own checkpoints are back once the thread is gone.
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  db.close();
});

it('gives checkpoints back to the connection when the thread stops by itself, and says so', async () => {
  const { file, db } = walDatabase();
  // The thread cannot open a file that is gone: it fails as it starts.
  rmSync(file);
  const stopped: unknown[] = [];
  const checkpointer = startCheckpointer(db, (error) => stopped.push(error));
  await until('the thread reported its end', () => stopped.length === 1);
  expect((stopped[0] as Error).message).toMatch(/SQLITE_CANTOPEN|unable to open|does not exist/i);
  expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
  await checkpointer.stop();
  db.close();
});
