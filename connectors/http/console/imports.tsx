/**
 * Importing clients or leads from a CSV file in the console (`/clients/import`,
 * `/leads/import`): upload, choose what each column fills (suggested from its header), a dry
 * run or the import, and its progress live on the page (htmx polls it each second) with the
 * refused rows to download. Only a role that may create every client (every lead) imports them.
 */
import { createHash } from 'node:crypto';
import busboy from 'busboy';
import { Router, type Request, type Response } from 'express';
import { DUPLICATE_MODES, type DuplicateMode } from '../../../core/import-plan.ts';
import {
  suggestMapping,
  targetsOf,
  type ImportEntity,
  type ImportTarget,
} from '../../../core/import/mapping.ts';
import type { CsvImportRepos } from '../../csv-import.ts';
import type { ImportRun } from '../../../core/repositories/imports.ts';
import { isSupportedCountry } from 'libphonenumber-js';
import { fromOurOrigin } from '../auth.ts';
import { scopeFor } from '../operator/scope.ts';
import { ImportJobs, keepUpload, type ImportJob, type UploadedCsv } from './import-jobs.ts';
import { Alert, CsrfField, CSRF_FIELD, forbidden, notFound, Page } from './layout.tsx';
import { sendFragment, sendPage } from './render.tsx';
import { sameToken } from './session.ts';
import { viewer, type Viewer } from './viewer.ts';

export interface ImportPagesDeps {
  repos: CsvImportRepos;
  defaultCountry: string | undefined;
  /** Where uploads are kept (DATA_DIR/imports). */
  importDir: string;
}

/** The largest file the console takes (the CLI takes any size). */
const MAX_UPLOAD_MB = 200;

const ENTITIES: readonly ImportEntity[] = ['client', 'lead'];
const pathOf = (entity: ImportEntity) => (entity === 'lead' ? '/leads' : '/clients');
const mayImport = (res: Response, entity: ImportEntity) =>
  scopeFor(res, entity === 'lead' ? 'leads' : 'clients', 'create').kind === 'all';

/** The words that name what is imported: `import.*` for clients, `leadImport.*` for leads. */
type EntityWord = 'title' | 'back' | 'intro' | 'mode' | 'mode.merge' | 'mode.skip' | 'mode.create';
const word = (entity: ImportEntity, key: EntityWord) =>
  entity === 'lead' ? (`leadImport.${key}` as const) : (`import.${key}` as const);

/** The imports of this entity among the latest ones. */
async function recentOf(deps: ImportPagesDeps, entity: ImportEntity): Promise<ImportRun[]> {
  return (await deps.repos.imports.recent(30)).filter((run) => run.entity === entity).slice(0, 10);
}

function targetLabel(seeing: Viewer, target: ImportTarget, labels: Map<string, string>): string {
  if (target === 'skip') return seeing.t('import.skip');
  if (target.startsWith('custom:')) return labels.get(target.slice(7)) ?? target;
  return seeing.t(`import.target.${target as Exclude<ImportTarget, 'skip' | `custom:${string}`>}`);
}

