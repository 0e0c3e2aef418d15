/**
 * Who is behind a request — an API key (an integration, or acting as a user) or a signed-in
 * user's session — and what they may do: the `Actor` of core/permissions.ts.
 */
import {
  INTEGRATION_ROLE,
  SEEDED_ROLES,
  type Actor,
  type RoleDefinition,
} from '../../core/permissions.ts';
import type {
  ApiKeyRecord,
  ApiRole,
  UserRepository,
  UserRecord,
} from '../../core/repositories/users.ts';

export interface Principal {
  /** The API key used; null for a session or the bootstrap API_KEY. */
  keyId: number | null;
  /** The session id (SHA-256 of the cookie's token) when signed in with a cookie. */
  sessionId: string | null;
  name: string;
  /** A key's role; `user` for a session. */
  role: ApiRole | 'user';
  user: UserRecord | null;
  actor: Actor;
}

const ADMIN = SEEDED_ROLES.find((role) => role.code === 'admin') as RoleDefinition;

/** An actor with the given roles and no user (an integration, the bootstrap key). */
function keyActor(label: string, roles: RoleDefinition[], intakeOnly: boolean): Actor {
  return { userId: null, label, roles, departmentUserIds: [], queueChannelIds: [], intakeOnly };
}

export const BOOTSTRAP_PRINCIPAL: Principal = {
  keyId: null,
  sessionId: null,
  name: 'API_KEY',
  role: 'admin',
  user: null,
  actor: keyActor('API_KEY', [ADMIN], false),
};

/** The actor of a user (undefined when the user is gone or inactive). */
export async function userActor(
  users: Pick<UserRepository, 'actorFacts'>,
  userId: number,
  intakeOnly = false,
): Promise<{ user: UserRecord; actor: Actor } | undefined> {
  const facts = await users.actorFacts(userId);
  if (!facts) return undefined;
  return {
    user: facts.user,
    actor: {
      userId: facts.user.id,
      label: facts.user.name,
      roles: facts.roles,
      departmentUserIds: facts.departmentUserIds,
      queueChannelIds: facts.queueChannelIds,
      intakeOnly,
    },
  };
}

/**
 * A key acting as a user has that user's permissions (an intake key still only posts); a key of
 * no user is an integration (admin: everything; operator: the CRM; intake: posting leads). A
 * key bound to a user who was deactivated stops working.
 */
export async function keyPrincipal(
  users: Pick<UserRepository, 'actorFacts'>,
  key: ApiKeyRecord,
): Promise<Principal | undefined> {
  const base = { keyId: key.id, sessionId: null, name: key.name, role: key.role };
  if (key.userId !== null) {
    const acting = await userActor(users, key.userId, key.role === 'intake');
    return acting && { ...base, ...acting };
  }
  const roles = key.role === 'admin' ? [ADMIN] : key.role === 'operator' ? [INTEGRATION_ROLE] : [];
  return { ...base, user: null, actor: keyActor(key.name, roles, key.role === 'intake') };
}
