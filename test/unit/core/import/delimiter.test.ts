import { describe, expect, it } from 'vitest';
import { detectDelimiter } from '../../../../core/import/delimiter.ts';

describe('detectDelimiter', () => {
  it('finds each delimiter in a plain file', () => {
    expect(detectDelimiter('name,phone,email\nAna,+34600,a@b.es\n')).toBe(',');
    expect(detectDelimiter('Имя;Телефон;E-mail\r\nИван;+7 495;i@r.ru\r\n')).toBe(';');
    expect(
      detectDelimiter('First Name\tLast Name\tCompany\nPierre\tMartin\tLes Éditions, SA\n'),
    ).toBe('\t');
    expect(detectDelimiter('name|phone\nAna|+34600\n')).toBe('|');
  });

  it('does not count delimiters inside quotes, even across lines', () => {
    const text = [
      'name;phone;notes',
      '"López, Ana";+34600;"called, twice, no answer"',
      '"Petrov, Ivan";+7495;"line one,',
      'line two, with commas, and more, commas"',
      'Boris;+7916;ok',
    ].join('\n');
    expect(detectDelimiter(text)).toBe(';');
  });

  it('prefers the semicolon of a European file whose decimal commas vary', () => {
    const text = 'Nombre;Importe;Notas\nAna;1,5;x\nBoris;12;y\nCarla;3,25;z\n';
    expect(detectDelimiter(text)).toBe(';');
  });

  it('ignores a last line cut short by the sample, and blank lines', () => {
    expect(detectDelimiter('a;b;c\n\n1;2;3\n4;5;6\n7;8,9,1')).toBe(';');
  });

  it('reads a one-column file with a comma', () => {
    expect(detectDelimiter('email\nana@example.com\nboris@example.com\n')).toBe(',');
    expect(detectDelimiter('')).toBe(',');
  });
});
