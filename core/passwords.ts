/**
 * Passwords of the people who sign in to the console: stored only as argon2id hashes (PHC
 * strings, which carry their own salt and cost), never as the password itself.
 */
import { hash, verify } from '@node-rs/argon2';

export const PASSWORD_MIN_LENGTH = 10;
/** Long enough for any passphrase, short enough that hashing one costs a bounded amount of work. */
export const PASSWORD_MAX_LENGTH = 256;

/**
 * OWASP's argon2id baseline (19 MiB, two passes, one lane): some 10–20 ms a hash on one core, slow
 * enough to make guessing from a stolen table expensive, fast enough for a sign-in. The package's
 * default algorithm is argon2id (the test checks the PHC prefix); its `Algorithm` is a const enum,
 * which isolated modules cannot import.
 */
const COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, COST);
}

/** Whether `password` is the one `passwordHash` was made from; false for a hash that is not one. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** What is wrong with a new password, as a sentence; undefined when it will do. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return `a password needs at least ${PASSWORD_MIN_LENGTH} characters (this one has ${length})`;
  if (length > PASSWORD_MAX_LENGTH)
    return `a password can have at most ${PASSWORD_MAX_LENGTH} characters (this one has ${length})`;
  return undefined;
}
