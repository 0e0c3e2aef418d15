/**
 * A channel's health as a person reads it: its session, its newest message and failure (dates in
 * the viewer's time zone), what its service says (Telegram's view of the webhook, a number's
 * quality), and the lines of a connection test, each with what the server answered.
 */
import type { ChannelCheck } from '../../../core/channel.ts';
import type { ChannelHealth } from './channel-health.ts';
import type { Viewer } from './viewer.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function SessionText({ viewer, health }: { viewer: Viewer; health: ChannelHealth }) {
  const { t } = viewer;
  const { session } = health;
  const text =
    session.state === 'stopped'
      ? t('channels.state.stopped', { process: session.process })
      : t(`channels.state.${session.state}`);
  return <span class={`state ${session.state}`}>{text}</span>;
}

export function LastMessage({ viewer, health }: { viewer: Viewer; health: ChannelHealth }) {
  const at = health.activity.lastReceivedAt;
  return at ? (
    <time datetime={at.toISOString()}>{viewer.when(at)}</time>
  ) : (
    <span class="sub">{viewer.t('channels.never')}</span>
  );
}

export function LastFailure({ viewer, health }: { viewer: Viewer; health: ChannelHealth }) {
  const failure = health.activity.lastFailure;
  if (!failure) return <span class="sub">{viewer.t('channels.noError')}</span>;
  return (
    <span class="failure">
      <time datetime={failure.at.toISOString()}>{viewer.when(failure.at)}</time>: {failure.error}
    </span>
  );
}

/** `pendingUpdates` → `pending updates`. */
const wordsOfKey = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** A service's answer as label/value lines: nested keys joined, dates as the viewer reads them. */
function lines(value: unknown, label: string, viewer: Viewer): [string, string][] {
  if (value instanceof Date) return [[label, viewer.when(value)]];
  if (Array.isArray(value))
    return value.flatMap((item, index) => lines(item, `${label} ${index + 1}`, viewer));
  if (typeof value === 'object' && value !== null) {
    // The channel's own id says nothing on its own page.
    return Object.entries(value)
      .filter(([key]) => key !== 'channelId')
      .flatMap(([key, item]) =>
        lines(item, label ? `${label} · ${wordsOfKey(key)}` : wordsOfKey(key), viewer),
      );
  }
  if (value === undefined || value === null || value === '') return [];
  const text = String(value);
  return [
    [
      label,
      ISO_DATE.test(text) && !Number.isNaN(Date.parse(text)) ? viewer.when(new Date(text)) : text,
    ],
  ];
}

export function ServiceAnswer(props: { viewer: Viewer; answer: Record<string, unknown> }) {
  const shown = lines(props.answer, '', props.viewer);
  if (!shown.length) return <p class="hint">{props.viewer.t('channels.health.serviceNone')}</p>;
  return (
    <dl class="service">
      {shown.map(([label, text]) => (
        <>
          <dt>{label}</dt>
          <dd>{text}</dd>
        </>
      ))}
    </dl>
  );
}

export function CheckLines({ viewer, checks }: { viewer: Viewer; checks: ChannelCheck[] }) {
  const { t } = viewer;
  return (
    <ul class="checks">
      {checks.map((check) => (
        <li class={check.ok ? 'ok' : 'failed'}>
          <strong class={`badge ${check.ok ? 'repeat' : 'review'}`}>
            {check.ok ? t('channels.test.ok') : t('channels.test.failed')}
          </strong>{' '}
          <span class="check-name">{check.name}</span>
          <pre class="detail">{check.detail}</pre>
        </li>
      ))}
    </ul>
  );
}
