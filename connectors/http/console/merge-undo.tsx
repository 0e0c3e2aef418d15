/**
 * Undoing a merge: both records back as they were, unless something changed since — then the
 * screen lists what (the store's own words) and nothing is undone. Both records must be within
 * the viewer's update scope; otherwise the merge does not exist for them.
 */
import { Router } from 'express';
import type { UndoBlock } from '../../../core/repositories/merges.ts';
import { changeBy } from '../operator/scope.ts';
import { notFound, Page } from './layout.tsx';
import { idOf, lookUp, recordPath, scopeOfRecords, type RecordDeps } from './records.ts';
import { sendPage } from './render.tsx';
import { viewer } from './viewer.ts';

export function mergeUndoPages(deps: RecordDeps): Router {
  const router = Router();
  router.post('/merges/:id/undo', async (req, res) => {
    const seeing = viewer(res);
    const { t } = seeing;
    const id = idOf(req.params.id);
    const merge = id ? await deps.repos.merges.get(id) : undefined;
    if (!merge) return notFound(res);
    const { entity, survivorId, mergedId } = merge;
    const undone = await deps.repos.merges.undo(
      merge.id,
      changeBy(res),
      scopeOfRecords(res, entity, 'update'),
    );
    if (undone.ok)
      return res.redirect(303, `${recordPath(entity, survivorId)}?unmerged=${merge.id}`);
    if (undone.problem === 'not-found') return notFound(res);
    const [survivor, merged] = await Promise.all([
      lookUp(deps, res, entity, survivorId, 'read'),
      lookUp(deps, res, entity, mergedId, 'read'),
    ]);
    const blocks: UndoBlock[] = undone.blocks;
    sendPage(
      res,
      409,
      <Page viewer={seeing} title={t('records.undo.title')}>
        <h1>{t('records.undo.title')}</h1>
        <div class="alert" role="alert">
          <p>
            {undone.problem === 'changed'
              ? t('records.undo.changed')
              : t('records.undo.alreadyUndone')}
          </p>
          {blocks.length ? (
            <ul class="undo-blocks">
              {blocks.map((block) => (
                <li>
                  <strong>{block.what}</strong>: {block.why}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <ul>
          {[
            { recordId: survivorId, found: survivor },
            { recordId: mergedId, found: merged },
          ].map(({ recordId, found }) => (
            <li>
              <a href={recordPath(entity, recordId)}>
                {t('records.backTo', {
                  name: found ? `#${recordId} ${found.name}` : `#${recordId}`,
                })}
              </a>
            </li>
          ))}
        </ul>
      </Page>,
    );
  });
  return router;
}
