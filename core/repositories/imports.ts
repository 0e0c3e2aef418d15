/** CSV import runs: what was asked, how far each got, and the batches they write. */
import type { DuplicateMode, ImportedClient, ImportStep, KnownClient } from '../import-plan.ts';

export type ImportEntity = 'client' | 'lead';
export type ImportStatus = 'running' | 'interrupted' | 'done' | 'failed';

export interface ImportCounts {
  created: number;
  updated: number;
  skipped: number;
  refused: number;
}

export interface ImportRun {
  id: number;
  entity: ImportEntity;
  fileName: string;
  /** The file's size and a hash of its start: the same file resumes the same run. */
  fingerprint: string;
  status: ImportStatus;
  /** The mapping, duplicate mode and default country it was started with. */
  options: Record<string, unknown>;
  /** Records after the header already committed (refused ones included). */
  position: number;
  counts: ImportCounts;
  userId: number | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface NewImportRun {
  entity: ImportEntity;
  fileName: string;
  fingerprint: string;
  options: Record<string, unknown>;
  userId: number | null;
  at: Date;
}

/** How far a batch moves its run: records read (refused included) and how many were refused. */
export interface ImportProgress {
  /**
   * The run's position before the batch: the move is refused (and its transaction undone) when
   * the run is elsewhere, so two runners of one run cannot both count a batch.
   */
  from: number;
  records: number;
  refused: number;
  at: Date;
}

export interface ImportRepository {
  /** Client rows a batch (one transaction) should hold on this store. */
  readonly batchSize: number;
  /**
   * Lead rows a batch should hold: each goes through the ingest's transaction, which holds the
   * write lock (SQLite) or the senders' identity locks (PostgreSQL) while it runs.
   */
  readonly leadBatchSize: number;
  start(run: NewImportRun): Promise<ImportRun>;
  get(id: number): Promise<ImportRun | undefined>;
  /** The newest unfinished run of this file, to resume. */
  resumable(entity: ImportEntity, fingerprint: string): Promise<ImportRun | undefined>;
  recent(limit: number): Promise<ImportRun[]>;
  /** The clients owning any of `keys` (not merged away), by key: what a dry run plans against. */
  knownClients(keys: string[]): Promise<Map<string, KnownClient>>;
  /**
   * Plans (core/import-plan.ts) and writes one batch of clients, and moves the run on by
   * `progress`, in one transaction: a batch is either wholly in or not at all, so a run resumes
   * after its last committed batch without writing a row twice.
   */
  importClients(
    runId: number,
    rows: ImportedClient[],
    mode: DuplicateMode,
    progress: ImportProgress,
  ): Promise<{ steps: ImportStep[]; run: ImportRun }>;
  /**
   * Moves a run on by a batch written elsewhere (a lead import's rows go through the ingest):
   * its position and all its counts in one write, so a batch is counted once it is passed.
   * Throws when the run's position is not `progress.from` (another runner moved it).
   */
  advance(
    runId: number,
    counts: Omit<ImportCounts, 'refused'>,
    progress: ImportProgress,
  ): Promise<ImportRun>;
  /** Ends a run (`done`, `interrupted` to resume later, `failed`). */
  finish(runId: number, status: Exclude<ImportStatus, 'running'>, at: Date): Promise<ImportRun>;
}
