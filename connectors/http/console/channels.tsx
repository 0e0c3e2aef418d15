/**
 * Channels: connecting mailboxes, bots and WhatsApp numbers (the kind's own fields, no JSON), web
 * forms and callback widgets, each channel's health and its operator queue. Admins only. Every
 * kind is drawn from its settings form (core/channel.ts) and saved through the same
 * saveChannel/editChannel as the API and the CLI, so the rules and refusals are theirs.
 */
import { Router, type Request, type Response } from 'express';
import type { AnyChannel, ChannelCheck } from '../../../core/channel.ts';
import { canManage } from '../../../core/permissions.ts';
import type { ChannelRecord } from '../../../core/repositories/channels.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import { scrubSecrets } from '../../../core/runtime/scrub.ts';
import type { SiteGuard } from '../../site/guard.ts';
import {
  describeChannel,
  editChannel,
  inspectChannel,
  saveChannel,
  type ChannelAdminDeps,
} from '../../channel-admin.ts';
import { bodyOf, placeIssues, type PostedForm } from './channel-body.ts';
import { defaultsOf, GENERAL, GENERAL_NEW, refusedState, type FormState } from './channel-form.tsx';
import { channelHealth, type SessionGaugeDeps } from './channel-health.ts';
import { ChannelList } from './channel-list.tsx';
import { ChannelPage, NewChannelPage } from './channel-page.tsx';
import { Page } from './layout.tsx';
import { sendPage } from './render.tsx';
import { viewer, type Viewer } from './viewer.ts';

export interface ChannelPagesDeps {
  /** The app's deps: the channel admin's, and where the session gauges and the inbox are. */
  channelAdmin: ChannelAdminDeps &
    SessionGaugeDeps & { repos: ChannelAdminDeps['repos'] & Pick<Repositories, 'inbox'> };
  widgets: { repos: Pick<Repositories, 'forms' | 'users'>; guard: SiteGuard };
}

const QUEUE = 'queue';

function say(res: Response, status: number, title: string, text: string) {
  const seeing = viewer(res);
  sendPage(
    res,
    status,
    <Page viewer={seeing} title={title}>
      <h1>{title}</h1>
      <p>{text}</p>
      <p>
        <a href="/channels">{seeing.t('channels.back')}</a>
      </p>
    </Page>,
  );
}

const forbidden = (res: Response) => {
  const { t } = viewer(res);
  say(res, 403, t('forbidden.title'), t('forbidden.text'));
};
const notFound = (res: Response) => {
  const { t } = viewer(res);
  say(res, 404, t('notFound.title'), t('notFound.text'));
};

const formOf = (req: Request): PostedForm => (req.body ?? {}) as PostedForm;
const textOf = (value: unknown) => (typeof value === 'string' ? value : '');

