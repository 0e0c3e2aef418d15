/**
 * What a lead's or client's page shows of duplicates and merges: the record it was merged into
 * (when it was merged away), the notice after a merge or an undo, the merges into it that can
 * still be undone, and its possible duplicates. Loaded before the page renders; the buttons
 * only for a viewer who may change both records of a pair.
 */
import type { Response } from 'express';
import type { VNode } from 'preact';
import type { MergeEntity } from '../../../core/merge.ts';
import type { MergeRecord } from '../../../core/repositories/merges.ts';
import { DuplicatesPanel } from './duplicates.tsx';
import { CsrfField } from './layout.tsx';
import { idOf, lookUp, recordPath, scopeOfRecords, type RecordDeps } from './records.ts';
import { viewer, type Viewer } from './viewer.ts';

interface Named {
  id: number;
  name: string;
}

interface ShownMerge {
  merge: MergeRecord;
  /** The other record of the merge, when the viewer may read it. */
  other: Named | undefined;
  canUndo: boolean;
}

export function UndoButton(props: { viewer: Viewer; mergeId: number; label: string }) {
  return (
    <form method="post" action={`/merges/${props.mergeId}/undo`} class="inline">
      <CsrfField viewer={props.viewer} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

const named = (entity: MergeEntity, id: number, other: Named | undefined) => (
  <a href={recordPath(entity, id)}>{other ? `#${id} ${other.name}` : `#${id}`}</a>
);

/** The merged record of a merge, as the notices name it. */
const label = ({ merge, other }: ShownMerge) =>
  other ? `#${merge.mergedId} ${other.name}` : `#${merge.mergedId}`;

/** The merge whose notice the address asks for (`?merged=`/`?unmerged=`), if it is this record's. */
function noticeOf(res: Response, merges: ShownMerge[]) {
  const query = res.req.query as Record<string, unknown>;
  const merged = idOf(query.merged);
  const unmerged = idOf(query.unmerged);
  const find = (id: number | undefined) => merges.find((shown) => shown.merge.id === id);
  const done = find(merged);
  if (done && !done.merge.undoneAt) return { kind: 'merged' as const, shown: done };
  const undone = find(unmerged);
  if (undone?.merge.undoneAt) return { kind: 'unmerged' as const, shown: undone };
  return undefined;
}

/** The duplicate and merge panels of one record's page (null when there is nothing to show). */
export async function recordPanels(
  deps: RecordDeps,
  res: Response,
  entity: MergeEntity,
  id: number,
  mergedIntoId: number | null | undefined,
): Promise<VNode | null> {
  const seeing = viewer(res);
  const { t, when } = seeing;
  const [history, candidates, updatable, mayChangeThis] = await Promise.all([
    deps.repos.merges.of(entity, id),
    deps.repos.duplicates.of(entity, id, scopeOfRecords(res, entity, 'read')),
    deps.repos.duplicates.of(entity, id, scopeOfRecords(res, entity, 'update')),
    lookUp(deps, res, entity, id, 'update'),
  ]);
  const merges: ShownMerge[] = await Promise.all(
    history.map(async (merge) => {
      const otherId = merge.survivorId === id ? merge.mergedId : merge.survivorId;
      const [other, mayChangeOther] = await Promise.all([
        lookUp(deps, res, entity, otherId, 'read'),
        merge.undoneAt || !mayChangeThis ? undefined : lookUp(deps, res, entity, otherId, 'update'),
      ]);
      return { merge, other, canUndo: Boolean(mayChangeOther) };
    }),
  );
  const notice = noticeOf(res, merges);
  // Into what this record went: the live merge that took it, or at least the row's pointer.
  const into = merges.find((shown) => shown.merge.mergedId === id && !shown.merge.undoneAt);
  const intoId = into?.merge.survivorId ?? mergedIntoId ?? null;
  const mergedHere = merges.filter(
    (shown) =>
      shown.merge.survivorId === id &&
      !shown.merge.undoneAt &&
      !(notice?.kind === 'merged' && notice.shown === shown),
  );
  const actionable = new Set((updatable ?? []).map((candidate) => candidate.id));
  const panels = (
    <>
      {intoId !== null ? (
        <div class="notice merged-into" role="status">
          {t('records.mergedInto')} {named(entity, intoId, into?.other)}
          {into?.canUndo ? (
            <>
              {' '}
              <UndoButton viewer={seeing} mergeId={into.merge.id} label={t('records.undo')} />
            </>
          ) : null}
        </div>
      ) : null}
      {notice ? (
        <div class="notice" role="status">
          {notice.kind === 'merged'
            ? t('records.notice.merged', { name: label(notice.shown) })
            : t('records.notice.unmerged', { name: label(notice.shown) })}
          {notice.kind === 'merged' && notice.shown.canUndo ? (
            <>
              {' '}
              <UndoButton
                viewer={seeing}
                mergeId={notice.shown.merge.id}
                label={t('records.undoShort')}
              />
            </>
          ) : null}
        </div>
      ) : null}
      {mergedHere.length ? (
        <section class="merges" aria-labelledby="merges-title">
          <h2 id="merges-title">{t('records.merges')}</h2>
          <ul>
            {mergedHere.map((shown) => (
              <li data-merge={shown.merge.id}>
                {named(entity, shown.merge.mergedId, shown.other)} ·{' '}
                {t('records.mergedAt', { when: when(shown.merge.createdAt) })}
                {shown.canUndo ? (
                  <>
                    {' '}
                    <UndoButton
                      viewer={seeing}
                      mergeId={shown.merge.id}
                      label={t('records.undo')}
                    />
                  </>
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <DuplicatesPanel
        viewer={seeing}
        entity={entity}
        id={id}
        candidates={candidates ?? []}
        actionable={mayChangeThis ? actionable : new Set()}
      />
    </>
  );
  return intoId !== null || notice || mergedHere.length || candidates?.length ? panels : null;
}
