/**
 * What a message brings beside its text, persisted in the ingest transaction right after the
 * message: attachment metadata, the call activity a callback request asks for, and the
 * `callback.requested` event in the outbox. Kept apart from store.ts so the hot path stays small.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CallbackRequest, InboundMessage } from '../core/inbound.ts';

export class IngestExtras {
  private readonly insertAttachment: Statement;
  private readonly openCallFor: Statement<unknown[], { id: number; lead_id: number }>;
  private readonly leadResponsible: Statement<unknown[], { responsible_id: number | null }>;
  private readonly insertActivity: Statement<unknown[], { id: number }>;
  private readonly insertEvent: Statement;
  private readonly bringForward: Statement;
  private readonly block: Statement;
  private readonly unblock: Statement;

  constructor(client: Database) {
    this.insertAttachment = client.prepare(
      `INSERT INTO attachments (message_id, filename, content_type, size, sha256, skipped) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.openCallFor = client.prepare(
      `SELECT id, lead_id FROM activities WHERE identity_key = ? AND status = 'open' AND kind = 'call' LIMIT 1`,
    );
    this.leadResponsible = client.prepare(`SELECT responsible_id FROM leads WHERE id = ?`);
    this.insertActivity = client.prepare(
      `INSERT INTO activities (lead_id, kind, subject, due_at, responsible_id, status, identity_key, inbox_id, created_at)
       VALUES (?, 'call', ?, ?, ?, 'open', ?, ?, ?) RETURNING id`,
    );
    this.bringForward = client.prepare(
      `UPDATE activities SET due_at = min(due_at, ?) WHERE id = ?`,
    );
    this.block = client.prepare(
      `INSERT INTO channel_blocks (channel_id, identity_key, reason, blocked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (channel_id, identity_key) DO UPDATE SET reason = excluded.reason, blocked_at = excluded.blocked_at`,
    );
    this.unblock = client.prepare(
      `DELETE FROM channel_blocks WHERE channel_id = ? AND identity_key = ?`,
    );
    this.insertEvent = client.prepare(
      `INSERT INTO events (type, lead_id, payload, created_at) VALUES (?, ?, ?, ?)`,
    );
  }

  /** A sender who blocked (or unblocked) the channel: replies check this before sending. */
  applyReachability(channelId: number, message: InboundMessage, at: number): void {
    const change = message.reachability;
    if (!change) return;
    if (change.reachable) this.unblock.run(channelId, change.identityKey);
    else this.block.run(channelId, change.identityKey, change.reason, at);
  }

  apply(leadId: number, messageId: number, inboxId: number, message: InboundMessage, at: number) {
    for (const file of message.attachments ?? []) {
      this.insertAttachment.run(
        messageId,
        file.filename,
        file.contentType,
        file.size,
        file.sha256,
        file.skipped ?? null,
      );
    }
    if (message.callback) this.requestCallback(leadId, inboxId, message.callback, at);
  }

  /**
   * One open call per phone: a second request while the first call is still open only adds its
   * message to the lead. Every request is announced, so telephony sees repeated asks too.
   */
  private requestCallback(leadId: number, inboxId: number, callback: CallbackRequest, at: number) {
    const open = this.openCallFor.get(callback.identityKey);
    let activityId = open?.id;
    // A repeat request never pushes the call back, but brings it forward when it was promised sooner.
    if (open) this.bringForward.run(callback.dueAt.getTime(), open.id);
    if (!open) {
      const responsibleId = this.leadResponsible.get(leadId)?.responsible_id ?? null;
      activityId = this.insertActivity.get(
        leadId,
        `Call back ${callback.display}`,
        callback.dueAt.getTime(),
        responsibleId,
        callback.identityKey,
        inboxId,
        at,
      )?.id;
    }
    const payload = {
      leadId,
      activityId,
      repeated: open !== undefined,
      phone: callback.identityKey.slice('phone:'.length),
      dueAt: callback.dueAt.toISOString(),
      promise: callback.promise,
      widget: callback.widget,
      ...(callback.name ? { name: callback.name } : {}),
      ...(callback.comment ? { comment: callback.comment } : {}),
    };
    this.insertEvent.run('callback.requested', leadId, JSON.stringify(payload), at);
  }
}
