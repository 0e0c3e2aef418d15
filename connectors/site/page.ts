/**
 * The HTML both website channels render: escaping, the hosted page around a form, and the
 * pieces every widget form shares (error summary, spam-defence inputs). No external assets and no
 * script on the hosted page: it works with JavaScript off.
 */

export const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** The honeypot: invisible to people and screen readers, filled in by form-filling bots. */
export const HONEYPOT_FIELD = 'lw_website';
export const TOKEN_FIELD = 'lw_token';
export const PAGE_FIELD = 'lw_page';
export const REFERRER_FIELD = 'lw_referrer';

export interface FieldError {
  /** The field's input id suffix (its key). */
  key: string;
  label: string;
  message: string;
}

export const inputId = (key: string) => `lw-f-${key}`;
export const errorId = (key: string) => `lw-e-${key}`;

/** The list at the top of a form sent back with errors; each links to its field. */
export function errorSummary(errors: FieldError[]): string {
  if (!errors.length) return '';
  const items = errors
    .map(
      (error) =>
        `<li><a href="#${inputId(error.key)}">${escapeHtml(error.label)}: ${escapeHtml(error.message)}</a></li>`,
    )
    .join('');
  const heading =
    errors.length === 1 ? 'Please correct one field:' : `Please correct ${errors.length} fields:`;
  return `<div class="lw-summary" role="alert" tabindex="-1" data-lw-focus><p>${heading}</p><ul>${items}</ul></div>`;
}

export function notice(text: string | undefined): string {
  return text
    ? `<p class="lw-notice" role="alert" tabindex="-1" data-lw-focus>${escapeHtml(text)}</p>`
    : '';
}

export interface HiddenState {
  token: string;
  pageUrl?: string | undefined;
  referrer?: string | undefined;
}

/** Token, page/referrer (filled by embed.js when embedded) and the honeypot. */
export function spamDefenceInputs(state: HiddenState): string {
  return [
    `<input type="hidden" name="${TOKEN_FIELD}" value="${escapeHtml(state.token)}">`,
    `<input type="hidden" name="${PAGE_FIELD}" value="${escapeHtml(state.pageUrl ?? '')}">`,
    `<input type="hidden" name="${REFERRER_FIELD}" value="${escapeHtml(state.referrer ?? '')}">`,
    `<div class="lw-hp" aria-hidden="true"><label for="lw-f-hp">Leave this field empty</label>`,
    `<input id="lw-f-hp" type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off" value=""></div>`,
  ].join('');
}

/** What the customer sees after a submission is accepted. */
export function successBlock(title: string, text: string): string {
  return `<div class="lw-success" role="status" tabindex="-1" data-lw-focus><h1 class="lw-title">${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>`;
}

export const WIDGET_CSS = `
.lw{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;max-width:34rem;margin:0 auto;box-sizing:border-box}
.lw *{box-sizing:inherit}
.lw-title{font-size:1.5rem;margin:0 0 .5rem}
.lw-intro{margin:0 0 1rem;color:#444}
.lw-field{margin:0 0 1rem}
.lw-field label{display:block;font-weight:600;margin-bottom:.25rem}
.lw-check label{display:flex;gap:.5rem;align-items:flex-start;font-weight:400}
.lw-check input{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
.lw input:not([type=checkbox]),.lw select,.lw textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #767676;border-radius:.4rem;background:#fff;color:inherit;min-height:2.75rem}
.lw textarea{min-height:7rem;resize:vertical}
.lw :focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
.lw-invalid input,.lw-invalid select,.lw-invalid textarea{border-color:#b00020;border-width:2px}
.lw-error{color:#b00020;margin:.25rem 0 0;font-size:.95rem}
.lw-hint{color:#555;margin:.25rem 0 0;font-size:.9rem}
.lw-req{color:#b00020}
.lw-summary,.lw-notice{border:2px solid #b00020;border-radius:.4rem;padding:.75rem 1rem;margin:0 0 1rem;background:#fff5f5}
.lw-summary p{margin:0 0 .25rem;font-weight:600}
.lw-summary a{color:#b00020}
.lw-success{border:2px solid #2e7d32;border-radius:.4rem;padding:1rem;background:#f3fbf3}
.lw button{font:inherit;font-weight:600;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#1a5fb4;color:#fff;min-height:2.75rem;cursor:pointer;width:100%}
.lw button[disabled]{opacity:.6}
.lw-hp{position:absolute!important;left:-10000px!important;width:1px;height:1px;overflow:hidden}
@media (min-width:40rem){.lw button{width:auto}}
`;

/** A whole hosted page around a widget's fragment (which already carries its own title). */
export function hostedPage(title: string, fragment: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{margin:0;padding:1.5rem 1rem;background:#f6f7f9}main{background:#fff;border-radius:.6rem;padding:1.5rem;max-width:36rem;margin:0 auto;box-shadow:0 1px 3px rgba(0,0,0,.12)}${WIDGET_CSS}</style>
</head>
<body>
<main class="lw">${fragment}</main>
</body>
</html>`;
}

/** Minimal page for errors before any form exists (unknown slug, closed form, rate limit). */
export function messagePage(title: string, text: string): string {
  return hostedPage(
    title,
    `<h1 class="lw-title">${escapeHtml(title)}</h1><p role="alert">${escapeHtml(text)}</p>`,
  );
}
