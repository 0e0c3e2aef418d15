/** `leadwire forms|callbacks …` against a real store. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CliError } from '../../scripts/cli/options.ts';
import { runWidgetCommand } from '../../scripts/cli/widgets.ts';
import { openTestStore, type TestStore } from '../helpers/store.ts';

let test: TestStore;
beforeAll(async () => {
  test = await openTestStore('cli-widgets');
});
afterAll(() => test.close());

function file(name: string, body: unknown): string {
  const target = path.join(test.dir, name);
  writeFileSync(target, JSON.stringify(body));
  return target;
}

it('creates, updates and lists a callback widget with the API’s validation', async () => {
  const run = (group: string, command: string, arg?: string, from?: string) =>
    runWidgetCommand(test.store, group, command, arg, from);
  const created = await run(
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
  expect(created).toMatch(/^created callback (\d+): \/cb\/cb \(embed: \/cb\/cb\/embed\.js\)$/);
  const id = /callback (\d+)/.exec(created ?? '')?.[1] ?? '';
  await expect(
    run('callbacks', 'update', id, file('bad.json', { timeZone: 'Mars/Olympus' })),
  ).rejects.toThrow(
    new CliError('the callback is not valid:\n  timeZone: an IANA time zone such as Europe/Madrid'),
  );
  await run('callbacks', 'update', id, file('ok.json', { delayMinutes: 30, active: false }));
  expect(await test.store.forms.get('callback', Number(id))).toMatchObject({
    active: false,
    definition: { delayMinutes: 30, timeZone: 'Europe/Madrid' },
  });
  expect(await run('callbacks', 'list')).toBe(`${id}\tclosed\t/cb/cb\tCall us`);
  expect(await run('forms', 'list')).toBe('no forms yet');
  expect(await run('users', 'list')).toBeUndefined();
});
