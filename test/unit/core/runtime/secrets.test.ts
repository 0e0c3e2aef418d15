import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../../../core/runtime/scrub.ts';
import {
  describeSecret,
  openSecret,
  sealSecret,
  SecretError,
  secretInput,
} from '../../../../core/runtime/secrets.ts';

const key = 'k'.repeat(40);
const noVariables = () => undefined;

describe('channel secrets', () => {
  it('seals a value so only the same key opens it, and never stores it in plain text', () => {
    const sealed = sealSecret({ value: 'imap-pass' }, key);
    expect(JSON.stringify(sealed)).not.toContain('imap-pass');
    expect(openSecret(sealed, key, noVariables)).toBe('imap-pass');
    expect(sealSecret({ value: 'imap-pass' }, key)).not.toEqual(sealed);
    expect(() => openSecret(sealed, 'x'.repeat(40), noVariables)).toThrow(
      /not the one it was stored with/,
    );
    expect(() => openSecret(sealed, undefined, noVariables)).toThrow(SecretError);
  });

  it('refuses to store a value without SECRETS_KEY, but takes an environment reference', () => {
    expect(() => sealSecret({ value: 'x' }, undefined)).toThrow(/set SECRETS_KEY/);
    const reference = sealSecret({ env: 'LEADWIRE_SECRET_IMAP' }, undefined);
    expect(
      openSecret(reference, undefined, (name) =>
        name === 'LEADWIRE_SECRET_IMAP' ? 'from-env' : undefined,
      ),
    ).toBe('from-env');
    expect(() => openSecret(reference, undefined, noVariables)).toThrow(
      'the environment variable LEADWIRE_SECRET_IMAP is not set',
    );
  });

  it("reads only LEADWIRE_SECRET_… variables, never Leadwire's own settings", () => {
    for (const name of ['SECRETS_KEY', 'API_KEY', 'DATABASE_URL', 'PATH', 'leadwire_secret_x']) {
      expect(secretInput.safeParse({ env: name }).success).toBe(false);
      // A channel stored before the rule (or written into the database by hand) is refused too.
      const everything = () => 'the-value-of-the-variable';
      expect(() => openSecret({ env: name }, key, everything)).toThrow(/LEADWIRE_SECRET_/);
    }
    expect(secretInput.safeParse({ env: 'LEADWIRE_SECRET_SHOP_BOT' }).success).toBe(true);
    expect(secretInput.safeParse({ env: 'LEADWIRE_SECRET_' }).success).toBe(false);
  });

  it('hides every secret it has opened wherever it appears later, whatever its shape', () => {
    const odd = 'pa$$ w0rd/with+signs';
    openSecret({ env: 'LEADWIRE_SECRET_ODD' }, key, () => odd);
    expect(scrubSecrets(`login failed for pa$$ w0rd/with+signs at imap.example.com`)).toBe(
      'login failed for <secret> at imap.example.com',
    );
    expect(scrubSecrets(`GET https://x.example/?t=${encodeURIComponent(odd)} 401`)).toBe(
      'GET https://x.example/?t=<secret> 401',
    );
    const sealed = sealSecret({ value: 'sealed-and-opened-9' }, key);
    openSecret(sealed, key, noVariables);
    expect(scrubSecrets('echo: sealed-and-opened-9')).toBe('echo: <secret>');
    // Short values are left alone: a text scrubbed of every "1234" would be unreadable.
    openSecret({ env: 'LEADWIRE_SECRET_PIN' }, key, () => '1234');
    expect(scrubSecrets('room 1234')).toBe('room 1234');
  });

  it('shows only where a secret is, never what it is', () => {
    expect(describeSecret(sealSecret({ value: 'p' }, key))).toEqual({ stored: true });
    expect(describeSecret({ env: 'LEADWIRE_SECRET_IMAP' })).toEqual({
      env: 'LEADWIRE_SECRET_IMAP',
    });
    expect(() => openSecret({ encrypted: 'v1.garbage' }, key, noVariables)).toThrow(/damaged/);
  });
});
