/**
 * The PostgreSQL schema: db/sqlite/schema.ts table for table and column for column, with the same
 * names in TypeScript (so `db copy` moves rows across as they are), in PostgreSQL's own types:
 * bigint identities, timestamptz, boolean, jsonb. Migrations in db/postgres/migrations are
 * generated from this file by `npm run db:generate` and committed.
 */
import { sql } from 'drizzle-orm';
import { CHANNEL_KINDS } from '../../core/inbound.ts';
import type { ReplayFilter } from '../../core/repositories/inbox.ts';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Every whole number is a bigint read as a JS number (ids, UIDs and update ids outgrow int4). */
const integer = (name: string) => bigint(name, { mode: 'number' });
const id = () => integer('id').primaryKey().generatedByDefaultAsIdentity();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
const createdAt = () => at('created_at').notNull().defaultNow();

/** Departments form a tree; "department" scope means a user's department and everything under it. */
export const departments = pgTable('departments', {
  id: id(),
  name: text('name').notNull().unique(),
  parentId: integer('parent_id'),
  headId: integer('head_id'),
});

export const users = pgTable('users', {
  id: id(),
  name: text('name').notNull(),
  /** Lower-cased: the sign-in name. */
  email: text('email').notNull().unique(),
  /** argon2id (PHC string); null until a password is set (the user cannot sign in yet). */
  passwordHash: text('password_hash'),
  departmentId: integer('department_id').references(() => departments.id),
  active: boolean('active').notNull().default(true),
  timeZone: text('time_zone').notNull().default('UTC'),
  language: text('language').notNull().default('en'),
  /** Most open leads the user takes automatically (null: no limit). */
  capacity: integer('capacity'),
  createdAt: createdAt(),
});

/** A role grants, per entity and action, a scope (core/permissions.ts); `manage` is administration. */
export const roles = pgTable('roles', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  grants: jsonb('grants').$type<Record<string, Record<string, string>>>().notNull(),
  manage: boolean('manage').notNull().default(false),
});

export const userRoles = pgTable(
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
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull(),
    /** Moved on at most once a minute by requests; idle expiry counts from it. */
    seenAt: at('seen_at').notNull(),
    /** Absolute expiry: the session ends then however busy it is. */
    expiresAt: at('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const channels = pgTable('channels', {
  id: id(),
  kind: text('kind', { enum: CHANNEL_KINDS }).notNull(),
  name: text('name').notNull(),
  /** Channel-specific settings as JSON (never secrets in plain text). */
  config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
  defaultCountry: text('default_country'),
  appendScope: text('append_scope', { enum: ['any', 'same-channel'] })
    .notNull()
    .default('any'),
  /** Round-robin cursor of the operator queue; advanced inside the ingest transaction. */
  lastAssignedUserId: integer('last_assigned_user_id').references(() => users.id),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
});

/** A channel's operator queue: who new leads from it go to, in turn. */
export const channelOperators = pgTable(
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

export const stages = pgTable('stages', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
  semantics: text('semantics', { enum: ['process', 'success', 'failure'] }).notNull(),
});

/** Deals move through stages of their own, with the same fixed semantics as lead stages. */
export const dealStages = pgTable('deal_stages', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
  semantics: text('semantics', { enum: ['process', 'success', 'failure'] }).notNull(),
});

/** Why a lead was not useful: the list operators pick from when they mark a lead as junk. */
export const junkReasons = pgTable('junk_reasons', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  sort: integer('sort').notNull(),
});

