/**
 * The embed script a website includes with `<script src=".../f/<slug>/embed.js" async></script>`.
 * It fetches the server-rendered form into a shadow root (the site's CSS cannot break it, ours
 * cannot leak out) and posts it with fetch; every answer carries the HTML to show next, so the
 * server renders validation errors and success exactly as on the hosted page.
 */
import { PAGE_FIELD, REFERRER_FIELD, WIDGET_CSS } from './page.ts';

export function embedScript(): string {
  return `(() => {
  const script = document.currentScript;
  if (!script) return;
  const endpoint = new URL(script.src);
  endpoint.pathname = endpoint.pathname.replace(/\\/embed\\.js$/, '');
  endpoint.search = '';
  const host = document.createElement('div');
  host.className = 'leadwire-widget';
  const target = script.dataset.target && document.querySelector(script.dataset.target);
  if (target) target.appendChild(host);
  else script.parentNode.insertBefore(host, script.nextSibling);
  const root = host.attachShadow({ mode: 'open' });
  const css = ${JSON.stringify(`:host{display:block}${WIDGET_CSS}`)};
  const show = (html, focus) => {
    root.innerHTML = '<style>' + css + '</style><div class="lw">' + html + '</div>';
    const form = root.querySelector('form[data-lw-form]');
    if (form) bind(form);
    const first = focus && root.querySelector('[data-lw-focus]');
    if (first) first.focus();
  };
  const bind = (form) => form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    const data = new FormData(form);
    data.set(${JSON.stringify(PAGE_FIELD)}, location.href);
    data.set(${JSON.stringify(REFERRER_FIELD)}, document.referrer);
    button.disabled = true;
    try {
      const response = await fetch(endpoint, {
        method: 'POST', body: data, credentials: 'omit', headers: { Accept: 'application/json' },
      });
      const answer = await response.json();
      if (answer.redirect) return location.assign(answer.redirect);
      if (!answer.fragment) throw new Error(answer.message || 'no answer');
      show(answer.fragment, true);
    } catch (error) {
      button.disabled = false;
      let status = form.querySelector('.lw-notice');
      if (!status) {
        status = document.createElement('p');
        status.className = 'lw-notice';
        status.setAttribute('role', 'alert');
        form.prepend(status);
      }
      status.textContent = 'Sending failed. Please check your connection and try again.';
    }
  });
  fetch(endpoint + '/fragment', { credentials: 'omit' })
    .then((response) => { if (!response.ok) throw new Error(String(response.status)); return response.text(); })
    .then((html) => show(html, false))
    .catch(() => {
      root.innerHTML = '<p role="alert">The form could not be loaded. Please try again later.</p>';
    });
})();
`;
}
