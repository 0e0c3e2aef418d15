/**
 * A channel's pages: connecting a new one (its kind's sections that need filling in), and a
 * connected one's page — its health and "Test connection", then a form per section (general, the
 * kind's own, the operator queue), each saved on its own so a refusal comes back beside the input
 * it is about with everything else as it was.
 */
import type { AnyChannel, ChannelCheck, SettingsSection } from '../../../core/channel.ts';
import type { ChannelRecord } from '../../../core/repositories/channels.ts';
import type { ChannelHealth } from './channel-health.ts';
import {
  CheckLines,
  LastFailure,
  LastMessage,
  ServiceAnswer,
  SessionText,
} from './channel-health-view.tsx';
import { SectionFields, type FormState } from './channel-form.tsx';
import { kindTitle } from './channel-list.tsx';
import { CsrfField, Page } from './layout.tsx';
import type { Viewer } from './viewer.ts';

/** What a refused form says above itself: the issues no input is about, or a general line. */
function Refusal({ viewer, problems }: { viewer: Viewer; problems: string[] | undefined }) {
  if (!problems) return null;
  return (
    <div class="alert" role="alert">
      <p>{viewer.t('channels.refused')}</p>
      {problems.length ? (
        <ul>
          {problems.map((problem) => (
            <li>{problem}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function NewChannelPage(props: {
  viewer: Viewer;
  channels: readonly AnyChannel[];
  kind: string;
  sections: readonly SettingsSection[];
  state: FormState;
  problems?: string[] | undefined;
}) {
  const { viewer } = props;
  const { t } = viewer;
  const title = t('channels.new.title', { kind: kindTitle(viewer, props.channels, props.kind) });
  return (
    <Page viewer={viewer} title={title}>
      <p>
        <a href="/channels">{t('channels.back')}</a>
      </p>
      <h1>{title}</h1>
      <form method="post" action="/channels" class="stack channel-form">
        <Refusal viewer={viewer} problems={props.problems} />
        <CsrfField viewer={viewer} />
        <input type="hidden" name="kind" value={props.kind} />
        {props.sections.map((section) => (
          <SectionFields viewer={viewer} section={section} state={props.state} />
        ))}
        <p class="hint">{t('channels.new.later')}</p>
        <p>
          <button type="submit">{t('channels.new.submit')}</button>
        </p>
      </form>
    </Page>
  );
}

export interface ChannelPageView {
  channels: readonly AnyChannel[];
  record: ChannelRecord;
  /** The general section, then the kind's own. */
  sections: readonly SettingsSection[];
  health: ChannelHealth;
  /** What the channel's service says (inspectChannel beyond the settings). */
  service: Record<string, unknown>;
  users: { id: number; name: string }[];
  /** The state of each section's form; the one just posted carries what was typed. */
  stateOf: (sectionId: string) => FormState;
  /** The section just refused, with its issues that no input is about. */
  refused?: { section: string; problems: string[] } | undefined;
  notice?: string | undefined;
  checks?: ChannelCheck[] | undefined;
  editable: boolean;
}

function QueueForm({ viewer, view }: { viewer: Viewer; view: ChannelPageView }) {
  const { t } = viewer;
  const chosen = new Set(view.record.operatorIds);
  const problems = view.stateOf('queue').issues.get('operatorIds');
  return (
    <form method="post" action={`/channels/${view.record.id}`} class="stack channel-form">
      <Refusal
        viewer={viewer}
        problems={view.refused?.section === 'queue' ? view.refused.problems : undefined}
      />
      <CsrfField viewer={viewer} />
      <input type="hidden" name="section" value="queue" />
      <fieldset class="channel-section" aria-describedby="queue-help">
        <legend>{t('channels.queue')}</legend>
        <p class="hint" id="queue-help">
          {t('channels.queueHelp')}
        </p>
        {view.users.length === 0 ? <p class="empty">{t('channels.queueNone')}</p> : null}
        {view.users.map((user) => (
          <label class="check">
            <input
              type="checkbox"
              name="operatorIds"
              value={String(user.id)}
              checked={chosen.has(user.id)}
            />{' '}
            {user.name}
          </label>
        ))}
        {problems ? <p class="alert field-error">{problems.join(' ')}</p> : null}
      </fieldset>
      <p>
        <button type="submit">
          {t('channels.save')}
          <span class="visually-hidden"> — {t('channels.queue')}</span>
        </button>
      </p>
    </form>
  );
}

export function ChannelPage({ viewer, view }: { viewer: Viewer; view: ChannelPageView }) {
  const { t } = viewer;
  const { record, health } = view;
  const kind = kindTitle(viewer, view.channels, record.kind);
  return (
    <Page viewer={viewer} title={record.name}>
      <p>
        <a href="/channels">{t('channels.back')}</a>
      </p>
      <h1>{record.name}</h1>
      <p class="sub">
        {kind} · {record.active ? t('channels.active') : t('channels.inactive')}
      </p>
      {view.notice ? (
        <p class="notice" role="status">
          {view.notice}
        </p>
      ) : null}
      <section aria-labelledby="health-title">
        <h2 id="health-title">{t('channels.health')}</h2>
        <dl class="service">
          <dt>{t('channels.health.session')}</dt>
          <dd>
            <SessionText viewer={viewer} health={health} />
          </dd>
          <dt>{t('channels.health.lastMessage')}</dt>
          <dd>
            <LastMessage viewer={viewer} health={health} />
          </dd>
          <dt>{t('channels.health.lastError')}</dt>
          <dd>
            <LastFailure viewer={viewer} health={health} />
          </dd>
        </dl>
        <h3>{t('channels.health.service')}</h3>
        <ServiceAnswer viewer={viewer} answer={view.service} />
      </section>
      <section aria-labelledby="test-title">
        <h2 id="test-title">{t('channels.test')}</h2>
        <p class="hint">{t('channels.test.intro')}</p>
        <form method="post" action={`/channels/${record.id}/test`} class="inline">
          <CsrfField viewer={viewer} />
          <button type="submit">{t('channels.test')}</button>
        </form>
        <div aria-live="polite">
          {view.checks ? (
            <>
              <h3 tabindex={-1} id="test-results" autofocus>
                {t('channels.test.results')}
              </h3>
              {view.checks.length ? (
                <CheckLines viewer={viewer} checks={view.checks} />
              ) : (
                <p class="hint">{t('channels.test.none')}</p>
              )}
            </>
          ) : null}
        </div>
      </section>
      {view.editable ? (
        view.sections.map((section) => (
          <form method="post" action={`/channels/${record.id}`} class="stack channel-form">
            <Refusal
              viewer={viewer}
              problems={view.refused?.section === section.id ? view.refused.problems : undefined}
            />
            <CsrfField viewer={viewer} />
            <input type="hidden" name="section" value={section.id} />
            <SectionFields viewer={viewer} section={section} state={view.stateOf(section.id)} />
            <p>
              <button type="submit">
                {t('channels.save')}
                <span class="visually-hidden"> — {section.legend[viewer.language]}</span>
              </button>
            </p>
          </form>
        ))
      ) : (
        <p class="hint">{t('channels.notEditable')}</p>
      )}
      {view.editable ? <QueueForm viewer={viewer} view={view} /> : null}
    </Page>
  );
}
