/**
 * The cleanup for when the bench cannot clean up itself: killed outright (kill -9, or a second
 * Ctrl-C on which the `tsx` CLI sends SIGKILL). A detached shell, in a process group of its own so
 * Ctrl-C does not reach it, waits for the bench to be gone, then ends the processes it started
 * (SIGTERM, SIGKILL after 20 s), stops its Dovecot (which daemonizes), deletes its Redis keys and
 * removes its directories. The bench lists them in a state file as it goes, and ends the guard
 * once it has cleaned up on its own.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IMAP_SERVER_SCRIPT } from '../../test/helpers/imap.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REDIS_HELPER = fileURLToPath(new URL('../../test/helpers/redis.ts', import.meta.url));
/** argv: test/helpers/redis.ts, Redis URL, prefix. */
const DELETE_KEYS = `await (await import(process.argv[1])).deleteKeys(process.argv[3], process.argv[2]);`;

// $1 the bench's pid, $2 the state file, $3 imap-test-server.sh, $4 node, $5 DELETE_KEYS,
// $6 test/helpers/redis.ts. State lines: `pid N`, `exited N`, `dovecot DIR`, `redis URL PREFIX`, `remove DIR`.
const GUARD = `
while kill -0 "$1" 2>/dev/null; do sleep 1; done
pids=$(awk '$1 == "pid" { live[$2] = 1 } $1 == "exited" { delete live[$2] }
  END { for (p in live) print p }' "$2")
if [ -n "$pids" ]; then
  kill -TERM $pids 2>/dev/null
  for _ in $(seq 1 20); do kill -0 $pids 2>/dev/null || break; sleep 1; done
  kill -KILL $pids 2>/dev/null
fi
sed -n 's/^dovecot //p' "$2" | while IFS= read -r dir; do bash "$3" stop "$dir"; done
sed -n 's/^redis //p' "$2" | while read -r url prefix; do
  "$4" --import tsx --input-type=module -e "$5" "$6" "$url" "$prefix"
done
sed -n 's/^remove //p' "$2" | while IFS= read -r dir; do rm -rf -- "$dir"; done
rm -rf -- "$(dirname "$2")"
`;

export interface OrphanGuard {
  started(pid: number): void;
  exited(pid: number): void;
  dovecot(dir: string): void;
  redisKeys(url: string, prefix: string): void;
  remove(dir: string): void;
  /** The bench cleaned up on its own: the guard goes, with its state file. */
  end(): void;
}

export function startOrphanGuard(): OrphanGuard {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'leadwire-bench-guard-'));
  const state = path.join(stateDir, 'state');
  const note = (line: string) => appendFileSync(state, `${line}\n`);
  note('# leadwire bench');
  const args = [String(process.pid), state, IMAP_SERVER_SCRIPT, process.execPath, DELETE_KEYS];
  const guard = spawn('bash', ['-c', GUARD, 'bench-guard', ...args, REDIS_HELPER], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
  });
  guard.unref();
  let ended = false;
  return {
    started: (pid) => note(`pid ${pid}`),
    exited: (pid) => note(`exited ${pid}`),
    dovecot: (dir) => note(`dovecot ${dir}`),
    redisKeys: (url, prefix) => note(`redis ${url} ${prefix}`),
    remove: (dir) => note(`remove ${dir}`),
    end() {
      if (ended) return;
      ended = true;
      try {
        // Its whole group: the shell and the `sleep` it is waiting on.
        if (guard.pid) process.kill(-guard.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
