/**
 * People and credentials: operators (users, in departments, with roles), their sign-in sessions,
 * and the API keys integrations use (a key may act as a user).
 */
import type { Grants, RoleDefinition } from '../permissions.ts';

/** What an API key may be: an admin, an operator (the CRM), an intake key (posting leads only). */
export const API_ROLES = ['admin', 'operator', 'intake'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface UserRecord {
  id: number;
  name: string;
  /** Lower-cased: the sign-in name. */
  email: string;
  departmentId: number | null;
  active: boolean;
  /** IANA time zone, e.g. `Europe/Madrid`. */
  timeZone: string;
  /** BCP 47 language tag of the console, e.g. `en`, `es`. */
  language: string;
  /** Most open leads the user takes automatically; null: no limit. */
  capacity: number | null;
  /** Codes of the user's roles, sorted. */
  roles: string[];
  /** Whether a password is set (the user can sign in). */
  hasPassword: boolean;
  createdAt: Date;
}

export interface NewUser {
  name: string;
  email: string;
  /** Role codes; at least one. */
  roles: string[];
  departmentId?: number | null | undefined;
  timeZone?: string | undefined;
  language?: string | undefined;
  capacity?: number | null | undefined;
  /** argon2id PHC string (core/passwords.ts), never the password. */
  passwordHash?: string | undefined;
}

export type UserPatch = Partial<
  Pick<NewUser, 'name' | 'email' | 'roles' | 'departmentId' | 'timeZone' | 'language' | 'capacity'>
> & { active?: boolean | undefined };

/** Why a user could not be written. */
export type UserProblem = 'email-taken' | 'unknown-role' | 'unknown-department' | 'no-user';

export type UserWrite = { ok: true; user: UserRecord } | { ok: false; problem: UserProblem };

export interface ApiKeyRecord {
  id: number;
  name: string;
  role: ApiRole;
  /** The first characters of the key, shown in listings to tell keys apart. */
  prefix: string;
  /** SHA-256 of the whole key (core/api-keys.ts); the key itself is never stored. */
  hash: string;
  /** The user the key acts as (its permissions are that user's); null: an integration. */
  userId: number | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface RoleRecord extends RoleDefinition {
  id: number;
}

export interface DepartmentRecord {
  id: number;
  name: string;
  parentId: number | null;
  headId: number | null;
}

export type DepartmentProblem =
  | 'name-taken'
  | 'unknown-parent'
  | 'unknown-head'
  /** The parent given is the department itself or one under it. */
  | 'cycle'
  /** Deleting: it still has users or sub-departments. */
  | 'not-empty'
  | 'no-department';

export type DepartmentWrite =
  { ok: true; department: DepartmentRecord } | { ok: false; problem: DepartmentProblem };

export type RoleWrite =
  { ok: true; role: RoleRecord } | { ok: false; problem: 'code-taken' | 'no-role' | 'in-use' };

/** What a request needs to know of a signed-in or key-bound user to decide what they may do. */
export interface ActorFacts {
  user: UserRecord;
  roles: RoleRecord[];
  /** Users of the user's department and every department under it (the user included). */
  departmentUserIds: number[];
  /** Channels whose operator queue the user is in. */
  queueChannelIds: number[];
}

export interface SessionRecord {
  /** SHA-256 (hex) of the cookie's token. */
  id: string;
  userId: number;
  createdAt: Date;
  seenAt: Date;
  expiresAt: Date;
}

export interface UserRepository {
  createUser(user: NewUser): Promise<UserWrite>;
  getUser(id: number): Promise<UserRecord | undefined>;
  listUsers(filter: {
    active?: boolean | undefined;
    departmentId?: number | undefined;
  }): Promise<UserRecord[]>;
  /** Deactivating (`active: false`) also ends every session of the user, in the same transaction. */
  updateUser(id: number, patch: UserPatch): Promise<UserWrite>;
  /** Sets the password hash and ends every session of the user (a reset signs them out). */
  setPassword(id: number, passwordHash: string): Promise<boolean>;
  /** For sign-in: the user with this (lower-cased) email and their password hash. */
  credentialsOf(
    email: string,
  ): Promise<{ user: UserRecord; passwordHash: string | null } | undefined>;
  /** The user with their roles, department subtree and queues; undefined when missing or inactive. */
  actorFacts(userId: number): Promise<ActorFacts | undefined>;
  /** Appends the user to a channel's operator queue (last in turn). */
  addToQueue(channelId: number, userId: number): Promise<void>;
  userExists(id: number): Promise<boolean>;
  /** Ids among `ids` that are not users. */
  unknownUsers(ids: number[]): Promise<number[]>;

  listRoles(): Promise<RoleRecord[]>;
  createRole(role: RoleDefinition): Promise<RoleWrite>;
  updateRole(
    id: number,
    patch: Partial<Omit<RoleDefinition, 'code'>> & { grants?: Grants },
  ): Promise<RoleWrite>;
  /** Refused (`in-use`) while a user has the role. */
  deleteRole(id: number): Promise<RoleWrite | { ok: true }>;

  listDepartments(): Promise<DepartmentRecord[]>;
  createDepartment(department: Omit<DepartmentRecord, 'id'>): Promise<DepartmentWrite>;
  updateDepartment(
    id: number,
    patch: Partial<Omit<DepartmentRecord, 'id'>>,
  ): Promise<DepartmentWrite>;
  deleteDepartment(id: number): Promise<{ ok: true } | { ok: false; problem: DepartmentProblem }>;

  createSession(session: SessionRecord): Promise<void>;
  /**
   * The session and its user, when the session exists, has not passed `expiresAt`, was seen within
   * `idleMs` of `now`, and its user is active. Moves `seenAt` to `now` when it is over a minute old,
   * unless `touch` is false (a live stream checking its session is no sign of a person's use).
   * An expired session is deleted.
   */
  activeSession(
    id: string,
    now: Date,
    idleMs: number,
    touch?: boolean,
  ): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  endSession(id: string): Promise<void>;
  /** Ends every session of a user; how many there were. */
  endSessions(userId: number): Promise<number>;

  createApiKey(
    key: Pick<ApiKeyRecord, 'name' | 'role' | 'prefix' | 'hash'> & { userId?: number | null },
  ): Promise<number>;
  /** A key that is not revoked, by the hash of what was presented. */
  activeKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  activeKeyById(id: number): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there is no such key. */
  revokeApiKey(id: number, at: Date): Promise<boolean>;
}
