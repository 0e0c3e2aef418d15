import { describe, expect, it } from 'vitest';
import {
  addressVerdict,
  checkWebhookUrl,
  hostVerdict,
  literalAddress,
} from '../../../../core/webhooks/targets.ts';

type Expected = 'ok' | 'refused' | 'refused always';

/** [address, its verdict, words its refusal has] */
const ADDRESSES: [string, Expected, string?][] = [
  // The public internet.
  ['93.184.216.34', 'ok'],
  ['8.8.8.8', 'ok'],
  ['2606:4700::1111', 'ok'],
  ['2a00:1450:4001:80b::200e', 'ok'],
  // Never: this host, broadcast, multicast, link-local and the cloud metadata services.
  ['0.0.0.0', 'refused always', 'unspecified'],
  ['0.1.2.3', 'refused always', 'unspecified'],
  ['::', 'refused always', 'unspecified'],
  ['255.255.255.255', 'refused always', 'broadcast'],
  ['224.0.0.1', 'refused always', 'multicast'],
  ['239.255.255.250', 'refused always', 'multicast'],
  ['ff02::1', 'refused always', 'multicast'],
  ['169.254.169.254', 'refused always', 'link-local'],
  ['169.254.0.1', 'refused always', 'link-local'],
  ['fe80::1', 'refused always', 'link-local'],
  ['fe80::1%eth0', 'refused always', 'link-local'],
  ['100.100.100.200', 'refused always', 'metadata'],
  ['fd00:ec2::254', 'refused always', 'metadata'],
  ['168.63.129.16', 'refused always', 'metadata'],
  ['192.0.0.192', 'refused always', 'metadata'],
  // The same behind IPv6 forms that carry an IPv4 address.
  ['::ffff:169.254.169.254', 'refused always', 'carries the IPv4 address 169.254.169.254'],
  ['::ffff:a9fe:a9fe', 'refused always', 'link-local'],
  ['::169.254.169.254', 'refused always', 'link-local'],
  ['::ffff:0:a9fe:a9fe', 'refused always', 'link-local'],
  ['64:ff9b::169.254.169.254', 'refused always', 'link-local'],
  ['2002:a9fe:a9fe::1', 'refused always', 'link-local'],
  ['2001:0:4136:e378:8000:63bf:5601:5601', 'refused always', 'link-local'], // Teredo, bits flipped
  ['::ffff:0.0.0.0', 'refused always', 'unspecified'],
  ['::ffff:100.100.100.200', 'refused always', 'metadata'],
  ['64:ff9b:1::a9fe:a9fe', 'refused always', 'NAT64'],
  // This server's own network: only where the deployment allows it.
  ['127.0.0.1', 'refused', 'loopback'],
  ['127.8.9.10', 'refused', 'loopback'],
  ['::1', 'refused', 'loopback'],
  ['::ffff:127.0.0.1', 'refused', 'loopback'],
  ['::127.0.0.1', 'refused', 'loopback'],
  ['10.1.2.3', 'refused', 'private'],
  ['172.16.0.1', 'refused', 'private'],
  ['172.31.255.254', 'refused', 'private'],
  ['192.168.1.1', 'refused', 'private'],
  ['::ffff:192.168.1.1', 'refused', 'private'],
  ['64:ff9b::10.0.0.1', 'refused', 'private'],
  ['100.64.0.1', 'refused', 'carrier-grade NAT'],
  ['fc00::1', 'refused', 'unique-local'],
  ['fd12:3456:789a::1', 'refused', 'unique-local'],
  ['fec0::1', 'refused', 'site-local'],
  ['198.18.0.1', 'refused', 'reserved'],
  ['192.0.2.10', 'refused', 'reserved'],
  ['240.0.0.1', 'refused', 'reserved'],
  ['2001:db8::1', 'refused', 'reserved'],
  ['2001:2::1', 'refused', 'benchmarking'],
  ['100::1', 'refused', 'discard'],
  // Just outside the private ranges.
  ['172.32.0.1', 'ok'],
  ['100.128.0.1', 'ok'],
  ['11.0.0.1', 'ok'],
  ['::ffff:93.184.216.34', 'ok'],
  ['64:ff9b::93.184.216.34', 'ok'],
];

