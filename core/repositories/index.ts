/**
 * Every repository of the store, one per aggregate. The process entry point opens the store
 * (SQLite or PostgreSQL, db/open.ts) and hands these to routes, workers, connectors and the CLI:
 * nothing outside db/ touches the database. Every method returns a promise, so both stores fit.
 */
import type { ActivityRepository } from './activities.ts';
import type { AttachmentRepository } from './attachments.ts';
import type { BlobStore } from './blobs.ts';
import type { ChannelRepository } from './channels.ts';
import type { CheckpointRepository } from './checkpoints.ts';
import type { ClientRepository } from './clients.ts';
import type { CustomFieldRepository } from './custom-fields.ts';
import type { DealRepository } from './deals.ts';
import type { DuplicateRepository } from './duplicates.ts';
import type { EventRepository } from './events.ts';
import type { WebhookRepository } from './webhooks.ts';
import type { FormRepository } from './forms.ts';
import type { ImportRepository } from './imports.ts';
import type { InboxRepository } from './inbox.ts';
import type { IngestRepository } from './ingest.ts';
import type { LeadRepository } from './leads.ts';
import type { MergeRepository } from './merges.ts';
import type { ReplayRepository } from './replays.ts';
import type { SettingRepository } from './settings.ts';
import type { StageRepository } from './stages.ts';
import type { UserRepository } from './users.ts';

export interface Repositories {
  inbox: InboxRepository;
  ingest: IngestRepository;
  leads: LeadRepository;
  merges: MergeRepository;
  clients: ClientRepository;
  deals: DealRepository;
  duplicates: DuplicateRepository;
  customFields: CustomFieldRepository;
  channels: ChannelRepository;
  forms: FormRepository;
  imports: ImportRepository;
  activities: ActivityRepository;
  events: EventRepository;
  webhooks: WebhookRepository;
  attachments: AttachmentRepository;
  users: UserRepository;
  settings: SettingRepository;
  stages: StageRepository;
  checkpoints: CheckpointRepository;
  replays: ReplayRepository;
}

/** The repositories' names, for code that treats them all alike (the store's error guard). */
export const REPOSITORY_NAMES = [
  'inbox',
  'ingest',
  'leads',
  'merges',
  'clients',
  'deals',
  'duplicates',
  'customFields',
  'channels',
  'forms',
  'imports',
  'activities',
  'events',
  'webhooks',
  'attachments',
  'users',
  'settings',
  'stages',
  'checkpoints',
  'replays',
] as const satisfies readonly (keyof Repositories)[];

export type StoreKind = 'sqlite' | 'postgres';

/** An open store: its repositories, its blob store, and what a process needs to run it. */
export interface Store extends Repositories {
  readonly kind: StoreKind;
  readonly blobs: BlobStore;
  /** Resolves when the database answers a query (/readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type * from './activities.ts';
export type * from './attachments.ts';
export type * from './blobs.ts';
export type * from './channels.ts';
export type * from './checkpoints.ts';
export type * from './clients.ts';
export type * from './custom-fields.ts';
export type * from './deals.ts';
export type * from './duplicates.ts';
export type * from './events.ts';
export type * from './webhooks.ts';
export type * from './forms.ts';
export type * from './imports.ts';
export type * from './inbox.ts';
export type * from './ingest.ts';
export type * from './leads.ts';
export type * from './merges.ts';
export type * from './replays.ts';
export type * from './settings.ts';
export type * from './stages.ts';
export type * from './timeline.ts';
export type * from './users.ts';
