/** `leadwire forms|callbacks …` against a real database file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CliError, runWidgetCommand } from '../../scripts/cli/widgets.ts';
import { getWidget } from '../../db/forms.ts';
import { migrateDatabase, openDatabase } from '../../db/open.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'leadwire-cli-'));
const db = openDatabase(path.join(dir, 'leadwire.db'));
migrateDatabase(db);
afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, body: unknown): string {
  const target = path.join(dir, name);
  writeFileSync(target, JSON.stringify(body));
  return target;
}

it('creates, updates and lists a callback widget with the API’s validation', () => {
  const created = runWidgetCommand(
    db,
    'callbacks',
    'create',
    undefined,
    file('cb.json', {
      slug: 'cb',
      title: 'Call us',
      timeZone: 'Europe/Madrid',
      hours: { mon: [{ from: '09:00', to: '18:00' }] },
    }),
  );
  expect(created).toBe('created callback 1: /cb/cb (embed: /cb/cb/embed.js)');
  expect(() =>
    runWidgetCommand(
      db,
      'callbacks',
      'update',
      '1',
      file('bad.json', { timeZone: 'Mars/Olympus' }),
    ),
  ).toThrow(
    new CliError('the callback is not valid:\n  timeZone: an IANA time zone such as Europe/Madrid'),
  );
  runWidgetCommand(
    db,
    'callbacks',
    'update',
    '1',
    file('ok.json', { delayMinutes: 30, active: false }),
  );
  expect(getWidget(db, 'callback', 1)).toMatchObject({
    active: false,
    definition: { delayMinutes: 30, timeZone: 'Europe/Madrid' },
  });
  expect(runWidgetCommand(db, 'callbacks', 'list', undefined, undefined)).toBe(
    '1\tclosed\t/cb/cb\tCall us',
  );
  expect(runWidgetCommand(db, 'forms', 'list', undefined, undefined)).toBe('no forms yet');
  expect(runWidgetCommand(db, 'users', 'list', undefined, undefined)).toBeUndefined();
});
