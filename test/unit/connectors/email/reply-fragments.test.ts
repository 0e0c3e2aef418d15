import { readdirSync } from 'node:fs';
import EmailReplyParser from 'email-reply-parser';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { replyFragments } from '../../../../connectors/email/reply-fragments.ts';
import { WROTE_HEADERS } from '../../../../connectors/email/reply-headers.ts';
import { fixture } from './fixtures.ts';

/** The library's own reading, in the shape of ours. */
function libraryFragments(text: string) {
  return new EmailReplyParser()
    .read(text)
    .getFragments()
    .map((fragment) => ({
      content: fragment.getContent(),
      hidden: fragment.isHidden(),
      signature: fragment.isSignature(),
      quoted: fragment.isQuoted(),
    }));
}

/** Lines that move the library's rules: quotes, signatures, quote headers, blanks, surrogates. */
const LINES = [
  'Hello, we need 12 chairs by Friday.',
  '',
  '   ',
  '> quoted line',
  '  > indented quote',
  '>>> deeply quoted',
  '-- ',
  '--',
  '__',
  '________________________________',
  'Sent from my iPhone',
  'Enviado desde mi móvil',
  'Regards,',
  'Best wishes',
  'Cheers!',
  'On Mon, 1 Jan 2024 at 10:00, Ana <ana@example.com> wrote:',
  'On Mon, 1 Jan 2024 at 10:00, Ana <ana@example.com>',
  'wrote:',
  'El 3 mar 2024, a las 9:00, Ana <ana@example.com> escribió:',
  'From: Ana Pérez <ana@example.com>',
  '-----Original Message-----',
  'Um 😀 emoji 😀 ',
  '😀>',
  '>😀',
  'Trailing tab\t',
];

/** A fixed pseudo-random walk over LINES: the same texts on every run. */
function* generatedTexts(count: number): Generator<string> {
  let state = 7;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 12);
    const lines = Array.from({ length }, () => LINES[Math.floor(next() * LINES.length)]);
    yield lines.join(next() < 0.85 ? '\n' : '\r\n');
  }
}

describe('reading reply fragments', () => {
  it("gives email-reply-parser's fragments for every fixture's text", async () => {
    const names = readdirSync(new URL('../../../fixtures/email/', import.meta.url));
    for (const name of names) {
      const text = (await simpleParser(fixture(name))).text ?? '';
      expect(replyFragments(text), name).toEqual(libraryFragments(text));
    }
  });

  it("gives email-reply-parser's fragments for every quote header we know", () => {
    for (const rule of WROTE_HEADERS) {
      const text = `Thanks, Thursday is fine.\n\n${rule.example}\n> Your 12 chairs are ready.`;
      expect(replyFragments(text), rule.source).toEqual(libraryFragments(text));
    }
  });

  it("gives email-reply-parser's fragments for 5,000 texts of tricky lines", () => {
    for (const text of generatedTexts(5000))
      expect(replyFragments(text), JSON.stringify(text)).toEqual(libraryFragments(text));
  });

  it('hides the quote and the signature, and keeps the new words', () => {
    const text =
      'Yes, Thursday.\n\nAna\n-- \nAna Pérez, Acme\n\nOn Mon, 1 Jan 2024 at 10:00, Shop <s@shop.example> wrote:\n> Ready?';
    const visible = replyFragments(text).filter((fragment) => !fragment.hidden);
    expect(visible.map((fragment) => fragment.content.trim())).toEqual(['Yes, Thursday.\n\nAna']);
  });
});
