/**
 * The SQLite schema: the CRM's lead data and the durable inbox. db/postgres/schema.ts mirrors it
 * table for table and column for column (same names in TypeScript, so rows copy across).
 * Timestamps are integer milliseconds since the epoch. Migrations in db/sqlite/migrations are
 * generated from this file by `npm run db:generate` and committed.
 */
import { sql } from 'drizzle-orm';
import { CHANNEL_KINDS } from '../../core/inbound.ts';
import type { ReplayFilter } from '../../core/repositories/inbox.ts';
import {
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);

/** Departments form a tree; "department" scope means a user's department and everything under it. */
export const departments = sqliteTable('departments', {
  id: integer('id').primaryKey(),
  name: text('name').notNull().unique(),
  parentId: integer('parent_id'),
  headId: integer('head_id'),
});

export const users = sqliteTable('users', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  /** Lower-cased: the sign-in name. */
  email: text('email').notNull().unique(),
  /** argon2id (PHC string); null until a password is set (the user cannot sign in yet). */
  passwordHash: text('password_hash'),
  departmentId: integer('department_id').references(() => departments.id),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  timeZone: text('time_zone').notNull().default('UTC'),
  language: text('language').notNull().default('en'),
  /** Most open leads the user takes automatically (null: no limit). */
  capacity: integer('capacity'),
  createdAt: createdAt(),
});

/** A role grants, per entity and action, a scope (core/permissions.ts); `manage` is administration. */
export const roles = sqliteTable('roles', {
  id: integer('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  grants: text('grants', { mode: 'json' })
    .$type<Record<string, Record<string, string>>>()
    .notNull(),
  manage: integer('manage', { mode: 'boolean' }).notNull().default(false),
});

export const userRoles = sqliteTable(
  'user_roles',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    roleId: integer('role_id')
      .notNull()
      .references(() => roles.id),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roleId] })],
);

/** Signed-in browsers: the cookie holds a random token, the row its SHA-256 (never the token). */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** Moved on at most once a minute by requests; idle expiry counts from it. */
    seenAt: integer('seen_at', { mode: 'timestamp_ms' }).notNull(),
    /** Absolute expiry: the session ends then however busy it is. */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const channels = sqliteTable('channels', {
  id: integer('id').primaryKey(),
  kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
  name: text('name').notNull(),
  /** Channel-specific settings as JSON (never secrets in plain text). */
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
  defaultCountry: text('default_country'),
  appendScope: text('append_scope', { enum: ['any', 'same-channel'] })
    .notNull()
    .default('any'),
  /** Round-robin cursor of the operator queue; advanced inside the ingest transaction. */
  lastAssignedUserId: integer('last_assigned_user_id').references(() => users.id),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  createdAt: createdAt(),
});

/** A channel's operator queue: who new leads from it go to, in turn. */
export const channelOperators = sqliteTable(
  'channel_operators',
  {
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    position: integer('position').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.userId] })],
);

export const stages = sqliteTable('stages', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
  semantics: text('semantics', { enum: ['process', 'success', 'failure'] }).notNull(),
});

/** Deals move through stages of their own, with the same fixed semantics as lead stages. */
export const dealStages = sqliteTable('deal_stages', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
  semantics: text('semantics', { enum: ['process', 'success', 'failure'] }).notNull(),
});

/** Why a lead was not useful: the list operators pick from when they mark a lead as junk. */
export const junkReasons = sqliteTable('junk_reasons', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
});

