/** The SQLite store: one connection per process (WAL), its repositories, and blobs on the filesystem. */
import type { Store } from '../../core/repositories/index.ts';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import { sqliteActivities, sqliteAttachments, sqliteEvents } from './activities.ts';
import { sqliteCheckpoints, sqliteSettings } from './bookkeeping.ts';
import { sqliteChannels } from './channels.ts';
import { sqliteClients } from './clients.ts';
import { sqliteDeals } from './deals.ts';
import { sqliteDuplicates } from './duplicates.ts';
import { sqliteStages } from './stages.ts';
import { sqliteCustomFields } from './custom-fields.ts';
import { sqliteForms } from './forms.ts';
import { sqliteImports } from './imports.ts';
import { sqliteInbox } from './inbox.ts';
import { SqliteIngest } from './ingest.ts';
import { prepareIngestStatements } from './ingest-statements.ts';
import { sqliteLeads } from './leads.ts';
import { sqliteMerges } from './merges.ts';
import { migrateDatabase, openDatabase, type Db, type OpenOptions } from './open.ts';
import { sqliteReplays } from './replays.ts';
import { sqliteUsers } from './users.ts';
import { sqliteWebhooks } from './webhooks.ts';

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly closers: (() => Promise<void>)[] = [];
  readonly inbox;
  readonly ingest;
  readonly leads;
  readonly merges;
  readonly clients;
  readonly deals;
  readonly duplicates;
  readonly stages;
  readonly customFields;
  readonly channels;
  readonly forms;
  readonly imports;
  readonly activities;
  readonly events;
  readonly webhooks;
  readonly attachments;
  readonly users;
  readonly settings;
  readonly checkpoints;
  readonly replays;

  constructor(
    /** The connection, for db/ modules only (db copy, measurements). */
    readonly db: Db,
    readonly blobs: BlobStore,
  ) {
    const statements = prepareIngestStatements(db.$client);
    this.inbox = sqliteInbox(db, statements, (stop) => this.closers.push(stop));
    this.ingest = new SqliteIngest(db, statements);
    this.leads = sqliteLeads(db);
    this.merges = sqliteMerges(db);
    this.clients = sqliteClients(db);
    this.deals = sqliteDeals(db);
    this.duplicates = sqliteDuplicates(db);
    this.stages = sqliteStages(db);
    this.customFields = sqliteCustomFields(db);
    this.channels = sqliteChannels(db);
    this.forms = sqliteForms(db);
    this.imports = sqliteImports(db);
    this.activities = sqliteActivities(db);
    this.events = sqliteEvents(db);
    this.webhooks = sqliteWebhooks(db);
    this.attachments = sqliteAttachments(db);
    this.users = sqliteUsers(db);
    this.settings = sqliteSettings(db);
    this.checkpoints = sqliteCheckpoints(db);
    this.replays = sqliteReplays(db);
  }

  async ping(): Promise<void> {
    this.db.$client.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // The intake's commit thread first: a batch in it is finished, then its connection closed.
    await Promise.all(this.closers.splice(0).map((stop) => stop()));
    if (this.db.$client.open) this.db.$client.close();
  }
}

/** Opens (and migrates, unless told not to) the database file. */
export function openSqliteStore(
  file: string,
  blobs: BlobStore,
  options: OpenOptions & { migrate?: boolean } = {},
): SqliteStore {
  const db = openDatabase(file, options);
  if (options.migrate !== false) migrateDatabase(db);
  return new SqliteStore(db, blobs);
}

/** SQLite's "not now": the write lock stayed taken past busy_timeout. */
export function sqliteTransient(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)
    ? 'the SQLite database stayed locked by another process'
    : undefined;
}
