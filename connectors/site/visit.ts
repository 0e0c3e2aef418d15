/** Where a website post came from: page, referrer, UTM tags, IP and browser, kept on the inbox row. */
import type { Request } from 'express';

export interface Visit {
  pageUrl?: string;
  referrer?: string;
  ip?: string;
  userAgent?: string;
  utm: Record<string, string>;
}

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];
const MAX_URL = 2048;

/** An http(s) URL of sane length, else nothing (a page field is customer-controlled input). */
function webUrl(value: string | undefined): URL | undefined {
  if (!value || value.length > MAX_URL) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function visitOf(
  req: Request,
  given: { pageUrl?: string | undefined; referrer?: string | undefined },
): Visit {
  const page = webUrl(given.pageUrl);
  const referrer = webUrl(given.referrer);
  const utm: Record<string, string> = {};
  for (const key of UTM_KEYS) {
    const value = page?.searchParams.get(key);
    if (value) utm[key] = value.slice(0, 200);
  }
  const userAgent = req.get('user-agent');
  return {
    ...(page ? { pageUrl: page.href } : {}),
    ...(referrer ? { referrer: referrer.href } : {}),
    ...(req.ip ? { ip: req.ip } : {}),
    ...(userAgent ? { userAgent: userAgent.slice(0, 500) } : {}),
    utm,
  };
}
