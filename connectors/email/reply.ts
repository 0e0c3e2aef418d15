/**
 * The customer's new words in a plain-text email, for the chat view: quoted history and signature
 * cut off. Conservative on purpose: the whole text stays in the message's meta, and when nothing
 * would be left the whole text is returned instead.
 */
import EmailReplyParser from 'email-reply-parser';

export interface ReplyOptions {
  /** The subject says the message is a forward: what was forwarded is kept, not cut as history. */
  forwarded?: boolean;
}

// Lines that open the quoted history; clients wrap them over two or three lines, so candidates
// are joined first. A real one starts with a date, which keeps "On the form I wrote:" safe.
const WROTE_HEADERS = [
  /^On\s.{5,300}\swrote:$/i, // On Tue, 24 Nov 2026 at 10:15, Ana <ana@example.com> wrote:
  /^El\s.{5,300}\sescribió:$/i, // El mar, 24 nov 2026 a las 10:15, Ana (<ana@example.com>) escribió:
  /^.{5,300}\s(?:написал|написала|написал\(а\)|пишет):$/iu, // 24.11.2026 10:15, Иван написал(а):
];
// Gmail in Russian writes no verb (`вт, 24 нояб. 2026 г. в 10:15, Иван <ivan@example.ru>:`);
// trusted only when quoted lines follow.
const ADDRESS_HEADER = /^.{5,300}<[^<>\s]+@[^<>\s]+>:$/;
const SEPARATOR =
  /^-{2,}\s*(?:Original Message|Mensaje original|Исходное сообщение|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}$/i;
const FORWARD_MARKERS = [
  /^-{2,}\s*(?:Forwarded message|Mensaje reenviado|Пересылаемое сообщение|Переадресованное сообщение|Message transféré|Weitergeleitete Nachricht)\s*-{2,}$/i,
  /^(?:Begin forwarded message|Inicio del mensaje reenviado|Comienzo del mensaje reenviado|Начало переадресованного сообщения):$/i,
];
// Outlook quotes nothing: its history is a header block, `From:` then `Sent:` and `To:`/`Subject:`.
const OUTLOOK_FROM = /^\*?(?:From|De|От|Von)\s?:\*?\s+\S/i;
const OUTLOOK_SENT = /^\*?(?:Sent|Date|Enviado|Fecha|Отправлено|Дата|Gesendet|Datum)\s?:\*?\s+\S/i;
const OUTLOOK_TO = /^\*?(?:To|Subject|Para|Asunto|Кому|Тема|An|Betreff)\s?:\*?\s/i;
const UNDERSCORES = /^_{10,}$/;
const FORWARD_SUBJECT = /^\s*(?:fwd?|rv|tr|wg|enc|пересл)\.?\s*:/i;

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
    // Every header starts with its date (`On Tue, 24 Nov…`, `24.11.2026 10:15, …`).
    if (!/\d/.test(line.slice(0, 40))) continue;
    for (let span = 1; span <= 3 && i + span <= lines.length; span++) {
      const parts = lines.slice(i, i + span).map((part) => part.trim());
      // A wrapped header has no blank line inside; header lines are short, which also keeps
      // the patterns cheap on long lines.
      if (parts.includes('') || parts.join(' ').length > 400) break;
      const candidate = parts.join(' ');
      if (WROTE_HEADERS.some((re) => re.test(candidate))) return i;
      if (ADDRESS_HEADER.test(candidate) && nextTextIsQuoted(lines, i + span)) return i;
    }
  }
  return undefined;
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
  const kept = new EmailReplyParser()
    .read(trimmed)
    .getFragments()
    .filter((fragment) => !fragment.isHidden() || isBareFromLine(fragment));
  return kept
    .map((fragment) => fragment.getContent())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * email-reply-parser hides everything below a lone `From: Name <address>` line, which web form
 * notifications write as a field. A real Outlook header block was already cut above, so such a
 * fragment with no `>` line is kept.
 */
function isBareFromLine(fragment: EmailReplyParser.Fragment): boolean {
  if (!fragment.isQuoted() || fragment.isSignature()) return false;
  const lines = fragment.getContent().split('\n');
  const first = lines.find((line) => line.trim() !== '') ?? '';
  return /^\s*(?:From|De|Von|Van|Da)\s?:/i.test(first) && !lines.some((line) => /^\s*>/.test(line));
}
