/**
 * Where a webhook may go. A subscriber's URL is checked when it is saved (checkWebhookUrl,
 * hostVerdict), and every address its host resolves to is checked again at the moment a
 * delivery connects (addressVerdict), so a name that later points into this server's own
 * network is still refused.
 *
 * Addresses are sorted by the names ipaddr.js's range() gives them:
 * - `unicast` (the public internet) is allowed.
 * - Refused always, whatever the deployment: `unspecified` (0.0.0.0/8 and `::`, which reach this
 *   host), `broadcast`, `multicast`, `linkLocal` (169.254.0.0/16 with the cloud metadata service
 *   at 169.254.169.254, fe80::/10), and the metadata services that live elsewhere (see
 *   METADATA_SERVICES). Nothing legitimate listens there for webhooks; the metadata services hand
 *   out the server's cloud credentials.
 * - Every other name is refused unless the deployment allows private targets (a self-hosted CRM
 *   posting into its own network): `loopback`, `private`, `carrierGradeNat`, `uniqueLocal`,
 *   `deprecatedSiteLocal`, `reserved` (documentation ranges, IPv4 benchmarking 198.18.0.0/15,
 *   240.0.0.0/4), `benchmarking`, `as112`, `amt`, `discard`, the ORCHID ranges,
 *   `segmentRouting` — and any name a later ipaddr.js adds, so a new label fails closed.
 *   Proxies' fake-IP DNS (198.18.0.0/15) and clouds using 240.0.0.0/4 internally are why
 *   `reserved` sits here rather than with the always-refused names.
 * - An IPv6 address that carries an IPv4 one (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96,
 *   IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) is
 *   judged as the IPv4 address it carries: the packets end up there. The local-use NAT64 prefix
 *   64:ff9b:1::/48 is refused always: where its IPv4 address sits depends on the operator's
 *   prefix length, so where it leads cannot be told.
 */
import ipaddr from 'ipaddr.js';

export type TargetVerdict = { ok: true } | { ok: false; reason: string };

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_WEBHOOK_URL_LENGTH = 2000;

const EXAMPLE_URL = 'https://hooks.example.com/leadwire';

/** Metadata services outside link-local: Alibaba Cloud, AWS over IPv6, Azure's WireServer, Oracle Cloud Classic. */
const METADATA_SERVICES = ['100.100.100.200', 'fd00:ec2::254', '168.63.129.16', '192.0.0.192'].map(
  (address) => ipaddr.parse(address).toNormalizedString(),
);

const REFUSED_ALWAYS = new Set(['unspecified', 'broadcast', 'multicast', 'linkLocal']);

const NAT64_LOCAL_USE = ipaddr.parseCIDR('64:ff9b:1::/48');

/** What each range is, in words a subscriber understands; other names are shown as they are. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified address (it means this server itself)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (where cloud metadata services answer)',
  loopback: 'a loopback address (this server itself)',
  private: 'a private network address',
  carrierGradeNat: 'a carrier-grade NAT address (shared, not on the public internet)',
  uniqueLocal: 'a unique-local IPv6 address (a private network)',
  deprecatedSiteLocal: 'a site-local IPv6 address (a private network)',
  reserved: 'a reserved address (documentation, benchmarking or future use)',
  benchmarking: 'a benchmarking address',
  metadata: 'a cloud metadata service',
  nat64LocalUse: 'a local-use NAT64 address, whose destination cannot be told',
};

/** `subject` is what the sentence is about: an address, or what carries one. */
function refusal(subject: string, range: string, always: boolean): TargetVerdict {
  const what = RANGE_WORDS[range] ?? `in the special-purpose range "${range}"`;
  const rule = always
    ? 'webhooks are never sent there'
    : 'webhooks are sent only to public internet addresses (set WEBHOOK_ALLOW_PRIVATE=true for a receiver on your own network)';
  return { ok: false, reason: `${subject} is ${what}; ${rule}.` };
}

function ipv4Verdict(address: ipaddr.IPv4, allowPrivate: boolean, subject: string): TargetVerdict {
  if (METADATA_SERVICES.includes(address.toNormalizedString()))
    return refusal(subject, 'metadata', true);
  const range = address.range();
  if (range === 'unicast') return { ok: true };
  if (REFUSED_ALWAYS.has(range)) return refusal(subject, range, true);
  return allowPrivate ? { ok: true } : refusal(subject, range, false);
}

