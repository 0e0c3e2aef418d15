/** Clients (contacts and companies) and the identities they own. */
import type { Identity } from '../identities.ts';
import type { RecordScope } from '../permissions.ts';
import type { DealRecord } from './deals.ts';
import type { IdentityView, LeadRecord } from './leads.ts';
import type { ChangeContext, TimelineEntry } from './timeline.ts';

export interface ClientRecord {
  id: number;
  kind: 'contact' | 'company';
  name: string | null;
  company: string | null;
  /** A contact's company (a client of kind `company`). */
  companyId: number | null;
  /** Values of the custom fields defined for clients. */
  custom: Record<string, unknown>;
  responsibleId: number | null;
  createdAt: Date;
  updatedAt: Date | null;
}

export interface ClientDetail extends ClientRecord {
  identities: IdentityView[];
  /** The client it was merged into (core/merge.ts): set while the merge stands. */
  mergedIntoId?: number | null;
}

/** A client as an operator opens it: its leads (newest first), deals and timeline. */
export interface ClientView extends ClientDetail {
  leads: LeadRecord[];
  deals: DealRecord[];
  timeline: TimelineEntry[];
}

export interface NewClient {
  kind?: 'contact' | 'company' | undefined;
  name?: string | undefined;
  company?: string | undefined;
  companyId?: number | undefined;
  responsibleId?: number | undefined;
  custom?: Record<string, unknown> | undefined;
  identities: Identity[];
}

export interface ClientFilter {
  /** Words of the name or company (case-insensitive, every word must appear). */
  q?: string | undefined;
  /** Canonical identity keys (`email:…`, `phone:…`): clients owning any of them. */
  identityKeys?: string[] | undefined;
  responsibleId?: number | undefined;
  kind?: 'contact' | 'company' | undefined;
  limit: number;
  /** Id of the last client of the previous page (newest first). */
  cursor?: number | undefined;
}

export interface ClientPatch {
  name?: string | null | undefined;
  company?: string | null | undefined;
  responsibleId?: number | null | undefined;
  /** The client's custom values after the change (checked by core/custom-fields.ts). */
  custom?: Record<string, unknown> | undefined;
  addIdentities?: Identity[] | undefined;
  /** Canonical keys of identities to take away from the client. */
  removeIdentities?: string[] | undefined;
}

export type ClientWrite =
  | { ok: true; client: ClientDetail; possibleDuplicates: number[] }
  | { ok: false; problem: 'no-client' | 'no-user' };

export interface ClientRepository {
  /** Creates a client; other clients already owning one of its identities come back as possible duplicates. */
  create(
    input: NewClient,
    context?: ChangeContext,
  ): Promise<{ id: number; possibleDuplicates: number[] }>;
  get(id: number): Promise<ClientDetail | undefined>;
  /**
   * Undefined when missing or out of scope. Its leads and deals are those within `related`
   * (the caller's read scopes of leads and deals; every one when not given).
   */
  view(
    id: number,
    scope: RecordScope,
    related?: { leads: RecordScope; deals: RecordScope },
  ): Promise<ClientView | undefined>;
  list(
    filter: ClientFilter,
    scope: RecordScope,
  ): Promise<{ clients: ClientDetail[]; nextCursor: string | null }>;
  /**
   * Changes what is given (identities added and removed under the ingest's identity locks);
   * every change on the timeline with its value before and after, with a `client.updated` event.
   */
  update(
    id: number,
    patch: ClientPatch,
    context: ChangeContext,
    scope: RecordScope,
  ): Promise<ClientWrite>;
}
