/**
 * `/settings/stages` (leads) and `/settings/deal-stages` (deals): the stages in their order, each
 * with its fixed semantics (in progress, success, failure); add one, rename one, move one up or
 * down, delete one moving its records to another. core/stages.ts says what may not be done (the
 * last stage of a semantics, the stage new leads start in).
 */
import { Router, type Response } from 'express';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { Stage, StageKind, StageProblem } from '../../../core/stages.ts';
import { changeBy } from '../operator/scope.ts';
import { newStage, stageCode, stageName } from '../operator/stages.ts';
import { AdminPage, Select, field, formOf, refusal, wasSaved } from './admin-kit.tsx';
import type { MessageKey } from './catalogue.ts';
import { CsrfField } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

const SEMANTICS = ['process', 'success', 'failure'] as const;

export const STAGE_PAGES: Record<StageKind, { path: string; title: MessageKey }> = {
  lead: { path: '/settings/stages', title: 'admin.stages.title' },
  deal: { path: '/settings/deal-stages', title: 'admin.dealStages.title' },
};

const PROBLEMS: Record<StageProblem, MessageKey> = {
  'code-taken': 'admin.stages.codeTaken',
  'no-stage': 'admin.stages.noStage',
  'no-target': 'admin.stages.noTarget',
  'last-of-semantics': 'admin.stages.lastOfKind',
  initial: 'admin.stages.initial',
  'not-a-permutation': 'admin.stages.changed',
};

const HINTS: Partial<Record<string, MessageKey>> = {
  code: 'admin.stages.invalid.code',
  name: 'admin.stages.invalid.name',
  semantics: 'admin.stages.invalid.semantics',
};

interface Typed {
  /** The new stage's form. */
  draft?: { code: string; name: string; semantics: string };
  /** A rename that was refused: the stage and the name typed. */
  renaming?: { code: string; name: string };
}

function StageRow(props: {
  viewer: Viewer;
  path: string;
  stages: Stage[];
  index: number;
  typedName: string | undefined;
}) {
  const { t } = props.viewer;
  const stage = props.stages[props.index] as Stage;
  const id = `stage-${stage.code}`;
  const move = (direction: 'up' | 'down') => (
    <form method="post" action={`${props.path}/${stage.code}/move`} class="inline">
      <CsrfField viewer={props.viewer} />
      <input type="hidden" name="direction" value={direction} />
      <button type="submit" class="secondary">
        {t(direction === 'up' ? 'admin.stages.up' : 'admin.stages.down', { name: stage.name })}
      </button>
    </form>
  );
  return (
    <li data-stage={stage.code}>
      <p>
        <strong>{stage.name}</strong> <code>{stage.code}</code>{' '}
        <span class={`badge ${stage.semantics}`}>{t(`admin.semantics.${stage.semantics}`)}</span>
      </p>
      <form method="post" action={`${props.path}/${stage.code}/name`} class="inline">
        <CsrfField viewer={props.viewer} />
        <label for={`${id}-name`}>{t('admin.stages.rename', { name: stage.name })}</label>
        <input
          id={`${id}-name`}
          name="name"
          required
          maxlength={100}
          value={props.typedName ?? stage.name}
        />
        <button type="submit">{t('admin.save')}</button>
      </form>
      <div class="inline">
        {props.index > 0 ? move('up') : null}
        {props.index < props.stages.length - 1 ? move('down') : null}
      </div>
      <form method="post" action={`${props.path}/${stage.code}/delete`} class="inline">
        <CsrfField viewer={props.viewer} />
        <Select
          id={`${id}-moveTo`}
          name="moveTo"
          label={t('admin.stages.moveTo', { name: stage.name })}
          options={props.stages
            .filter((other) => other.code !== stage.code)
            .map((other) => ({ value: other.code, label: other.name }))}
          current=""
        />
        <button type="submit" class="danger">
          {t('admin.stages.delete', { name: stage.name })}
        </button>
      </form>
    </li>
  );
}

