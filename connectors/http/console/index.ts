/**
 * The operator console, served by the web app at `/`: sign-in and the first run, the lead list
 * and a lead's page, their live stream, and the few static files they need (our stylesheet and
 * keyboard script, htmx and its SSE extension straight from node_modules: no CDN, no bundler).
 * Every page but sign-in needs a session; every form post, the session's CSRF token.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { AdminAuthDeps } from '../admin-session.ts';
import { activityPages, type ActivityPagesDeps } from './activities.tsx';
import { adminPages, type AdminPagesDeps } from './admin.tsx';
import { channelPages, type ChannelPagesDeps } from './channels.tsx';
import { clientPages, type ClientPagesDeps } from './clients.tsx';
import { duplicatePages } from './duplicates.tsx';
import { exportPages, type ExportPagesDeps } from './exports.ts';
import { importPages, type ImportPagesDeps } from './imports.tsx';
import { leadListPages, type LeadsDeps } from './leads.tsx';
import { leadPages, type LeadPageDeps } from './lead.tsx';
import type { LiveFeed } from './live-feed.ts';
import { mergePages } from './merge.tsx';
import { mergeUndoPages } from './merge-undo.tsx';
import type { RecordDeps } from './records.ts';
import { readViewer, requireViewer } from './session.ts';
import { signInPages } from './sign-in.tsx';
import { streamRoutes } from './stream.ts';
import { widgetPages } from './widgets.tsx';

export { LiveFeed } from './live-feed.ts';

export type ConsoleDeps = LeadsDeps &
  LeadPageDeps &
  ChannelPagesDeps & {
    repos: LeadsDeps['repos'] &
      LeadPageDeps['repos'] &
      ClientPagesDeps['repos'] &
      ActivityPagesDeps['repos'] &
      ExportPagesDeps['repos'] &
      AdminPagesDeps['repos'] &
      ImportPagesDeps['repos'] &
      RecordDeps['repos'];
    auth: AdminAuthDeps;
    feed: LiveFeed;
    /** Where imports keep their uploaded files (DATA_DIR/imports). */
    importDir: ImportPagesDeps['importDir'];
    /** The webhook screens' checks and redeliveries: the API's own (app.ts). */
    webhookAdmin: AdminPagesDeps['webhookAdmin'];
  };

const require = createRequire(import.meta.url);
const ASSETS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');
const VENDOR: Record<string, string> = {
  'htmx.min.js': require.resolve('htmx.org/dist/htmx.min.js'),
  'htmx-sse.js': require.resolve('htmx-ext-sse/sse.js'),
};

function assetRoutes(): Router {
  const router = Router();
  const cache = { maxAge: '1h', index: false, fallthrough: false } as const;
  for (const [name, file] of Object.entries(VENDOR)) {
    router.get(`/assets/${name}`, (_req, res) => res.sendFile(file, { maxAge: '1h' }));
  }
  router.use('/assets', express.static(ASSETS, cache));
  return router;
}

/** Paths of the console that need a signed-in viewer. */
const PAGES = [
  '/leads',
  '/clients',
  '/activities',
  '/stream',
  '/settings',
  '/channels',
  '/duplicates',
  '/merge',
  '/merges',
];

export function consoleRoutes(deps: ConsoleDeps): Router {
  const router = Router();
  router.use(assetRoutes());
  router.use(readViewer(deps.auth));
  router.use(signInPages({ ...deps.auth, users: deps.repos.users }));
  const imports = importPages(deps);
  // An import's upload is multipart, streamed to disk: it checks its own token (before the
  // form parser below, which would otherwise take its body).
  router.use(imports.upload);
  // A form builder of 50 fields posts several hundred inputs; 64 kB bounds what that costs.
  router.use(
    PAGES,
    express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 1000 }),
    requireViewer,
  );
  // Before the lead and client pages, whose `/:id` would take `export.csv`.
  router.use(exportPages(deps));
  router.use(imports.steps);
  router.use(leadListPages(deps));
  router.use(leadPages(deps));
  router.use(clientPages(deps));
  router.use(duplicatePages(deps));
  router.use(mergePages(deps));
  router.use(mergeUndoPages(deps));
  router.use(activityPages(deps));
  router.use(adminPages(deps));
  router.use(widgetPages(deps));
  router.use(channelPages(deps));
  router.use(
    streamRoutes({
      feed: deps.feed,
      leads: deps.repos.leads,
      activities: deps.repos.activities,
      auth: deps.auth,
      log: deps.log,
    }),
  );
  return router;
}
