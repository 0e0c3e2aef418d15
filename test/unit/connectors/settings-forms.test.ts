/**
 * The settings forms the console draws each kind from (core/channel.ts `SettingsSection`) against
 * the kind's own `prepare`: every field a form names is one the schema takes, with a value of the
 * type the form sends, and a field the form calls required is one the schema refuses without.
 * So a form and its schema cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import type { SettingsField, SettingsSection } from '../../../core/channel.ts';
import { CHANNELS } from '../../../connectors/registry.ts';

const connectable = CHANNELS.filter((channel) => channel.settings);
const context = { secretsKey: 'k'.repeat(40), now: new Date(), previous: undefined };
/** A secret any kind accepts: a bot token's shape is the strictest. */
const SECRET = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc';

/** The value a person would give, of the type the console makes of the input. */
function sample(field: SettingsField): unknown {
  switch (field.type) {
    case 'checkbox':
      return true;
    case 'number':
      return field.default ?? field.min ?? 1;
    case 'select':
      // The last option: the one with the most to ask (webhook mode, move to a folder).
      return field.options?.at(-1)?.value;
    case 'list':
      return [field.example ?? field.default];
    case 'secret':
      return { value: SECRET };
    case 'passphrase':
      return 'a verify token';
    default:
      return field.example ?? field.default;
  }
}

function bodyOf(sections: readonly SettingsSection[], without?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of sections.flatMap((section) => section.fields)) {
    if (field.name === without) continue;
    const keys = field.name.split('.');
    let target = body;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] = sample(field);
  }
  return body;
}

describe.each(connectable.map((channel) => [channel.kind, channel] as const))(
  'the %s settings form',
  (_kind, channel) => {
    const settings = channel.settings!;
    const fields = settings.form.flatMap((section) => section.fields);

    it('names only fields its schema takes, each of the type the console sends', () => {
      const prepared = settings.prepare(bodyOf(settings.form), context);
      expect(prepared).toMatchObject({ ok: true });
    });

    it('calls required only what the schema refuses without', () => {
      for (const field of fields.filter((f) => f.required)) {
        const prepared = settings.prepare(bodyOf(settings.form, field.name), context);
        expect(prepared.ok, field.name).toBe(false);
        if (!prepared.ok)
          expect(
            prepared.issues.some(
              (issue) => issue.path === field.name || issue.path.startsWith(`${field.name}.`),
            ),
            `${field.name}: ${JSON.stringify(prepared.issues)}`,
          ).toBe(true);
      }
    });

    it('has a sample or default for every text, an option for every select default, every language everywhere', () => {
      const names = fields.map((field) => field.name);
      expect(new Set(names).size).toBe(names.length);
      for (const section of settings.form) {
        expect(
          section.legend.en && section.legend.es && section.legend.ru,
          section.id,
        ).toBeTruthy();
        if (section.optional)
          for (const field of section.fields)
            expect(field.name.startsWith(`${section.id}.`)).toBe(true);
      }
      for (const field of fields) {
        expect(field.label.en && field.label.es && field.label.ru, field.name).toBeTruthy();
        if (field.help)
          expect(field.help.en && field.help.es && field.help.ru, field.name).toBeTruthy();
        if (['text', 'email', 'url', 'list'].includes(field.type))
          expect(field.example ?? field.default, field.name).toBeDefined();
        if (field.type === 'select') {
          for (const option of field.options ?? [])
            expect(option.label.en && option.label.es && option.label.ru, field.name).toBeTruthy();
          if (field.default !== undefined)
            expect(field.options?.map((o) => o.value)).toContain(field.default);
        }
      }
      expect(settings.title.en && settings.title.es && settings.title.ru).toBeTruthy();
    });
  },
);
