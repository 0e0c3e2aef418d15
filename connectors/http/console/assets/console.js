// Leadwire console: keyboard moves through the lead list (j / k, Enter opens, / searches), and
// the focused lead keeps its focus when the live stream refreshes the list under it. Everything
// else is links and forms; htmx (loaded before this) makes them live.
'use strict';

const typing = (element) =>
  element instanceof HTMLElement &&
  (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));

document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
  if (event.key === '/') {
    const search = document.getElementById('q');
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
    return;
  }
  if (event.key !== 'j' && event.key !== 'k') return;
  const links = [...document.querySelectorAll('a.lead-link')];
  if (links.length === 0) return;
  const at = links.indexOf(document.activeElement);
  const next =
    at === -1 ? 0 : event.key === 'j' ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
  event.preventDefault();
  links[next].focus();
  links[next].closest('tr')?.scrollIntoView({ block: 'nearest' });
});

let focusedLead = null;
document.addEventListener('htmx:beforeSwap', () => {
  const row = document.activeElement?.closest?.('[data-lead]');
  focusedLead = row ? row.getAttribute('data-lead') : null;
});
document.addEventListener('htmx:afterSettle', () => {
  if (!focusedLead) return;
  document.querySelector(`[data-lead="${CSS.escape(focusedLead)}"] a.lead-link`)?.focus();
  focusedLead = null;
});

// The board: a card dragged onto another stage's column moves the lead there, through the same
// form post as the lead page's stage (the session's CSRF token from hx-headers). The list then
// refreshes; a refusal (a junk stage needs a reason, no right to change it) is said in words.
const LEAD_TYPE = 'application/x-leadwire-lead';
document.addEventListener('dragstart', (event) => {
  const card = event.target instanceof Element ? event.target.closest('.board [data-lead]') : null;
  if (!card || !event.dataTransfer) return;
  event.dataTransfer.setData(LEAD_TYPE, card.getAttribute('data-lead'));
  event.dataTransfer.effectAllowed = 'move';
});
document.addEventListener('dragover', (event) => {
  const column = event.target instanceof Element ? event.target.closest('.column') : null;
  if (!column) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'move';
});
document.addEventListener('drop', async (event) => {
  const column = event.target instanceof Element ? event.target.closest('.column') : null;
  // Only a card of this board: a number dragged in from elsewhere is no lead to move.
  const lead = event.dataTransfer?.getData(LEAD_TYPE);
  if (!column || !/^\d+$/.test(lead ?? '')) return;
  event.preventDefault();
  const status = document.getElementById('board-status');
  const headers = JSON.parse(document.body.getAttribute('hx-headers') || '{}');
  const answer = await fetch(`/leads/${lead}/stage`, {
    method: 'POST',
    // As htmx asks: an ended session answers 401 (sign in again), not a redirect taken for success.
    headers: {
      ...headers,
      'hx-request': 'true',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ stage: column.getAttribute('data-stage') }).toString(),
    redirect: 'manual',
  }).catch(() => null);
  const moved = answer?.type === 'opaqueredirect';
  const signIn = answer?.headers.get('hx-redirect');
  if (answer?.status === 401 && signIn) {
    window.location.assign(signIn);
    return;
  }
  if (status) {
    status.hidden = moved;
    status.textContent = moved ? '' : status.getAttribute('data-failed');
  }
  const list = document.getElementById('lead-list');
  if (moved && list && window.htmx) {
    window.htmx.ajax('GET', list.getAttribute('hx-get'), { target: list, swap: 'outerHTML' });
  }
});
