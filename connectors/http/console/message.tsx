/**
 * One message of a conversation as an operator reads it: its words; an email's whole message
 * behind "show the whole message" (the sanitised HTML in a sandboxed frame that runs no script
 * and loads nothing from outside, its `cid:` images from our own attachments); pictures, voice
 * notes and videos of any channel shown in place; a form's answers as fields; a callback request
 * with its due time.
 */
import { Router, type Response } from 'express';
import type { BlobStore } from '../../../core/repositories/blobs.ts';
import type { Repositories } from '../../../core/repositories/index.ts';
import type { AttachmentRecord } from '../../../core/repositories/attachments.ts';
import type { MessageRecord } from '../../../core/repositories/leads.ts';
import { sanitiseEmailHtml } from '../../email/parse.ts';
import { scopeFor } from '../operator/scope.ts';
import { notFound } from './layout.tsx';
import type { Viewer } from './viewer.ts';

type Shown = MessageRecord & { attachments: AttachmentRecord[] };

const objectOf = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const textOf = (value: unknown) => (typeof value === 'string' ? value : '');

/** Pictures a browser shows safely in an <img> (never SVG: it is a document). */
const PICTURE = /^image\/(?:png|jpe?g|gif|webp|avif|bmp)$/i;
const SOUND = /^audio\//i;
const VIDEO = /^video\/(?:mp4|webm|ogg|quicktime)$/i;

function Files({ viewer: seeing, files }: { viewer: Viewer; files: AttachmentRecord[] }) {
  const { t } = seeing;
  if (files.length === 0) return null;
  return (
    <ul class="files">
      {files.map((file) => {
        const href = `/api/v1/attachments/${file.id}`;
        const size = <small>({Math.ceil(file.size / 1024)} KB)</small>;
        if (!file.sha256) {
          return (
            <li>
              <span>{file.filename}</span> {size}{' '}
              <small class="muted">{t('message.notKept', { reason: file.skipped ?? '' })}</small>
            </li>
          );
        }
        return (
          <li>
            {PICTURE.test(file.contentType) ? (
              <a href={href} class="picture">
                <img src={href} alt={file.filename} loading="lazy" />
              </a>
            ) : SOUND.test(file.contentType) ? (
              <audio controls preload="none" src={href} aria-label={file.filename} />
            ) : VIDEO.test(file.contentType) ? (
              <video controls preload="none" src={href} aria-label={file.filename} />
            ) : null}
            <a href={href}>{file.filename}</a> {size}
          </li>
        );
      })}
    </ul>
  );
}

/** A form's answers (or the intake's fields), in the order they came. */
function Fields({ viewer: seeing, fields }: { viewer: Viewer; fields: Record<string, unknown> }) {
  const entries = Object.entries(fields).filter(([, value]) => textOf(value) !== '');
  if (entries.length === 0) return null;
  return (
    <dl class="fields" aria-label={seeing.t('message.fields')}>
      {entries.map(([name, value]) => (
        <>
          <dt>{name}</dt>
          <dd>{textOf(value)}</dd>
        </>
      ))}
    </dl>
  );
}

function Callback({ viewer: seeing, meta }: { viewer: Viewer; meta: Record<string, unknown> }) {
  const due = objectOf(objectOf(meta.callback).due);
  const at = new Date(textOf(due.at));
  if (Number.isNaN(at.getTime())) return null;
  return (
    <p class="callback">
      <strong>{seeing.t('message.callback')}</strong>{' '}
      <time datetime={at.toISOString()}>{seeing.when(at)}</time>
      {textOf(due.text) ? <span> ({textOf(due.text)})</span> : null}
    </p>
  );
}

/** "Show the whole message": the email as it was sent, in a frame of its own. */
function WholeEmail({ viewer: seeing, message }: { viewer: Viewer; message: Shown }) {
  const email = objectOf(message.meta.email);
  const html = textOf(email.html);
  const plain = textOf(email.text);
  if (!html && (!plain || plain.trim() === message.text.trim())) return null;
  const { t } = seeing;
  return (
    <details class="whole">
      <summary>{t('message.whole')}</summary>
      {html ? (
        <iframe
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          src={`/leads/${message.leadId}/messages/${message.id}/email`}
          title={t('message.wholeTitle', { subject: textOf(email.subject) })}
          loading="lazy"
          referrerpolicy="no-referrer"
        />
      ) : (
        <pre class="plain">{plain}</pre>
      )}
    </details>
  );
}

