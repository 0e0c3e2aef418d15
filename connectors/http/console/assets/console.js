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