function UploadPage(props: {
  viewer: Viewer;
  entity: ImportEntity;
  problem?: string;
  recent: ImportRun[];
}) {
  const { t, when } = props.viewer;
  const { entity } = props;
  return (
    <Page viewer={props.viewer} title={t(word(entity, 'title'))}>
      <p>
        <a href={pathOf(entity)}>← {t(word(entity, 'back'))}</a>
      </p>
      <h1>{t(word(entity, 'title'))}</h1>
      <p>{t(word(entity, 'intro'))}</p>
      <Alert text={props.problem} />
      {/* The token comes first, so it is checked before the file is taken. */}
      <form method="post" action={`${pathOf(entity)}/import`} enctype="multipart/form-data">
        <CsrfField viewer={props.viewer} />
        <label for="file">{t('import.file')}</label>
        <input id="file" name="file" type="file" accept=".csv,.tsv,.txt,text/csv" required />
        <button type="submit">{t('import.upload')}</button>
      </form>
      {props.recent.length ? (
        <section aria-labelledby="recent-title">
          <h2 id="recent-title">{t('import.recent')}</h2>
          <ul>
            {props.recent.map((run) => (
              <li>
                {run.fileName} ·{' '}
                <time datetime={run.startedAt.toISOString()}>{when(run.startedAt)}</time> ·{' '}
                {t(`import.status.${run.status}`)} · {t('import.counts', { ...run.counts })}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </Page>
  );
}

function MappingPage(props: {
  viewer: Viewer;
  uploaded: UploadedCsv;
  suggested: ImportTarget[];
  targets: ImportTarget[];
  labels: Map<string, string>;
  country: string | undefined;
  problem?: string;
}) {
  const { viewer: seeing, uploaded } = props;
  const { t } = seeing;
  const { entity } = uploaded;
  const base = `${pathOf(entity)}/import/${uploaded.token}`;
  return (
    <Page viewer={seeing} title={t(word(entity, 'title'))}>
      <p>
        <a href={`${pathOf(entity)}/import`}>← {t(word(entity, 'title'))}</a>
      </p>
      <h1>{t(word(entity, 'title'))}</h1>
      <p>
        {t('import.detected', {
          name: uploaded.fileName,
          encoding: uploaded.encoding,
          delimiter: uploaded.delimiter === '\t' ? 'Tab' : uploaded.delimiter,
        })}
      </p>
      <Alert text={props.problem} />
      <form method="post" action={base}>
        <CsrfField viewer={seeing} />
        <table>
          <caption>{t('import.columns')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('import.column')}</th>
              <th scope="col">{t('import.target')}</th>
              <th scope="col">{t('import.example')}</th>
            </tr>
          </thead>
          <tbody>
            {uploaded.headers.map((header, index) => (
              <tr>
                <th scope="row">
                  <label for={`column-${index}`}>{header}</label>
                </th>
                <td>
                  <select id={`column-${index}`} name={`column-${index}`}>
                    {props.targets.map((target) => (
                      <option value={target} selected={target === props.suggested[index]}>
                        {targetLabel(seeing, target, props.labels)}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {uploaded.sample
                    .map((row) => row[index] ?? '')
                    .filter(Boolean)
                    .slice(0, 3)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <fieldset>
          <legend>{t(word(entity, 'mode'))}</legend>
          {DUPLICATE_MODES.map((mode) => (
            <label class="choice">
              <input type="radio" name="mode" value={mode} checked={mode === 'merge'} />{' '}
              {t(word(entity, `mode.${mode}`))}
            </label>
          ))}
        </fieldset>
        <label for="country">{t('import.country')}</label>
        <input
          id="country"
          name="country"
          value={props.country ?? ''}
          maxlength={2}
          size={3}
          pattern="[A-Za-z]{2}"
          placeholder={t('import.countryNone')}
        />
        <p>
          <button type="submit" name="action" value="dry">
            {t('import.dryRun')}
          </button>{' '}
          <button type="submit" name="action" value="run">
            {t('import.start')}
          </button>
        </p>
      </form>
    </Page>
  );
}

/** The live part of the progress page: it polls itself until the job is done. */
function Progress(props: { viewer: Viewer; uploaded: UploadedCsv; job: ImportJob }) {
  const { viewer: seeing, uploaded, job } = props;
  const { t } = seeing;
  const base = `${pathOf(uploaded.entity)}/import/${uploaded.token}`;
  const percent = job.done ? 100 : Math.min(99, Math.floor((job.bytes / (job.size || 1)) * 100));
  // Stopped on purpose, or by an error: either way it resumes after its last batch.
  const stopped = job.report?.interrupted || (job.error !== undefined && !job.dryRun);
  return (
    <div
      id="import-progress"
      {...(job.done
        ? {}
        : { 'hx-get': `${base}/progress`, 'hx-trigger': 'every 1s', 'hx-swap': 'outerHTML' })}
    >
      <progress max={100} value={percent} aria-label={t(word(uploaded.entity, 'title'))}>
        {percent}%
      </progress>
      <p aria-live="polite">
        {t('import.records', { records: job.records })} ·{' '}
        {t(job.dryRun ? 'import.dryCounts' : 'import.counts', { ...job.counts })}
      </p>
      {job.error ? <Alert text={t('import.failed', { message: job.error })} /> : null}
      {job.done && !job.error ? (
        <p role="status">
          {job.dryRun
            ? t('import.dryFinished')
            : stopped
              ? t('import.stopped')
              : t('import.finished')}
        </p>
      ) : null}
      {job.done && job.counts.refused ? (
        <p>
          <a href={`${base}/errors.csv`} download>
            {t('import.errors')}
          </a>
        </p>
      ) : null}
      {job.done && job.dryRun && job.report?.sample.length ? (
        <section aria-labelledby="sample-title">
          <h2 id="sample-title">{t('import.sample')}</h2>
          <ul>
            {job.report.sample.map(({ line, record }) => (
              <li>
                {line}: {[record.name, record.company].filter(Boolean).join(', ')}{' '}
                {record.identities.map((identity) => identity.raw).join(' ')}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {!job.done ? (
        <form method="post" action={`${base}/stop`}>
          <CsrfField viewer={seeing} />
          <button type="submit">{t('import.stop')}</button>
        </form>
      ) : stopped || job.dryRun ? (
        <p>
          {stopped ? (
            <form method="post" action={`${base}/resume`} class="inline">
              <CsrfField viewer={seeing} />
              <button type="submit">{t('import.resume')}</button>
            </form>
          ) : null}{' '}
          <a href={base}>{t('import.again')}</a>
        </p>
      ) : null}
    </div>
  );
}

/** A multipart post's file, taken only after the form's CSRF token (its first part) checked out. */
function receiveUpload(
  req: Request,
  res: Response,
  jobs: ImportJobs,
): Promise<
  { token: string; fileName: string; fingerprint: string } | 'too-large' | 'no-file' | 'forbidden'
> {
  const csrf = res.locals.viewer?.csrf ?? '';
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 5, fileSize: MAX_UPLOAD_MB * 1024 * 1024 },
      });
    } catch {
      resolve('no-file');
      return;
    }
    let tokenChecked = false;
    let pending: Promise<void> | undefined;
    let result: Awaited<ReturnType<typeof receiveUpload>> = 'no-file';
    parser.on('field', (name, value) => {
      if (name === CSRF_FIELD) tokenChecked = sameToken(value, csrf);
    });
    parser.on('file', (_name, stream, info) => {
      if (!tokenChecked || !fromOurOrigin(req)) {
        result = 'forbidden';
        stream.resume();
        return;
      }
      if (!info.filename) {
        stream.resume();
        return;
      }
      const token = jobs.newToken();
      pending = keepUpload(stream, jobs.fileOf(token), MAX_UPLOAD_MB * 1024 * 1024).then(
        async (kept) => {
          if (kept === 'too-large') {
            await jobs.discard(token);
            result = 'too-large';
            return;
          }
          const fingerprint = `${kept.size}:${createHash('sha256').update(kept.start).digest('hex').slice(0, 32)}`;
          result = { token, fileName: (info.filename ?? 'upload.csv').slice(0, 255), fingerprint };
        },
      );
    });
    parser.on('close', () => {
      void (pending ?? Promise.resolve()).then(() => resolve(result), reject);
    });
    parser.on('error', reject);
    req.pipe(parser);
  });
}

/**
 * The import pages: `upload` reads its own multipart body and checks its own token, so it is
 * mounted before the console's form parser; `steps` behind it, like every other page. They
 * share the imports running in this process.
 */
export function importPages(deps: ImportPagesDeps): { upload: Router; steps: Router } {
  const jobs = new ImportJobs(deps.importDir);
  return { upload: uploadRoute(deps, jobs), steps: stepRoutes(deps, jobs) };
}

function uploadRoute(deps: ImportPagesDeps, jobs: ImportJobs): Router {
  const router = Router();
  const ready = jobs.prepare();

  for (const entity of ENTITIES) {
    const upload = async (res: Response, status: number, problem?: string) =>
      sendPage(
        res,
        status,
        <UploadPage
          viewer={viewer(res)}
          entity={entity}
          recent={await recentOf(deps, entity)}
          {...(problem ? { problem } : {})}
        />,
      );

    // The upload reads its own body (multipart, streamed to disk) and checks its own token: it
    // must be mounted before the console's form parser and CSRF check.
    router.post(`${pathOf(entity)}/import`, async (req, res, next) => {
      if (!res.locals.viewer) return next();
      if (!mayImport(res, entity)) return forbidden(res);
      await ready;
      const got = await receiveUpload(req, res, jobs);
      const { t } = viewer(res);
      if (got === 'forbidden')
        return res
          .status(403)
          .type('text')
          .send(
            'This form is out of date or was sent from another site: reload the page and try again.\n',
          );
      if (got === 'too-large')
        return upload(res, 413, t('import.tooLarge', { limit: MAX_UPLOAD_MB }));
      if (got === 'no-file') return upload(res, 422, t('import.noFile'));
      const described = await jobs.describe(got.token, entity, got.fileName, got.fingerprint);
      if (typeof described === 'string')
        return upload(res, 422, t('import.unreadable', { reason: described }));
      res.redirect(303, `${pathOf(entity)}/import/${got.token}`);
    });
  }

  return router;
}

function stepRoutes(deps: ImportPagesDeps, jobs: ImportJobs): Router {
  const router = Router();
  for (const entity of ENTITIES) entityRoutes(router, deps, jobs, entity);
  return router;
}

function entityRoutes(
  router: Router,
  deps: ImportPagesDeps,
  jobs: ImportJobs,
  entity: ImportEntity,
): void {
  const root = `${pathOf(entity)}/import`;

  router.get(root, async (_req, res) => {
    if (!mayImport(res, entity)) return forbidden(res);
    sendPage(
      res,
      200,
      <UploadPage viewer={viewer(res)} entity={entity} recent={await recentOf(deps, entity)} />,
    );
  });

  async function found(req: Request, res: Response): Promise<UploadedCsv | undefined> {
    if (!mayImport(res, entity)) {
      forbidden(res);
      return undefined;
    }
    const uploaded = await jobs.uploaded(String(req.params.token), entity);
    if (!uploaded) notFound(res);
    return uploaded;
  }

  router.get(`${root}/:token`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    const customFields = await deps.repos.customFields.list(entity);
    const job = jobs.job(uploaded.token);
    if (job && !job.done) return res.redirect(303, `${root}/${uploaded.token}/progress`);
    sendPage(
      res,
      200,
      <MappingPage
        viewer={viewer(res)}
        uploaded={uploaded}
        suggested={suggestMapping(uploaded.headers, entity, customFields)}
        targets={targetsOf(entity, customFields)}
        labels={new Map(customFields.map((field) => [field.key, field.label]))}
        country={deps.defaultCountry}
      />,
    );
  });

  router.post(`${root}/:token`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    const body = req.body as Record<string, unknown>;
    const customFields = await deps.repos.customFields.list(entity);
    const allowed = new Set<string>(targetsOf(entity, customFields));
    const mapping = uploaded.headers.map((_header, index) => {
      const chosen = String(body[`column-${index}`] ?? 'skip');
      return (allowed.has(chosen) ? chosen : 'skip') as ImportTarget;
    });
    const mode = (DUPLICATE_MODES as readonly string[]).includes(String(body.mode))
      ? (String(body.mode) as DuplicateMode)
      : 'merge';
    const countryText = String(body.country ?? '')
      .trim()
      .toUpperCase();
    const { t } = viewer(res);
    if (countryText && !isSupportedCountry(countryText)) {
      return sendPage(
        res,
        422,
        <MappingPage
          viewer={viewer(res)}
          uploaded={uploaded}
          suggested={mapping}
          targets={targetsOf(entity, customFields)}
          labels={new Map(customFields.map((field) => [field.key, field.label]))}
          country={countryText}
          problem={t('import.country')}
        />,
      );
    }
    const defaultCountry = countryText || undefined;
    const settings = { mapping, mode, defaultCountry };
    if (body.action === 'dry') {
      jobs.start(uploaded, settings, deps.repos, { dryRun: true });
    } else {
      const run = await deps.repos.imports.start({
        entity,
        fileName: uploaded.fileName,
        fingerprint: uploaded.fingerprint,
        options: {
          mapping,
          mode,
          ...(defaultCountry ? { defaultCountry } : {}),
          token: uploaded.token,
        },
        userId: viewer(res).principal.user?.id ?? null,
        at: new Date(),
      });
      jobs.start(uploaded, settings, deps.repos, { run });
    }
    res.redirect(303, `${root}/${uploaded.token}/progress`);
  });

  router.get(`${root}/:token/progress`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    const job = jobs.job(uploaded.token);
    if (!job) return res.redirect(303, `${root}/${uploaded.token}`);
    const fragment = <Progress viewer={viewer(res)} uploaded={uploaded} job={job} />;
    if (req.get('hx-request') === 'true') return sendFragment(res, fragment);
    const { t } = viewer(res);
    sendPage(
      res,
      200,
      <Page viewer={viewer(res)} title={t(word(entity, 'title'))}>
        <p>
          <a href={pathOf(entity)}>← {t(word(entity, 'back'))}</a>
        </p>
        <h1>
          {t(job.dryRun ? 'import.dryProgress' : 'import.progress', { name: uploaded.fileName })}
        </h1>
        {fragment}
      </Page>,
    );
  });

  router.post(`${root}/:token/stop`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    jobs.job(uploaded.token)?.controller.abort();
    res.redirect(303, `${root}/${uploaded.token}/progress`);
  });

  router.post(`${root}/:token/resume`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    const run = await deps.repos.imports.resumable(entity, uploaded.fingerprint);
    if (!run) return res.redirect(303, `${root}/${uploaded.token}`);
    const options = run.options as {
      mapping: ImportTarget[];
      mode: DuplicateMode;
      defaultCountry?: string;
    };
    jobs.start(
      uploaded,
      { mapping: options.mapping, mode: options.mode, defaultCountry: options.defaultCountry },
      deps.repos,
      { run },
    );
    res.redirect(303, `${root}/${uploaded.token}/progress`);
  });

  router.get(`${root}/:token/errors.csv`, async (req, res) => {
    const uploaded = await found(req, res);
    if (!uploaded) return;
    res.set('Cache-Control', 'no-store');
    res.download(
      jobs.errorsOf(uploaded.token),
      `${uploaded.fileName.replace(/\.[^.]*$/, '')}.errors.csv`,
      (error) => {
        if (error && !res.headersSent) notFound(res);
      },
    );
  });
}