export function channelPages(deps: ChannelPagesDeps): Router {
  const admin = deps.channelAdmin;
  const router = Router();
  const connectable = (kind: unknown): AnyChannel | undefined =>
    admin.channels.find((channel) => channel.settings && channel.kind === kind);
  const healthOf = (records: ChannelRecord[]) =>
    channelHealth({ ...admin, inbox: admin.repos.inbox }, records);
  const both = (seeing: Viewer) => ({ both: seeing.t('channels.secret.both') });

  // Connecting channels is an administrator's work, whatever the path.
  router.use('/channels', (_req, res, next) => {
    if (canManage(viewer(res).principal.actor)) next();
    else forbidden(res);
  });

  router.get('/channels', async (_req, res) => {
    const records = await admin.repos.channels.list();
    const [forms, callbacks] = await Promise.all([
      deps.widgets.repos.forms.list('webform'),
      deps.widgets.repos.forms.list('callback'),
    ]);
    const widgetChannels = new Set([...forms, ...callbacks].map((widget) => widget.channelId));
    const view = {
      channels: admin.channels,
      records: records.filter((record) => !widgetChannels.has(record.id)),
      health: await healthOf(records),
      forms,
      callbacks,
    };
    sendPage(res, 200, <ChannelList viewer={viewer(res)} view={view} />);
  });

  const newSections = (channel: AnyChannel) => [
    GENERAL_NEW,
    ...(channel.settings?.form ?? []).filter((section) => !section.later),
  ];

  router.get('/channels/new', (req, res) => {
    const channel = connectable(req.query.kind);
    const seeing = viewer(res);
    if (!channel)
      return say(res, 404, seeing.t('notFound.title'), seeing.t('channels.unknownKind'));
    const sections = newSections(channel);
    const state: FormState = { mode: 'create', values: defaultsOf(sections), issues: new Map() };
    sendPage(
      res,
      200,
      <NewChannelPage
        viewer={seeing}
        channels={admin.channels}
        kind={channel.kind}
        sections={sections}
        state={state}
      />,
    );
  });

  router.post('/channels', async (req, res) => {
    const form = formOf(req);
    const channel = connectable(form.kind);
    const seeing = viewer(res);
    if (!channel)
      return say(res, 404, seeing.t('notFound.title'), seeing.t('channels.unknownKind'));
    const sections = newSections(channel);
    const built = bodyOf(sections, form, 'create', both(seeing));
    const saved = built.issues.length
      ? undefined
      : await saveChannel(admin, { ...built.body, kind: channel.kind });
    if (saved?.ok) return res.redirect(303, `/channels/${saved.channel.id}?created=1`);
    const fields = sections.flatMap((section) => section.fields.map((field) => field.name));
    const placed = placeIssues(fields, saved ? saved.issues : built.issues);
    sendPage(
      res,
      422,
      <NewChannelPage
        viewer={seeing}
        channels={admin.channels}
        kind={channel.kind}
        sections={sections}
        state={refusedState(sections, form, defaultsOf(sections), placed.byField, 'create')}
        problems={placed.other}
      />,
    );
  });

  const find = async (req: Request): Promise<ChannelRecord | undefined> => {
    const id = Number(req.params.id);
    return Number.isSafeInteger(id) && id > 0 ? admin.repos.channels.get(id) : undefined;
  };

  interface Shown {
    status: number;
    notice?: string | undefined;
    checks?: ChannelCheck[] | undefined;
    /** The section just refused: what was typed and the issues. */
    refused?: { section: string; form: PostedForm; issues: ReturnType<typeof placeIssues> };
  }

  const showChannel = async (res: Response, record: ChannelRecord, shown: Shown) => {
    const seeing = viewer(res);
    const channel = admin.channels.find((c) => c.kind === record.kind);
    const described = describeChannel(admin, record) as Record<string, unknown>;
    const inspected = (await inspectChannel(admin, record)) as Record<string, unknown>;
    const service = Object.fromEntries(
      Object.entries(inspected).filter(([key]) => !(key in described)),
    );
    const sections = [GENERAL, ...(channel?.settings?.form ?? [])];
    const users = (await admin.repos.users.listUsers({}))
      .filter((user) => user.active || record.operatorIds.includes(user.id))
      .map(({ id, name }) => ({ id, name }));
    const refused = shown.refused;
    const stateOf = (id: string): FormState => {
      const section = sections.find((s) => s.id === id);
      if (refused?.section === id)
        return section
          ? refusedState([section], refused.form, described, refused.issues.byField, 'edit')
          : { mode: 'edit', values: described, issues: refused.issues.byField };
      return { mode: 'edit', values: described, issues: new Map() };
    };
    const health = (await healthOf([record])).get(record.id)!;
    const view = {
      channels: admin.channels,
      record,
      sections,
      health,
      service,
      users,
      stateOf,
      refused: refused && { section: refused.section, problems: refused.issues.other },
      notice: shown.notice,
      checks: shown.checks,
      editable: Boolean(channel?.settings),
    };
    sendPage(res, shown.status, <ChannelPage viewer={seeing} view={view} />);
  };

  router.get('/channels/:id', async (req, res) => {
    const record = await find(req);
    if (!record) return notFound(res);
    const { t } = viewer(res);
    const notice =
      req.query.created === '1'
        ? t('channels.created')
        : req.query.saved === '1'
          ? t('channels.saved')
          : undefined;
    await showChannel(res, record, { status: 200, notice });
  });

  router.post('/channels/:id', async (req, res) => {
    const record = await find(req);
    const channel = record && connectable(record.kind);
    if (!record || !channel?.settings) return notFound(res);
    const form = formOf(req);
    const sectionId = textOf(form.section);
    let patch: Record<string, unknown>;
    let fields: string[];
    if (sectionId === QUEUE) {
      const given = ([] as unknown[]).concat(form.operatorIds ?? []);
      patch = { operatorIds: given.map((id) => Number(id)).filter(Number.isSafeInteger) };
      fields = ['operatorIds'];
    } else {
      const section = [GENERAL, ...channel.settings.form].find((s) => s.id === sectionId);
      if (!section) return notFound(res);
      const built = bodyOf([section], form, 'edit', both(viewer(res)));
      fields = section.fields.map((field) => field.name);
      if (built.issues.length) {
        const issues = placeIssues(fields, built.issues);
        return showChannel(res, record, {
          status: 422,
          refused: { section: sectionId, form, issues },
        });
      }
      patch = built.body;
    }
    const saved = await editChannel(admin, record, patch);
    if (saved.ok) return res.redirect(303, `/channels/${record.id}?saved=1`);
    const issues = placeIssues(
      fields,
      saved.issues.length ? saved.issues : [{ path: '(body)', message: saved.message }],
    );
    await showChannel(res, record, { status: 422, refused: { section: sectionId, form, issues } });
  });

  router.post('/channels/:id/test', async (req, res) => {
    const record = await find(req);
    if (!record) return notFound(res);
    const channel = admin.channels.find((c) => c.kind === record.kind);
    let checks: ChannelCheck[];
    try {
      checks =
        (await channel?.test?.(record, {
          repos: admin.repos,
          credentials: admin.credentials,
          log: admin.log,
        })) ?? [];
    } catch (error) {
      checks = [{ name: 'test', ok: false, detail: scrubSecrets((error as Error).message) }];
    }
    await showChannel(res, record, { status: 200, checks });
  });

  return router;
}
