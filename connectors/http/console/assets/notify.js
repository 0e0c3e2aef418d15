// Leadwire console: notifications. The page's live stream (GET /stream) brings `notify` events
// for the signed-in operator: a lead assigned to them, a customer's answer, a call due in five
// minutes or overdue. Each is added to the page's live region (once per tab: a page opened
// later in the same tab is not told again) and, when the operator turned desktop notifications
// on with the header's switch, shown by the browser once across tabs; a click opens the lead.
// The page's own stream is used (htmx's SSE extension announces it); a page without one opens
// it here, so every page has exactly one.
'use strict';

(() => {
  const region = document.getElementById('notices');
  const toggle = document.getElementById('notify-switch');
  if (!region) return;

  const CHOICE = 'leadwire.notify.desktop';
  const SEEN = 'leadwire.notify.seen';
  const REMEMBERED = 300;
  const SHOWN_AT_MOST = 4;

  const storeOf = (name) => {
    try {
      return window[name];
    } catch {
      // Storage refused (a privacy setting): remember for this page only.
      return null;
    }
  };
  const tabStore = storeOf('sessionStorage');
  const browserStore = storeOf('localStorage');
  // Looked up when used, not kept: the browser's object (or a test's wrapper of it).
  const desktop = () => window.Notification;

  const pageSeen = new Set();
  /** True the first time `id` is offered to `store` (a list of the latest ids it saw). */
  const firstTime = (store, id) => {
    if (!store) return true;
    let seen;
    try {
      seen = JSON.parse(store.getItem(SEEN) || '[]');
    } catch {
      seen = [];
    }
    if (!Array.isArray(seen)) seen = [];
    if (seen.includes(id)) return false;
    seen.push(id);
    try {
      store.setItem(SEEN, JSON.stringify(seen.slice(-REMEMBERED)));
    } catch {
      // Full or refused: showing it again later is the lesser harm.
    }
    return true;
  };

  /** Only our own pages: a notice's link never leaves the console. */
  const safeUrl = (url) =>
    typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : '/leads';

  const show = (notice) => {
    const item = document.createElement('article');
    item.className = `notice notice-${notice.kind}`;
    const title = document.createElement('strong');
    title.textContent = notice.title;
    const body = document.createElement('p');
    body.textContent = notice.body;
    const open = document.createElement('a');
    open.href = safeUrl(notice.url);
    open.textContent = region.getAttribute('data-open');
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'notice-dismiss';
    dismiss.textContent = region.getAttribute('data-dismiss');
    dismiss.addEventListener('click', () => item.remove());
    item.append(title, body, open, dismiss);
    region.append(item);
    while (region.children.length > SHOWN_AT_MOST) region.firstElementChild.remove();
  };

  const desktopOn = () =>
    browserStore?.getItem(CHOICE) === 'on' && desktop()?.permission === 'granted';

  const showOnDesktop = (notice) => {
    try {
      const Desktop = desktop();
      const shown = new Desktop(notice.title, { body: notice.body, tag: notice.id });
      shown.onclick = () => {
        window.focus();
        window.location.assign(safeUrl(notice.url));
        shown.close();
      };
    } catch {
      // A browser that shows notifications only from a service worker (Android): the page's
      // own notice is there.
    }
  };

  const receive = (message) => {
    let notice;
    try {
      notice = JSON.parse(message.data);
    } catch {
      return;
    }
    if (!notice || typeof notice.id !== 'string' || pageSeen.has(notice.id)) return;
    pageSeen.add(notice.id);
    if (firstTime(tabStore, notice.id)) show(notice);
    if (desktopOn() && firstTime(browserStore, notice.id)) showOnDesktop(notice);
  };

  const followed = new WeakSet();
  const follow = (source) => {
    if (!source || followed.has(source)) return;
    followed.add(source);
    source.addEventListener('notify', receive);
  };
  // Says the stream is open (a test waits for it before it changes anything).
  const opened = () => region.setAttribute('data-stream', 'open');
  document.addEventListener('htmx:sseOpen', (event) => {
    follow(event.detail?.source);
    opened();
  });
  document.addEventListener('DOMContentLoaded', () => {
    if (document.querySelector('[sse-connect], [data-sse-connect]') || !window.EventSource) return;
    const own = new window.EventSource('/stream');
    own.addEventListener('open', opened);
    follow(own);
  });

  // The switch: its words say what a click does; a browser that blocks notifications says so.
  const render = () => {
    const Desktop = desktop();
    if (!toggle || !Desktop) return;
    const blocked = Desktop.permission === 'denied';
    toggle.hidden = false;
    toggle.disabled = blocked;
    toggle.textContent = toggle.getAttribute(
      blocked ? 'data-blocked' : desktopOn() ? 'data-disable' : 'data-enable',
    );
  };
  toggle?.addEventListener('click', async () => {
    const Desktop = desktop();
    if (!Desktop) return;
    if (desktopOn()) {
      browserStore?.setItem(CHOICE, 'off');
      return render();
    }
    // Asked on the click itself: browsers grant nothing without the user's gesture.
    const answer = Desktop.permission === 'granted' ? 'granted' : await Desktop.requestPermission();
    browserStore?.setItem(CHOICE, answer === 'granted' ? 'on' : 'off');
    render();
  });
  // Turned on or off in another tab.
  window.addEventListener('storage', (event) => {
    if (event.key === CHOICE) render();
  });
  render();
})();
