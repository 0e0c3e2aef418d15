/**
 * `/channels`: every connected channel with its kind, state, newest message and newest failure;
 * the web forms and callback widgets (their pages are widgets.tsx's); a button to connect each
 * kind that has settings.
 */
import type { AnyChannel } from '../../../core/channel.ts';
import type { ChannelRecord } from '../../../core/repositories/channels.ts';
import type { Widget } from '../../../core/repositories/forms.ts';
import type { ChannelHealth } from './channel-health.ts';
import { LastFailure, LastMessage, SessionText } from './channel-health-view.tsx';
import { Page } from './layout.tsx';
import type { Viewer } from './viewer.ts';

export interface ChannelListView {
  channels: readonly AnyChannel[];
  records: ChannelRecord[];
  health: Map<number, ChannelHealth>;
  forms: Widget[];
  callbacks: Widget[];
}

/** How the console calls a kind: its settings' title, else the channel's own label. */
export function kindTitle(viewer: Viewer, channels: readonly AnyChannel[], kind: string): string {
  const channel = channels.find((c) => c.kind === kind);
  return channel?.settings?.title[viewer.language] ?? channel?.label ?? kind;
}

function WidgetLinks(props: {
  viewer: Viewer;
  title: string;
  empty: string;
  widgets: Widget[];
  base: string;
  newLabel: string;
  health: Map<number, ChannelHealth>;
}) {
  const { viewer } = props;
  return (
    <section aria-labelledby={`${props.base.slice(10)}-title`}>
      <h2 id={`${props.base.slice(10)}-title`}>{props.title}</h2>
      {props.widgets.length === 0 ? <p class="empty">{props.empty}</p> : null}
      <ul class="widget-links">
        {props.widgets.map((widget) => {
          const health = props.health.get(widget.channelId);
          return (
            <li>
              <a href={`${props.base}/${widget.id}`}>{widget.title}</a>{' '}
              <span class="sub">
                {widget.active ? viewer.t('channels.active') : viewer.t('channels.inactive')}
                {' · '}
                {viewer.t('channels.col.lastMessage')}:{' '}
              </span>
              {health ? <LastMessage viewer={viewer} health={health} /> : null}
            </li>
          );
        })}
      </ul>
      <p>
        <a class="button" href={`${props.base}/new`}>
          {props.newLabel}
        </a>
      </p>
    </section>
  );
}

export function ChannelList({ viewer, view }: { viewer: Viewer; view: ChannelListView }) {
  const { t } = viewer;
  const connectable = view.channels.filter((channel) => channel.settings);
  return (
    <Page viewer={viewer} title={t('channels.title')}>
      <h1>{t('channels.title')}</h1>
      <p class="hint">{t('channels.intro')}</p>
      <section aria-labelledby="connected-title">
        <h2 id="connected-title">{t('channels.connected')}</h2>
        {view.records.length === 0 ? <p class="empty">{t('channels.none')}</p> : null}
        {view.records.length ? (
          <table class="leads channels">
            <thead>
              <tr>
                <th scope="col">{t('channels.col.channel')}</th>
                <th scope="col">{t('channels.col.kind')}</th>
                <th scope="col">{t('channels.col.state')}</th>
                <th scope="col">{t('channels.col.lastMessage')}</th>
                <th scope="col">{t('channels.col.lastError')}</th>
              </tr>
            </thead>
            <tbody>
              {view.records.map((record) => {
                const health = view.health.get(record.id);
                return (
                  <tr data-channel={record.id}>
                    <td>
                      <a href={`/channels/${record.id}`}>{record.name}</a>
                    </td>
                    <td>{kindTitle(viewer, view.channels, record.kind)}</td>
                    <td>{health ? <SessionText viewer={viewer} health={health} /> : null}</td>
                    <td>{health ? <LastMessage viewer={viewer} health={health} /> : null}</td>
                    <td>{health ? <LastFailure viewer={viewer} health={health} /> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
        <h3>{t('channels.connect')}</h3>
        <ul class="connect">
          {connectable.map((channel) => (
            <li>
              <a class="button" href={`/channels/new?kind=${encodeURIComponent(channel.kind)}`}>
                {t('channels.connectKind', {
                  kind: kindTitle(viewer, view.channels, channel.kind),
                })}
              </a>
            </li>
          ))}
        </ul>
      </section>
      <WidgetLinks
        viewer={viewer}
        title={t('channels.forms')}
        empty={t('channels.noForms')}
        widgets={view.forms}
        base="/channels/forms"
        newLabel={t('channels.newForm')}
        health={view.health}
      />
      <WidgetLinks
        viewer={viewer}
        title={t('channels.callbacks')}
        empty={t('channels.noCallbacks')}
        widgets={view.callbacks}
        base="/channels/callbacks"
        newLabel={t('channels.newCallback')}
        health={view.health}
      />
    </Page>
  );
}
