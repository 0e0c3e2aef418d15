/**
 * The routes every website channel shares, mounted at /f (web forms) and /cb (callbacks):
 * the hosted page, the fragment and script for embedding, CORS for the allowed origins, and the
 * post pipeline: origin → per-IP limit → body → honeypot → token → the channel's validation →
 * daily cap → inbox → answer. A post that fails a check is answered with the form again (values
 * kept, a fresh token) whenever a person could be behind it.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { FormSettings } from '../../core/runtime/config.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import type { FormRepository, Widget, WidgetKind } from '../../core/repositories/forms.ts';
import { sendJson } from '../http/problem.ts';
import { addressKey, redisRateLimit } from '../http/rate-limit.ts';
import type { InboundRecorder } from '../record-inbound.ts';
import { BodyError, readSiteBody, type UploadedFile } from './body.ts';
import { embedScript } from './embed.ts';
import { wantsJson } from './negotiate.ts';
import { SiteGuard, type RejectionReason } from './guard.ts';
import {
  HONEYPOT_FIELD,
  hostedPage,
  messagePage,
  PAGE_FIELD,
  REFERRER_FIELD,
  successBlock,
  TOKEN_FIELD,
  type FieldError,
  type HiddenState,
} from './page.ts';
import { checkToken, issueToken } from './token.ts';
import { visitOf } from './visit.ts';

export interface FormView {
  action: string;
  hidden: HiddenState;
  values: Record<string, string>;
  errors: FieldError[];
  notice?: string | undefined;
}

/** How an answer's form differs from a fresh one. */
interface FormOverrides {
  values?: Record<string, string>;
  errors?: FieldError[];
  notice?: string | undefined;
  /** Pass the posted token on (too fast, invalid) instead of issuing a fresh one. */
  token?: string | undefined;
  hidden?: Omit<HiddenState, 'token'>;
}

export interface AcceptInput<D> {
  widget: Widget;
  definition: D;
  fields: Record<string, string>;
  files: UploadedFile[];
  now: Date;
  country: string | undefined;
}

export type AcceptResult =
  | { ok: true; body: Record<string, unknown>; answer: string; files: UploadedFile[] }
  | { ok: false; errors: FieldError[] };

/** What a website channel adds to the shared plumbing (Novu-style: one small interface). */
export interface SiteChannel<D> {
  kind: WidgetKind;
  mount: '/f' | '/cb';
  parse(widget: Widget): D;
  settings(definition: D): { allowedOrigins: string[]; dailyCap: number; redirectUrl?: string };
  renderForm(widget: Widget, definition: D, view: FormView): string;
  /** Fields a link to the hosted page may fill in advance (`?name=…`); never a consent box. */
  prefillable(definition: D): string[];
  accept(input: AcceptInput<D>): AcceptResult;
}

export interface SiteDeps {
  repos: { forms: Pick<FormRepository, 'bySlug' | 'recordRejection'> };
  redis: Redis;
  queuePrefix: string;
  log: Logger;
  recorder: InboundRecorder;
  blobs: BlobStore;
  forms: FormSettings;
  secret: string;
  defaultCountry: string | undefined;
}

const NOTICES = {
  bad_token: 'We could not verify this form. Please check your details and send it again.',
  expired:
    'This form was open for a long time, so we refreshed it. Please check your details and send it again.',
  too_fast: 'That was quick! Please check your details and press the button again.',
  rate_limited: 'Too many submissions from your network. Please wait a minute and try again.',
};

