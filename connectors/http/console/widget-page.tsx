/**
 * The page every widget screen shares: the list of a kind's widgets, and one widget's editor —
 * its health and snippet, the one form (settings, then the kind's own editor) with Save at both
 * ends, and the preview beside it. A kind (web form, callback widget) says how its draft is read
 * from a post or a stored widget, what its buttons change, and how it turns into the API's body.
 */
import type { VNode } from 'preact';
import type { z } from 'zod';
import type { Widget, WidgetKind } from '../../../core/repositories/forms.ts';
import type { MessageKey } from './catalogue.ts';
import { CsrfField, Page } from './layout.tsx';
import type { Viewer } from './viewer.ts';
import type { Body } from './widget-body.tsx';
import type { Target } from './widget-field-draft.tsx';
import { EmbedPanel, HealthPanel, PreviewPanel, type Health, type Urls } from './widget-panels.tsx';
import { ProblemSummary, type Issue, type Problems } from './widget-problems.tsx';
import {
  SETTINGS_TARGETS,
  SettingsFields,
  type Person,
  type SettingsDraft,
} from './widget-settings.tsx';

export interface EditorProps<D> {
  viewer: Viewer;
  draft: D;
  problems: Problems;
  focus: string | undefined;
  targets: Target[];
}

/** What makes a web form screen different from a callback widget screen. */
export interface WidgetScreen<D extends { settings: SettingsDraft }> {
  kind: WidgetKind;
  mount: '/f' | '/cb';
  base: '/channels/forms' | '/channels/callbacks';
  schema: z.ZodType<Record<string, unknown>>;
  words: { list: MessageKey; add: MessageKey; empty: MessageKey; create: MessageKey };
  fresh(viewer: Viewer): D;
  fromBody(body: Body): D;
  fromWidget(widget: Widget): D;
  /** A builder button's change (undefined: not one of this kind's buttons). */
  act(draft: D, action: string): { draft: D; focus?: string | undefined } | undefined;
  /** The API's flat body (validateWidget checks it). */
  toBody(draft: D): Record<string, unknown>;
  /** Refusals the screen can say more precisely than the schema (they replace its own). */
  ownIssues(t: Viewer['t'], draft: D): Issue[];
  preview(draft: D): string | undefined;
  /** The input id of an issue's anchor, for the summary's links. */
  target(anchor: string): string | undefined;
  Editor(props: EditorProps<D>): VNode;
}

export interface EditorView<D> {
  widget: Widget | undefined;
  draft: D;
  problems: Problems;
  focus?: string | undefined;
  saved?: boolean;
  people: Person[];
  targets: Target[];
  health?: Health | undefined;
  urls?: Urls | undefined;
}

export function EditorPage<D extends { settings: SettingsDraft }>(props: {
  viewer: Viewer;
  screen: WidgetScreen<D>;
  view: EditorView<D>;
}) {
  const { viewer, screen, view } = props;
  const { t } = viewer;
  const { Editor } = screen;
  const title = view.widget ? view.widget.title : t(screen.words.create);
  const action = view.widget ? `${screen.base}/${view.widget.id}` : screen.base;
  const target = (anchor: string) => SETTINGS_TARGETS[anchor] ?? screen.target(anchor);
  return (
    <Page viewer={viewer} title={title}>
      <p>
        <a href={screen.base}>← {t(screen.words.list)}</a>
      </p>
      <h1>{title}</h1>
      {view.saved ? (
        <p class="notice" role="status">
          {t('widgets.saved')}
        </p>
      ) : null}
      <ProblemSummary t={t} problems={view.problems} target={target} />
      {view.health && view.urls ? (
        <div class="widget-panels">
          <HealthPanel viewer={viewer} health={view.health} />
          <EmbedPanel viewer={viewer} urls={view.urls} />
        </div>
      ) : null}
      <div class="widget-editor">
        <form
          method="post"
          action={action}
          class="widget-form"
          hx-post={`${screen.base}/preview`}
          hx-trigger="input changed delay:300ms, change delay:300ms"
          hx-target="#widget-preview"
          hx-swap="outerHTML"
        >
          <CsrfField viewer={viewer} />
          {/* The first submit button is the one Enter presses: Save, never a builder button. */}
          <div class="form-actions">
            <button type="submit" name="action" value="save">
              {t('widgets.save')}
            </button>
          </div>
          <SettingsFields
            viewer={viewer}
            draft={view.draft.settings}
            problems={view.problems}
            people={view.people}
            mount={screen.mount}
          />
          <Editor
            viewer={viewer}
            draft={view.draft}
            problems={view.problems}
            focus={view.focus}
            targets={view.targets}
          />
          <div class="form-actions">
            <button type="submit" name="action" value="save">
              {t('widgets.save')}
            </button>
            <button type="submit" name="action" value="preview" class="secondary">
              {t('widgets.preview.update')}
            </button>
          </div>
        </form>
        <PreviewPanel viewer={viewer} html={screen.preview(view.draft)} />
      </div>
      <script src="/assets/widgets.js" defer></script>
    </Page>
  );
}

export function ListPage(props: {
  viewer: Viewer;
  screen: Pick<WidgetScreen<never>, 'base' | 'mount' | 'words'>;
  widgets: Widget[];
}) {
  const { viewer, screen, widgets } = props;
  const { t } = viewer;
  return (
    <Page viewer={viewer} title={t(screen.words.list)}>
      <p>
        <a href="/channels">← {t('nav.channels')}</a>
      </p>
      <h1>{t(screen.words.list)}</h1>
      <p>
        <a class="button" href={`${screen.base}/new`}>
          {t(screen.words.add)}
        </a>
      </p>
      {widgets.length === 0 ? (
        <p class="empty">{t(screen.words.empty)}</p>
      ) : (
        <table class="leads">
          <thead>
            <tr>
              <th scope="col">{t('widgets.name')}</th>
              <th scope="col">{t('widgets.address')}</th>
              <th scope="col">{t('widgets.health.state')}</th>
            </tr>
          </thead>
          <tbody>
            {widgets.map((widget) => (
              <tr>
                <td>
                  <a class="lead-link" href={`${screen.base}/${widget.id}`}>
                    {widget.title}
                  </a>
                </td>
                <td>
                  <code>{`${screen.mount}/${widget.slug}`}</code>
                </td>
                <td>
                  <span class={`badge ${widget.active ? 'on' : 'off'}`}>
                    {widget.active ? t('widgets.health.on') : t('widgets.health.off')}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
