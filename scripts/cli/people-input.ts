/**
 * What `users`, `departments` and `init` take from the command line, checked into the values the
 * repository wants, and the repository's refusals as sentences. Every mistake is a CliError.
 */
import type { Store } from '../../core/repositories/index.ts';
import type { DepartmentProblem, UserProblem } from '../../core/repositories/users.ts';
import { CliError, idOf } from './options.ts';

/** The value `--department none`, `--capacity none`, `--parent none` and `--head none` take. */
const NONE = 'none';

export function nameOf(text: string, option = '--name'): string {
  const name = text.trim();
  if (!name) throw new CliError(`${option} needs a name, e.g. ${option} "Olga Petrova"`);
  return name;
}

export function emailOf(text: string): string {
  const email = text.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw new CliError(`--email takes an email address, e.g. olga@example.com (not ${text})`);
  return email;
}

/** `--role a,b --role c`: the codes, each checked against the roles the store has. */
export async function rolesOf(store: Store, given: string[]): Promise<string[]> {
  const codes = [
    ...new Set(given.flatMap((text) => text.split(',')).map((code) => code.trim())),
  ].filter(Boolean);
  if (!codes.length) throw new CliError('--role needs a role, e.g. --role operator');
  const known = (await store.users.listRoles()).map((role) => role.code);
  const unknown = codes.find((code) => !known.includes(code));
  if (unknown !== undefined)
    throw new CliError(`there is no role ${unknown} (the roles are ${known.join(', ')})`);
  return codes;
}

/** An IANA zone, spelled as Intl spells it (`europe/madrid` becomes `Europe/Madrid`). */
export function timeZoneOf(text: string): string {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: text.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new CliError(`--time-zone takes an IANA time zone such as Europe/Madrid (not ${text})`);
  }
}

/** A BCP 47 tag in its canonical spelling (`es-mx` becomes `es-MX`). */
export function languageOf(text: string): string {
  try {
    const [tag] = Intl.getCanonicalLocales(text.trim());
    if (tag) return tag;
  } catch {
    // Answered below.
  }
  throw new CliError(`--language takes a language tag such as en, es or pt-BR (not ${text})`);
}

export function capacityOf(text: string): number | null {
  if (text.trim() === NONE) return null;
  const capacity = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(capacity <= 100_000))
    throw new CliError(
      `--capacity takes a whole number of open leads, or none for no limit (not ${text})`,
    );
  return capacity;
}

/** A record id an option names; `none` is null where the option allows it. */
export function referenceOf(option: string, text: string, what: string, noneAllowed: boolean) {
  if (noneAllowed && text.trim() === NONE) return null;
  const id = idOf(text);
  if (id === undefined)
    throw new CliError(
      `${option} takes the id of a ${what}${noneAllowed ? ', or none' : ''} (not ${text})`,
    );
  return id;
}

/** The id a command works on (`users update 3`). */
export function targetOf(command: string, text: string | undefined, what: 'user' | 'department') {
  const id = idOf(text);
  if (id === undefined)
    throw new CliError(
      text === undefined
        ? `${command} needs the ${what}'s id (see \`${what}s list\`)`
        : `${command} takes the ${what}'s id, a whole number (not ${text})`,
    );
  return id;
}

/** Options a sub-command does not use are mistakes, not silently ignored. */
export function refuseOptions(values: object, allowed: readonly string[], command: string): void {
  const extra = Object.entries(values)
    .filter(([name, value]) => value !== undefined && !allowed.includes(name))
    .map(([name]) => `--${name}`);
  if (extra.length)
    throw new CliError(
      `${command} takes no ${extra.join(', ')}${allowed.length ? ` (it takes ${allowed.map((name) => `--${name}`).join(', ')})` : ''}`,
    );
}

export function userProblem(
  problem: UserProblem,
  facts: { id?: number; email?: string; departmentId?: number | null },
): string {
  switch (problem) {
    case 'email-taken':
      return `there is already a user with the email ${facts.email}`;
    case 'unknown-role':
      return 'one of the roles was deleted meanwhile: run the command again';
    case 'unknown-department':
      return `there is no department ${facts.departmentId} (see \`departments list\`)`;
    case 'no-user':
      return `there is no user ${facts.id} (see \`users list\`)`;
  }
}

export function departmentProblem(
  problem: DepartmentProblem,
  facts: { id?: number; name?: string; parentId?: number | null; headId?: number | null },
): string {
  switch (problem) {
    case 'name-taken':
      return `there is already a department named ${facts.name}`;
    case 'unknown-parent':
      return `there is no department ${facts.parentId} (see \`departments list\`)`;
    case 'unknown-head':
      return `there is no user ${facts.headId} (see \`users list\`)`;
    case 'cycle':
      return `department ${facts.id} cannot go under department ${facts.parentId}: that is the department itself or one of its sub-departments`;
    case 'not-empty':
      return `department ${facts.id} still has users or sub-departments: move them first (\`users update ID --department …\`, \`departments update ID --parent …\`)`;
    case 'no-department':
      return `there is no department ${facts.id} (see \`departments list\`)`;
  }
}
