/**
 * Text parts mailparser cannot show right, mended on a copy of the .eml before it reads them
 * again: a part declared UTF-8 (or ASCII, or nothing, which mailparser reads as UTF-8) that is
 * not valid UTF-8 is read as Windows-1252 where it is not, instead of showing U+FFFD; a UTF-7
 * part, which mailparser refuses on purpose (UTF-7 can carry markup past a filter: `+ADw-script`
 * is `<script`), is replaced by a note that says so. The stored .eml is never changed.
 */
import { isUtf8 } from 'node:buffer';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Joiner, Rewriter, Splitter, type MimeNode } from '@zone-eu/mailsplit';

export const UTF7_NOTE =
  'This part of the message was written in UTF-7, which cannot be shown safely; the original is kept with the stored email.';

// Matched the way mailparser matches the charsets it refuses: case and punctuation ignored.
const UTF7 = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$/;
const READ_AS_UTF8 = /^(?:utf8|usascii|ascii|)$/;
const UTF7_DECLARED = /charset\s*=\s*["']?(?:(?:cs)?unicode-?1-?1-?)?utf-?7/i;

const charsetName = (node: MimeNode) =>
  (node.charset || '').toLowerCase().replace(/[^a-z0-9]/g, '');

/** Whether mailparser's reading of `eml` shows a part that `repairCharsets` would mend. */
export function needsCharsetRepair(eml: Buffer, shown: (string | false | undefined)[]): boolean {
  return (
    shown.some((text) => text && text.includes('\uFFFD')) ||
    UTF7_DECLARED.test(eml.toString('latin1'))
  );
}

/** A copy of `eml` with its broken text parts mended, or undefined when none needed it. */
export async function repairCharsets(eml: Buffer): Promise<Buffer | undefined> {
  let mended = 0;
  const rewriter = new Rewriter((node: MimeNode) => {
    const type = node.contentType || (node.root ? 'text/plain' : '');
    if (!['text/plain', 'text/html'].includes(type) || node.disposition === 'attachment')
      return false;
    const charset = charsetName(node);
    return UTF7.test(charset) || READ_AS_UTF8.test(charset);
  });
  rewriter.on('node', ({ node, decoder, encoder }) => {
    const chunks: Buffer[] = [];
    decoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    decoder.on('end', () => {
      const bytes = Buffer.concat(chunks);
      if (UTF7.test(charsetName(node))) {
        mended++;
        node.setCharset('utf-8');
        encoder.end(
          Buffer.from(node.contentType === 'text/html' ? `<p>${UTF7_NOTE}</p>` : UTF7_NOTE),
        );
      } else if (!isUtf8(bytes)) {
        mended++;
        node.setCharset('utf-8');
        encoder.end(Buffer.from(decodeUtf8OrWindows1252(bytes), 'utf8'));
      } else {
        encoder.end(bytes);
      }
    });
  });
  const out: Buffer[] = [];
  const collect = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.push(chunk);
      done();
    },
  });
  await pipeline(Readable.from([eml]), new Splitter(), rewriter, new Joiner(), collect);
  return mended ? Buffer.concat(out) : undefined;
}

/**
 * UTF-8 where the bytes are valid UTF-8, Windows-1252 byte by byte where they are not: a whole
 * Windows-1252 text reads right, and so does a UTF-8 text with a Windows-1252 footer a gateway
 * added.
 */
export function decodeUtf8OrWindows1252(bytes: Uint8Array): string {
  let text = '';
  let run = 0;
  let at = 0;
  while (at < bytes.length) {
    const length = utf8SequenceLength(bytes, at);
    if (length) {
      at += length;
      continue;
    }
    text += Buffer.from(bytes.subarray(run, at)).toString('utf8') + windows1252(bytes[at] ?? 0);
    at += 1;
    run = at;
  }
  return text + Buffer.from(bytes.subarray(run)).toString('utf8');
}

/** The length of the well-formed UTF-8 sequence at `at` (RFC 3629 table 3-7), or 0. */
function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] ?? 0;
  if (lead < 0x80) return 1;
  let more: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) more = 1;
  else if (lead >= 0xe0 && lead <= 0xef) more = 2;
  else if (lead >= 0xf0 && lead <= 0xf4) more = 3;
  else return 0;
  // No overlong forms, no surrogates, nothing past U+10FFFF.
  if (lead === 0xe0) low = 0xa0;
  else if (lead === 0xed) high = 0x9f;
  else if (lead === 0xf0) low = 0x90;
  else if (lead === 0xf4) high = 0x8f;
  for (let i = 1; i <= more; i++) {
    const byte = bytes[at + i];
    if (byte === undefined || byte < (i === 1 ? low : 0x80) || byte > (i === 1 ? high : 0xbf))
      return 0;
  }
  return more + 1;
}

// Windows-1252's 0x80–0x9F (the WHATWG table); the five bytes it leaves undefined stay C1 controls.
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';

function windows1252(byte: number): string {
  return byte >= 0x80 && byte <= 0x9f ? (CP1252_C1[byte - 0x80] ?? '') : String.fromCharCode(byte);
}
