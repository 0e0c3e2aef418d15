/** Clients (contacts and companies) and the identities they own. */
import type { Identity } from '../identities.ts';
import type { IdentityView } from './leads.ts';

export interface ClientRecord {
  id: number;
  kind: 'contact' | 'company';
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  createdAt: Date;
}

export interface ClientDetail extends ClientRecord {
  identities: IdentityView[];
}

export interface NewClient {
  name?: string | undefined;
  company?: string | undefined;
  responsibleId?: number | undefined;
  identities: Identity[];
}

export interface ClientRepository {
  /** Creates a client; other clients already owning one of its identities come back as possible duplicates. */
  create(input: NewClient): Promise<{ id: number; possibleDuplicates: number[] }>;
  get(id: number): Promise<ClientDetail | undefined>;
}
