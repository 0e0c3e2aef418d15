/**
 * Spam defence bookkeeping. Every rejected post is counted (per form, reason and day, in Redis,
 * shared by all web processes) and logged; the ones a real person might have sent (honeypot,
 * token problems) are also stored in the database so an operator can rescue a false positive.
 * The daily cap never rejects: submissions past it are kept and flagged for review.
 */
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/runtime/logger.ts';
import { occasionalWarning, withinDeadline } from '../../core/runtime/redis-outage.ts';
import { redisScript } from '../../core/runtime/redis-script.ts';
import type { FormRepository, Widget } from '../../core/repositories/forms.ts';
import { HONEYPOT_FIELD, TOKEN_FIELD } from './page.ts';

export type RejectionReason =
  | 'honeypot'
  | 'bad_token'
  | 'too_fast'
  | 'expired'
  | 'rate_limited'
  | 'origin'
  | 'invalid'
  | 'too_large'
  | 'bad_body';

/** Reasons a person could be behind: the post is kept in form_rejections. */
const STORED: ReadonlySet<RejectionReason> = new Set([
  'honeypot',
  'bad_token',
  'too_fast',
  'expired',
]);
const STORED_BODY_LIMIT = 20_000;
const DAY_SECONDS = 86_400;

export interface GuardDeps {
  repos: { forms: Pick<FormRepository, 'recordRejection'> };
  redis: Redis;
  queuePrefix: string;
  log: Logger;
}

const day = (at: Date) => at.toISOString().slice(0, 10);

/**
 * One accepted submission counted: the day's counter is created with its expiry (so no
 * interruption can leave one without), then incremented; one command, not two, per post.
 */
const countAccepted = redisScript(`
redis.call("SET", KEYS[1], 0, "EX", ARGV[1], "NX")
return redis.call("INCR", KEYS[1])
`);

export class SiteGuard {
  /** During an outage every post misses its counters: one warning now and then, not one each. */
  private readonly notCounted: ReturnType<typeof occasionalWarning>;
  private readonly capNotChecked: ReturnType<typeof occasionalWarning>;

  constructor(private readonly deps: GuardDeps) {
    this.notCounted = occasionalWarning(deps.log, 'rejection not counted (Redis away)');
    this.capNotChecked = occasionalWarning(
      deps.log,
      'daily cap not checked (Redis away); submissions are accepted without a review note',
    );
  }

  private key(what: string, widgetId: number, at: Date) {
    return `${this.deps.queuePrefix}:forms:${what}:${widgetId}:${day(at)}`;
  }

  /** Counts, logs and (when a person could be behind it) keeps a rejected post; never throws. */
  async reject(
    widget: Widget,
    reason: RejectionReason,
    req: Request,
    at: Date,
    fields?: Record<string, string>,
  ): Promise<void> {
    const { log, redis, repos } = this.deps;
    log.warn(
      { channel: widget.kind, formId: widget.id, slug: widget.slug, reason, ip: req.ip },
      'website post rejected',
    );
    const counter = this.key('rejections', widget.id, at);
    withinDeadline(redis, () =>
      redis
        .multi()
        .hincrby(counter, reason, 1)
        .expire(counter, 35 * DAY_SECONDS)
        .exec(),
    ).catch((error: unknown) => this.notCounted(error, { formId: widget.id }));
    if (!STORED.has(reason) || !fields) return;
    const { [TOKEN_FIELD]: _token, ...kept } = fields;
    // Kept for review: the post is turned away whether or not this is stored.
    await repos.forms
      .recordRejection({
        formId: widget.id,
        reason,
        ip: req.ip ?? null,
        userAgent: req.get('user-agent')?.slice(0, 500) ?? null,
        body: JSON.stringify({ ...kept, [HONEYPOT_FIELD]: fields[HONEYPOT_FIELD] }).slice(
          0,
          STORED_BODY_LIMIT,
        ),
        receivedAt: at,
      })
      .catch((error: unknown) =>
        log.warn({ err: error, formId: widget.id }, 'rejected post not stored for review'),
      );
  }

  /** Today's rejections of one form by reason (UTC day); rejects when Redis does not answer. */
  async rejectionsOn(widgetId: number, at: Date): Promise<Record<string, number>> {
    const { redis } = this.deps;
    const counts = await withinDeadline(redis, () =>
      redis.hgetall(this.key('rejections', widgetId, at)),
    );
    return Object.fromEntries(Object.entries(counts).map(([reason, n]) => [reason, Number(n)]));
  }

  /**
   * Counts an accepted submission; past the form's daily cap it returns the review note.
   * Redis away: no note (the submission matters more than the count).
   */
  async overDailyCap(widget: Widget, cap: number, at: Date): Promise<string | undefined> {
    const counter = this.key('accepted', widget.id, at);
    try {
      const { redis } = this.deps;
      const count = (await withinDeadline(redis, () =>
        countAccepted(redis, [counter], [2 * DAY_SECONDS]),
      )) as number;
      if (count <= cap) return undefined;
      // Logged when the cap is crossed and every 100 submissions after, not for each one.
      if ((count - cap - 1) % 100 === 0)
        this.deps.log.warn(
          { channel: widget.kind, formId: widget.id, slug: widget.slug, count, cap },
          'form over its daily cap: submission kept and flagged for review',
        );
      return `submission ${count} today, over the form's daily cap of ${cap}`;
    } catch (error) {
      this.capNotChecked(error, { formId: widget.id });
      return undefined;
    }
  }
}