export const clients = sqliteTable(
  'clients',
  {
    id: integer('id').primaryKey(),
    kind: text('kind', { enum: ['contact', 'company'] })
      .notNull()
      .default('contact'),
    name: text('name'),
    company: text('company'),
    /** A contact's company (a client of kind `company`). */
    companyId: integer('company_id'),
    custom: text('custom', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    responsibleId: integer('responsible_id').references(() => users.id),
    /**
     * Duplicate finding (core/duplicates): the name's phonetic blocking key and the company
     * title without its legal form; '' when there is none, NULL until computed.
     */
    matchKey: text('match_key'),
    companyKey: text('company_key'),
    /** Set when this client was merged into another (kept, never deleted, so a merge can be undone). */
    mergedIntoId: integer('merged_into_id'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('clients_responsible').on(t.responsibleId),
    index('clients_match_key')
      .on(t.matchKey)
      .where(sql`${t.matchKey} <> ''`),
    index('clients_company_key')
      .on(t.companyKey)
      .where(sql`${t.companyKey} <> ''`),
    // Rows whose keys are still to be computed (db/open.ts): empty once they are.
    index('clients_keys_pending')
      .on(t.id)
      .where(sql`${t.matchKey} IS NULL`),
  ],
);

export const leads = sqliteTable(
  'leads',
  {
    id: integer('id').primaryKey(),
    type: text('type', { enum: ['simple', 'repeat'] }).notNull(),
    stage: text('stage')
      .notNull()
      .references(() => stages.code),
    /** Denormalised from the stage's semantics so "open leads of X" is one index lookup. */
    open: integer('open', { mode: 'boolean' }).notNull().default(true),
    source: text('source').notNull(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    clientId: integer('client_id').references(() => clients.id),
    responsibleId: integer('responsible_id').references(() => users.id),
    title: text('title').notNull(),
    name: text('name'),
    company: text('company'),
    fields: text('fields', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    utm: text('utm', { mode: 'json' }).$type<Record<string, string>>().notNull().default({}),
    /** Values of the custom fields defined for leads. */
    custom: text('custom', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    duplicateOfLeadId: integer('duplicate_of_lead_id'),
    /** As on clients: duplicate finding keys ('' when none, NULL until computed). */
    matchKey: text('match_key'),
    companyKey: text('company_key'),
    /** Set when this lead was merged into another. */
    mergedIntoId: integer('merged_into_id'),
    /** Why a person should look at this lead before trusting it (a form over its daily cap). */
    review: text('review'),
    /** A junk lead's reason (a code of junk_reasons). */
    junkReason: text('junk_reason'),
    /** Why nobody was assigned automatically (everyone in the queue at capacity, no queue). */
    unassigned: text('unassigned'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    check('repeat_has_client', sql`${t.type} <> 'repeat' OR ${t.clientId} IS NOT NULL`),
    index('leads_client_open').on(t.clientId, t.open),
    index('leads_stage').on(t.stage),
    index('leads_responsible').on(t.responsibleId, t.id),
    index('leads_channel').on(t.channelId, t.id),
    index('leads_match_key')
      .on(t.matchKey)
      .where(sql`${t.matchKey} <> ''`),
    index('leads_company_key')
      .on(t.companyKey)
      .where(sql`${t.companyKey} <> ''`),
    index('leads_keys_pending')
      .on(t.id)
      .where(sql`${t.matchKey} IS NULL`),
  ],
);

/** Deals: what a converted lead (or an operator) opens for a client. */
export const deals = sqliteTable(
  'deals',
  {
    id: integer('id').primaryKey(),
    title: text('title').notNull(),
    amount: real('amount'),
    currency: text('currency'),
    stage: text('stage')
      .notNull()
      .references(() => dealStages.code),
    open: integer('open', { mode: 'boolean' }).notNull().default(true),
    clientId: integer('client_id').references(() => clients.id),
    responsibleId: integer('responsible_id').references(() => users.id),
    leadId: integer('lead_id').references(() => leads.id),
    custom: text('custom', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('deals_client').on(t.clientId),
    index('deals_responsible').on(t.responsibleId, t.id),
    index('deals_lead').on(t.leadId),
  ],
);

/**
 * Who changed what on a lead, client or deal, and when, with the values before and after: the
 * record's timeline. Written in the same transaction as the change.
 */
export const timeline = sqliteTable(
  'timeline',
  {
    id: integer('id').primaryKey(),
    entity: text('entity', { enum: ['lead', 'client', 'deal'] }).notNull(),
    entityId: integer('entity_id').notNull(),
    /** Null: the system (ingest, automatic assignment). */
    userId: integer('user_id').references(() => users.id),
    action: text('action').notNull(),
    before: text('before', { mode: 'json' }).$type<Record<string, unknown>>(),
    after: text('after', { mode: 'json' }).$type<Record<string, unknown>>(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('timeline_entity').on(t.entity, t.entityId, t.id)],
);

/** Operators' internal comments on a lead: never sent to the customer. */
export const notes = sqliteTable(
  'notes',
  {
    id: integer('id').primaryKey(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    authorId: integer('author_id').references(() => users.id),
    text: text('text').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('notes_lead').on(t.leadId, t.id)],
);

/** When each operator last opened each lead: the list marks a lead changed since as unread. */
export const leadReads = sqliteTable(
  'lead_reads',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    readAt: integer('read_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.leadId] })],
);

/** An operator's saved lead filters: a name and the list's query string. */
export const savedFilters = sqliteTable(
  'saved_filters',
  {
    id: integer('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    query: text('query').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('saved_filters_user_name').on(t.userId, t.name)],
);

/** Email addresses, phones and Telegram ids of a client or of a lead without a client. */
export const identities = sqliteTable(
  'identities',
  {
    id: integer('id').primaryKey(),
    kind: text('kind', { enum: ['email', 'phone', 'telegram'] }).notNull(),
    /** Canonical key, e.g. `email:ana@gmail.com`, `phone:+34600123456`, `telegram:42`. */
    key: text('key').notNull(),
    raw: text('raw').notNull(),
    clientId: integer('client_id').references(() => clients.id),
    leadId: integer('lead_id').references(() => leads.id),
    createdAt: createdAt(),
  },
  (t) => [
    check('one_owner', sql`(${t.clientId} IS NULL) <> (${t.leadId} IS NULL)`),
    index('identities_key').on(t.key),
    // Partial: an identity row has one owner, so each row lands in one of these two indexes.
    uniqueIndex('identities_client_key')
      .on(t.clientId, t.key)
      .where(sql`${t.clientId} IS NOT NULL`),
    uniqueIndex('identities_lead_key')
      .on(t.leadId, t.key)
      .where(sql`${t.leadId} IS NOT NULL`),
    // A company's email domain (core/duplicates): the part after '@' of email keys.
    index('identities_email_domain')
      .on(sql`(substr(${t.key}, instr(${t.key}, '@') + 1))`)
      .where(sql`${t.kind} = 'email'`),
  ],
);

export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    direction: text('direction', { enum: ['in', 'out', 'system'] }).notNull(),
    externalId: text('external_id').notNull(),
    inboxId: integer('inbox_id'),
    sender: text('sender'),
    text: text('text').notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }).notNull(),
    /** What came with the message beside its text: form fields, UTM, values that were not identities. */
    meta: text('meta', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    /** Outbound only: queued / sent / failed / undelivered (a bounce came back). */
    delivery: text('delivery', {
      enum: ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'],
    }),
    createdAt: createdAt(),
  },
  (t) => [
    // External id first: the same index answers "is this message known?" and thread look-ups
    // by Message-ID across channels.
    uniqueIndex('messages_external_channel').on(t.externalId, t.channelId),
    index('messages_lead_sent').on(t.leadId, t.sentAt),
  ],
);

/** Every inbound event exactly as it arrived, recorded before the source is acknowledged. */
export const inbox = sqliteTable(
  'inbox',
  {
    id: integer('id').primaryKey(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    externalId: text('external_id').notNull(),
    raw: text('raw').notNull(),
    status: text('status', { enum: ['pending', 'done', 'ignored', 'failed'] })
      .notNull()
      .default('pending'),
    outcome: text('outcome', {
      enum: ['created_simple', 'created_repeat', 'appended', 'duplicate', 'ignored'],
    }),
    /** Why an ignored row was ignored (auto-reply, no reachable identity, …). */
    reason: text('reason'),
    /** The last processing error, kept with the row. */
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    leadId: integer('lead_id').references(() => leads.id),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    processedAt: integer('processed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('inbox_channel_external').on(t.channelId, t.externalId),
    // The reconciler's scan: only pending rows, in id order.
    index('inbox_pending')
      .on(t.id)
      .where(sql`${t.status} = 'pending'`),
    // A channel's health: its newest message, and how many came since a moment (the console).
    index('inbox_channel_received').on(t.channelId, t.receivedAt),
    // …and its newest failure: failed rows are few, so this index is small.
    index('inbox_channel_failed')
      .on(t.channelId, t.id)
      .where(sql`${t.status} = 'failed'`),
    // Retention (workers/retention.ts): is a blob still named by an email's raw event, or by a
    // form's uploaded files?
    // (A raw event that is no JSON is stored as it came: json_extract would refuse it.)
    index('inbox_raw_blob')
      .on(sql`(CASE WHEN json_valid(${t.raw}) THEN json_extract(${t.raw}, '$.blob') END)`)
      .where(
        sql`(CASE WHEN json_valid(${t.raw}) THEN json_extract(${t.raw}, '$.blob') END) IS NOT NULL`,
      ),
    index('inbox_raw_files')
      .on(t.id)
      .where(sql`instr(${t.raw}, '"files":[{') > 0`),
  ],
);

/** Two clients one message pointed at: a human decides whether they are one. */
export const clientDuplicates = sqliteTable(
  'client_duplicates',
  {
    clientId: integer('client_id')
      .notNull()
      .references(() => clients.id),
    otherClientId: integer('other_client_id')
      .notNull()
      .references(() => clients.id),
    leadId: integer('lead_id').references(() => leads.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.otherClientId] })],
);

/** Pairs an operator said are not duplicates (`low_id` < `high_id`), never suggested again. */
export const duplicateDismissals = sqliteTable(
  'duplicate_dismissals',
  {
    entity: text('entity', { enum: ['lead', 'client'] }).notNull(),
    lowId: integer('low_id').notNull(),
    highId: integer('high_id').notNull(),
    userId: integer('user_id').references(() => users.id),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.entity, t.lowId, t.highId] }),
    index('duplicate_dismissals_high').on(t.entity, t.highId),
  ],
);

/**
 * CSV imports: what was asked (mapping, duplicate mode, country) and how far it got, so an
 * interrupted import resumes after its last committed record.
 */
export const imports = sqliteTable('imports', {
  id: integer('id').primaryKey(),
  entity: text('entity', { enum: ['client', 'lead'] }).notNull(),
  /** The file's name as given, and a fingerprint (size and hash of its start) to resume it. */
  fileName: text('file_name').notNull(),
  fingerprint: text('fingerprint').notNull(),
  status: text('status', { enum: ['running', 'interrupted', 'done', 'failed'] }).notNull(),
  options: text('options', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  /** Records (after the header) committed so far. */
  position: integer('position').notNull().default(0),
  counts: text('counts', { mode: 'json' }).$type<Record<string, number>>().notNull(),
  userId: integer('user_id').references(() => users.id),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
});

/**
 * Merges of two leads or two clients: the merged-away record is kept (marked merged) and the
 * snapshot holds both records and what moved, so the merge can be undone exactly.
 */
export const merges = sqliteTable(
  'merges',
  {
    id: integer('id').primaryKey(),
    entity: text('entity', { enum: ['lead', 'client'] }).notNull(),
    survivorId: integer('survivor_id').notNull(),
    mergedId: integer('merged_id').notNull(),
    userId: integer('user_id').references(() => users.id),
    snapshot: text('snapshot', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    undoneAt: integer('undone_at', { mode: 'timestamp_ms' }),
    undoneBy: integer('undone_by').references(() => users.id),
  },
  (t) => [
    index('merges_survivor').on(t.entity, t.survivorId),
    index('merges_merged').on(t.entity, t.mergedId),
  ],
);

export const apiKeys = sqliteTable('api_keys', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'intake'] }).notNull(),
  /** The first characters of the key, shown in listings to tell keys apart. */
  prefix: text('prefix').notNull(),
  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  hash: text('hash').notNull().unique(),
  /** The user the key acts as: its permissions are that user's. */
  userId: integer('user_id').references(() => users.id),
  createdAt: createdAt(),
  lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
});

/**
 * Website widgets: web forms (channel kind `webform`) and callback widgets (kind `callback`).
 * Each is one channel (its default country, operator queue and active flag live there); the
 * definition holds the kind-specific settings, validated by the connector's own schema.
 */
export const forms = sqliteTable('forms', {
  id: integer('id').primaryKey(),
  channelId: integer('channel_id')
    .notNull()
    .unique()
    .references(() => channels.id),
  kind: text('kind', { enum: ['webform', 'callback'] }).notNull(),
  /** The public address: /f/<slug> or /cb/<slug>. */
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  definition: text('definition', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Website posts turned away as automated (honeypot, too fast, bad token), kept for review. */
export const formRejections = sqliteTable(
  'form_rejections',
  {
    id: integer('id').primaryKey(),
    formId: integer('form_id')
      .notNull()
      .references(() => forms.id),
    reason: text('reason').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The posted fields as JSON (files are never kept for a rejected post). */
    body: text('body').notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('form_rejections_form').on(t.formId, t.receivedAt)],
);

/** Files that came with a message; the content is in the blob store under DATA_DIR, by hash. */
export const attachments = sqliteTable(
  'attachments',
  {
    id: integer('id').primaryKey(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    /** SHA-256 of the content, hex: its name in the blob store. Null when it was not kept. */
    sha256: text('sha256'),
    /** Why the content was not kept (over the size limit, too many files). */
    skipped: text('skipped'),
  },
  (t) => [
    index('attachments_message').on(t.messageId),
    // Retention: is a blob still some attachment's?
    index('attachments_sha256')
      .on(t.sha256)
      .where(sql`${t.sha256} IS NOT NULL`),
  ],
);

/** Calls, meetings and tasks for operators, e.g. the call back a customer asked for. */
export const activities = sqliteTable(
  'activities',
  {
    id: integer('id').primaryKey(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    kind: text('kind', { enum: ['call', 'meeting', 'task'] }).notNull(),
    subject: text('subject').notNull(),
    dueAt: integer('due_at', { mode: 'timestamp_ms' }).notNull(),
    responsibleId: integer('responsible_id').references(() => users.id),
    status: text('status', { enum: ['open', 'done'] })
      .notNull()
      .default('open'),
    /** The identity the activity is about (a call's phone), so a repeat request finds it. */
    identityKey: text('identity_key'),
    /** The inbox row that asked for it. */
    inboxId: integer('inbox_id'),
    createdAt: createdAt(),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('activities_lead').on(t.leadId),
    index('activities_open_identity')
      .on(t.identityKey)
      .where(sql`${t.status} = 'open'`),
    index('activities_responsible').on(t.responsibleId, t.status, t.dueAt),
  ],
);

/**
 * Domain events (e.g. `callback.requested`) written in the same transaction as the change they
 * describe: a transactional outbox that integrations read with GET /api/v1/events?after=<id>.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey(),
    type: text('type').notNull(),
    leadId: integer('lead_id').references(() => leads.id),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** When the webhook dispatcher made its deliveries (null: not yet). */
    dispatchedAt: integer('dispatched_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('events_type').on(t.type, t.id),
    index('events_undispatched')
      .on(t.id)
      .where(sql`${t.dispatchedAt} IS NULL`),
    index('events_created').on(t.createdAt),
  ],
);

/**
 * Outbound webhook subscriptions (Standard Webhooks): a URL that hears of the events it names
 * (`lead.created`, `lead.*`, `*`), signed with its own secret.
 */
export const webhooks = sqliteTable('webhooks', {
  id: integer('id').primaryKey(),
  url: text('url').notNull(),
  description: text('description'),
  events: text('events', { mode: 'json' }).$type<string[]>().notNull(),
  /** The signing secret (`whsec_…`), sealed under SECRETS_KEY when one is set. */
  secret: text('secret').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull(),
  /** Why it was turned off by Leadwire (a 410, five days of failures); null when on or off by hand. */
  disabledReason: text('disabled_reason'),
  /** Events up to this id came before the subscription: it never hears of them. */
  afterEventId: integer('after_event_id').notNull(),
  /** Since when its deliveries keep failing (null: the last one got through). */
  failingSince: integer('failing_since', { mode: 'timestamp_ms' }),
  createdBy: integer('created_by').references(() => users.id),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** One event for one subscription: delivered at least once, with the same webhook-id each time. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey(),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'delivered', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due (pending only). */
    nextAt: integer('next_at', { mode: 'timestamp_ms' }),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event').on(t.webhookId, t.eventId),
    index('webhook_deliveries_due')
      .on(t.nextAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_of_event').on(t.eventId),
  ],
);

/** Every attempt of a delivery: what the receiver answered (its start), or why there was no answer. */
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: integer('id').primaryKey(),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    status: integer('status'),
    durationMs: integer('duration_ms').notNull(),
    answer: text('answer').notNull(),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.id)],
);

/** Deployment-wide values every process must agree on (e.g. the form-token signing key). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Per mailbox folder: how far the IMAP connector has recorded. Advanced with the inbox rows. */
export const emailCheckpoints = sqliteTable(
  'email_checkpoints',
  {
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    folder: text('folder').notNull(),
    uidValidity: integer('uid_validity').notNull(),
    /** The highest UID recorded in the inbox (0: none yet). */
    lastUid: integer('last_uid').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.folder] })],
);

/** Per Telegram bot in polling mode: the next update id to ask for, advanced with the inbox rows. */
export const telegramOffsets = sqliteTable('telegram_offsets', {
  channelId: integer('channel_id')
    .primaryKey()
    .references(() => channels.id),
  nextOffset: integer('next_offset').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/**
 * Whether a channel can answer an identity (a Telegram user who blocked the bot, or unblocked it
 * again). The row of an unblocked identity is kept with `reachable` true, so a block reported
 * late (Telegram redelivers out of order) never overrides the newer unblock: `changed_at` is
 * when the change happened at the source, and only a newer change replaces a row.
 */
export const channelBlocks = sqliteTable(
  'channel_blocks',
  {
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    identityKey: text('identity_key').notNull(),
    reason: text('reason').notNull(),
    reachable: integer('reachable', { mode: 'boolean' }).notNull().default(false),
    /** When the change happened at the source (the block, or the unblock when reachable). */
    blockedAt: integer('blocked_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.identityKey] })],
);

/**
 * One `leadwire inbox replay` run, so a run stopped half-way (Ctrl-C, a closed terminal, a crash)
 * resumes after the last inbox row it enqueued instead of starting again from the first.
 */
export const replays = sqliteTable('replays', {
  id: integer('id').primaryKey(),
  filter: text('filter', { mode: 'json' }).$type<ReplayFilter>().notNull(),
  /** Keyset cursor: every matching row with an id up to this one is enqueued (0: none yet). */
  lastInboxId: integer('last_inbox_id').notNull().default(0),
  /** Rows that matched when the run started. */
  total: integer('total').notNull(),
  doneCount: integer('done_count').notNull().default(0),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  /** Last saved progress: a run neither finished nor interrupted and long silent has crashed. */
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
  interruptedAt: integer('interrupted_at', { mode: 'timestamp_ms' }),
});

/**
 * Custom fields an installation defines per entity (core/custom-fields.ts): values live in the
 * records' `custom` column, checked against these definitions on every write.
 */
export const customFields = sqliteTable(
  'custom_fields',
  {
    id: integer('id').primaryKey(),
    entity: text('entity', { enum: ['lead', 'client', 'deal'] }).notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type').notNull(),
    required: integer('required', { mode: 'boolean' }).notNull().default(false),
    /** The choices of a list or multi-list field. */
    options: text('options', { mode: 'json' }).$type<string[]>().notNull().default([]),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [uniqueIndex('custom_fields_entity_key').on(t.entity, t.key)],
);
