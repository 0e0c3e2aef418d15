/**
 * Secrets that can hide inside free text: a Telegram bot token sits in every Bot API URL
 * (`/bot123:ABC…/getUpdates`), and network errors quote the URL. Every error text Leadwire logs
 * or stores passes through here.
 */
const BOT_TOKEN = /\b(bot)?\d{5,}:[A-Za-z0-9_-]{20,}/g;
/** Credentials in URLs (`redis://:password@host`, `https://user:pass@host`). */
const URL_CREDENTIALS = /(\w+:\/\/)[^/\s:@]*:[^/\s@]+@/g;

export function scrubSecrets(text: string): string {
  return text
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
