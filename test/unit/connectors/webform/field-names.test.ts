/**
 * Field names that objects already have (`constructor`, `toString`, `__proto__`): refused as new
 * keys, and harmless in a form stored before they were refused and in what a visitor posts.
 */
import { describe, expect, it } from 'vitest';
import { acceptWebform } from '../../../../connectors/webform/accept.ts';
import { formDefinition, type FormDefinition } from '../../../../connectors/webform/definition.ts';
import { normaliseWebform } from '../../../../connectors/webform/normalise.ts';
import { renderWebform } from '../../../../connectors/webform/render.ts';
import { fieldRecord } from '../../../../connectors/site/field-values.ts';
import type { Widget } from '../../../../core/repositories/forms.ts';

const base = {
  fields: [
    { key: 'email', label: 'Email', type: 'email', required: true },
    { key: 'constructor', label: 'Builder', type: 'text' },
    { key: 'tostring', label: 'Notes', type: 'textarea' },
  ],
};

describe('reserved field names', () => {
  it('refuses keys an object already has', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const parsed = formDefinition.safeParse({
        fields: [
          { key: 'email', label: 'Email', type: 'email' },
          { key, label: 'X', type: 'text' },
        ],
      });
      expect(parsed.success).toBe(false);
    }
    // Lower-case keys only; `tostring` is an ordinary name.
    expect(
      formDefinition.safeParse({
        fields: [
          { key: 'email', label: 'Email', type: 'email' },
          { key: 'tostring', label: 'X', type: 'text' },
        ],
      }).success,
    ).toBe(true);
  });

  it('renders and takes a form stored before the rule, and ignores inherited names in a post', () => {
    // Parsed without the key rule, as an old row would have been.
    const definition = {
      ...formDefinition.parse({ fields: [base.fields[0], base.fields[2]] }),
      fields: base.fields.map((field) => ({ required: false, ...field })),
    } as FormDefinition;
    const widget = { id: 1, slug: 'old', title: 'Old form' } as Widget;
    const html = renderWebform(widget, definition, {
      action: '/f/old',
      hidden: { token: 't' },
      values: {},
      errors: [],
    });
    expect(html).toContain('name="constructor"');
    expect(html).not.toContain('function Object');

    const posted = fieldRecord();
    Object.assign(posted, JSON.parse('{"email":"ana@example.com","constructor":"Ana\'s builder"}'));
    posted['__proto__'] = 'not a prototype';
    const accepted = acceptWebform({
      widget: { ...widget, channelId: 2 } as Widget,
      definition,
      fields: posted,
      files: [],
      now: new Date('2026-11-24T10:00:00Z'),
      country: 'ES',
    });
    expect(accepted.ok).toBe(true);
    if (!accepted.ok) return;
    const envelope = {
      formId: 1,
      slug: 'old',
      title: 'Old form',
      submissionId: 'sub-1',
      receivedAt: '2026-11-24T10:00:00.000Z',
      visit: { utm: {} },
    };
    const message = normaliseWebform(
      { ...envelope, ...accepted.body },
      { externalId: 'sub-1', defaultCountry: 'ES' },
    );
    expect(message.fields.constructor).toBe("Ana's builder");
    expect(Object.hasOwn(message.fields, 'tostring')).toBe(false);
  });
});
