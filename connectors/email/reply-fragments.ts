/**
 * email-reply-parser's reading of a plain-text email (crisp-oss/email-reply-parser 1.9, MIT):
 * fragments that are quoted, a signature, or hidden. The same rules and the library's own
 * patterns, but read from the last line up as the lines are, where the library turns the whole
 * text and every line it tests back to front one character at a time: three to four times less
 * CPU for each email the worker reads. reply-fragments.test.ts holds the two readings equal.
 */
import patterns from 'email-reply-parser/lib/regex.js';

export interface ReplyFragment {
  content: string;
  /** Quoted, a signature, or empty: not the sender's new words. */
  hidden: boolean;
  signature: boolean;
  quoted: boolean;
}

interface Gathering {
  /** Bottom line first. */
  lines: string[];
  quoted: boolean;
  signature: boolean;
}

const isSignature = (line: string) => patterns.signatureRegex.some((re) => re.test(line));
const isQuoteHeader = (line: string) => patterns.quoteHeadersRegex.some((re) => re.test(line));

export function replyFragments(input: string): ReplyFragment[] {
  const lines = joinWrappedHeaders(input.replace(/\r\n/g, '\n')).split('\n');
  const found: Gathering[] = [];
  let fragment: Gathering | null = null;
  for (let i = lines.length - 1; i >= 0; i--) {
    let line = lines[i] as string;
    // A signature line keeps its trailing space (`-- `); others lose it.
    if (!isSignature(line)) line = line.replace(/\s+$/, '');
    if (fragment) {
      const below = fragment.lines[fragment.lines.length - 1] as string;
      if (isSignature(below)) {
        fragment.signature = true;
        found.push(fragment);
        fragment = null;
      } else if (line === '' && isQuoteHeader(below)) {
        fragment.quoted = true;
        found.push(fragment);
        fragment = null;
      }
    }
    const quoted = line.startsWith('>');
    const continues =
      fragment !== null &&
      (fragment.quoted === quoted || (fragment.quoted && (line === '' || isQuoteHeader(line))));
    if (!continues) {
      if (fragment) found.push(fragment);
      fragment = { lines: [], quoted, signature: false };
    }
    fragment?.lines.push(line);
  }
  if (fragment) found.push(fragment);
  return found.reverse().map((gathered) => ({
    content: [...gathered.lines].reverse().join('\n').replace(/^\n/, ''),
    hidden: gathered.quoted || gathered.signature || gathered.lines.join('') === '',
    signature: gathered.signature,
    quoted: gathered.quoted,
  }));
}

/** A quote header a client wrapped over two lines is read as one (the library's first step). */
function joinWrappedHeaders(text: string): string {
  let joined = text;
  for (const re of patterns.quoteHeadersRegex) {
    const header = joined.match(re)?.[1];
    if (header !== undefined) joined = joined.replace(header, header.replace(/\n/g, ' '));
  }
  return joined;
}