/** The IPv4 address an IPv6 one leads to, for the forms that carry one. */
function carriedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const word = (index: number) => address.parts[index] ?? 0;
  const fromWords = (high: number, low: number) =>
    new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  const range: string = address.range();
  const leadingZeros = [0, 1, 2, 3, 4, 5].every((index) => word(index) === 0);
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052' || leadingZeros)
    return fromWords(word(6), word(7));
  if (range === '6to4') return fromWords(word(1), word(2));
  // Teredo carries the client's address with every bit flipped.
  if (range === 'teredo') return fromWords(~word(6) & 0xffff, ~word(7) & 0xffff);
  return null;
}

function ipv6Verdict(address: ipaddr.IPv6, allowPrivate: boolean, shown: string): TargetVerdict {
  if (METADATA_SERVICES.includes(address.toNormalizedString()))
    return refusal(shown, 'metadata', true);
  if (address.match(NAT64_LOCAL_USE)) return refusal(shown, 'nat64LocalUse', true);
  const range: string = address.range();
  // `::` and `::1` have their own names; only then is an all-zero prefix IPv4-compatible.
  if (range !== 'unspecified' && range !== 'loopback') {
    const carried = carriedIPv4(address);
    if (carried) {
      const subject = `${shown} carries the IPv4 address ${carried.toString()}, which`;
      return ipv4Verdict(carried, allowPrivate, subject);
    }
  }
  if (range === 'unicast') return { ok: true };
  if (REFUSED_ALWAYS.has(range)) return refusal(shown, range, true);
  return allowPrivate ? { ok: true } : refusal(shown, range, false);
}

/**
 * Whether a delivery may connect to `address` (an IP address as text: dotted-quad IPv4 or IPv6,
 * no brackets). Anything that is not such an address is refused.
 */
export function addressVerdict(address: string, allowPrivate: boolean): TargetVerdict {
  if (address.includes(':') && ipaddr.IPv6.isValid(address))
    return ipv6Verdict(ipaddr.IPv6.parse(address), allowPrivate, address);
  if (ipaddr.IPv4.isValidFourPartDecimal(address))
    return ipv4Verdict(ipaddr.IPv4.parse(address), allowPrivate, address);
  return { ok: false, reason: `${address} is not an IP address.` };
}

/** The IP address a URL's hostname is written as (`[::1]` → `::1`), or null for a name. */
export function literalAddress(hostname: string): string | null {
  const unbracketed = hostname.startsWith('[') && hostname.endsWith(']');
  const text = unbracketed ? hostname.slice(1, -1) : hostname;
  if (text.includes(':')) return ipaddr.IPv6.isValid(text) ? text : null;
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? text : null;
}

/**
 * What can be told of a URL's host before resolving it: an IP address is judged now, and
 * `localhost` names (RFC 6761: always this machine) as loopback. Any other name is allowed here;
 * its addresses are judged when a delivery connects.
 */
export function hostVerdict(hostname: string, allowPrivate: boolean): TargetVerdict {
  const literal = literalAddress(hostname);
  if (literal !== null) return addressVerdict(literal, allowPrivate);
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if ((name === 'localhost' || name.endsWith('.localhost')) && !allowPrivate)
    return refusal(hostname, 'loopback', false);
  return { ok: true };
}

/**
 * Whether `text` can be a webhook URL: absolute http(s) with a host, no user name or password
 * (a request proves itself by its signature), no fragment (never sent, so it can only mislead),
 * at most 2,000 characters. Where it leads is hostVerdict's and addressVerdict's business.
 */
export function checkWebhookUrl(text: string): UrlCheck {
  const tooLong = (length: number): UrlCheck => ({
    ok: false,
    reason: `The URL is ${length} characters long; a webhook URL may have at most ${MAX_WEBHOOK_URL_LENGTH}.`,
  });
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return tooLong(text.length);
  if (/^https?:\/\/(?:[/?#:]|$)/i.test(text.trim()))
    return { ok: false, reason: `The URL has no host; give one such as ${EXAMPLE_URL}.` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: `This is not an absolute URL; give one such as ${EXAMPLE_URL}.` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return {
      ok: false,
      reason: `The URL's scheme is ${url.protocol} but webhooks are sent only over https: or http:.`,
    };
  if (url.username !== '' || url.password !== '')
    return {
      ok: false,
      reason:
        'The URL carries a user name or password; remove them: each webhook is signed (webhook-signature) for the receiver to check.',
    };
  if (url.hostname === '')
    return { ok: false, reason: `The URL has no host; give one such as ${EXAMPLE_URL}.` };
  if (url.href.includes('#'))
    return {
      ok: false,
      reason: 'The URL has a fragment (#…), which is never sent to the server; remove it.',
    };
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) return tooLong(url.href.length);
  return { ok: true, url };
}
