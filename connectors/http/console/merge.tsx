/**
 * The merge screen: two leads or two clients side by side, a choice for every field both have
 * different values for (this one's, the other's, the newer's or the older's), the way to swap
 * which record stays, and what moves. Merging answers with the surviving record's page and a
 * notice that can undo it; a refusal is said on the screen.
 */
import { Router, type Response } from 'express';
import {
  MERGE_FIELDS,
  MERGE_PICKS,
  mergeConflicts,
  type MergeConflict,
  type MergeEntity,
  type MergePick,
  type MergeSide,
} from '../../../core/merge.ts';
import type { MessageKey } from './catalogue.ts';
import { changeBy } from '../operator/scope.ts';
import { Alert, CsrfField, notFound, Page } from './layout.tsx';
import {
  entityOfPath,
  idOf,
  PATH_OF,
  recordPath,
  scopeOfRecords,
  type RecordDeps,
} from './records.ts';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

interface MergeView {
  entity: MergeEntity;
  survivor: MergeSide;
  merged: MergeSide;
  canMerge: boolean;
  /** A field's label (custom fields by their definition's). */
  labels: Map<string, string>;
  /** Every user's name by id: a responsible is shown by name. */
  names: Map<number, string>;
  picks: Record<string, MergePick>;
  problem?: string | undefined;
}

const sideName = (side: MergeSide) => {
  const { name, company, title } = side.values;
  const text = [name, company, title].find((value) => typeof value === 'string' && value);
  return `#${side.id}${text ? ` ${String(text)}` : ''}`;
};

const valueOf = (side: MergeSide, field: string): unknown =>
  field.startsWith('custom.') ? side.custom[field.slice(7)] : side.values[field];

function shown(seeing: Viewer, view: MergeView, field: string, value: unknown): string {
  const { t } = seeing;
  if (value === null || value === undefined || value === '') return '—';
  if (field === 'responsibleId' && typeof value === 'number')
    return view.names.get(value) ?? `#${value}`;
  if (field === 'kind' && (value === 'contact' || value === 'company'))
    return t(`clients.kind.${value}`);
  if (typeof value === 'boolean') return t(value ? 'records.yes' : 'records.no');
  if (Array.isArray(value)) return value.map(String).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number);
}

const age = (side: MergeSide) => (side.updatedAt ?? side.createdAt).getTime();

function Choice(props: { viewer: Viewer; view: MergeView; conflict: MergeConflict }) {
  const { viewer: seeing, view, conflict } = props;
  const { t } = seeing;
  const { field } = conflict;
  const value = (which: 'survivor' | 'merged') => shown(seeing, view, field, conflict[which]);
  const newer = age(view.merged) > age(view.survivor) ? 'merged' : 'survivor';
  const older = age(view.merged) < age(view.survivor) ? 'merged' : 'survivor';
  const labels: Record<MergePick, string> = {
    survivor: t('records.pick.side', { name: sideName(view.survivor), value: value('survivor') }),
    merged: t('records.pick.side', { name: sideName(view.merged), value: value('merged') }),
    newer: t('records.pick.newer', { value: value(newer) }),
    older: t('records.pick.older', { value: value(older) }),
  };
  const picked = view.picks[field] ?? 'survivor';
  return (
    <fieldset class="merge-choice">
      <legend>{view.labels.get(field) ?? field}</legend>
      {MERGE_PICKS.map((pick) => (
        <label class="check">
          <input type="radio" name={`pick.${field}`} value={pick} checked={pick === picked} />{' '}
          {labels[pick]}
        </label>
      ))}
    </fieldset>
  );
}

