/** Possible duplicates of leads and clients, each with its reasons, and pairs set aside. */
import type { DuplicateReason } from '../duplicates/reasons.ts';
import type { RecordScope } from '../permissions.ts';

export type DuplicateEntity = 'lead' | 'client';

/** A record as a duplicate list shows it. */
export interface DuplicateRecord {
  entity: DuplicateEntity;
  id: number;
  /** `contact` or `company` for a client; `lead` for a lead. */
  kind: 'contact' | 'company' | 'lead';
  name: string | null;
  company: string | null;
  responsibleId: number | null;
  /** A lead's stage and client; null for clients. */
  stage: string | null;
  clientId: number | null;
  createdAt: Date;
}

export interface DuplicateCandidate extends DuplicateRecord {
  /** Strongest first; a candidate found by its name alone has only a `name` reason. */
  reasons: DuplicateReason[];
}

export interface DuplicatePair {
  a: DuplicateRecord;
  b: DuplicateRecord;
  reasons: DuplicateReason[];
}

export interface DuplicateRepository {
  /**
   * The records that may be the same person or company as `id`, strongest reasons first:
   * within `scope`, never merged ones, never pairs dismissed. Undefined when `id` is missing,
   * merged away or out of scope.
   */
  of(
    entity: DuplicateEntity,
    id: number,
    scope: RecordScope,
  ): Promise<DuplicateCandidate[] | undefined>;
  /** Every possible pair (each once, `a.id < b.id`), in pages by `a.id`. */
  pairs(
    entity: DuplicateEntity,
    scope: RecordScope,
    page: { limit: number; cursor?: number | undefined },
  ): Promise<{ pairs: DuplicatePair[]; nextCursor: string | null }>;
  /** Remembers that `a` and `b` are not one; false when either record does not exist. */
  dismiss(entity: DuplicateEntity, a: number, b: number, userId: number | null): Promise<boolean>;
  /** Computes the keys of up to `limit` records written before they existed; how many it did. */
  backfillKeys(limit: number): Promise<number>;
}
