/**
 * The email connector when things go wrong or get big: killed with SIGKILL in the middle of a
 * 400-message mailbox, what it does to the messages on the server (nothing, \Seen, or a move),
 * a message over the size limit, and `email backfill` re-reading a mailbox it already has.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorHost } from '../../connectors/connector-host.ts';
import { truncatedNote } from '../../connectors/email/parse.ts';
import { connectMailbox, customerEmail, inboxOf } from '../helpers/email.ts';
import {
  appendMany,
  checkpointOf,
  connectMailboxOf,
  countIn,
  flagsIn,
  runCli,
} from '../helpers/email-bulk.ts';
import { startImapServer, type ImapTestServer } from '../helpers/imap.ts';
import {
  api,
  startSystem,
  waitFor,
  type TestSystem,
  type WorkerProcess,
} from '../helpers/system.ts';

const SECRETS_KEY = 'k'.repeat(40);
/** Rows recorded by a killed connector but never enqueued are picked up within a second or two. */
const QUICK_RECONCILE = { RECONCILE_GRACE_MS: '1000', RECONCILE_INTERVAL_MS: '500' };
const TOTAL = 400;

const bulkEmail = (n: number) =>
  customerEmail(
    `Customer ${n} <customer-${n}@example.com>`,
    `bulk-${n}@example.com`,
    `Question ${n}`,
    `Do you deliver order ${n} to Valencia?`,
  );

const settled = async (system: TestSystem, channelId: number, count: number) => {
  const rows = await inboxOf(system, channelId);
  return rows.length >= count && rows.every((row) => row.status !== 'pending');
};

const errorLines = (logs: string[]) => logs.filter((line) => /"level":(50|60)/.test(line));