export function stagePages(deps: { stages: Repositories['stages'] }): Router {
  const { stages } = deps;
  const router = Router();

  for (const kind of ['lead', 'deal'] as const) {
    const { path, title } = STAGE_PAGES[kind];

    const show = async (res: Response, status: number, typed: Typed = {}, problem?: string) => {
      const seeing = viewer(res);
      const { t } = seeing;
      const list = await stages.list(kind);
      const draft = typed.draft ?? { code: '', name: '', semantics: 'process' };
      sendPage(
        res,
        status,
        <AdminPage
          viewer={seeing}
          title={t(title)}
          problem={problem}
          saved={status === 200 && wasSaved(res.req.query)}
        >
          <p class="hint">{t('admin.stages.intro')}</p>
          <ol class="admin-list">
            {list.map((stage, index) => (
              <StageRow
                viewer={seeing}
                path={path}
                stages={list}
                index={index}
                typedName={typed.renaming?.code === stage.code ? typed.renaming.name : undefined}
              />
            ))}
          </ol>
          <h2 id="new-stage">{t('admin.stages.new')}</h2>
          <form method="post" action={path} class="card stack" aria-labelledby="new-stage">
            <CsrfField viewer={seeing} />
            <label for="code">{t('admin.stages.code')}</label>
            <input
              id="code"
              name="code"
              required
              maxlength={21}
              pattern="[A-Za-z0-9_]{1,21}"
              aria-describedby="code-hint"
              value={draft.code}
            />
            <p id="code-hint" class="hint">
              {t('admin.stages.codeHint')}
            </p>
            <label for="name">{t('admin.stages.name')}</label>
            <input id="name" name="name" required maxlength={100} value={draft.name} />
            <Select
              id="semantics"
              name="semantics"
              label={t('admin.stages.semantics')}
              options={SEMANTICS.map((semantics) => ({
                value: semantics,
                label: t(`admin.semantics.${semantics}`),
              }))}
              current={draft.semantics}
              required
            />
            <button type="submit">{t('admin.stages.create')}</button>
          </form>
        </AdminPage>,
      );
    };
    const done = (res: Response) => res.redirect(303, `${path}?saved=1`);

    router.get(path, (_req, res) => show(res, 200));

    router.post(path, async (req, res) => {
      const { t } = viewer(res);
      const form = formOf(req.body);
      const draft = {
        code: field(form, 'code').trim(),
        name: field(form, 'name'),
        semantics: field(form, 'semantics'),
      };
      const body = newStage.safeParse(draft);
      if (!body.success) return show(res, 422, { draft }, refusal(t, body.error, HINTS));
      const written = await stages.create(kind, body.data);
      if (!written.ok) return show(res, 422, { draft }, t(PROBLEMS[written.problem]));
      done(res);
    });

    router.post(`${path}/:code/name`, async (req, res) => {
      const { t } = viewer(res);
      const code = String(req.params.code);
      const typed = field(formOf(req.body), 'name');
      const name = stageName.safeParse(typed);
      const renaming = { code, name: typed };
      if (!name.success) return show(res, 422, { renaming }, t('admin.stages.invalid.name'));
      const written = await stages.rename(kind, code, name.data);
      if (!written.ok) return show(res, 422, { renaming }, t(PROBLEMS[written.problem]));
      done(res);
    });

    router.post(`${path}/:code/move`, async (req, res) => {
      const { t } = viewer(res);
      const codes = (await stages.list(kind)).map((stage) => stage.code);
      const from = codes.indexOf(String(req.params.code));
      const to = from + (field(formOf(req.body), 'direction') === 'up' ? -1 : 1);
      if (from < 0) return show(res, 422, {}, t('admin.stages.noStage'));
      if (to >= 0 && to < codes.length) {
        [codes[from], codes[to]] = [codes[to] as string, codes[from] as string];
        const written = await stages.reorder(kind, codes);
        if (!written.ok) return show(res, 422, {}, t(PROBLEMS[written.problem]));
      }
      done(res);
    });

    router.post(`${path}/:code/delete`, async (req, res) => {
      const { t } = viewer(res);
      const moveTo = stageCode.safeParse(field(formOf(req.body), 'moveTo'));
      if (!moveTo.success) return show(res, 422, {}, t('admin.stages.noTarget'));
      const deleted = await stages.delete(
        kind,
        String(req.params.code),
        moveTo.data,
        changeBy(res),
      );
      if (!deleted.ok) return show(res, 422, {}, t(PROBLEMS[deleted.problem]));
      done(res);
    });
  }
  return router;
}
