import { ipKeyGenerator } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../../connectors/http/rate-limit.ts';

describe('addressKey', () => {
  it("gives every address the key express-rate-limit's ipKeyGenerator gives it", () => {
    const addresses = [
      '203.0.113.9',
      '::ffff:203.0.113.9',
      '::FFFF:10.1.2.3',
      '2001:db8:1234:5678::1',
      '2001:db8:1234:56ff::2',
      '::1',
      '::',
      '999.1.1.1',
    ];
    for (const ip of addresses) expect(addressKey(ip), ip).toBe(ipKeyGenerator(ip));
  });

  it('puts the hosts of one IPv6 /56 under one key, and IPv4 hosts under their own', () => {
    expect(addressKey('2001:db8:1234:5600::1')).toBe(addressKey('2001:db8:1234:56ff::9'));
    expect(addressKey('203.0.113.9')).not.toBe(addressKey('203.0.113.10'));
  });
});
