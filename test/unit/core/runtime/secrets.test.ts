import { describe, expect, it } from 'vitest';
import {
  describeSecret,
  openSecret,
  sealSecret,
  SecretError,
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
    const reference = sealSecret({ env: 'IMAP_PASS' }, undefined);
    expect(
      openSecret(reference, undefined, (name) => (name === 'IMAP_PASS' ? 'from-env' : undefined)),
    ).toBe('from-env');
    expect(() => openSecret(reference, undefined, noVariables)).toThrow(
      'the environment variable IMAP_PASS is not set',
    );
  });

  it('shows only where a secret is, never what it is', () => {
    expect(describeSecret(sealSecret({ value: 'p' }, key))).toEqual({ stored: true });
    expect(describeSecret({ env: 'IMAP_PASS' })).toEqual({ env: 'IMAP_PASS' });
    expect(() => openSecret({ encrypted: 'v1.garbage' }, key, noVariables)).toThrow(/damaged/);
  });
});