function MergeScreen({ viewer: seeing, view }: { viewer: Viewer; view: MergeView }) {
  const { t } = seeing;
  const { entity, survivor, merged } = view;
  const path = PATH_OF[entity];
  const same = survivor.id === merged.id;
  const conflicts = same ? [] : mergeConflicts(entity, survivor, merged);
  const fields = [
    ...MERGE_FIELDS[entity],
    ...[...new Set([...Object.keys(survivor.custom), ...Object.keys(merged.custom)])]
      .sort()
      .map((key) => `custom.${key}`),
  ];
  const names = { survivor: sideName(survivor), merged: sideName(merged) };
  return (
    <Page viewer={seeing} title={t(`records.merge.title.${entity}`)}>
      <p>
        <a href={recordPath(entity, survivor.id)}>
          ← {t('records.backTo', { name: names.survivor })}
        </a>
      </p>
      <h1>{t(`records.merge.title.${entity}`)}</h1>
      <Alert text={view.problem ?? (same ? t('records.problem.sameRecord') : undefined)} />
      {same ? null : <p>{t('records.merge.intro', names)}</p>}
      {same ? null : (
        <p>
          <a class="swap" href={`/merge/${path}/${merged.id}/${survivor.id}`}>
            {t('records.merge.swap', { name: names.merged })}
          </a>
        </p>
      )}
      <table class="merge-sides">
        <thead>
          <tr>
            <th scope="col">{t('records.merge.field')}</th>
            <th scope="col">
              <a href={recordPath(entity, survivor.id)}>{names.survivor}</a>{' '}
              <span class="sub">({t('records.merge.stays')})</span>
            </th>
            <th scope="col">
              <a href={recordPath(entity, merged.id)}>{names.merged}</a>{' '}
              <span class="sub">({t('records.merge.goes')})</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr
              data-field={field}
              class={conflicts.some((c) => c.field === field) ? 'conflict' : ''}
            >
              <th scope="row">{view.labels.get(field) ?? field}</th>
              <td>{shown(seeing, view, field, valueOf(survivor, field))}</td>
              <td>{shown(seeing, view, field, valueOf(merged, field))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {same ? null : view.canMerge ? (
        <form method="post" action={`/merge/${path}/${survivor.id}/${merged.id}`}>
          <CsrfField viewer={seeing} />
          <h2>{t('records.merge.choose')}</h2>
          {conflicts.length === 0 ? <p class="hint">{t('records.merge.noConflicts')}</p> : null}
          {conflicts.map((conflict) => (
            <Choice viewer={seeing} view={view} conflict={conflict} />
          ))}
          <p>{t(`records.merge.moves.${entity}`, names)}</p>
          <button type="submit">{t('records.merge.submit')}</button>
        </form>
      ) : (
        <p class="hint">{t('records.merge.readOnly')}</p>
      )}
    </Page>
  );
}

const FIELD_LABELS: Record<string, MessageKey> = {
  title: 'records.field.title',
  name: 'records.field.name',
  company: 'records.field.company',
  kind: 'records.field.kind',
  responsibleId: 'records.field.responsibleId',
};

/** The picks a posted form makes (`pick.<field>` = one of MERGE_PICKS), for conflicting fields only. */
function picksOf(body: unknown, conflicts: MergeConflict[]): Record<string, MergePick> {
  const form = (body ?? {}) as Record<string, unknown>;
  const picks: Record<string, MergePick> = {};
  for (const { field } of conflicts) {
    const given = form[`pick.${field}`];
    if (MERGE_PICKS.includes(given as MergePick)) picks[field] = given as MergePick;
  }
  return picks;
}

export function mergePages(deps: RecordDeps): Router {
  const router = Router();

  /** Both records as the address names them, readable by the viewer; undefined: 404. */
  async function load(res: Response, params: Record<string, string | undefined>) {
    const entity = entityOfPath(params.entity);
    const survivorId = idOf(params.survivorId);
    const mergedId = idOf(params.mergedId);
    if (!entity || !survivorId || !mergedId) return undefined;
    const [readable, updatable] = await Promise.all([
      deps.repos.merges.sides(entity, survivorId, mergedId, scopeOfRecords(res, entity, 'read')),
      deps.repos.merges.sides(entity, survivorId, mergedId, scopeOfRecords(res, entity, 'update')),
    ]);
    return readable && { entity, ...readable, canMerge: Boolean(updatable) };
  }

  async function show(
    res: Response,
    found: NonNullable<Awaited<ReturnType<typeof load>>>,
    status: number,
    picks: Record<string, MergePick> = {},
    problem?: string,
  ) {
    const seeing = viewer(res);
    const [definitions, users] = await Promise.all([
      deps.repos.customFields.list(found.entity),
      deps.repos.users.listUsers({}),
    ]);
    const labels = new Map<string, string>(
      Object.entries(FIELD_LABELS).map(([field, key]) => [field, seeing.t(key)]),
    );
    for (const definition of definitions) labels.set(`custom.${definition.key}`, definition.label);
    sendPage(
      res,
      status,
      <MergeScreen
        viewer={seeing}
        view={{
          ...found,
          labels,
          names: new Map(users.map((user) => [user.id, user.name])),
          picks,
          problem,
        }}
      />,
    );
  }

  router.get('/merge/:entity/:survivorId/:mergedId', async (req, res) => {
    const found = await load(res, req.params);
    if (!found) return notFound(res);
    await show(res, found, 200);
  });

  router.post('/merge/:entity/:survivorId/:mergedId', async (req, res) => {
    const { t } = viewer(res);
    const found = await load(res, req.params);
    if (!found?.canMerge) return notFound(res);
    const { entity, survivor, merged } = found;
    if (survivor.id === merged.id) return show(res, found, 422);
    const picks = picksOf(req.body, mergeConflicts(entity, survivor, merged));
    const outcome = await deps.repos.merges.merge(
      { entity, survivorId: survivor.id, mergedId: merged.id, picks },
      changeBy(res),
      scopeOfRecords(res, entity, 'update'),
    );
    if (outcome.ok)
      return res.redirect(303, `${recordPath(entity, survivor.id)}?merged=${outcome.merge.id}`);
    if (outcome.problem === 'not-found') return notFound(res);
    const problem =
      outcome.problem === 'different-clients'
        ? t('records.problem.differentClients')
        : outcome.problem === 'same-record'
          ? t('records.problem.sameRecord')
          : t('records.problem.merge', { message: outcome.message });
    return show(res, found, 409, picks, problem);
  });
  return router;
}