describe('a connector killed in the middle of a 400-message mailbox', () => {
  let imap: ImapTestServer;
  let system: TestSystem;
  let channelId: number;
  let connector: WorkerProcess | undefined;

  /**
   * The checkpoint, then the UIDs in the inbox. Rows and checkpoint commit together, so every
   * row the checkpoint covers is committed before it is read: the later read of the rows sees
   * them all (and perhaps more).
   */
  const progress = async () => {
    const checkpoint = await checkpointOf(system, channelId);
    const rows = await system.look.all<{ raw: string }>(
      sql`SELECT raw FROM inbox WHERE channel_id = ${channelId}`,
    );
    const uids = rows.map((row) => (JSON.parse(row.raw) as { uid: number }).uid);
    return { lastUid: checkpoint?.lastUid ?? 0, uids: uids.sort((a, b) => a - b) };
  };

  /** Every UID up to the checkpoint has its inbox row: nothing below it can be skipped. */
  const checkpointCovered = async () => {
    const { lastUid, uids } = await progress();
    const recorded = new Set(uids);
    const missing = Array.from({ length: lastUid }, (_, i) => i + 1).filter(
      (uid) => !recorded.has(uid),
    );
    return { lastUid, rows: uids.length, missing };
  };

  beforeAll(async () => {
    imap = await startImapServer('email-recovery-kill');
    const uids = await appendMany(
      imap,
      imap.users.support,
      'INBOX',
      Array.from({ length: TOTAL }, (_, n) => bulkEmail(n + 1)),
    );
    expect(uids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    system = await startSystem({
      label: 'email-kill',
      env: { SECRETS_KEY, ...QUICK_RECONCILE },
    });
    await system.startInProcessWorker();
    ({ id: channelId } = await connectMailbox(system, imap));
  }, 180_000);

  afterAll(async () => {
    if (connector && connector.child.exitCode === null && connector.child.signalCode === null) {
      connector.child.kill('SIGTERM');
      await connector.exited;
    }
    await system?.close();
    await imap?.stop();
  });

  it('resumes from its checkpoint after SIGKILL: every message exactly once, none skipped', async () => {
    const first = system.spawnEmail();
    connector = first;
    const violations: Awaited<ReturnType<typeof checkpointCovered>>[] = [];
    await waitFor(
      'the first emails recorded',
      async () => {
        const seen = await checkpointCovered();
        if (seen.missing.length) violations.push(seen);
        return seen.rows >= 50;
      },
      60_000,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    const atKill = await checkpointCovered();
    expect(violations).toEqual([]);
    expect(atKill.missing).toEqual([]);
    expect(atKill.lastUid).toBeGreaterThanOrEqual(50);
    expect(atKill.lastUid).toBeLessThanOrEqual(atKill.rows);
    // Killed mid-mailbox, not after it: the second process has work left to do.
    expect(atKill.rows).toBeLessThan(TOTAL);

    const second = system.spawnEmail();
    connector = second;
    await waitFor('all 400 emails processed', () => settled(system, channelId, TOTAL), 120_000);

    const rows = await inboxOf(system, channelId);
    expect(rows).toHaveLength(TOTAL);
    expect(new Set(rows.map((row) => row.external_id)).size).toBe(TOTAL);
    expect((await progress()).uids).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    expect(rows.filter((row) => row.status !== 'done')).toEqual([]);
    expect(rows.every((row) => row.outcome === 'created_simple')).toBe(true);
    const perMessageId = await system.look.all<{ id: string; n: number }>(
      sql`SELECT external_id AS id, COUNT(*) AS n FROM messages
          WHERE channel_id = ${channelId} AND direction = 'in' GROUP BY external_id`,
    );
    expect(perMessageId).toHaveLength(TOTAL);
    expect(perMessageId.filter((row) => row.n !== 1)).toEqual([]);
    expect(new Set(perMessageId.map((row) => row.id))).toEqual(
      new Set(Array.from({ length: TOTAL }, (_, n) => `bulk-${n + 1}@example.com`)),
    );
    expect((await checkpointOf(system, channelId))?.lastUid).toBe(TOTAL);
    expect(errorLines(second.logs)).toEqual([]);
  }, 240_000);

  it('leaves every message unseen on the server (BODY.PEEK, afterIngest "leave")', async () => {
    const flags = await flagsIn(imap, imap.users.support, 'INBOX');
    expect(flags).toHaveLength(TOTAL);
    expect(flags.filter((message) => message.flags.includes('\\Seen'))).toEqual([]);
  });

  /** As documented: `npm run leadwire -- email backfill ID --since YYYY-MM-DD`. */
  const backfill = (since: string) =>
    runCli(system, ['email', 'backfill', String(channelId), '--since', since]);

  it('email backfill re-reads the mailbox without duplicates, and records what it missed', async () => {
    const before = (await inboxOf(system, channelId)).length;
    const again = await backfill('2000-01-01');
    expect(again.stderr).toBe('');
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout.trim()).toBe(`INBOX: ${TOTAL} messages since 2000-01-01, 0 new`);
    expect(await inboxOf(system, channelId)).toHaveLength(before);

    // With the connector stopped, a message dated 2001 arrives (as when an old mail is moved
    // back into the INBOX): only the backfill can record it now.
    const stopped = connector as WorkerProcess;
    stopped.child.kill('SIGTERM');
    expect(await stopped.exited).toBe(0);
    const old = new Date('2001-03-04T10:00:00Z');
    await appendMany(
      imap,
      imap.users.support,
      'INBOX',
      [
        customerEmail('Olga <olga@example.com>', 'old-2001@example.com', 'Old question', 'Hi', {
          Date: old.toUTCString(),
        }),
      ],
      old,
    );
    const recent = await backfill('2020-01-01');
    expect(recent.stdout.trim()).toBe(`INBOX: ${TOTAL} messages since 2020-01-01, 0 new`);
    const all = await backfill('2000-01-01');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    expect(all.stdout.trim()).toBe(`INBOX: ${TOTAL + 1} messages since 2000-01-01, 1 new`);
    await waitFor('the backfilled email processed', () => settled(system, channelId, TOTAL + 1));
    const rows = await inboxOf(system, channelId);
    expect(rows).toHaveLength(TOTAL + 1);
    expect(rows.at(-1)).toMatchObject({
      external_id: 'old-2001@example.com',
      status: 'done',
      outcome: 'created_simple',
    });
    // A backfill never moves the checkpoint of a folder the connector follows: the connector
    // reads on from where it was (UID 401 again, a no-op) and takes the next message.
    expect((await checkpointOf(system, channelId))?.lastUid).toBe(TOTAL);
    await appendMany(imap, imap.users.support, 'INBOX', [
      customerEmail('Pia <pia@example.com>', 'after-backfill@example.com', 'New', 'Hello'),
    ]);
    const restarted = system.spawnEmail();
    await waitFor(
      'the connector after the backfill',
      () => settled(system, channelId, TOTAL + 2),
      60_000,
    );
    expect((await inboxOf(system, channelId)).map((row) => row.external_id).slice(-2)).toEqual([
      'old-2001@example.com',
      'after-backfill@example.com',
    ]);
    await waitFor(
      'the checkpoint at the newest message',
      async () => (await checkpointOf(system, channelId))?.lastUid === TOTAL + 2,
    );
    restarted.child.kill('SIGTERM');
    await restarted.exited;
  }, 180_000);
});

describe('afterIngest on the server: \\Seen or a move to another folder', () => {
  let imap: ImapTestServer;
  let system: TestSystem;
  let connector: ConnectorHost | undefined;
  let sales: number;
  let other: number;

  beforeAll(async () => {
    imap = await startImapServer('email-recovery-after');
    system = await startSystem({ label: 'email-after', env: { SECRETS_KEY } });
    await system.startInProcessWorker();
    const client = await imap.connect(imap.users.other);
    await client.mailboxCreate('Processed');
    await client.logout();
    ({ id: sales } = await connectMailboxOf(system, imap, imap.users.sales, {
      afterIngest: 'seen',
    }));
    ({ id: other } = await connectMailboxOf(system, imap, imap.users.other, {
      afterIngest: 'move',
      moveTo: 'Processed',
    }));
  }, 120_000);

  afterAll(async () => {
    await connector?.stop();
    await system?.close();
    await imap?.stop();
  });

  it('marks ingested mail \\Seen, or moves it without re-reading or skipping later mail', async () => {
    const five = Array.from({ length: 5 }, (_, n) => n + 1);
    await appendMany(
      imap,
      imap.users.sales,
      'INBOX',
      five.map((n) => bulkEmail(100 + n)),
    );
    await appendMany(
      imap,
      imap.users.other,
      'INBOX',
      five.map((n) => bulkEmail(200 + n)),
    );
    connector = await system.startInProcessEmail();
    await waitFor(
      'both mailboxes ingested',
      async () => (await settled(system, sales, 5)) && (await settled(system, other, 5)),
    );
    await waitFor(
      'the ingested mail moved to Processed',
      async () => (await countIn(imap, imap.users.other, 'Processed')) === 5,
    );

    const seen = await flagsIn(imap, imap.users.sales, 'INBOX');
    expect(seen.map((message) => message.flags.includes('\\Seen'))).toEqual(five.map(() => true));
    expect(await countIn(imap, imap.users.other, 'INBOX')).toBe(0);
    const moved = await flagsIn(imap, imap.users.other, 'Processed');
    expect(moved.filter((message) => message.flags.includes('\\Seen'))).toEqual([]);

    // A later message lands on UID 6 of an INBOX that is now empty: read once, moved too.
    await appendMany(imap, imap.users.other, 'INBOX', [bulkEmail(206)]);
    await waitFor('the later message ingested', () => settled(system, other, 6));
    await waitFor(
      'the later message moved',
      async () => (await countIn(imap, imap.users.other, 'Processed')) === 6,
    );
    connector.syncNow();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rows = await inboxOf(system, other);
    expect(rows.map((row) => row.external_id)).toEqual(
      [...five, 6].map((n) => `bulk-${200 + n}@example.com`),
    );
    expect(rows.every((row) => row.status === 'done')).toBe(true);
    expect((await checkpointOf(system, other))?.lastUid).toBe(6);
    expect(await inboxOf(system, sales)).toHaveLength(5);
  }, 120_000);
});

describe('a message over EMAIL_MAX_MB', () => {
  let imap: ImapTestServer;
  let system: TestSystem;
  let connector: ConnectorHost | undefined;
  let channelId: number;

  beforeAll(async () => {
    imap = await startImapServer('email-recovery-big');
    system = await startSystem({
      label: 'email-big',
      env: { SECRETS_KEY, EMAIL_MAX_MB: '1' },
    });
    await system.startInProcessWorker();
    ({ id: channelId } = await connectMailbox(system, imap));
  }, 120_000);

  afterAll(async () => {
    await connector?.stop();
    await system?.close();
    await imap?.stop();
  });

  it('becomes a lead from its headers alone, with a note that it was over the limit', async () => {
    const line = `${'The attached floor plan, described in words. '.repeat(2)}\r\n`;
    const body = line.repeat(Math.ceil((1.5 * 1024 * 1024) / line.length));
    await appendMany(imap, imap.users.support, 'INBOX', [
      customerEmail('Hugo <hugo@example.com>', 'huge@example.com', 'Floor plan', body),
      bulkEmail(1),
    ]);
    connector = await system.startInProcessEmail();
    await waitFor('both emails processed', () => settled(system, channelId, 2));

    const [huge, small] = await inboxOf(system, channelId);
    expect(huge).toMatchObject({
      external_id: 'huge@example.com',
      status: 'done',
      outcome: 'created_simple',
    });
    expect(small).toMatchObject({ external_id: 'bulk-1@example.com', status: 'done' });
    const raw = async (id: number) =>
      JSON.parse((await system.store.inbox.get(id))?.raw ?? '{}') as {
        size: number;
        blob: string;
        truncated?: { limit: number };
      };
    const hugeRaw = await raw(huge?.id as number);
    expect(hugeRaw.truncated).toEqual({ limit: 1024 * 1024 });
    expect(hugeRaw.size).toBeGreaterThan(1.5 * 1024 * 1024);
    expect((await raw(small?.id as number)).truncated).toBeUndefined();
    const stored = (await system.store.blobs.readAll(hugeRaw.blob)).toString();
    expect(stored).toContain('Message-ID: <huge@example.com>');
    expect(stored).not.toContain('floor plan, described');
    expect(stored.length).toBeLessThan(2048);

    const lead = (await api(system)('GET', `/api/v1/leads/${huge?.lead_id}`)).body;
    expect(lead.title).toBe('Floor plan');
    const [message] = lead.messages as { text: string }[];
    expect(message?.text).toBe(truncatedNote({ size: hugeRaw.size, limit: 1024 * 1024 }));
    expect(message?.text).toMatch(/over the 1 MB limit; only its headers were stored/);
  }, 120_000);
});

describe('a mailbox connected with history older than ingestSince', () => {
  it('never ingests the old mail, not on the first sync and not on the polls after it', async () => {
    const imap = await startImapServer('email-history');
    const system = await startSystem({ label: 'email-history', env: { SECRETS_KEY } });
    await system.startInProcessWorker();
    let connector: ConnectorHost | undefined;
    try {
      const old = new Date('2019-05-01T10:00:00Z');
      const history = Array.from({ length: 3 }, (_, n) =>
        customerEmail('Old <old@example.com>', `history-${n}@example.com`, 'Old', 'From 2019', {
          Date: old.toUTCString(),
        }),
      );
      await appendMany(imap, imap.users.support, 'INBOX', history, old);
      const { id } = await connectMailbox(system, imap, { ingestSince: '2026-01-01T00:00:00Z' });
      connector = await system.startInProcessEmail();
      await waitFor(
        'the first sync',
        async () => (await checkpointOf(system, id))?.lastUid === 3,
        30_000,
      );
      connector.syncNow();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await inboxOf(system, id)).toEqual([]);
      await appendMany(imap, imap.users.support, 'INBOX', [
        customerEmail('New <new@example.com>', 'fresh@example.com', 'New', 'Today'),
      ]);
      await waitFor(
        'the new message',
        async () => (await inboxOf(system, id)).length === 1,
        30_000,
      );
      expect((await inboxOf(system, id)).map((row) => row.external_id)).toEqual([
        'fresh@example.com',
      ]);
    } finally {
      await connector?.stop();
      await system.close();
      await imap.stop();
    }
  }, 120_000);
});
