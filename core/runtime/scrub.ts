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
