/**
 * Retention on SQLite and on PostgreSQL (TEST_DATABASE=postgres), with the real migrations: which
 * events are pruned (delivered and old) and which stay (a pending delivery, young, never
 * dispatched); which blobs are collected (old, named nowhere) and which stay (an attachment's, an
 * email's .eml, a form upload's, a young one, one stored again); and that both go in batches
 * until none is left. On PostgreSQL the blobs are tested in the database and on BLOB_DIR.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { rename, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.ts';
import { planIngest } from '../../core/ingest-plan.ts';
import { decideLead } from '../../core/lead-decision.ts';
import type { Store } from '../../core/repositories/index.ts';
import { normaliseIntake } from '../../connectors/api/normalise.ts';
import { FileBlobStore } from '../../db/files/blob-store.ts';
import { RETENTION_BATCH, retainOnce } from '../../workers/retention.ts';
import { COMMANDS } from '../../scripts/cli/commands.ts';
import { CliError } from '../../scripts/cli/options.ts';
import { TEST_STORE } from '../helpers/database.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

const DAY = 86_400_000;
const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY);
const clock = fixedClock(now);

const opened: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

/** Where the blobs live: the store's own default, and on PostgreSQL also a BLOB_DIR. */
const LOCATIONS = TEST_STORE === 'postgres' ? ['default', 'BLOB_DIR'] : ['default'];

async function open(location: string): Promise<TestStore> {
  const env: Record<string, string> = {};
  if (location === 'BLOB_DIR') {
    const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-retention-blobs-'));
    opened.push(async () => rmSync(dir, { recursive: true, force: true }));
    env.BLOB_DIR = dir;
  }
  const test = await openTestStore('retention', env);
  opened.push(() => test.close());
  return test;
}

const optionsOf = (store: Store) => ({
  repos: store,
  blobs: store.blobs,
  clock,
  keepEventsMs: 30 * DAY,
});
const retain = (store: Store, dryRun = false) => retainOnce(optionsOf(store), { dryRun });

describe(`events on the ${TEST_STORE} store`, () => {
  /** An event as a change writes it, created at `at`; its id. */
  async function addEvent({ look }: TestStore, at: Date): Promise<number> {
    const row = await look.get<{ id: number }>(
      sql`INSERT INTO events (type, payload, created_at)
          VALUES ('lead.created', ${'{}'}, ${look.at(at)}) RETURNING id`,
    );
    return row!.id;
  }
  const eventIds = async ({ look }: TestStore) =>
    (await look.all<{ id: number }>(sql`SELECT id FROM events ORDER BY id`)).map((r) => r.id);

  it('keeps the newest event on SQLite, whose id SQLite would otherwise hand out again', async () => {
    const test = await open('default');
    const older = await addEvent(test, daysAgo(50));
    const newest = await addEvent(test, daysAgo(40));
    await test.store.webhooks.dispatch(100, daysAgo(39));
    await test.store.webhooks.pruneEvents(daysAgo(30), 500);
    expect(await eventIds(test)).toEqual(TEST_STORE === 'sqlite' ? [newest] : []);
    const next = await addEvent(test, new Date());
    expect(next).toBeGreaterThan(Math.max(older, newest));
  });

  it('prunes old events every subscriber has had, with their deliveries and attempts', async () => {
    const test = await open('default');
    const { store, look } = test;
    const hook = await store.webhooks.create({
      url: 'https://hooks.example.com/leadwire',
      description: null,
      events: ['*'],
      secret: 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==',
      createdBy: null,
      at: daysAgo(60),
    });
    const delivered = await addEvent(test, daysAgo(31));
    const givenUp = await addEvent(test, daysAgo(40));
    const pending = await addEvent(test, daysAgo(31));
    const young = await addEvent(test, daysAgo(29));
    const { deliveries } = await store.webhooks.dispatch(100, daysAgo(1));
    const deliveryOf = (eventId: number) => deliveries.find((d) => d.eventId === eventId)!.id;
    const attempt = (status: 'delivered' | 'failed') => ({
      attempt: { attempt: 1, at: daysAgo(1), status: 200, durationMs: 5, answer: '', error: null },
      status,
      nextAt: null,
      disable: null,
      retire: null,
    });
    expect(
      await store.webhooks.recordAttempt(deliveryOf(delivered), attempt('delivered')),
    ).toBeTruthy();
    expect(await store.webhooks.recordAttempt(deliveryOf(givenUp), attempt('failed'))).toBeTruthy();
    expect(
      await store.webhooks.recordAttempt(deliveryOf(young), attempt('delivered')),
    ).toBeTruthy();
    // Committed late: old, but the dispatcher has not seen it yet.
    const undispatched = await addEvent(test, daysAgo(35));

    expect(await retain(store)).toEqual({ events: 2, blobs: 0, uploads: 0 });
    expect(await eventIds(test)).toEqual([pending, young, undispatched]);
    const left = await store.webhooks.deliveries(hook.id, 10);
    expect(left.map((d) => d.eventId).sort()).toEqual([pending, young].sort());
    expect(await look.get<{ n: number }>(sql`SELECT count(*) AS n FROM webhook_attempts`)).toEqual({
      n: 1,
    });
  });

  it('prunes more than one batch until none is left, and a dry run prunes nothing', async () => {
    const test = await open('default');
    const { store, look } = test;
    const oldEvents = 2 * RETENTION_BATCH + 3;
    // Events dispatched while nobody subscribed: no deliveries, nothing left to wait for.
    await look.run(sql`INSERT INTO events (type, payload, created_at, dispatched_at)
      SELECT 'lead.created', ${'{}'}, ${look.at(daysAgo(45))}, ${look.at(daysAgo(44))}
      FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${oldEvents})
            SELECT i FROM n) AS numbers`);
    const young = await addEvent(test, daysAgo(2));

    expect((await retain(store, true)).events).toBeUndefined();
    expect(await eventIds(test)).toHaveLength(oldEvents + 1);
    const batches: number[] = [];
    const pruneEvents = async (before: Date, limit: number) => {
      const pruned = await store.webhooks.pruneEvents(before, limit);
      batches.push(pruned);
      return pruned;
    };
    const report = await retainOnce({
      ...optionsOf(store),
      repos: { webhooks: { pruneEvents }, attachments: store.attachments },
    });
    expect(report.events).toBe(oldEvents);
    expect(batches).toEqual([RETENTION_BATCH, RETENTION_BATCH, 3]);
    expect(await eventIds(test)).toEqual([young]);
  });
});