describe('addressVerdict: where a delivery may connect', () => {
  it.each(ADDRESSES)('%s: %s', (address, expected, words) => {
    const strict = addressVerdict(address, false);
    const lenient = addressVerdict(address, true);
    expect(strict.ok).toBe(expected === 'ok');
    expect(lenient.ok).toBe(expected !== 'refused always');
    if (!strict.ok) {
      expect(strict.reason).toContain(address);
      expect(strict.reason).toContain(words);
    }
    if (!lenient.ok) expect(lenient.reason).toBe(strict.ok ? '' : strict.reason);
  });

  it('says what to do: never, or only public addresses', () => {
    expect(addressVerdict('169.254.169.254', true)).toEqual({
      ok: false,
      reason:
        '169.254.169.254 is a link-local address (where cloud metadata services answer); webhooks are never sent there.',
    });
    expect(addressVerdict('10.0.0.1', false)).toEqual({
      ok: false,
      reason:
        '10.0.0.1 is a private network address; webhooks are sent only to public internet addresses (set WEBHOOK_ALLOW_PRIVATE=true for a receiver on your own network).',
    });
  });

  it('refuses what is not an IP address, and IPv4 spellings other than dotted decimal', () => {
    for (const text of ['example.com', '', '127.1', '0x7f.0.0.1', '0177.0.0.1', '[::1]']) {
      expect(addressVerdict(text, true)).toEqual({
        ok: false,
        reason: `${text} is not an IP address.`,
      });
    }
  });
});

describe('hostVerdict: a URL host before it is resolved', () => {
  it('judges IP addresses, bracketed IPv6 included, like addressVerdict', () => {
    expect(hostVerdict('[::1]', false).ok).toBe(false);
    expect(hostVerdict('[::1]', true).ok).toBe(true);
    expect(hostVerdict('[::]', true).ok).toBe(false);
    expect(hostVerdict('[::ffff:a9fe:a9fe]', true).ok).toBe(false);
    expect(hostVerdict('0.0.0.0', true).ok).toBe(false);
    expect(hostVerdict('127.0.0.1', false).ok).toBe(false);
    expect(hostVerdict('[2606:4700::1111]', false).ok).toBe(true);
  });

  it('takes localhost names as loopback', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost']) {
      expect(hostVerdict(name, false)).toEqual({
        ok: false,
        reason: expect.stringContaining('loopback'),
      });
      expect(hostVerdict(name, true).ok).toBe(true);
    }
  });

  it('leaves other names to the check at connection time', () => {
    expect(hostVerdict('hooks.example.com', false).ok).toBe(true);
    expect(hostVerdict('localhost.example.com', false).ok).toBe(true);
  });

  it('reads the address a host is written as', () => {
    expect(literalAddress('[fe80::1]')).toBe('fe80::1');
    expect(literalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(literalAddress('hooks.example.com')).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  it('takes absolute http and https URLs with a host', () => {
    const check = checkWebhookUrl('https://hooks.example.com:8443/leadwire?token=abc');
    expect(check.ok && check.url.href).toBe('https://hooks.example.com:8443/leadwire?token=abc');
    expect(checkWebhookUrl('http://[2606:4700::1111]/in').ok).toBe(true);
  });

  it.each([
    ['ftp://files.example.com/in', "The URL's scheme is ftp: but webhooks are sent only over"],
    ['file:///etc/passwd', "The URL's scheme is file:"],
    ['javascript:alert(1)', "The URL's scheme is javascript:"],
    ['https://user:secret@hooks.example.com/', 'carries a user name or password'],
    ['https://user@hooks.example.com/', 'carries a user name or password'],
    ['https://', 'The URL has no host'],
    ['http://:8080/in', 'The URL has no host'],
    ['https:///in', 'The URL has no host'],
    ['https://hooks.example.com/in#part', 'fragment'],
    ['https://hooks.example.com/in#', 'fragment'],
    ['hooks.example.com/in', 'This is not an absolute URL'],
    ['https://exa mple.com/', 'This is not an absolute URL'],
    ['', 'This is not an absolute URL'],
  ])('refuses %s', (text, reason) => {
    const check = checkWebhookUrl(text);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toContain(reason);
  });

  it('allows 2,000 characters and no more', () => {
    const base = 'https://hooks.example.com/';
    expect(checkWebhookUrl(`${base}${'a'.repeat(2000 - base.length)}`).ok).toBe(true);
    expect(checkWebhookUrl(`${base}${'a'.repeat(2001 - base.length)}`)).toEqual({
      ok: false,
      reason: 'The URL is 2001 characters long; a webhook URL may have at most 2000.',
    });
    // Percent-encoding can lengthen what was given: the URL as it would be sent counts too.
    const spaces = `${base}${' '.repeat(1000)}x`;
    expect(checkWebhookUrl(spaces)).toMatchObject({ ok: false, reason: /at most 2000/ });
  });
});
