/**
 * `leadwire db copy --to postgres://…`: a SQLite deployment with leads, clients, replies, a web
 * form, failed rows and blobs moves into an empty PostgreSQL database, and reads back the same
 * through the PostgreSQL store; a database that is not empty is refused. (In the PostgreSQL run:
 * the source is a SQLite deployment, the target a database of the test's own.)
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../../core/repositories/index.ts';
import { loadConfig } from '../../../core/runtime/config.ts';
import { openStore } from '../../../db/open.ts';
import { runCli } from '../../helpers/cli.ts';
import { freshDatabase, type TestDatabase } from '../../helpers/database.ts';
import { addInboxRow, addUser } from '../../helpers/rows.ts';
import { CONTACT_FORM, createForm } from '../../helpers/site.ts';
import { api, startSystem, waitFor, type TestSystem } from '../../helpers/system.ts';

let source: TestSystem;
let target: TestDatabase;
let copied: Store | undefined;

beforeAll(async () => {
  source = await startSystem({ label: 'db-copy', store: 'sqlite' });
  await source.startInProcessWorker();
  target = await freshDatabase('db-copy-target', 'postgres');
});
afterAll(async () => {
  await copied?.close();
  await source.close();
  await target.drop();
});

it('copies every row and blob into an empty PostgreSQL, and refuses one that is not empty', async () => {
  const call = api(source);
  const olga = await addUser(source, { name: 'Olga', email: 'olga@copy.test' });
  await source.store.users.addToQueue(1, olga.id);
  const client = await call('POST', '/api/v1/clients', {
    name: 'Marta',
    emails: ['marta@copy.test'],
    responsibleId: olga.id,
  });
  const leads = new Set<number>();
  for (const body of [
    { name: 'Ana', email: 'ana@copy.test', message: 'hola\u0000!' },
    { email: 'marta@copy.test', phone: '+34 611 222 333', message: 'again' },
    { email: 'ana@copy.test', message: 'second' },
  ]) {
    const answer = await call('POST', '/api/v1/leads?wait=true', body);
    expect(answer.status).toBe(200);
    leads.add(answer.body.leadId);
  }
  // Ana's simple lead (her second message appended) and Marta's repeat lead.
  expect(leads.size).toBe(2);
  await call('PATCH', `/api/v1/leads/${[...leads][0]}`, { stage: 'IN_PROCESS' });
  await createForm(source, { ...CONTACT_FORM, operatorIds: [olga.id] });
  await addInboxRow(source, { externalId: 'broken', status: 'failed', error: 'bad input' });
  const small = await source.store.blobs.putDurable(Buffer.from('a small file'));
  const large = randomBytes(700 * 1024);
  const big = await source.store.blobs.putDurable(large);
  await waitFor('nothing pending', async () => (await source.store.inbox.backlog()).pending === 0);

  const url = target.env.DATABASE_URL!;
  const copy = await runCli(source.env, ['db', 'copy', '--to', url]);
  expect(copy.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  expect(copy.code).toBe(0);
  expect(copy.stdout).toMatch(/^leads\s+2\s+2\s+ok$/m);
  expect(copy.stdout).toMatch(/^messages\s+3\s+3\s+ok$/m);
  expect(copy.stdout).toMatch(/^inbox\s+4\s+4\s+ok$/m);
  expect(copy.stdout).toMatch(/^\(blobs\)\s+2\s+2\s+ok$/m);
  expect(copy.stdout).toContain('every count checks out');

  copied = await openStore(loadConfig({ DATABASE_URL: url }), { migrate: false });
  expect(copied.kind).toBe('postgres');
  for (const id of leads) {
    const before = await source.store.leads.get(id, { kind: 'all' });
    const after = await copied.leads.get(id, { kind: 'all' });
    // PostgreSQL cannot hold NUL; the rest of the lead is the same, dates (its timeline's `at`
    // too) and JSON included.
    expect(after).toEqual(
      JSON.parse(JSON.stringify(before).replaceAll('\\u0000', ''), (key, value) =>
        typeof value === 'string' && /^at$|At$/.test(key) ? new Date(value) : value,
      ),
    );
  }
  expect(await copied.clients.get(client.body.id)).toEqual(
    await source.store.clients.get(client.body.id),
  );
  expect(await copied.inbox.countMatching({})).toEqual(await source.store.inbox.countMatching({}));
  expect(await copied.forms.bySlug('webform', CONTACT_FORM.slug)).toEqual(
    await source.store.forms.bySlug('webform', CONTACT_FORM.slug),
  );
  expect((await copied.blobs.readAll(small)).toString()).toBe('a small file');
  expect((await copied.blobs.readAll(big)).equals(large)).toBe(true);
  // New rows get ids after the copied ones.
  const next = await copied.inbox.record(1, 'after-copy', '{}', new Date());
  expect(next.row.id).toBe(5);
  expect(
    await copied.users.createUser({ name: 'New', email: 'new@copy.test', roles: ['operator'] }),
  ).toMatchObject({ ok: true, user: { id: olga.id + 1, roles: ['operator'] } });

  const again = await runCli(source.env, ['db', 'copy', '--to', url]);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(
    /^the target database is not empty \(.*5 rows in inbox.*\); db copy only fills an empty one/,
  );
  const missing = await runCli(source.env, ['db', 'copy']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/^db copy needs --to postgres:\/\//);
  const nowhere = await runCli(source.env, [
    'db',
    'copy',
    '--to',
    'postgres://postgres@127.0.0.1:1/none',
  ]);
  expect(nowhere.code).toBe(1);
  expect(nowhere.stderr).toMatch(
    /^PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/none cannot be used: PostgreSQL is not reachable/,
  );
  expect((await source.look.get<{ n: number }>(sql`SELECT count(*) AS n FROM leads`))?.n).toBe(2);
});
