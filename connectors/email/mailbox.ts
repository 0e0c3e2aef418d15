/**
 * One IMAP session per mailbox: connect, catch up every watched folder, then IDLE on the first
 * folder so a new message is fetched within seconds; a periodic poll covers the other folders
 * and a silently dead IDLE. A dropped connection is retried with exponential backoff (1 s to
 * 60 s, with jitter); stop() waits for the sync in progress, so a checkpoint is never half-written.
 */
import { ImapFlow } from 'imapflow';
import type { Logger } from '../../core/runtime/logger.ts';
import type { Credentials } from '../../core/runtime/secrets.ts';
import { imapPassword, type EmailSettings } from './config.ts';
import { syncFolder, type SyncDeps } from './sync.ts';

export interface MailboxOptions extends SyncDeps {
  channelId: number;
  settings: EmailSettings;
  credentials: Credentials;
}

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

export function imapClient(settings: EmailSettings, credentials: Credentials): ImapFlow {
  return new ImapFlow({
    host: settings.imap.host,
    port: settings.imap.port,
    secure: settings.imap.secure,
    auth: { user: settings.imap.user, pass: imapPassword(settings, credentials) },
    logger: false,
    // IDLE starts one second after the last command, and is renewed every five minutes.
    autoIdleDelay: 1000,
    maxIdleTime: 5 * 60_000,
    connectionTimeout: 30_000,
  });
}

export class MailboxSession {
  private stopped = false;
  private client: ImapFlow | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private wake: (() => void) | undefined;
  private readonly log: Logger;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: MailboxOptions) {
    this.log = options.log.child({ channel: options.channelId });
  }

  start(): void {
    this.loop = this.run();
  }

  /** Connected and idling (for health reporting). */
  get connected(): boolean {
    return this.client?.usable === true;
  }

  private async run(): Promise<void> {
    let backoff = MIN_BACKOFF_MS;
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.serve();
      } catch (error) {
        this.log.warn({ err: (error as Error).message }, 'mailbox session failed');
      }
      if (this.stopped) break;
      // A session that lived a while resets the backoff; a failing login keeps growing it.
      if (Date.now() - started > MAX_BACKOFF_MS) backoff = MIN_BACKOFF_MS;
      const delay = backoff / 2 + Math.random() * (backoff / 2);
      this.log.info({ retryInMs: Math.round(delay) }, 'reconnecting to the mailbox');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, delay).unref();
      });
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  private async serve(): Promise<void> {
    const { settings } = this.options;
    const client = imapClient(settings, this.options.credentials);
    this.client = client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.on('error', (error: Error) =>
      this.log.warn({ err: error.message }, 'imap connection error'),
    );
    await client.connect();
    this.log.info({ host: settings.imap.host, folders: settings.folders }, 'mailbox connected');
    client.on('exists', () => this.requestSync());
    const poll = setInterval(() => this.requestSync(), settings.pollSeconds * 1000);
    try {
      this.requestSync();
      await closed;
    } finally {
      clearInterval(poll);
      await this.syncing;
      this.client = undefined;
    }
    if (!this.stopped) this.log.warn('mailbox connection closed');
  }

  /** Runs a sync now, or once more right after the one in progress. */
  requestSync(): void {
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = this.syncAll().finally(() => {
      this.syncing = undefined;
      if (this.dirty && !this.stopped) {
        this.dirty = false;
        this.requestSync();
      }
    });
  }

  private async syncAll(): Promise<void> {
    const client = this.client;
    if (!client?.usable) return;
    const { settings, channelId } = this.options;
    for (const folder of settings.folders) {
      if (this.stopped || !client.usable) return;
      // One folder failing (renamed, deleted) must not keep the others from being read.
      try {
        await syncFolder(client, this.options, { channelId, settings, folder });
      } catch (error) {
        this.log.warn(
          { err: (error as Error).message, folder },
          'folder sync failed; the next poll retries',
        );
      }
    }
    // Leave the first folder selected: IDLE watches the selected mailbox.
    const watched = settings.folders[0];
    if (watched && client.usable && (!client.mailbox || client.mailbox.path !== watched)) {
      await client
        .getMailboxLock(watched)
        .then((lock) => lock.release())
        .catch((error: Error) =>
          this.log.warn({ err: error.message, folder: watched }, 'cannot watch the folder'),
        );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.syncing;
    await this.client?.logout().catch(() => this.client?.close());
    await this.loop;
  }
}
