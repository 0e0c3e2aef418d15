/**
 * Possible duplicates on a lead's or client's page: each candidate with its reasons in words,
 * and, for a viewer who may change both records, "Not a duplicate" (remembered for the pair)
 * and the way to the merge screen.
 */
import { Router } from 'express';
import type { DuplicateReason } from '../../../core/duplicates/reasons.ts';
import { formatPhone } from '../../../core/identities.ts';
import type { MergeEntity } from '../../../core/merge.ts';
import type { DuplicateCandidate } from '../../../core/repositories/duplicates.ts';
import type { Translate } from './catalogue.ts';
import { CsrfField, notFound } from './layout.tsx';
import {
  entityOfPath,
  idOf,
  PATH_OF,
  recordPath,
  scopeOfRecords,
  type RecordDeps,
} from './records.ts';
import type { Viewer } from './viewer.ts';

/** One reason as an operator reads it ("same phone +34 600 11 12 22", "similar name (94 %)"). */
export function reasonInWords(t: Translate, reason: DuplicateReason): string {
  switch (reason.kind) {
    case 'phone':
      return t('records.reason.phone', { value: formatPhone(reason.value) });
    case 'email':
      return t('records.reason.email', { value: reason.value });
    case 'telegram':
      return t('records.reason.telegram');
    case 'name':
      return t('records.reason.name', { score: Math.round(reason.score * 100) });
    case 'company':
      return t('records.reason.company');
    case 'domain':
      return t('records.reason.domain', { value: reason.value });
  }
}

const candidateName = (candidate: DuplicateCandidate) =>
  candidate.name ?? candidate.company ?? `#${candidate.id}`;

export function DuplicatesPanel(props: {
  viewer: Viewer;
  entity: MergeEntity;
  id: number;
  candidates: DuplicateCandidate[];
  /** The candidates the viewer may change, with this record too: they get the buttons. */
  actionable: ReadonlySet<number>;
}) {
  const { viewer: seeing, entity, id } = props;
  const { t } = seeing;
  if (!props.candidates.length) return null;
  return (
    <section class="duplicates" aria-labelledby="duplicates-title">
      <h2 id="duplicates-title">{t('records.duplicates')}</h2>
      <ul>
        {props.candidates.map((candidate) => (
          <li data-duplicate={candidate.id}>
            <a href={recordPath(candidate.entity, candidate.id)}>{candidateName(candidate)}</a>
            {candidate.name && candidate.company ? ` · ${candidate.company}` : ''}
            <span class="sub">
              {' — '}
              {candidate.reasons.map((reason) => reasonInWords(t, reason)).join(', ')}
            </span>
            {props.actionable.has(candidate.id) ? (
              <>
                {' '}
                <form
                  method="post"
                  action={`/duplicates/${PATH_OF[entity]}/${id}/${candidate.id}/dismiss`}
                  class="inline"
                >
                  <CsrfField viewer={seeing} />
                  <button type="submit">{t('records.notDuplicate')}</button>
                </form>{' '}
                <a class="merge-link" href={`/merge/${PATH_OF[entity]}/${id}/${candidate.id}`}>
                  {t('records.mergeLink')}
                </a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** "Not a duplicate": both records within the viewer's update scope, else there is no such pair. */
export function duplicatePages(deps: RecordDeps): Router {
  const router = Router();
  router.post('/duplicates/:entity/:id/:other/dismiss', async (req, res) => {
    const entity = entityOfPath(req.params.entity);
    const id = idOf(req.params.id);
    const other = idOf(req.params.other);
    if (!entity || !id || !other || id === other) return notFound(res);
    const both = await deps.repos.merges.sides(
      entity,
      id,
      other,
      scopeOfRecords(res, entity, 'update'),
    );
    if (!both) return notFound(res);
    await deps.repos.duplicates.dismiss(
      entity,
      id,
      other,
      res.locals.principal?.actor.userId ?? null,
    );
    res.redirect(303, recordPath(entity, id));
  });
  return router;
}
