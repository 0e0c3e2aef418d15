/**
 * The customer's new words in a plain-text email, for the chat view: quoted history and signature
 * cut off. Conservative on purpose: the whole text stays in the message's meta, and when nothing
 * would be left the whole text is returned instead.
 */
import {
  ADDRESS_HEADER,
  FORWARD_INTROS,
  FORWARD_LABELS,
  ORIGINAL_MESSAGE_LABELS,
  OUTLOOK_FROM_LABELS,
  OUTLOOK_SENT_LABELS,
  OUTLOOK_TO_LABELS,
  WROTE_HEADERS,
} from './reply-headers.ts';
import { replyFragments, type ReplyFragment } from './reply-fragments.ts';

export interface ReplyOptions {
  /** The subject says the message is a forward: what was forwarded is kept, not cut as history. */
  forwarded?: boolean;
}

const alternatives = (labels: readonly string[]) =>
  labels.map((label) => label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

const SEPARATOR = new RegExp(
  `^[*\\s]*-{2,}\\s*(?:${alternatives(ORIGINAL_MESSAGE_LABELS)})\\s*-{2,}[*\\s]*$`,
  'iu',
);
const FORWARD_MARKERS = [
  new RegExp(`^-{2,}\\s*(?:${alternatives(FORWARD_LABELS)})\\s*-{2,}$`, 'iu'),
  new RegExp(`^(?:${alternatives(FORWARD_INTROS)})\\s?:$`, 'iu'),
];
// Outlook quotes nothing: its history is a header block, `From:` then `Sent:` and `To:`/`Subject:`.
const label = (labels: readonly string[], after: string) =>
  new RegExp(`^\\*?(?:${alternatives(labels)})\\s?[:：]\\*?${after}`, 'iu');
const OUTLOOK_FROM = label(OUTLOOK_FROM_LABELS, '\\s*\\S');
const OUTLOOK_SENT = label(OUTLOOK_SENT_LABELS, '\\s*\\S');
const OUTLOOK_TO = label(OUTLOOK_TO_LABELS, '');
const UNDERSCORES = /^_{10,}$/;
const BARE_FROM = new RegExp(`^\\s*(?:${alternatives(OUTLOOK_FROM_LABELS)})\\s?[:：]`, 'iu');
// Gmail, Thunderbird: Fwd; Outlook: FW, RV (es), TR (fr), WG (de), I (it), ENC (pt-br), PD (pl),
// VS (da), VB (sv), VL (fi), İLT (tr); Пересл (ru); 转发 / 轉寄 (zh); 転送 (ja).
const FORWARD_SUBJECT =
  /^\s*(?:fwd?|rv|tr|wg|i|enc|pd|vs|vb|vl|İLT|пересл|转发|轉寄|転送)\.?\s*[:：]/iu;

// email-reply-parser's patterns backtrack quadratically on long lines (a 40 KB line takes a
// second); beyond these sizes only our own line-based cut is applied.
const PARSER_MAX_CHARS = 100_000;
const PARSER_MAX_LINE = 4_000;

/** `Fwd:`, `FW:`, `RV:` (Spanish Outlook), `WG:`, `TR:`, `Пересл:`. */
export function isForwardSubject(subject: string): boolean {
  return FORWARD_SUBJECT.test(subject);
}

export function extractReply(text: string, options: ReplyOptions = {}): string {
  const whole = text.replace(/\r\n?/g, '\n').trim();
  if (!whole) return '';
  const lines = whole.split('\n');
  const forward = lines.findIndex((line) => FORWARD_MARKERS.some((re) => re.test(line.trim())));
  const history = historyStart(lines);
  if (forward >= 0 && (history === undefined || forward <= history))
    return forwarded(lines, forward);
  if (history !== undefined && options.forwarded) return forwarded(lines, history);
  const head = history === undefined ? whole : lines.slice(0, history).join('\n').trim();
  return newWords(head) || head || whole;
}

/** The forwarder's note without its signature, then everything that was forwarded, as it is. */
function forwarded(lines: string[], at: number): string {
  const note = newWords(lines.slice(0, at).join('\n'));
  const rest = lines.slice(at).join('\n').trim();
  return note ? `${note}\n\n${rest}` : rest;
}

/** The index of the line where the quoted history begins, if there is one. */
function historyStart(lines: string[]): number | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('>')) continue;
    if (SEPARATOR.test(line)) return i;
    if (UNDERSCORES.test(line) && isOutlookBlock(lines, i + 1)) return i;
    if (isOutlookBlock(lines, i)) return i;
    for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
      if (isWroteHeader(lines, i, span)) {
        // A header wrapped below a line of the reply: the header starts further down.
        const later = Array.from({ length: span - 1 }, (_, k) => i + 1 + k);
        if (later.some((start) => isWroteHeader(lines, start, i + span - start))) break;
        return i;
      }
    }
  }
  return undefined;
}

/** Lines `at`…`at + span - 1`, joined, are a header that opens quoted history. */
function isWroteHeader(lines: string[], at: number, span: number): boolean {
  const parts = lines.slice(at, at + span).map((part) => part.trim());
  // A wrapped header has no blank line and no quoted line inside; header lines are short, which
  // also keeps the patterns cheap on long lines.
  if (parts.some((part) => part === '' || part.startsWith('>'))) return false;
  const candidate = parts.join(' ');
  // Every header carries its date or time and ends with a colon: "On the form I wrote:" does not.
  if (candidate.length > 400 || !/\d/.test(candidate) || !/[:：]$/.test(candidate)) return false;
  if (WROTE_HEADERS.some((rule) => rule.pattern.test(candidate))) return true;
  return ADDRESS_HEADER.test(candidate) && nextTextIsQuoted(lines, at + span);
}

function isOutlookBlock(lines: string[], at: number): boolean {
  if (!OUTLOOK_FROM.test((lines[at] ?? '').trim())) return false;
  const below = lines.slice(at + 1, at + 6).map((line) => line.trim());
  return below.some((line) => OUTLOOK_SENT.test(line)) && below.some((l) => OUTLOOK_TO.test(l));
}

function nextTextIsQuoted(lines: string[], from: number): boolean {
  const next = lines.slice(from).find((line) => line.trim() !== '');
  return next?.trim().startsWith('>') ?? false;
}

/** email-reply-parser's visible text: signatures and `>` quotes dropped. */
function newWords(text: string): string {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > PARSER_MAX_CHARS) return trimmed;
  if (trimmed.split('\n').some((line) => line.length > PARSER_MAX_LINE)) return trimmed;
  const kept = replyFragments(trimmed).filter(
    (fragment) => !fragment.hidden || isBareFromLine(fragment),
  );
  return kept
    .map((fragment) => fragment.content)
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * email-reply-parser hides everything below a lone `From: Name <address>` line, which web form
 * notifications write as a field. A real Outlook header block was already cut above, so such a
 * fragment with no `>` line is kept.
 */
function isBareFromLine(fragment: ReplyFragment): boolean {
  if (!fragment.quoted || fragment.signature) return false;
  const lines = fragment.content.split('\n');
  const first = lines.find((line) => line.trim() !== '') ?? '';
  return BARE_FROM.test(first) && !lines.some((line) => /^\s*>/.test(line));
}
