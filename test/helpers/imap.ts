/**
 * A real IMAP server for tests: a private Dovecot instance per call, started by
 * scripts/imap-test-server.sh under a temp dir on a free 127.0.0.1 port (plain-text LOGIN, no
 * TLS, IDLE). Each test file can start its own; instances never share ports or files.
 *
 * Users support@, sales@ and other@test.local, all with password `secret`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';

const run = promisify(execFile);

export const IMAP_SERVER_SCRIPT = fileURLToPath(
  new URL('../../scripts/imap-test-server.sh', import.meta.url),
);
export const IMAP_PASSWORD = 'secret';

/** Login of one test user, usable as imapflow's `auth` option as is. */
export interface ImapUser {
  user: string;
  pass: string;
}

export interface ImapTestUsers {
  support: ImapUser;
  sales: ImapUser;
  other: ImapUser;
}

export interface ImapTestServer {
  host: '127.0.0.1';
  port: number;
  /** The instance's directory: dovecot.conf, passwd, mail/<user>/ (Maildir), dovecot.log. */
  dir: string;
  users: ImapTestUsers;
  /** A connected client for `user` (an address or one of `users`); log it out when done. */
  connect(user: string | ImapUser): Promise<ImapFlow>;
  /** APPENDs a message to `mailbox` (created if missing) and returns its UID. */
  append(
    user: string | ImapUser,
    mailbox: string,
    rawEml: string | Buffer,
    flags?: string[],
  ): Promise<number>;
  /**
   * Empties `mailbox` (created if missing) and gives it a new, larger UIDVALIDITY; UIDs start
   * again at 1. Every IMAP session of that user is disconnected first (`* BYE Server shutting
   * down.`; imapflow emits `close`), as on a server migration: Dovecot would otherwise leave a
   * session that has the mailbox selected looking at the old messages. Done by the script's
   * `reset-mailbox` (doveadm), since IMAP cannot delete INBOX.
   */
  recreateMailbox(user: string | ImapUser, mailbox: string): Promise<void>;
  /** The server's log so far, for failing tests. */
  log(): string;
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Instances still running, stopped if the test process exits without stopping them. */
const running = new Set<string>();
let exitHookInstalled = false;

/** The master's pid while it runs (not a zombie: a lazy PID 1 may leave it one for seconds). */
function livePid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? undefined : pid;
  } catch {
    return undefined;
  }
}

/** Synchronous, for the 'exit' event: SIGTERM every master, give them 3 s, remove the dirs. */
function killOnExit(): void {
  const dirs = [...running];
  for (const dir of dirs) {
    const pid = livePid(dir);
    try {
      if (pid !== undefined) process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 3000 && dirs.some((dir) => livePid(dir)); waited += 50) {
    Atomics.wait(tick, 0, 0, 50);
  }
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // a master still shutting down rewrote a file: leave the dir
    }
  }
}

async function script(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [IMAP_SERVER_SCRIPT, ...args], { timeout: 120_000 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(
      `imap-test-server.sh ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: error },
    );
  }
}

export async function startImapServer(label: string): Promise<ImapTestServer> {
  const safe = label.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40);
  const dir = await mkdtemp(path.join(tmpdir(), `leadwire-imap-${safe}-`));
  let port: number;
  try {
    const stdout = await script('start', dir);
    const match = /^port=(\d+)$/m.exec(stdout.trim().split('\n').at(-1) ?? '');
    if (!match) throw new Error(`imap-test-server.sh start printed no port=: ${stdout}`);
    port = Number(match[1]);
  } catch (error) {
    await script('stop', dir).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  running.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killOnExit);
  }

  const host = '127.0.0.1' as const;
  const login = (user: string | ImapUser): ImapUser =>
    typeof user === 'string' ? { user, pass: IMAP_PASSWORD } : user;

  async function connect(user: string | ImapUser): Promise<ImapFlow> {
    const client = new ImapFlow({ host, port, secure: false, auth: login(user), logger: false });
    // A server-side BYE must not surface as an unhandled 'error' event in tests.
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  async function withClient<T>(
    user: string | ImapUser,
    work: (client: ImapFlow) => Promise<T>,
  ): Promise<T> {
    const client = await connect(user);
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  let stopped = false;
  return {
    host,
    port,
    dir,
    users: {
      support: login('support@test.local'),
      sales: login('sales@test.local'),
      other: login('other@test.local'),
    },
    connect,

    append(user, mailbox, rawEml, flags) {
      return withClient(user, async (client) => {
        if (mailbox.toUpperCase() !== 'INBOX') {
          const list = await client.list();
          if (!list.some((box) => box.path === mailbox)) await client.mailboxCreate(mailbox);
        }
        const result = await client.append(mailbox, rawEml, flags);
        if (!result || result.uid === undefined) {
          throw new Error(`APPEND to ${mailbox} returned no UID`);
        }
        return result.uid;
      });
    },

    async recreateMailbox(user, mailbox) {
      await script('reset-mailbox', dir, login(user).user, mailbox);
    },

    log() {
      try {
        return readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
      } catch {
        return '';
      }
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await script('stop', dir);
      } finally {
        running.delete(dir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
