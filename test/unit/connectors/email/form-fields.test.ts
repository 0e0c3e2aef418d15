import { describe, expect, it } from 'vitest';
import { EMAIL_LABELS, NAME_LABELS, formSender } from '../../../../connectors/email/form-fields.ts';
import { fixtureText } from './fixtures.ts';

describe('the customer in a form notification’s text', () => {
  it.each(EMAIL_LABELS.flatMap((rule) => rule.labels.map((label) => [label, rule.source])))(
    'reads the address after "%s:" (%s)',
    (label) => {
      const text = `Nuevo mensaje\n\n${label.toUpperCase()}: <mailto:lucia@example.es>\nMensaje: Hola`;
      expect(formSender(text)).toEqual({ address: 'lucia@example.es' });
    },
  );

  it.each(NAME_LABELS.flatMap((rule) => rule.labels.map((label) => [label, rule.source])))(
    'reads the name after "%s:" (%s)',
    (label) => {
      const text = `*${label}*: Lucía Fernández\nEmail: lucia@example.es`;
      expect(formSender(text)).toEqual({ address: 'lucia@example.es', name: 'Lucía Fernández' });
    },
  );

  it('reads the fixture of a Spanish contact form', () => {
    expect(
      formSender(Buffer.from(fixtureText('form-mailer-body.eml'), 'latin1').toString('utf8')),
    ).toEqual({
      address: 'lucia.fernandez@example.es',
      name: 'Lucía Fernández',
    });
  });

  it.each([
    'Email: write to us any time',
    'Your message: my email is lucia@example.es',
    'Email lucia@example.es',
    'E-mail: Lucía <lucia@example.es>',
  ])('takes nothing from %j', (text) => {
    expect(formSender(text)).toBeUndefined();
  });
});

describe('a hostile form notification', () => {
  it('reads lines full of spaces at once, not in minutes', () => {
    const spaces = `Note: a${' '.repeat(990)}x\n`.repeat(2000);
    const text = `Name: Ana\nNote: a${' '.repeat(1_000_000)}x\n${spaces}Email: ana@example.com\n`;
    const started = process.hrtime.bigint();
    expect(formSender(text)).toEqual({ address: 'ana@example.com', name: 'Ana' });
    // The old pattern took minutes on this text; a linear one takes milliseconds, so even a
    // machine busy with everything else stays far inside this bound.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5000);
  });
});
