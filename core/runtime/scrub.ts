/**
 * Secrets that can hide inside free text: a Telegram bot token sits in every Bot API URL
 * (`/bot123:ABC…/getUpdates`), and network errors quote the URL. Every error text Leadwire logs
 * or stores passes through here.
 */
const BOT_TOKEN = /\b(bot)?\d{5,}:[A-Za-z0-9_-]{20,}/g;
/** Credentials in URLs (`redis://:password@host`, `https://user:pass@host`). */
const URL_CREDENTIALS = /(\w+:\/\/)[^/\s:@]*:[^/\s@]+@/g;

/**
 * Every secret value this process has opened (a password, a token read from the environment in
 * whatever shape): hidden wherever it appears, not only where it looks like a token. Values too
 * short to be a real secret are left out, so a scrubbed text stays readable.
 */
const known = new Set<string>();
const MIN_SECRET_LENGTH = 8;
let knownPattern: RegExp | undefined;

export function rememberSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || known.has(value)) return;
  known.add(value);
  // As it appears inside a URL, too.
  known.add(encodeURIComponent(value));
  const escaped = [...known]
    // Longest first, so a secret that contains another is hidden whole.
    .sort((a, b) => b.length - a.length)
    .map((secret) => secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  knownPattern = new RegExp(escaped.join('|'), 'g');
}

export function scrubSecrets(text: string): string {
  const exact = knownPattern ? text.replace(knownPattern, '<secret>') : text;
  return exact
    .replace(BOT_TOKEN, (_match, bot: string | undefined) => `${bot ?? ''}<token>`)
    .replace(URL_CREDENTIALS, '$1<credentials>@');
}

/** The same error with secrets scrubbed from its message and stack (before BullMQ stores them). */
export function scrubError<E>(error: E): E {
  if (error instanceof Error) {
    error.message = scrubSecrets(error.message);
    if (error.stack) error.stack = scrubSecrets(error.stack);
  }
  return error;
}
