/**
 * An IngestPlan persisted in ONE statement: every write is a data-modifying CTE of a single
 * `WITH … UPDATE inbox`, so a message costs one round trip however much it changes. The lead a
 * plan creates is known to the other parts as `(SELECT id FROM lead)`.
 */
import type { IngestPlan } from '../../core/ingest-plan.ts';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { pgJson, pgText } from './text.ts';
import { deliveryEvent, deliveryRank } from '../../core/ingest-plan.ts';
import { DELIVERY_RANK_SQL as DELIVERY_RANK } from '../delivery-rank.ts';

const shapes = new Map<string, string>();
/** A short stable name for a statement's text (its parameters are not part of it). */
function shapeOf(text: string): string {
  let name = shapes.get(text);
  if (!name) {
    name = createHash('sha1').update(text).digest('hex').slice(0, 16);
    shapes.set(text, name);
  }
  return name;
}

class Statement {
  readonly params: unknown[] = [];
  readonly parts: string[] = [];

  /** A parameter placeholder with its type, e.g. `$3::bigint`. */
  param(value: unknown, type: string): string {
    this.params.push(type === 'text' && typeof value === 'string' ? pgText(value) : value);
    return `$${this.params.length}::${type}`;
  }

  with(name: string, query: string): void {
    this.parts.push(`${name} AS (${query})`);
  }
}