export const clients = pgTable(
  'clients',
  {
    id: id(),
    kind: text('kind', { enum: ['contact', 'company'] })
      .notNull()
      .default('contact'),
    name: text('name'),
    company: text('company'),
    /** A contact's company (a client of kind `company`). */
    companyId: integer('company_id'),
    custom: jsonb('custom').$type<Record<string, unknown>>().notNull().default({}),
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
    updatedAt: at('updated_at'),
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

export const leads = pgTable(
  'leads',
  {
    id: id(),
    type: text('type', { enum: ['simple', 'repeat'] }).notNull(),
    stage: text('stage')
      .notNull()
      .references(() => stages.code),
    /** Denormalised from the stage's semantics so "open leads of X" is one index lookup. */
    open: boolean('open').notNull().default(true),
    source: text('source').notNull(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    clientId: integer('client_id').references(() => clients.id),
    responsibleId: integer('responsible_id').references(() => users.id),
    title: text('title').notNull(),
    name: text('name'),
    company: text('company'),
    fields: jsonb('fields').$type<Record<string, string>>().notNull().default({}),
    utm: jsonb('utm').$type<Record<string, string>>().notNull().default({}),
    /** Values of the custom fields defined for leads. */
    custom: jsonb('custom').$type<Record<string, unknown>>().notNull().default({}),
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
    updatedAt: at('updated_at').notNull(),
    closedAt: at('closed_at'),
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
export const deals = pgTable(
  'deals',
  {
    id: id(),
    title: text('title').notNull(),
    amount: doublePrecision('amount'),
    currency: text('currency'),
    stage: text('stage')
      .notNull()
      .references(() => dealStages.code),
    open: boolean('open').notNull().default(true),
    clientId: integer('client_id').references(() => clients.id),
    responsibleId: integer('responsible_id').references(() => users.id),
    leadId: integer('lead_id').references(() => leads.id),
    custom: jsonb('custom').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: at('updated_at').notNull(),
    closedAt: at('closed_at'),
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
export const timeline = pgTable(
  'timeline',
  {
    id: id(),
    entity: text('entity', { enum: ['lead', 'client', 'deal'] }).notNull(),
    entityId: integer('entity_id').notNull(),
    /** Null: the system (ingest, automatic assignment). */
    userId: integer('user_id').references(() => users.id),
    action: text('action').notNull(),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    at: at('at').notNull(),
  },
  (t) => [index('timeline_entity').on(t.entity, t.entityId, t.id)],
);

/** Operators' internal comments on a lead: never sent to the customer. */
export const notes = pgTable(
  'notes',
  {
    id: id(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    authorId: integer('author_id').references(() => users.id),
    text: text('text').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('notes_lead').on(t.leadId, t.id)],
);

/** When each operator last opened each lead: the list marks a lead changed since as unread. */
export const leadReads = pgTable(
  'lead_reads',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    readAt: at('read_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.leadId] })],
);

/** An operator's saved lead filters: a name and the list's query string. */
export const savedFilters = pgTable(
  'saved_filters',
  {
    id: id(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    query: text('query').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [uniqueIndex('saved_filters_user_name').on(t.userId, t.name)],
);

/** Email addresses, phones and Telegram ids of a client or of a lead without a client. */
export const identities = pgTable(
  'identities',
  {
    id: id(),
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
      .on(sql`(split_part(${t.key}, '@', 2))`)
      .where(sql`${t.kind} = 'email'`),
  ],
);

export const messages = pgTable(
  'messages',
  {
    id: id(),
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
    sentAt: at('sent_at').notNull(),
    /** What came with the message beside its text: form fields, UTM, values that were not identities. */
    meta: jsonb('meta').$type<Record<string, unknown>>().notNull().default({}),
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
export const inbox = pgTable(
  'inbox',
  {
    id: id(),
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
    receivedAt: at('received_at').notNull(),
    processedAt: at('processed_at'),
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
    index('inbox_raw_blob')
      .on(sql`(substring(${t.raw} from '"blob":"([0-9a-f]{64})"'))`)
      .where(sql`(substring(${t.raw} from '"blob":"([0-9a-f]{64})"')) IS NOT NULL`),
    index('inbox_raw_files')
      .on(t.id)
      .where(sql`strpos(${t.raw}, '"files":[{') > 0`),
  ],
);

/** Two clients one message pointed at: a human decides whether they are one. */
export const clientDuplicates = pgTable(
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
export const duplicateDismissals = pgTable(
  'duplicate_dismissals',
  {
    entity: text('entity', { enum: ['lead', 'client'] }).notNull(),
    lowId: integer('low_id').notNull(),
    highId: integer('high_id').notNull(),
    userId: integer('user_id').references(() => users.id),
    createdAt: at('created_at').notNull(),
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
export const imports = pgTable('imports', {
  id: id(),
  entity: text('entity', { enum: ['client', 'lead'] }).notNull(),
  /** The file's name as given, and a fingerprint (size and hash of its start) to resume it. */
  fileName: text('file_name').notNull(),
  fingerprint: text('fingerprint').notNull(),
  status: text('status', { enum: ['running', 'interrupted', 'done', 'failed'] }).notNull(),
  options: jsonb('options').$type<Record<string, unknown>>().notNull(),
  /** Records (after the header) committed so far. */
  position: integer('position').notNull().default(0),
  counts: jsonb('counts').$type<Record<string, number>>().notNull(),
  userId: integer('user_id').references(() => users.id),
  startedAt: at('started_at').notNull(),
  updatedAt: at('updated_at').notNull(),
  finishedAt: at('finished_at'),
});

/**
 * Merges of two leads or two clients: the merged-away record is kept (marked merged) and the
 * snapshot holds both records and what moved, so the merge can be undone exactly.
 */
export const merges = pgTable(
  'merges',
  {
    id: id(),
    entity: text('entity', { enum: ['lead', 'client'] }).notNull(),
    survivorId: integer('survivor_id').notNull(),
    mergedId: integer('merged_id').notNull(),
    userId: integer('user_id').references(() => users.id),
    snapshot: jsonb('snapshot').$type<Record<string, unknown>>().notNull(),
    createdAt: at('created_at').notNull(),
    undoneAt: at('undone_at'),
    undoneBy: integer('undone_by').references(() => users.id),
  },
  (t) => [
    index('merges_survivor').on(t.entity, t.survivorId),
    index('merges_merged').on(t.entity, t.mergedId),
  ],
);

export const apiKeys = pgTable('api_keys', {
  id: id(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'operator', 'intake'] }).notNull(),
  /** The first characters of the key, shown in listings to tell keys apart. */
  prefix: text('prefix').notNull(),
  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  hash: text('hash').notNull().unique(),
  /** The user the key acts as: its permissions are that user's. */
  userId: integer('user_id').references(() => users.id),
  createdAt: createdAt(),
  lastUsedAt: at('last_used_at'),
  revokedAt: at('revoked_at'),
});

/**
 * Website widgets: web forms (channel kind `webform`) and callback widgets (kind `callback`).
 * Each is one channel (its default country, operator queue and active flag live there); the
 * definition holds the kind-specific settings, validated by the connector's own schema.
 */
export const forms = pgTable('forms', {
  id: id(),
  channelId: integer('channel_id')
    .notNull()
    .unique()
    .references(() => channels.id),
  kind: text('kind', { enum: ['webform', 'callback'] }).notNull(),
  /** The public address: /f/<slug> or /cb/<slug>. */
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  updatedAt: at('updated_at').notNull(),
});

/** Website posts turned away as automated (honeypot, too fast, bad token), kept for review. */
export const formRejections = pgTable(
  'form_rejections',
  {
    id: id(),
    formId: integer('form_id')
      .notNull()
      .references(() => forms.id),
    reason: text('reason').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** The posted fields as JSON (files are never kept for a rejected post). */
    body: text('body').notNull(),
    receivedAt: at('received_at').notNull(),
  },
  (t) => [index('form_rejections_form').on(t.formId, t.receivedAt)],
);

/** Files that came with a message; the content is in the blob store under DATA_DIR, by hash. */
export const attachments = pgTable(
  'attachments',
  {
    id: id(),
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
export const activities = pgTable(
  'activities',
  {
    id: id(),
    leadId: integer('lead_id')
      .notNull()
      .references(() => leads.id),
    kind: text('kind', { enum: ['call', 'meeting', 'task'] }).notNull(),
    subject: text('subject').notNull(),
    dueAt: at('due_at').notNull(),
    responsibleId: integer('responsible_id').references(() => users.id),
    status: text('status', { enum: ['open', 'done'] })
      .notNull()
      .default('open'),
    /** The identity the activity is about (a call's phone), so a repeat request finds it. */
    identityKey: text('identity_key'),
    /** The inbox row that asked for it. */
    inboxId: integer('inbox_id'),
    createdAt: createdAt(),
    completedAt: at('completed_at'),
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
export const events = pgTable(
  'events',
  {
    id: id(),
    type: text('type').notNull(),
    leadId: integer('lead_id').references(() => leads.id),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: at('created_at').notNull(),
    /** When the webhook dispatcher made its deliveries (null: not yet). */
    dispatchedAt: at('dispatched_at'),
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
export const webhooks = pgTable('webhooks', {
  id: id(),
  url: text('url').notNull(),
  description: text('description'),
  events: jsonb('events').$type<string[]>().notNull(),
  /** The signing secret (`whsec_…`), sealed under SECRETS_KEY when one is set. */
  secret: text('secret').notNull(),
  active: boolean('active').notNull(),
  /** Why it was turned off by Leadwire (a 410, five days of failures); null when on or off by hand. */
  disabledReason: text('disabled_reason'),
  /** Events up to this id came before the subscription: it never hears of them. */
  afterEventId: integer('after_event_id').notNull(),
  /** Since when its deliveries keep failing (null: the last one got through). */
  failingSince: at('failing_since'),
  createdBy: integer('created_by').references(() => users.id),
  createdAt: at('created_at').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/** One event for one subscription: delivered at least once, with the same webhook-id each time. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    webhookId: integer('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: integer('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['pending', 'delivered', 'failed', 'cancelled'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due (pending only). */
    nextAt: at('next_at'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: at('delivered_at'),
    createdAt: at('created_at').notNull(),
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
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: id(),
    deliveryId: integer('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    at: at('at').notNull(),
    status: integer('status'),
    durationMs: integer('duration_ms').notNull(),
    answer: text('answer').notNull(),
    error: text('error'),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.id)],
);

/** Deployment-wide values every process must agree on (e.g. the form-token signing key). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Per mailbox folder: how far the IMAP connector has recorded. Advanced with the inbox rows. */
export const emailCheckpoints = pgTable(
  'email_checkpoints',
  {
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    folder: text('folder').notNull(),
    uidValidity: integer('uid_validity').notNull(),
    /** The highest UID recorded in the inbox (0: none yet). */
    lastUid: integer('last_uid').notNull(),
    updatedAt: at('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.folder] })],
);

/** Per Telegram bot in polling mode: the next update id to ask for, advanced with the inbox rows. */
export const telegramOffsets = pgTable('telegram_offsets', {
  channelId: integer('channel_id')
    .primaryKey()
    .references(() => channels.id),
  nextOffset: integer('next_offset').notNull(),
  updatedAt: at('updated_at').notNull(),
});

/**
 * Whether a channel can answer an identity (a Telegram user who blocked the bot, or unblocked it
 * again). The row of an unblocked identity is kept with `reachable` true, so a block reported
 * late (Telegram redelivers out of order) never overrides the newer unblock: `changed_at` is
 * when the change happened at the source, and only a newer change replaces a row.
 */
export const channelBlocks = pgTable(
  'channel_blocks',
  {
    channelId: integer('channel_id')
      .notNull()
      .references(() => channels.id),
    identityKey: text('identity_key').notNull(),
    reason: text('reason').notNull(),
    reachable: boolean('reachable').notNull().default(false),
    /** When the change happened at the source (the block, or the unblock when reachable). */
    blockedAt: at('blocked_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.identityKey] })],
);

/**
 * One `leadwire inbox replay` run, so a run stopped half-way (Ctrl-C, a closed terminal, a crash)
 * resumes after the last inbox row it enqueued instead of starting again from the first.
 */
export const replays = pgTable('replays', {
  id: id(),
  filter: jsonb('filter').$type<ReplayFilter>().notNull(),
  /** Keyset cursor: every matching row with an id up to this one is enqueued (0: none yet). */
  lastInboxId: integer('last_inbox_id').notNull().default(0),
  /** Rows that matched when the run started. */
  total: integer('total').notNull(),
  doneCount: integer('done_count').notNull().default(0),
  startedAt: at('started_at').notNull(),
  /** Last saved progress: a run neither finished nor interrupted and long silent has crashed. */
  updatedAt: at('updated_at').notNull(),
  finishedAt: at('finished_at'),
  interruptedAt: at('interrupted_at'),
});

/** Binary data (node-postgres reads and writes it as a Buffer). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * Blobs (emails, attachments, uploads) when they live in the database, so every machine reads
 * them: a blob's content is the rows of its upload in `blob_chunks`, in `seq` order. Content is
 * written chunk by chunk under an upload id and named (a `blobs` row) only once complete, so a
 * half-written upload is never read; the same content stored twice keeps the first upload.
 */
export const blobs = pgTable('blobs', {
  sha256: text('sha256').primaryKey(),
  uploadId: integer('upload_id').notNull().unique(),
  size: integer('size').notNull(),
  /** When the content was last stored (storing it again renews it): retention's grace starts here. */
  createdAt: createdAt(),
});

export const blobChunks = pgTable(
  'blob_chunks',
  {
    uploadId: integer('upload_id').notNull(),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
    /** Chunks of an upload that never got its `blobs` row (a crash, a discarded post) are swept by age. */
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.seq] })],
);

/**
 * Custom fields an installation defines per entity (core/custom-fields.ts): values live in the
 * records' `custom` column, checked against these definitions on every write.
 */
export const customFields = pgTable(
  'custom_fields',
  {
    id: id(),
    entity: text('entity', { enum: ['lead', 'client', 'deal'] }).notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type').notNull(),
    required: boolean('required').notNull().default(false),
    /** The choices of a list or multi-list field. */
    options: jsonb('options').$type<string[]>().notNull().default([]),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [uniqueIndex('custom_fields_entity_key').on(t.entity, t.key)],
);
