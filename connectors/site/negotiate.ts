/**
 * Content negotiation for the public intake's posts, remembered by header value. Every post asks what its body is and whether it wants JSON back; the answers depend
 * only on the Content-Type and Accept headers, and the same few values arrive on post after post,
 * so each is worked out once by Express (type-is, negotiator) and then looked up.
 */
import type { Request } from 'express';

/** The site's body types, in the order a post's Content-Type is matched against them. */
export const SITE_BODY_TYPES = [
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'application/json',
] as const;
export type SiteBodyType = (typeof SITE_BODY_TYPES)[number];

/** Header values are the sender's: past this many distinct ones the memory starts again. */
const LIMIT = 200;

/** Answers by header value (never undefined), forgotten all at once past LIMIT values. */
class Remembered<V extends NonNullable<unknown>> {
  private readonly answers = new Map<string, V>();
  get(key: string, decide: () => V): V {
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    const answer = decide();
    if (this.answers.size >= LIMIT) this.answers.clear();
    this.answers.set(key, answer);
    return answer;
  }
}

const bodyTypes = new Remembered<SiteBodyType | false>();
const acceptsJson = new Remembered<boolean>();

/** type-is's test: a request has a body when it declares a length or a transfer encoding. */
const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || !isNaN(Number(req.headers['content-length']));

/** `req.is(SITE_BODY_TYPES)`: the first site type the body is of, or false (null without a body). */
export function siteBodyType(req: Request): SiteBodyType | false | null {
  const header = req.headers['content-type'];
  if (header === undefined || !hasBody(req)) return req.is([...SITE_BODY_TYPES]) as null | false;
  return bodyTypes.get(header, () => req.is([...SITE_BODY_TYPES]) as SiteBodyType | false);
}

/** Whether the answer is JSON: a JSON body, or an Accept that prefers JSON to HTML. */
export function wantsJson(req: Request): boolean {
  if (siteBodyType(req) === 'application/json') return true;
  const accept = req.headers.accept;
  if (accept === undefined) return false;
  return acceptsJson.get(accept, () => req.accepts(['html', 'json']) === 'json');
}
