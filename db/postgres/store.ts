/** The PostgreSQL store: a pool per process, its repositories, and blobs in the database or on BLOB_DIR. */
import { withoutNul } from './text.ts';
import type pg from 'pg';
import type { BlobStore } from '../../core/repositories/blobs.ts';
import type { Store } from '../../core/repositories/index.ts';
import { pgActivities, pgAttachments, pgEvents } from './activities.ts';
import { pgCheckpoints, pgSettings } from './bookkeeping.ts';
import { pgChannels } from './channels.ts';
import { pgClients } from './clients.ts';
import { pgDeals } from './deals.ts';
import { pgDuplicates } from './duplicates.ts';
import { pgStages } from './stages.ts';
import { pgCustomFields } from './custom-fields.ts';
import { pgForms } from './forms.ts';
import { pgImports } from './imports.ts';
import { pgInbox } from './inbox.ts';
import { PostgresIngest } from './ingest.ts';
import { pgLeads } from './leads.ts';
import { pgMerges } from './merges.ts';
import type { PgDb } from './open.ts';
import { pgReplays } from './replays.ts';
import { pgUsers } from './users.ts';
import { pgWebhooks } from './webhooks.ts';

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
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
    /** Drizzle over the pool, for db/ modules only (db copy, measurements). */
    readonly db: PgDb,
    readonly blobs: BlobStore,
    /** The connection round-robin turns are taken on (queue-turns.ts); its own pool. */
    private readonly turns: pg.Pool,
  ) {
    this.inbox = pgInbox(db);
    this.ingest = new PostgresIngest(db.$client, turns);
    // What operators type (names, notes, custom values) may carry a NUL, which PostgreSQL
    // cannot store: it is dropped on the way in, as it is for customers' messages.
    this.leads = nulFree(pgLeads(db));
    this.merges = nulFree(pgMerges(db));
    this.clients = nulFree(pgClients(db));
    this.deals = nulFree(pgDeals(db));
    this.duplicates = nulFree(pgDuplicates(db));
    this.stages = nulFree(pgStages(db));
    this.customFields = nulFree(pgCustomFields(db));
    this.channels = pgChannels(db);
    this.forms = pgForms(db);
    this.imports = nulFree(pgImports(db));
    this.activities = pgActivities(db);
    this.events = pgEvents(db);
    this.webhooks = nulFree(pgWebhooks(db));
    this.attachments = pgAttachments(db);
    this.users = nulFree(pgUsers(db));
    this.settings = pgSettings(db);
    this.checkpoints = pgCheckpoints(db);
    this.replays = pgReplays(db);
  }

  async ping(): Promise<void> {
    await this.db.$client.query('SELECT 1');
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= Promise.all([this.db.$client.end(), this.turns.end()]).then(() => undefined);
    return this.closing;
  }
}

/** A repository whose every argument has NUL removed from its strings (db/postgres/text.ts). */
function nulFree<R extends object>(repository: R): R {
  return new Proxy(repository, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => unknown).apply(target, args.map(withoutNul));
    },
  });
}
