/**
 * The website channels in the console: web forms (a field builder, a live preview, the embed
 * snippet, allowed origins) and callback widgets (working hours with a time zone). Admins only.
 *
 * Every screen is one form. Its builder buttons post it back here and get it again with the change
 * made, nothing saved, so it all works without JavaScript; with htmx, typing refreshes the preview
 * (POST …/preview answers the preview alone). Save checks the whole through validateWidget, the
 * API's own check: a refusal comes back with status 422, everything typed kept, each reason beside
 * its input.
 */
import { Router, type Request, type Response } from 'express';
import { canManage } from '../../../core/permissions.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { Widget } from '../../../core/repositories/forms.ts';
import { validateWidget } from '../../site/admin.ts';
import type { SiteGuard } from '../../site/guard.ts';
import { forbidden, notFound } from './layout.tsx';
import { sendFragment, sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';
import { callbackScreen } from './widget-callback-screen.tsx';
import { one, type Body } from './widget-body.tsx';
import { mappingTargets, type Target } from './widget-field-draft.tsx';
import { formScreen } from './widget-form-screen.tsx';
import { EditorPage, ListPage, type EditorView, type WidgetScreen } from './widget-page.tsx';
import { healthOf, PreviewPanel, urlsOf } from './widget-panels.tsx';
import { Problems, type Issue } from './widget-problems.tsx';
import type { SettingsDraft } from './widget-settings.tsx';

export interface WidgetPagesDeps {
  widgets: { repos: Pick<Repositories, 'forms' | 'users'>; guard: SiteGuard };
  repos: Pick<Repositories, 'customFields'>;
}

const WIDGET_PATHS = ['/channels/forms', '/channels/callbacks'];

const bodyOf = (req: Request): Body =>
  typeof req.body === 'object' && req.body !== null ? (req.body as Body) : {};

/** The schema's issues, less those the screen says itself more precisely (same top-level input). */
function merged(own: Issue[], schema: Issue[]): Issue[] {
  const said = new Set(own.map((issue) => issue.path.split('.')[0]));
  return [...own, ...schema.filter((issue) => !said.has(issue.path.split('.')[0]))];
}

export function widgetPages(deps: WidgetPagesDeps): Router {
  const router = Router();
  const { forms, users } = deps.widgets.repos;

  router.use(WIDGET_PATHS, (_req, res, next) => {
    if (!canManage(viewer(res).principal.actor)) return forbidden(res);
    next();
  });

  async function targets(screen: WidgetScreen<never>, seeing: Viewer): Promise<Target[]> {
    if (screen.kind !== 'webform') return [];
    const custom = await deps.repos.customFields.list('lead');
    return mappingTargets(
      seeing.t,
      custom.map((field) => ({ value: field.key, label: field.label })),
    );
  }

  function mount<D extends { settings: SettingsDraft }>(screen: WidgetScreen<D>) {
    const { base } = screen;

    /** The editor page for a draft; a stored widget's page also shows its health and snippet. */
    async function show(
      req: Request,
      res: Response,
      status: number,
      widget: Widget | undefined,
      view: Pick<EditorView<D>, 'draft' | 'problems' | 'focus' | 'saved'>,
    ) {
      const seeing = viewer(res);
      const [people, mapping, health] = await Promise.all([
        users.listUsers({}),
        targets(screen as WidgetScreen<never>, seeing),
        widget ? healthOf({ forms, guard: deps.widgets.guard }, widget, seeing) : undefined,
      ]);
      const origin = `${req.protocol}://${req.get('host')}`;
      sendPage(
        res,
        status,
        <EditorPage
          viewer={seeing}
          screen={screen}
          view={{
            ...view,
            widget,
            people: people.map(({ id, name, active }) => ({ id, name, active })),
            targets: mapping,
            health,
            urls: widget ? urlsOf(origin, screen.mount, widget.slug) : undefined,
          }}
        />,
      );
    }

    /** A post of the editor: a builder button's change, or Save. */
    async function post(req: Request, res: Response, widget: Widget | undefined) {
      const seeing = viewer(res);
      const draft = screen.fromBody(bodyOf(req));
      const action = one(bodyOf(req), 'action') || 'save';
      if (action !== 'save') {
        const changed = screen.act(draft, action) ?? { draft };
        const problems = new Problems(seeing.t);
        return show(req, res, 200, widget, { ...changed, problems });
      }
      const own = screen.ownIssues(seeing.t, draft);
      const checked = await validateWidget(
        deps.widgets.repos,
        screen.schema,
        screen.toBody(draft),
        widget?.id,
      );
      if (own.length || !checked.ok) {
        const issues = merged(own, checked.ok ? [] : checked.issues);
        return show(req, res, 422, widget, { draft, problems: new Problems(seeing.t, issues) });
      }
      const now = new Date();
      const saved = widget
        ? await forms.update(widget, checked.input, now)
        : await forms.create(screen.kind, checked.input, now);
      res.redirect(303, `${base}/${saved.id}?saved=1`);
    }

    const find = async (req: Request) => {
      const id = Number(req.params.id);
      return Number.isSafeInteger(id) && id > 0 ? forms.get(screen.kind, id) : undefined;
    };

    router.get(base, async (_req, res) => {
      const seeing = viewer(res);
      sendPage(
        res,
        200,
        <ListPage viewer={seeing} screen={screen} widgets={await forms.list(screen.kind)} />,
      );
    });
    router.get(`${base}/new`, (req, res) =>
      show(req, res, 200, undefined, {
        draft: screen.fresh(viewer(res)),
        problems: new Problems(viewer(res).t),
      }),
    );
    router.post(`${base}/preview`, (req, res) => {
      const seeing = viewer(res);
      sendFragment(
        res,
        <PreviewPanel viewer={seeing} html={screen.preview(screen.fromBody(bodyOf(req)))} />,
      );
    });
    router.post(base, (req, res) => post(req, res, undefined));
    router.get(`${base}/:id`, async (req, res) => {
      const widget = await find(req);
      if (!widget) return notFound(res);
      await show(req, res, 200, widget, {
        draft: screen.fromWidget(widget),
        problems: new Problems(viewer(res).t),
        saved: req.query.saved === '1',
      });
    });
    router.post(`${base}/:id`, async (req, res) => {
      const widget = await find(req);
      if (!widget) return notFound(res);
      await post(req, res, widget);
    });
  }

  mount(formScreen);
  mount(callbackScreen);
  return router;
}