export function MessageBody({ viewer: seeing, message }: { viewer: Viewer; message: Shown }) {
  const meta = message.meta;
  return (
    <>
      {message.text ? <div class="text">{message.text}</div> : null}
      {meta.callback ? <Callback viewer={seeing} meta={meta} /> : null}
      <Fields viewer={seeing} fields={objectOf(meta.fields)} />
      <WholeEmail viewer={seeing} message={message} />
      <Files viewer={seeing} files={message.attachments} />
    </>
  );
}

// ── the whole email, served into its sandboxed frame ───────────────────────────────────────

/** Inline pictures are put into the page as data: addresses up to this much in all. */
const INLINE_BUDGET = 8 * 1024 * 1024;

/**
 * The frame's own policy: no script, nothing from outside, no form, no plugin; only its inline
 * styles and the pictures it carries. `sandbox` again, for a browser that opens the address alone;
 * a link may open a new tab (outside the sandbox, as the customer's link to their website would).
 */
const FRAME_POLICY =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; frame-ancestors 'self'; base-uri 'none'; sandbox allow-popups allow-popups-to-escape-sandbox";

export interface EmailFrameDeps {
  repos: Pick<Repositories, 'leads'>;
  blobs: Pick<BlobStore, 'readAll' | 'has'>;
}

/**
 * The stored HTML was sanitised when the email came in (no script, no style element, no remote
 * image). Here its `cid:` pictures become data: addresses from the blobs they were kept in.
 */
async function withPictures(
  html: string,
  contentIds: unknown,
  blobs: EmailFrameDeps['blobs'],
): Promise<string> {
  const byCid = new Map<string, string>();
  for (const entry of Array.isArray(contentIds) ? contentIds : []) {
    const item = objectOf(entry);
    if (textOf(item.cid) && textOf(item.sha256))
      byCid.set(textOf(item.cid).toLowerCase(), textOf(item.sha256));
  }
  const wanted = new Set(
    [...html.matchAll(/src\s*=\s*["']?cid:([^"'\s>]+)/gi)].map((m) => m[1]!.toLowerCase()),
  );
  const data = new Map<string, string>();
  let budget = INLINE_BUDGET;
  for (const cid of wanted) {
    const sha = byCid.get(cid);
    if (!sha || !(await blobs.has(sha))) continue;
    const content = await blobs.readAll(sha);
    const type = pictureType(content);
    if (!type || content.length > budget) continue;
    budget -= content.length;
    data.set(cid, `data:${type};base64,${content.toString('base64')}`);
  }
  return html.replace(/(src\s*=\s*["']?)cid:([^"'\s>]+)/gi, (whole, start: string, cid: string) => {
    const uri = data.get(cid.toLowerCase());
    return uri ? `${start}${uri}` : `${start}about:blank`;
  });
}

/** The picture's type from its first bytes (never the sender's word for it). */
function pictureType(content: Buffer): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => content[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && content.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return undefined;
}

const escapeText = (value: string) =>
  value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function emailFrameRoutes(deps: EmailFrameDeps): Router {
  const router = Router();
  router.get('/leads/:id/messages/:messageId/email', async (req, res: Response) => {
    const id = Number(req.params.id);
    const messageId = Number(req.params.messageId);
    const lead =
      Number.isSafeInteger(id) && Number.isSafeInteger(messageId)
        ? await deps.repos.leads.find(id, scopeFor(res, 'leads', 'read'))
        : undefined;
    const message = lead ? await deps.repos.leads.message(messageId) : undefined;
    const html = message?.leadId === id ? textOf(objectOf(message.meta.email).html) : '';
    if (!message || !html) return notFound(res);
    const body = await withPictures(
      // Links open in a tab of their own (the frame may open one, nothing else), never in it.
      sanitiseEmailHtml(html).replace(/<a /g, '<a target="_blank" rel="noopener noreferrer" '),
      objectOf(message.meta.email).contentIds,
      deps.blobs,
    );
    res
      .status(200)
      .set('Content-Security-Policy', FRAME_POLICY)
      .set('Cache-Control', 'private, no-store')
      .set('X-Content-Type-Options', 'nosniff')
      .type('html')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>${escapeText(
          textOf(objectOf(message.meta.email).subject),
        )}</title><style>body{font:15px/1.45 system-ui,sans-serif;margin:.75rem;color:#1a1a1a;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style></head><body>${body}</body></html>`,
      );
  });
  return router;
}
