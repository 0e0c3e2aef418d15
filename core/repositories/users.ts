/** People and credentials: operators (users, in departments) and the API keys integrations use. */

export type UserRole = 'operator' | 'supervisor' | 'admin';
export type ApiRole = 'admin' | 'operator' | 'intake';

export interface UserRecord {
  id: number;
  name: string;
  email: string;
  role: UserRole;
  departmentId: number | null;
  active: boolean;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: number;
  name: string;
  role: ApiRole;
  /** The first characters of the key, shown in listings to tell keys apart. */
  prefix: string;
  /** SHA-256 of the whole key (core/api-keys.ts); the key itself is never stored. */
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface UserRepository {
  createUser(user: { name: string; email: string; role: UserRole }): Promise<UserRecord>;
  /** Appends the user to a channel's operator queue (last in turn). */
  addToQueue(channelId: number, userId: number): Promise<void>;
  userExists(id: number): Promise<boolean>;
  /** Ids among `ids` that are not users. */
  unknownUsers(ids: number[]): Promise<number[]>;

  createApiKey(key: Pick<ApiKeyRecord, 'name' | 'role' | 'prefix' | 'hash'>): Promise<number>;
  /** A key that is not revoked, by the hash of what was presented. */
  activeKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  activeKeyById(id: number): Promise<ApiKeyRecord | undefined>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** False when there is no such key. */
  revokeApiKey(id: number, at: Date): Promise<boolean>;
}