export function siteRoutes<D>(deps: SiteDeps, channel: SiteChannel<D>): Router {
  const router = Router();
  const guard = new SiteGuard(deps);
  const timing = { minFillMs: deps.forms.minFillMs, ttlMs: deps.forms.tokenTtlMs };

  const load: RequestHandler = async (req, res, next) => {
    const widget = await deps.repos.forms.bySlug(channel.kind, String(req.params.slug));
    if (!widget || !widget.active) {
      const [status, title, text] = widget
        ? [410, 'This form is closed', 'This form no longer accepts submissions.']
        : [404, 'Form not found', 'There is no form at this address.'];
      if (wantsJson(req))
        return res.status(status).json({ ok: false, error: 'not_found', message: text });
      return res.status(status).type('html').send(messagePage(title, text));
    }
    res.locals.widget = widget;
    const origin = req.get('origin');
    if (origin && channel.settings(channel.parse(widget)).allowedOrigins.includes(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
    }
    res.vary('Origin');
    next();
  };
  const widgetOf = (res: Response) => res.locals.widget as Widget;
  const action = (widget: Widget) => `${channel.mount}/${widget.slug}`;

  /** The form, freshly tokened unless a token is passed on. */
  const form = (widget: Widget, view: FormOverrides) =>
    channel.renderForm(widget, channel.parse(widget), {
      action: action(widget),
      hidden: {
        token: view.token ?? issueToken(deps.secret, widget.id, new Date()),
        ...view.hidden,
      },
      values: view.values ?? {},
      errors: view.errors ?? [],
      notice: view.notice,
    });

  const answer = (
    req: Request,
    res: Response,
    status: number,
    fragment: string,
    json: Record<string, unknown>,
  ) => {
    if (wantsJson(req)) return sendJson(res, status, { ...json, fragment });
    hostedHeaders(res, channel.settings(channel.parse(widgetOf(res))));
    res
      .status(status)
      .type('html')
      .send(hostedPage(widgetOf(res).title, fragment));
  };

  const turnAway = async (
    req: Request,
    res: Response,
    reason: RejectionReason,
    status: number,
    message: string,
    view: FormOverrides = {},
    fields?: Record<string, string>,
  ) => {
    await guard.reject(widgetOf(res), reason, req, new Date(), fields);
    answer(req, res, status, form(widgetOf(res), { notice: message, ...view }), {
      ok: false,
      error: reason,
      message,
      ...(view.errors?.length
        ? { errors: view.errors.map(({ key, message: text }) => ({ field: key, message: text })) }
        : {}),
    });
  };

  const perIp = redisRateLimit(deps, `site-${channel.kind}`, deps.forms.ratePerMinute, {
    keyGenerator: (req, res) => `${widgetOf(res).id}:${addressKey(req.ip ?? '')}`,
    handler: (req, res) => turnAway(req, res, 'rate_limited', 429, NOTICES.rate_limited),
  });

  const preflight: RequestHandler = (req, res) => {
    if (!res.get('Access-Control-Allow-Origin')) return res.status(403).end();
    res
      .set('Access-Control-Allow-Methods', 'GET, POST')
      .set('Access-Control-Allow-Headers', 'Content-Type, Accept')
      .set('Access-Control-Max-Age', '600')
      .status(204)
      .end();
  };

  router.get('/:slug/embed.js', load, (_req, res) => {
    res
      .set('Cross-Origin-Resource-Policy', 'cross-origin')
      .set('Cache-Control', 'public, max-age=300')
      .type('application/javascript')
      .send(embedScript());
  });
  router.options('/:slug/fragment', load, preflight);
  router.get('/:slug/fragment', load, (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(form(widgetOf(res), {}));
  });
  router.get('/:slug', load, (req, res) => {
    const widget = widgetOf(res);
    const allowed = new Set(channel.prefillable(channel.parse(widget)));
    const values = Object.fromEntries(
      Object.entries(req.query).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string' && allowed.has(entry[0]),
      ),
    );
    const hidden = {
      pageUrl: `${req.protocol}://${req.get('host')}${req.originalUrl}`,
      referrer: req.get('referer'),
    };
    res.set('Cache-Control', 'no-store');
    answer(req, res, 200, form(widget, { values, hidden }), { ok: true });
  });
  router.options('/:slug', load, preflight);
  router.post('/:slug', load, originCheck, perIp, async (req, res) => {
    const widget = widgetOf(res);
    const definition = channel.parse(widget);
    const settings = channel.settings(definition);
    const now = new Date();
    let files: UploadedFile[] = [];
    try {
      const body = await readSiteBody(req, deps.blobs, deps.forms).catch(async (error: unknown) => {
        if (!(error instanceof BodyError)) throw error;
        const reason = error.status === 413 ? 'too_large' : 'bad_body';
        res.set('Connection', 'close');
        await turnAway(req, res, reason, error.status, `${error.message}.`);
        return undefined;
      });
      if (!body) return;
      files = body.files;
      const { fields } = body;
      const hidden = { pageUrl: fields[PAGE_FIELD], referrer: fields[REFERRER_FIELD] };
      const keep = { values: fields, hidden };
      if (fields[HONEYPOT_FIELD]) {
        return turnAway(
          req,
          res,
          'honeypot',
          400,
          'This submission looked automated and was not sent. If you are a person, please send it again.',
          keep,
          fields,
        );
      }
      const token = checkToken(deps.secret, widget.id, fields[TOKEN_FIELD], now, timing);
      if (!token.ok) {
        const { problem } = token;
        if (problem === 'too_fast')
          return turnAway(
            req,
            res,
            'too_fast',
            422,
            NOTICES.too_fast,
            { ...keep, token: fields[TOKEN_FIELD] },
            fields,
          );
        if (problem === 'expired')
          return turnAway(req, res, 'expired', 409, NOTICES.expired, keep, fields);
        return turnAway(req, res, 'bad_token', 400, NOTICES.bad_token, keep, fields);
      }
      const country = widget.defaultCountry ?? deps.defaultCountry;
      const accepted = channel.accept({ widget, definition, fields, files, now, country });
      if (!accepted.ok) {
        return turnAway(req, res, 'invalid', 422, 'some fields need correcting', {
          ...keep,
          token: fields[TOKEN_FIELD],
          errors: accepted.errors,
          notice: undefined,
        });
      }
      const review = await guard.overDailyCap(widget, settings.dailyCap, now);
      for (const file of accepted.files) if (file.blob) await deps.blobs.keep(file.blob);
      const raw = {
        ...accepted.body,
        formId: widget.id,
        slug: widget.slug,
        title: widget.title,
        submissionId: token.token.submissionId,
        receivedAt: now.toISOString(),
        visit: visitOf(req, hidden),
        ...(review ? { review } : {}),
      };
      const recorded = await deps.recorder.record(
        widget.channelId,
        `sub-${token.token.submissionId}`,
        raw,
        now,
      );
      const message = accepted.answer;
      if (settings.redirectUrl && !wantsJson(req)) return res.redirect(303, settings.redirectUrl);
      answer(req, res, wantsJson(req) ? 202 : 200, successBlock(widget.title, message), {
        ok: true,
        message,
        inboxId: recorded.row.id,
        submissionId: token.token.submissionId,
        ...(recorded.created ? {} : { duplicate: true }),
        ...(settings.redirectUrl ? { redirect: settings.redirectUrl } : {}),
      });
    } finally {
      // Files of a post that was not accepted (or not kept) leave nothing behind.
      await Promise.all(
        files.map((file) => (file.blob ? deps.blobs.discard(file.blob) : undefined)),
      );
    }
  });

  /** A post from a page on another origin is only accepted from the form's allowed origins. */
  async function originCheck(req: Request, res: Response, next: () => void) {
    const origin = req.get('origin');
    // req.protocol asks the proxy trust settings: only worked out when there is an Origin.
    if (!origin || res.get('Access-Control-Allow-Origin')) return next();
    if (origin === `${req.protocol}://${req.get('host')}`) return next();
    await guard.reject(widgetOf(res), 'origin', req, new Date());
    if (!wantsJson(req)) {
      const text =
        'This form cannot be sent from the page it is on. Please use the form on our own website.';
      return res.status(403).type('html').send(messagePage('Form not sent', text));
    }
    res.status(403).json({
      ok: false,
      error: 'origin_not_allowed',
      message: `posts from ${origin} are not allowed for this form; add it to the form's allowed origins`,
    });
  }

  return router;
}

/** Hosted pages carry no script; they may be framed by the form's allowed origins. */
function hostedHeaders(
  res: Response,
  settings: { allowedOrigins: string[]; redirectUrl?: string },
) {
  const formAction = ["'self'", settings.redirectUrl ? new URL(settings.redirectUrl).origin : '']
    .filter(Boolean)
    .join(' ');
  res.removeHeader('X-Frame-Options');
  // helmet's no-referrer would make the browser send `Origin: null` with the form's own post.
  res.set('Referrer-Policy', 'same-origin');
  res.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "style-src 'unsafe-inline'",
      'img-src data:',
      `form-action ${formAction}`,
      `frame-ancestors 'self' ${settings.allowedOrigins.join(' ')}`.trim(),
      "base-uri 'none'",
    ].join('; '),
  );
}
