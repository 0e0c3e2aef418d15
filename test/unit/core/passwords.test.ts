import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from '../../../core/passwords.ts';

describe('hashPassword and verifyPassword', () => {
  it('stores an argon2id PHC string with a salt of its own, never the password', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[^$]+\$[^$]+$/);
    expect(first).not.toContain('correct horse battery');
    expect(second).not.toBe(first);
  });

  it('accepts the password the hash was made from and nothing else', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'Correct horse battery')).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('answers false, not an error, for a stored value that is not a hash', async () => {
    expect(await verifyPassword('not a hash', 'correct horse battery')).toBe(false);
    expect(await verifyPassword('', 'correct horse battery')).toBe(false);
  });

  it('handles passwords beyond ASCII', async () => {
    const stored = await hashPassword('contraseña segura ✓');
    expect(await verifyPassword(stored, 'contraseña segura ✓')).toBe(true);
    expect(await verifyPassword(stored, 'contrasena segura ✓')).toBe(false);
  });
});

describe('passwordProblem', () => {
  it('asks for at least 10 characters', () => {
    expect(passwordProblem('')).toBe('a password needs at least 10 characters (this one has 0)');
    expect(passwordProblem('123456789')).toBe(
      'a password needs at least 10 characters (this one has 9)',
    );
    expect(passwordProblem('1234567890')).toBeUndefined();
  });

  it('allows at most 256 characters', () => {
    expect(passwordProblem('x'.repeat(256))).toBeUndefined();
    expect(passwordProblem('x'.repeat(257))).toBe(
      'a password can have at most 256 characters (this one has 257)',
    );
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('🔑'.repeat(9))).toBe(
      'a password needs at least 10 characters (this one has 9)',
    );
    expect(passwordProblem('🔑'.repeat(10))).toBeUndefined();
  });
});
