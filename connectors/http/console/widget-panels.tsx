/**
 * The side panels of a widget's screen: its health (on or off, what arrived today and when last,
 * what was turned away and why), the snippet that embeds it, and the preview. The preview is the
 * site's own renderer on the hosted page, so it is exactly what a visitor gets; it sits in a
 * sandboxed frame (no scripts, no form posts, an origin of its own), so nothing in it reaches the
 * console.
 */
import { DateTime } from 'luxon';
import type { Rejection, Widget } from '../../../core/repositories/forms.ts';
import type { MessageKey } from './catalogue.ts';
import type { Viewer } from './viewer.ts';

export interface Health {
  active: boolean;
  /** Submissions since the viewer's midnight. */
  today: number;
  lastAt: Date | null;
  /** Today's turned-away posts by reason (UTC day); null when Redis did not answer. */
  rejectedToday: Record<string, number> | null;
  latest: (Rejection & { id: number })[];
}

export interface HealthDeps {
  forms: {
    received(channelId: number, since: Date): Promise<{ count: number; lastAt: Date | null }>;
    rejections(formId: number, limit: number): Promise<(Rejection & { id: number })[]>;
  };
  guard: { rejectionsOn(widgetId: number, at: Date): Promise<Record<string, number>> };
}

/** The start of the viewer's day, in their time zone. */
function viewersMidnight(viewer: Viewer, now: Date): Date {
  const local = DateTime.fromJSDate(now, { zone: viewer.timeZone });
  return (local.isValid ? local : DateTime.fromJSDate(now, { zone: 'UTC' }))
    .startOf('day')
    .toJSDate();
}

export async function healthOf(deps: HealthDeps, widget: Widget, viewer: Viewer): Promise<Health> {
  const now = new Date();
  const [received, latest, rejectedToday] = await Promise.all([
    deps.forms.received(widget.channelId, viewersMidnight(viewer, now)),
    deps.forms.rejections(widget.id, 5),
    // Counted in Redis: when it is away the page says "unknown" rather than failing.
    deps.guard.rejectionsOn(widget.id, now).catch(() => null),
  ]);
  return {
    active: widget.active,
    today: received.count,
    lastAt: received.lastAt,
    rejectedToday,
    latest,
  };
}

const REASONS = new Set([
  'honeypot',
  'bad_token',
  'too_fast',
  'expired',
  'rate_limited',
  'origin',
  'invalid',
  'too_large',
  'bad_body',
]);

const reason = (t: Viewer['t'], code: string) =>
  REASONS.has(code) ? t(`widgets.reason.${code}` as MessageKey) : code;

export function HealthPanel({ viewer, health }: { viewer: Viewer; health: Health }) {
  const { t, when } = viewer;
  const rejected = health.rejectedToday;
  const total = rejected ? Object.values(rejected).reduce((sum, n) => sum + n, 0) : null;
  return (
    <section class="widget-health" aria-labelledby="health-title">
      <h2 id="health-title">{t('widgets.health')}</h2>
      <dl class="facts">
        <dt>{t('widgets.health.state')}</dt>
        <dd>
          <span class={`badge ${health.active ? 'on' : 'off'}`}>
            {health.active ? t('widgets.health.on') : t('widgets.health.off')}
          </span>
        </dd>
        <dt>{t('widgets.health.today')}</dt>
        <dd>{health.today}</dd>
        <dt>{t('widgets.health.last')}</dt>
        <dd>
          {health.lastAt ? (
            <time datetime={health.lastAt.toISOString()}>{when(health.lastAt)}</time>
          ) : (
            t('widgets.health.never')
          )}
        </dd>
        <dt>{t('widgets.health.rejectedToday')}</dt>
        <dd>
          {total === null
            ? t('widgets.health.unknown')
            : total === 0
              ? '0'
              : `${total} (${Object.entries(rejected ?? {})
                  .map(([code, n]) => `${reason(t, code)}: ${n}`)
                  .join(', ')})`}
        </dd>
      </dl>
      <h3>{t('widgets.health.latest')}</h3>
      {health.latest.length === 0 ? (
        <p class="empty">{t('widgets.health.noRejections')}</p>
      ) : (
        <ul class="rejections">
          {health.latest.map((rejection) => (
            <li>
              <time datetime={rejection.receivedAt.toISOString()}>
                {when(rejection.receivedAt)}
              </time>
              {' · '}
              {reason(t, rejection.reason)}
              {rejection.ip ? ` · ${rejection.ip}` : ''}
            </li>
          ))}
        </ul>
      )}
      <p class="hint">{t('widgets.health.kept')}</p>
    </section>
  );
}

export interface Urls {
  page: string;
  embed: string;
  snippet: string;
}

/** The addresses the API shows for a widget (connectors/http/operator/widgets.ts), the same way. */
export function urlsOf(origin: string, mount: '/f' | '/cb', slug: string): Urls {
  const base = `${origin}${mount}/${slug}`;
  return {
    page: base,
    embed: `${base}/embed.js`,
    snippet: `<script src="${base}/embed.js" async></script>`,
  };
}

export function EmbedPanel({ viewer, urls }: { viewer: Viewer; urls: Urls }) {
  const { t } = viewer;
  return (
    <section class="widget-embed" aria-labelledby="embed-title">
      <h2 id="embed-title">{t('widgets.embed')}</h2>
      <label for="w-snippet">{t('widgets.embed.snippet')}</label>
      <textarea id="w-snippet" class="snippet" readOnly rows={2} value={urls.snippet} />
      <div class="inline">
        {/* Shown by widgets.js: without JavaScript the snippet is selected and copied by hand. */}
        <button type="button" class="secondary" data-copy="w-snippet" hidden>
          {t('widgets.embed.copy')}
        </button>
        <span class="copy-status" role="status" data-copied={t('widgets.embed.copied')}></span>
      </div>
      <p class="hint">{t('widgets.embed.hint')}</p>
      <p>
        {t('widgets.embed.page')}: <a href={urls.page}>{urls.page}</a>
      </p>
    </section>
  );
}

export function PreviewPanel(props: { viewer: Viewer; html: string | undefined }) {
  const { t } = props.viewer;
  return (
    <section id="widget-preview" class="widget-preview" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('widgets.preview')}</h2>
      <p class="hint">{t('widgets.preview.hint')}</p>
      {props.html === undefined ? (
        <p class="empty">{t('widgets.preview.none')}</p>
      ) : (
        <iframe
          class="preview-frame"
          sandbox=""
          title={t('widgets.preview.frame')}
          srcdoc={props.html}
          data-preview
        />
      )}
    </section>
  );
}