describe.each(LOCATIONS)(`blobs (%s) on the ${TEST_STORE} store`, (location) => {
  /** Makes a stored blob look last stored at `at`. */
  async function age({ store, look }: TestStore, sha256: string, at: Date) {
    if (store.blobs instanceof FileBlobStore) await utimes(store.blobs.pathOf(sha256), at, at);
    else await look.run(sql`UPDATE blobs SET created_at = ${look.at(at)} WHERE sha256 = ${sha256}`);
  }
  /** A file as a web form post stores it: received, then kept. */
  async function keep(store: Store, content: string): Promise<string> {
    const received = await store.blobs.receive(Readable.from([Buffer.from(content)]));
    await store.blobs.keep(received);
    return received.sha256;
  }
  const put = (store: Store, content: string) => store.blobs.putDurable(Buffer.from(content));

  /** A message of the REST intake committed by the ingest transaction with these files. */
  async function attach(store: Store, externalId: string, hashes: string[]) {
    const raw = JSON.stringify({
      body: { email: `${externalId}@leads.test`, message: 'files' },
      receivedAt: now.toISOString(),
    });
    const { row } = await store.inbox.record(1, externalId, raw, now);
    const channel = (await store.channels.info(1))!;
    const message = {
      ...normaliseIntake(JSON.parse(raw), { externalId, defaultCountry: 'ES' }),
      attachments: hashes.map((sha256, i) => ({
        filename: `file-${i}.pdf`,
        contentType: 'application/pdf',
        size: 10,
        sha256,
      })),
    };
    const [result] = await store.ingest.commit(
      [{ row, channel, message }],
      (item, current, state) =>
        planIngest(
          { ...item, row: current },
          state,
          decideLead(item.message, state, { channelId: 1 }, clock),
          clock.now(),
        ),
    );
    expect(result?.ok).toBe(true);
  }

  it('stores a batch at once: names in order, a repeat stored once, stored content made young', async () => {
    const test = await open(location);
    const { store } = test;
    const old = await put(store, 'stored long ago');
    await age(test, old, daysAgo(3));
    const big = Buffer.alloc(600 * 1024, 7); // more than one PostgreSQL chunk
    const contents = ['first', 'stored long ago', 'first', ''].map((text) => Buffer.from(text));
    const names = await store.blobs.putDurableMany([...contents, big]);
    expect(names[1]).toBe(old);
    expect(names[0]).toBe(names[2]);
    for (const [i, content] of [...contents, big].entries())
      expect((await store.blobs.readAll(names[i]!)).equals(content)).toBe(true);
    // Stored again, so retention sees it as young.
    const olderThanADay = [];
    for await (const name of store.blobs.storedBefore(daysAgo(1))) olderThanADay.push(name);
    expect(olderThanADay).not.toContain(old);
    expect(await store.blobs.putDurableMany([])).toEqual([]);
  });

  it('collects old blobs nothing names and keeps every one still named, young or stored again', async () => {
    const test = await open(location);
    const { store } = test;
    const orphan = await put(store, 'nobody names me');
    const attached = await put(store, 'an attachment');
    const eml = await put(store, 'From: ana@leads.test\r\n\r\nHola');
    const upload = await keep(store, 'a form upload');
    const youngOrphan = await put(store, 'written a minute ago');
    const storedAgain = await put(store, 'an .eml fetched twice');
    const keptAgain = await keep(store, 'a file posted twice');
    for (const sha256 of [orphan, attached, eml, upload, youngOrphan, storedAgain, keptAgain])
      await age(test, sha256, daysAgo(2));
    await age(test, youngOrphan, daysAgo(0.5));

    await attach(store, 'with-file', [attached]);
    // Inbox rows as the email connector and a web form record them (which channel a row is on
    // does not matter to the check: the raw event names the blob).
    const emailRaw = { kind: 'email', folder: 'INBOX', uidValidity: 1, uid: 7, size: 40 };
    await store.inbox.record(1, 'mail-7', JSON.stringify({ ...emailRaw, blob: eml }), now);
    const form = { kind: 'webform', country: 'ES', fields: [], formId: 1, submissionId: 's-1' };
    const file = { field: 'cv', filename: 'cv.pdf', contentType: 'application/pdf', size: 13 };
    const formRaw = JSON.stringify({ ...form, files: [{ ...file, sha256: upload }] });
    await store.inbox.record(1, 'sub-1', formRaw, now);
    // A customer's NUL character, which PostgreSQL's JSON functions refuse, does not stop a pass.
    await store.inbox.record(1, 'nul', JSON.stringify({ body: { message: 'a\u0000b' } }), now);
    // A raw event that is no JSON (kept as it came), even one that looks as if it had files.
    await store.inbox.record(1, 'broken', 'not json "blob":"x" "files":[{', now);
    // Stored again now: about to be named by a row that has not committed yet.
    expect(await put(store, 'an .eml fetched twice')).toBe(storedAgain);
    expect(await keep(store, 'a file posted twice')).toBe(keptAgain);

    expect(await retain(store, true)).toEqual({ events: undefined, blobs: 1, uploads: 0 });
    expect(await store.blobs.has(orphan)).toBe(true);

    expect(await retain(store)).toEqual({ events: 0, blobs: 1, uploads: 0 });
    expect(await store.blobs.has(orphan)).toBe(false);
    for (const sha256 of [attached, eml, upload, youngOrphan, storedAgain, keptAgain])
      expect(await store.blobs.has(sha256)).toBe(true);
    expect((await store.blobs.readAll(eml)).toString()).toContain('Hola');
    // Collected content stored again later is a blob like any other.
    expect(await put(store, 'nobody names me')).toBe(orphan);
    expect((await store.blobs.readAll(orphan)).toString()).toBe('nobody names me');
  });

  it('checks and collects page after page', async () => {
    const test = await open(location);
    const { store } = test;
    const total = RETENTION_BATCH + 100;
    const hashes = await Promise.all(
      Array.from({ length: total }, (_, i) => keep(store, `blob ${i}`)),
    );
    await Promise.all(hashes.map((sha256) => age(test, sha256, daysAgo(3))));
    // Every third one is an attachment's: named in every page of candidates.
    const named = hashes.filter((_, i) => i % 3 === 0);
    await attach(store, 'many-files', named);

    const pages: number[] = [];
    const referenced = (hashes: string[]) => {
      pages.push(hashes.length);
      return store.attachments.referenced(hashes);
    };
    const report = await retainOnce({
      ...optionsOf(store),
      repos: { webhooks: store.webhooks, attachments: { referenced } },
    });
    expect(report).toEqual({ events: 0, blobs: total - named.length, uploads: 0 });
    expect(pages).toEqual([RETENTION_BATCH, 100]);
    const left: string[] = [];
    for await (const sha256 of store.blobs.list()) left.push(sha256);
    expect(left.sort()).toEqual([...named].sort());
  });

  it('removes uploads a crash left unnamed once they are old, not one in progress', async () => {
    const test = await open(location);
    const { store, look } = test;
    const cut = await store.blobs.receive(Readable.from([Buffer.from('half a video')]));
    const inProgress = await store.blobs.receive(Readable.from([Buffer.from('being posted')]));
    if (store.blobs instanceof FileBlobStore) await utimes(cut.handle, daysAgo(2), daysAgo(2));
    else
      await look.run(
        sql`UPDATE blob_chunks SET created_at = ${look.at(daysAgo(2))} WHERE upload_id = ${Number(cut.handle)}`,
      );

    expect(await retain(store, true)).toEqual({ events: undefined, blobs: 0, uploads: 1 });
    expect(await retain(store)).toEqual({ events: 0, blobs: 0, uploads: 1 });
    expect(await retain(store)).toEqual({ events: 0, blobs: 0, uploads: 0 });
    // The upload in progress is still whole and can be kept.
    await store.blobs.keep(inProgress);
    expect((await store.blobs.readAll(inProgress.sha256)).toString()).toBe('being posted');
  });

  // Blobs on a filesystem only (SQLite's, or BLOB_DIR): a file moved aside to be removed.
  if (location === 'BLOB_DIR' || TEST_STORE === 'sqlite')
    it('puts back a blob a removal moved aside and never finished with', async () => {
      const test = await open(location);
      const { store } = test;
      const blobs = store.blobs as FileBlobStore;
      const named = await put(store, 'moved aside by a removal that crashed');
      await attach(store, 'aside', [named]);
      // What removeIfStoredBefore leaves when the process dies between its two steps.
      const aside = path.join(blobs.dir, 'tmp', `${named}.crashed`);
      await rename(blobs.pathOf(named), aside);
      await utimes(aside, daysAgo(2), daysAgo(2));

      expect(await retain(store)).toEqual({ events: 0, blobs: 0, uploads: 0 });
      expect((await store.blobs.readAll(named)).toString()).toBe(
        'moved aside by a removal that crashed',
      );
    });
});

