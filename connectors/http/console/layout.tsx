/**
 * The frame of every console page: the header with its navigation, the desktop notifications
 * switch and sign-out, the scripts (htmx and its SSE extension from node_modules, our keyboard
 * script, and for someone signed in the notifications script with its live region) and the
 * stylesheets. The pages are plain links and forms; the scripts only make them live. htmx sends
 * the session's CSRF token on every request it makes (`hx-headers`); forms carry it as a hidden
 * field.
 */
import type { Response } from 'express';
import { canManage } from '../../../core/permissions.ts';
import type { Language, Translate } from './catalogue.ts';
import type { Children } from './render.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

export const CSRF_FIELD = '_csrf';

export function CsrfField({ viewer }: { viewer: Viewer }) {
  return <input type="hidden" name={CSRF_FIELD} value={viewer.csrf} />;
}

function Head({ title, t, signedIn }: { title: string; t: Translate; signedIn?: boolean }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width,initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{`${title} · ${t('app.name')}`}</title>
      <link rel="stylesheet" href="/assets/console.css" />
      <script src="/assets/htmx.min.js" defer></script>
      <script src="/assets/htmx-sse.js" defer></script>
      <script src="/assets/console.js" defer></script>
      {signedIn ? (
        <>
          <link rel="stylesheet" href="/assets/notify.css" />
          <script src="/assets/notify.js" defer></script>
        </>
      ) : null}
    </head>
  );
}

/**
 * The switch for desktop notifications (the browser asks its permission on a click only). Hidden
 * until notify.js shows it, in a browser that has notifications; its words for each state ride
 * along, so the script needs no catalogue.
 */
function NotifySwitch({ t }: { t: Translate }) {
  return (
    <button
      type="button"
      id="notify-switch"
      class="notify-switch"
      hidden
      data-enable={t('notify.enable')}
      data-disable={t('notify.disable')}
      data-blocked={t('notify.blocked')}
    >
      {t('notify.enable')}
    </button>
  );
}

/** Where notify.js adds each notification the stream brings, read out by screen readers. */
function Notices({ t }: { t: Translate }) {
  return (
    <section
      id="notices"
      class="notices"
      role="log"
      aria-live="polite"
      aria-label={t('notify.region')}
      data-open={t('notify.open')}
      data-dismiss={t('notify.dismiss')}
    ></section>
  );
}

/** A page for someone signed in. */
export function Page(props: { viewer: Viewer; title: string; children: Children }) {
  const { viewer, title } = props;
  const { t } = viewer;
  return (
    <html lang={viewer.language}>
      <Head title={title} t={t} signedIn />
      <body hx-headers={JSON.stringify({ 'X-CSRF-Token': viewer.csrf })}>
        <a class="skip" href="#main">
          {t('nav.skip')}
        </a>
        <header class="top">
          <a class="brand" href="/leads">
            {t('app.name')}
          </a>
          <nav aria-label={t('nav.main')}>
            <a href="/leads">{t('nav.leads')}</a>
            <a href="/clients">{t('nav.clients')}</a>
            <a href="/activities">{t('nav.activities')}</a>
            {canManage(viewer.principal.actor) ? (
              <>
                <a href="/channels">{t('nav.channels')}</a>
                <a href="/settings">{t('nav.admin')}</a>
                <a href="/admin/queues">{t('nav.queues')}</a>
                <a href="/metrics">{t('nav.metrics')}</a>
              </>
            ) : null}
          </nav>
          <NotifySwitch t={t} />
          <form method="post" action="/sign-out" class="sign-out">
            <span class="who">{viewer.principal.name}</span>
            <CsrfField viewer={viewer} />
            <button type="submit">{t('nav.signOut')}</button>
          </form>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <Notices t={t} />
      </body>
    </html>
  );
}

/** A page for someone not signed in (sign-in, first run). */
export function PublicPage(props: {
  language: Language;
  t: Translate;
  title: string;
  children: Children;
}) {
  return (
    <html lang={props.language}>
      <Head title={props.title} t={props.t} />
      <body class="public">
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A problem with what was sent, announced to screen readers. */
export function Alert({ text }: { text: string | undefined }) {
  return text ? (
    <p class="alert" role="alert">
      {text}
    </p>
  ) : null;
}

/** The page for a record that does not exist or that the viewer may not see (the same answer). */
export function notFound(res: Response) {
  const seeing = viewer(res);
  const { t } = seeing;
  sendPage(
    res,
    404,
    <Page viewer={seeing} title={t('notFound.title')}>
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.text')}</p>
      <p>
        <a href="/leads">{t('lead.back')}</a>
      </p>
    </Page>,
  );
}

/** The page for what the viewer's role does not allow. */
export function forbidden(res: Response) {
  const seeing = viewer(res);
  const { t } = seeing;
  sendPage(
    res,
    403,
    <Page viewer={seeing} title={t('forbidden.title')}>
      <h1>{t('forbidden.title')}</h1>
      <p>{t('forbidden.text')}</p>
    </Page>,
  );
}
