import { describe, expect, it } from 'vitest';
import { splitText } from '../../../core/split-text.ts';

describe('splitText: a long reply in parts', () => {
  it('keeps a text within the limit whole', () => {
    expect(splitText('hola', 10)).toEqual(['hola']);
  });

  it('cuts at a paragraph, then a line, then a word, never over the limit', () => {
    const text = `${'a'.repeat(6)}\n\n${'b'.repeat(6)} ${'c'.repeat(3)}`;
    const parts = splitText(text, 10);
    expect(parts).toEqual(['aaaaaa', 'bbbbbb ccc']);
    expect(splitText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(parts.every((part) => part.length <= 10)).toBe(true);
  });

  it('never cuts an emoji in half', () => {
    const parts = splitText(`a${'😀'.repeat(3000)}`, 4096);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    expect(parts.some((part) => loneSurrogate.test(part) || part.length > 4096)).toBe(false);
    expect(parts.join('')).toBe(`a${'😀'.repeat(3000)}`);
  });
});
