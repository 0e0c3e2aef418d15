/** What the request's actor may reach: the scope of core/permissions.ts for one entity and action. */
import type { Response } from 'express';
import { scopeOf, type Action, type Entity, type RecordScope } from '../../../core/permissions.ts';
import { normaliseEmail, normalisePhone } from '../../../core/identities.ts';
import type { ChangeContext } from '../../../core/repositories/timeline.ts';

export function scopeFor(res: Response, entity: Entity, action: Action): RecordScope {
  const actor = res.locals.principal?.actor;
  return actor ? scopeOf(actor, entity, action) : { kind: 'none' };
}

/** Who makes a change, now: what the timeline records. */
export function changeBy(res: Response): ChangeContext {
  return { userId: res.locals.principal?.actor.userId ?? null, at: new Date() };
}

/**
 * The identity keys a search by `email` or `phone` looks for: any spelling of the address or
 * number finds the person. A value that is no identity answers with why.
 */
export function searchKeys(
  query: { email?: string | undefined; phone?: string | undefined },
  country: string | undefined,
): { keys?: string[]; problem?: { path: string; message: string } } {
  const keys: string[] = [];
  if (query.email !== undefined) {
    const email = normaliseEmail(query.email);
    if (!email.ok) return { problem: { path: 'email', message: email.reason } };
    keys.push(email.identity.key);
  }
  if (query.phone !== undefined) {
    const phone = normalisePhone(query.phone, country);
    if (!phone.ok) return { problem: { path: 'phone', message: phone.reason } };
    keys.push(phone.identity.key);
  }
  return keys.length ? { keys } : {};
}
