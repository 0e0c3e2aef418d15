/** A replay's selection: read from the command's options, shown back, and what it resets. */
import { INBOX_STATUSES, type InboxStatus } from '../../core/ports.ts';
import type { ReplayFilter } from '../../core/repositories/inbox.ts';
import { CliError, idOf } from './options.ts';

export function parseFilter(values: {
  id?: string | undefined;
  channel?: string | undefined;
  status?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): ReplayFilter | undefined {
  const filter: ReplayFilter = {};
  if (values.id !== undefined) {
    const ids = values.id.split(',').map(idOf);
    if (!ids.every((id) => id !== undefined))
      throw new CliError('--id takes inbox ids separated by commas, e.g. --id 12,15');
    filter.ids = ids;
  }
  if (values.channel !== undefined) {
    const channelId = idOf(values.channel);
    if (channelId === undefined)
      throw new CliError('--channel takes a channel id (see `channels list`)');
    filter.channelId = channelId;
  }
  if (values.status !== undefined) {
    const statuses = values.status.split(',').map((part) => part.trim());
    const known = (s: string): s is InboxStatus => INBOX_STATUSES.some((k) => k === s);
    if (!statuses.every(known))
      throw new CliError(`--status takes ${INBOX_STATUSES.join(', ')} (comma-separated)`);
    filter.statuses = statuses.filter(known);
  }
  for (const bound of ['since', 'until'] as const) {
    const text = values[bound];
    if (text === undefined) continue;
    const at = Date.parse(text);
    if (Number.isNaN(at))
      throw new CliError(`--${bound} takes a date or time, e.g. 2026-03-01 or 2026-03-01T09:30Z`);
    filter[bound] = at;
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since >= filter.until)
    throw new CliError('--since must be before --until');
  return Object.keys(filter).length ? filter : undefined;
}

export function describeFilter(filter: ReplayFilter): string {
  const at = (ms: number) => new Date(ms).toISOString();
  const parts = [
    filter.ids && `id ${filter.ids.join(',')}`,
    filter.channelId !== undefined && `channel ${filter.channelId}`,
    filter.statuses && `status ${filter.statuses.join(',')}`,
    filter.since !== undefined && `since ${at(filter.since)}`,
    filter.until !== undefined && `until ${at(filter.until)}`,
    filter.maxId !== undefined && `id ≤ ${filter.maxId}`,
  ];
  return parts.filter(Boolean).join(' ');
}

/** Failed rows always go back to pending; ignored ones only when the operator asked for them. */
export function resettable(filter: ReplayFilter): InboxStatus[] {
  return filter.statuses?.includes('ignored') ? ['failed', 'ignored'] : ['failed'];
}
