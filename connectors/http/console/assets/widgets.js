// Leadwire console, website widget screens: the snippet's copy button (shown only where a script
// can copy; without it the snippet is selected in its read-only box), a field row's title (and
// the buttons it names) following its label as it is typed, and a field's extra settings opened
// when its new type needs them (a list's options, a hidden value). Everything else is plain
// forms; htmx refreshes the preview.
'use strict';
/* global HTMLSelectElement */

for (const button of document.querySelectorAll('button[data-copy]')) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(source.value);
    } catch {
      // No clipboard API (plain http on a LAN): the old way, from the selected text.
      source.focus();
      source.select();
      document.execCommand('copy');
    }
    const status = button.parentElement?.querySelector('.copy-status');
    if (status) status.textContent = status.dataset.copied ?? '';
  });
}

document.addEventListener('change', (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !/^f-\d+-type$/.test(select.id)) return;
  if (select.value === 'select' || select.value === 'hidden') {
    select.closest('fieldset')?.querySelector('details.field-more')?.setAttribute('open', '');
  }
});

document.addEventListener('input', (event) => {
  const input = event.target;
  const row = /^f-(\d+)-label$/.exec(input?.id ?? '');
  const title = row && document.getElementById(`f-${row[1]}-title`);
  if (title) title.textContent = input.value.trim() || title.dataset.empty || '';
});
