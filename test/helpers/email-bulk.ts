/**
 * Email test helpers for many messages at once: APPENDs over one IMAP session, a folder's flags
 * and size, a mailbox of another test user, the folder checkpoint, and the CLI as a child process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ImapTestServer, ImapUser } from './imap.ts';
import { connectMailbox } from './email.ts';
import type { TestSystem } from './system.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** APPENDs every message over one session (the helper's `append` logs in for each one). */
export async function appendMany(
  imap: ImapTestServer,
  user: ImapUser,
  mailbox: string,
  emls: (string | Buffer)[],
  internalDate?: Date,
): Promise<number[]> {
  const client = await imap.connect(user);
  try {
    const uids: number[] = [];
    for (const eml of emls) {
      const result = await client.append(mailbox, eml, [], internalDate);
      if (!result || result.uid === undefined) throw new Error(`APPEND to ${mailbox}: no UID`);
      uids.push(result.uid);
    }
    return uids;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Each message's flags in `mailbox`, by UID (read with FETCH FLAGS, which changes nothing). */
export async function flagsIn(
  imap: ImapTestServer,
  user: ImapUser,
  mailbox: string,
): Promise<{ uid: number; flags: string[] }[]> {
  const client = await imap.connect(user);
  try {
    const lock = await client.getMailboxLock(mailbox, { readOnly: true });
    try {
      const exists = client.mailbox ? client.mailbox.exists : 0;
      if (!exists) return [];
      const messages = await client.fetchAll('1:*', { uid: true, flags: true });
      return messages.map((m) => ({ uid: m.uid, flags: [...(m.flags ?? [])] }));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** How many messages `mailbox` holds now. */
export async function countIn(
  imap: ImapTestServer,
  user: ImapUser,
  mailbox: string,
): Promise<number> {
  const client = await imap.connect(user);
  try {
    const status = await client.status(mailbox, { messages: true });
    if (!status) throw new Error(`${mailbox} does not exist`);
    return status.messages ?? 0;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A mailbox channel for `user` instead of support@ (everything else as `connectMailbox`). */
export function connectMailboxOf(
  system: TestSystem,
  imap: ImapTestServer,
  user: ImapUser,
  extra: Record<string, unknown> = {},
): Promise<{ id: number }> {
  return connectMailbox(system, imap, {
    name: `Mailbox ${user.user}`,
    imap: {
      host: imap.host,
      port: imap.port,
      secure: false,
      user: user.user,
      password: { value: user.pass },
    },
    ...extra,
  });
}

export function checkpointOf(
  system: TestSystem,
  channelId: number,
  folder = 'INBOX',
): Promise<{ uidValidity: number; lastUid: number } | undefined> {
  return system.store.checkpoints.email(channelId, folder);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run leadwire -- …args` with the system's environment, as an operator would run it. */
export function runCli(system: TestSystem, args: string[]): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...system.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
