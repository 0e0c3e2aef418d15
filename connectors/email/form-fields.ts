/**
 * The customer in the text of a website's form notification, for a form mailer the channel lists
 * in `humanSenders` that does not put the customer in Reply-To: its From is the website, so the
 * customer is found in the labelled lines the form writes ("Email: …", "Name: …").
 */

export interface FieldLabelRule {
  /** Labels as form plugins write them, compared without case. */
  labels: readonly string[];
  source: string;
}

export const EMAIL_LABELS: readonly FieldLabelRule[] = [
  {
    labels: ['email', 'e-mail', 'email address', 'e-mail address', 'your email', 'your e-mail'],
    source: 'English: Contact Form 7, WPForms, Gravity Forms, Formspree defaults',
  },
  { labels: ['e-mail-adresse', 'ihre e-mail'], source: 'German form plugins' },
  { labels: ['correo', 'correo electrónico', 'tu correo'], source: 'Spanish form plugins' },
  { labels: ['courriel', 'adresse e-mail', 'adresse email', 'votre email'], source: 'French' },
  { labels: ['indirizzo email', 'la tua email'], source: 'Italian form plugins' },
  { labels: ['endereço de e-mail', 'seu e-mail'], source: 'Portuguese form plugins' },
  { labels: ['электронная почта', 'эл. почта', 'почта'], source: 'Russian form plugins' },
];

export const NAME_LABELS: readonly FieldLabelRule[] = [
  { labels: ['name', 'your name', 'full name'], source: 'English form plugin defaults' },
  { labels: ['ihr name'], source: 'German form plugins' },
  { labels: ['nombre', 'tu nombre'], source: 'Spanish form plugins' },
  { labels: ['nom', 'votre nom'], source: 'French form plugins' },
  { labels: ['nome', 'il tuo nome', 'seu nome'], source: 'Italian, Portuguese form plugins' },
  { labels: ['имя', 'фио'], source: 'Russian form plugins' },
];

// The label is short and the value is trimmed in code: a pattern ending in `(.+?)\s*$` takes
// quadratic time on a long run of spaces, and anyone can mail a line like that.
const FIELD = /^[ \t]{0,20}\*?([^:：\n]{1,40}?)\*?[ \t]{0,20}[:：](.*)$/;
/** A labelled line is short; longer lines are prose (or an attack) and are not read. */
const MAX_LINE = 1000;
const ADDRESS = /^<?(?:mailto:)?([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+?)>?$/i;

function fieldValue(text: string, rules: readonly FieldLabelRule[]): string | undefined {
  const labels = new Set(rules.flatMap((rule) => rule.labels));
  for (const line of text.split('\n')) {
    if (line.length > MAX_LINE) continue;
    const match = FIELD.exec(line);
    const value = match?.[2]?.trim();
    if (match && value && labels.has((match[1] ?? '').trim().toLowerCase())) return value;
  }
  return undefined;
}

/** The customer's address and name as the form wrote them, when it did. */
export function formSender(text: string): { address: string; name?: string } | undefined {
  const address = ADDRESS.exec(fieldValue(text, EMAIL_LABELS) ?? '')?.[1];
  if (!address) return undefined;
  const name = fieldValue(text, NAME_LABELS);
  return name ? { address, name } : { address };
}