/** Runs the plan's writes; returns the id of the lead the inbox row now points at. */
export async function writePlan(client: pg.PoolClient, plan: IngestPlan): Promise<number | null> {
  const q = new Statement();
  const at = q.param(plan.at, 'timestamptz');
  let lead = 'NULL::bigint';
  if (plan.lead && 'create' in plan.lead) {
    const l = plan.lead.create;
    q.with(
      'lead',
      `INSERT INTO leads (type, stage, open, source, channel_id, client_id, responsible_id, title,
         name, company, fields, utm, custom, duplicate_of_lead_id, match_key, company_key, review,
         unassigned, created_at, updated_at)
       VALUES (${q.param(l.type, 'text')}, ${q.param(l.stage, 'text')}, true, ${q.param(l.source, 'text')},
         ${q.param(l.channelId, 'bigint')}, ${q.param(l.clientId, 'bigint')}, ${q.param(l.responsibleId, 'bigint')},
         ${q.param(l.title, 'text')}, ${q.param(l.name, 'text')}, ${q.param(l.company, 'text')},
         ${q.param(pgJson(l.fields), 'jsonb')}, ${q.param(pgJson(l.utm), 'jsonb')},
         ${q.param(pgJson(l.custom), 'jsonb')},
         ${q.param(l.duplicateOfLeadId, 'bigint')}, ${q.param(l.matchKey, 'text')},
         ${q.param(l.companyKey, 'text')}, ${q.param(l.review, 'text')},
         ${q.param(l.unassigned, 'text')}, ${at}, ${at})
       RETURNING id`,
    );
    lead = '(SELECT id FROM lead)';
  } else if (plan.lead) {
    lead = q.param(plan.lead.append, 'bigint');
    // Processing time, never a sender's clock.
    q.with('touch', `UPDATE leads SET updated_at = greatest(updated_at, ${at}) WHERE id = ${lead}`);
  } else if (plan.leadId !== null) {
    lead = q.param(plan.leadId, 'bigint');
  }
  if (plan.advanceQueue) {
    q.with(
      'advance',
      `UPDATE channels SET last_assigned_user_id = ${q.param(plan.advanceQueue.userId, 'bigint')}
       WHERE id = ${q.param(plan.advanceQueue.channelId, 'bigint')}`,
    );
  }
  const identities = (
    name: string,
    owner: string,
    ownerId: string,
    list: IngestPlan['leadIdentities'],
  ) =>
    q.with(
      name,
      `INSERT INTO identities (kind, key, raw, ${owner}, created_at)
       SELECT kind, key, raw, ${ownerId}, ${at}
       FROM unnest(${q.param(
         list.map((i) => i.kind),
         'text[]',
       )}, ${q.param(
         list.map((i) => i.key),
         'text[]',
       )},
                   ${q.param(
                     list.map((i) => i.raw),
                     'text[]',
                   )}) AS t(kind, key, raw)
       ON CONFLICT DO NOTHING`,
    );
  if (plan.lead && plan.leadIdentities.length)
    identities('lead_identities', 'lead_id', lead, plan.leadIdentities);
  if (plan.clientIdentities?.identities.length) {
    const { clientId, identities: list } = plan.clientIdentities;
    identities('client_identities', 'client_id', q.param(clientId, 'bigint'), list);
  }
  if (plan.clientDuplicates?.otherClientIds.length) {
    const { clientId, otherClientIds } = plan.clientDuplicates;
    q.with(
      'duplicates',
      `INSERT INTO client_duplicates (client_id, other_client_id, lead_id, created_at)
       SELECT ${q.param(clientId, 'bigint')}, other, ${lead}, ${at}
       FROM unnest(${q.param(otherClientIds, 'bigint[]')}) AS other ON CONFLICT DO NOTHING`,
    );
  }
  if (plan.message && plan.lead) {
    const m = plan.message;
    q.with(
      'message',
      `INSERT INTO messages (lead_id, channel_id, direction, external_id, inbox_id, sender, text,
         sent_at, meta, created_at)
       VALUES (${lead}, ${q.param(m.channelId, 'bigint')}, 'in', ${q.param(m.externalId, 'text')},
         ${q.param(m.inboxId, 'bigint')}, ${q.param(m.sender, 'text')}, ${q.param(m.text, 'text')},
         ${q.param(m.sentAt, 'timestamptz')}, ${q.param(pgJson(m.meta), 'jsonb')}, ${at})
       RETURNING id`,
    );
    const files = plan.attachments;
    if (files.length) {
      q.with(
        'files',
        `INSERT INTO attachments (message_id, filename, content_type, size, sha256, skipped)
         SELECT (SELECT id FROM message), filename, content_type, size, sha256, skipped
         FROM unnest(${q.param(
           files.map((f) => f.filename),
           'text[]',
         )},
                     ${q.param(
                       files.map((f) => f.contentType),
                       'text[]',
                     )},
                     ${q.param(
                       files.map((f) => f.size),
                       'bigint[]',
                     )},
                     ${q.param(
                       files.map((f) => f.sha256),
                       'text[]',
                     )},
                     ${q.param(
                       files.map((f) => f.skipped ?? null),
                       'text[]',
                     )})
           AS t(filename, content_type, size, sha256, skipped)`,
      );
    }
  }
  /** The outbox events the plan writes, in order: their type and payload as SQL. */
  const outbox: { type: string; payload: string }[] = [];
  if (plan.message && plan.lead) {
    for (const event of plan.events) {
      const ids =
        event.of === 'message'
          ? `'leadId', ${lead}, 'messageId', (SELECT id FROM message)`
          : `'leadId', ${lead}`;
      outbox.push({
        type: q.param(event.type, 'text'),
        payload: `jsonb_build_object(${ids}) || ${q.param(pgJson(event.details), 'jsonb')}`,
      });
    }
  }
  if (plan.callback && plan.lead) {
    const { activity, event } = plan.callback;
    if (activity.kind === 'create') {
      q.with(
        'call',
        `INSERT INTO activities (lead_id, kind, subject, due_at, responsible_id, status,
           identity_key, inbox_id, created_at)
         VALUES (${lead}, 'call', ${q.param(activity.subject, 'text')}, ${q.param(activity.dueAt, 'timestamptz')},
           ${q.param(activity.responsibleId, 'bigint')}, 'open', ${q.param(activity.identityKey, 'text')},
           ${q.param(plan.inboxId, 'bigint')}, ${at})
         RETURNING id`,
      );
    } else {
      q.with(
        'call',
        `UPDATE activities SET due_at = ${q.param(activity.dueAt, 'timestamptz')}
         WHERE id = ${q.param(activity.id, 'bigint')} RETURNING id`,
      );
    }
    outbox.push({
      type: q.param(event.type, 'text'),
      payload: `jsonb_build_object('leadId', ${lead}, 'activityId', (SELECT id FROM call))
        || ${q.param(pgJson(event.payload), 'jsonb')}`,
    });
  }
  if (outbox.length) {
    // One INSERT, its rows in the plan's order: the events' ids follow it.
    q.with(
      'outbox',
      `INSERT INTO events (type, lead_id, payload, created_at)
       SELECT e.type, ${lead}, e.payload, ${at}
       FROM (VALUES ${outbox.map((e, i) => `(${i}, ${e.type}, ${e.payload})`).join(', ')})
         AS e(ord, type, payload)
       ORDER BY e.ord`,
    );
  }
  const report = plan.delivery;
  if (report) {
    const error = q.param(report.error ?? null, 'text');
    q.with(
      'delivery',
      // A status only moves a reply forward, whatever order the channel reports them in.
      `UPDATE messages SET delivery = ${q.param(report.status, 'text')},
         meta = CASE WHEN ${error} IS NULL THEN meta ELSE meta || jsonb_build_object('deliveryError', ${error}) END
       WHERE external_id = ${q.param(report.of, 'text')} AND direction = 'out'
         AND ${DELIVERY_RANK} < ${q.param(deliveryRank(report), 'int')}
       RETURNING id, lead_id`,
    );
    // A report that moved a reply forward is an event; a late or repeated one is not.
    const { type, details } = deliveryEvent(report.status, report.error);
    q.with(
      'delivery_events',
      `INSERT INTO events (type, lead_id, payload, created_at)
       SELECT ${q.param(type, 'text')}, lead_id,
         jsonb_build_object('leadId', lead_id, 'messageId', id) || ${q.param(pgJson(details), 'jsonb')},
         ${at}
       FROM delivery`,
    );
  }
  const change = plan.reachability;
  if (change) {
    const changedAt = change.at ? q.param(change.at, 'timestamptz') : at;
    // Only a change newer than the one kept replaces it (Telegram redelivers out of order).
    q.with(
      'reach',
      `INSERT INTO channel_blocks (channel_id, identity_key, reason, reachable, blocked_at)
       VALUES (${q.param(change.channelId, 'bigint')}, ${q.param(change.identityKey, 'text')},
         ${q.param(change.reason, 'text')}, ${q.param(change.reachable, 'boolean')}, ${changedAt})
       ON CONFLICT (channel_id, identity_key) DO UPDATE SET reason = excluded.reason,
         reachable = excluded.reachable, blocked_at = excluded.blocked_at
       WHERE excluded.blocked_at >= channel_blocks.blocked_at`,
    );
  }
  const { status, outcome, reason } = plan.finish;
  const finish = `UPDATE inbox SET status = ${q.param(status, 'text')}, outcome = ${q.param(outcome, 'text')},
      reason = ${q.param(reason, 'text')}, lead_id = ${lead}, error = NULL, processed_at = ${at},
      attempts = attempts + 1
    WHERE id = ${q.param(plan.inboxId, 'bigint')} RETURNING lead_id`;
  const text = q.parts.length ? `WITH ${q.parts.join(',\n')}\n${finish}` : finish;
  // Named by its shape: the few shapes a plan takes are each planned once per connection.
  const result = await client.query<{ lead_id: number | null }>(
    { name: `ingest-write-${shapeOf(text)}`, text },
    q.params,
  );
  return result.rows[0]?.lead_id ?? null;
}