describe(`leadwire retention run on the ${TEST_STORE} store`, () => {
  const command = COMMANDS.find((candidate) => candidate.name === 'retention')!;

  it('prints what went, and with --dry-run what would go without removing it', async () => {
    const test = await open('default');
    const { store, look, config } = test;
    const run = (...argv: string[]) => command.run({ store, config }, ['retention', ...argv]);
    await look.run(sql`INSERT INTO events (type, payload, created_at, dispatched_at)
      VALUES ('lead.created', ${'{}'}, ${look.at(daysAgo(45))}, ${look.at(daysAgo(44))})`);
    // A newer event: the newest one is always kept (SQLite would hand its id out again).
    await look.run(sql`INSERT INTO events (type, payload, created_at)
      VALUES ('lead.created', ${'{}'}, ${look.at(new Date())})`);
    const orphan = await store.blobs.putDurable(Buffer.from('nobody names me'));
    if (store.blobs instanceof FileBlobStore)
      await utimes(store.blobs.pathOf(orphan), daysAgo(2), daysAgo(2));
    else
      await look.run(
        sql`UPDATE blobs SET created_at = ${look.at(daysAgo(2))} WHERE sha256 = ${orphan}`,
      );

    const dry = await run('run', '--dry-run');
    expect(dry).toMatch(/^events\s+-\s+not counted in a dry run$/m);
    expect(dry).toMatch(/^blobs\s+1\s+would go: nothing names them, older than 1 day$/m);
    expect(dry).toContain('dry run: nothing was removed');
    expect(await store.blobs.has(orphan)).toBe(true);

    const done = await run('run');
    expect(done).toMatch(/^events\s+1\s+pruned: delivered, older than 30 days$/m);
    expect(done).toMatch(/^blobs\s+1\s+removed: nothing names them/m);
    expect(done).toMatch(/^uploads\s+0\s+removed/m);
    expect(await store.blobs.has(orphan)).toBe(false);

    await expect(run()).rejects.toThrow(CliError);
    await expect(run('now')).rejects.toThrow('unknown command: retention now');
  });
});
