/** The SQL form of core's delivery order, for the statements that apply delivery reports. */
import { DELIVERY_PROGRESS } from '../core/ingest-plan.ts';

/**
 * How far a message's `delivery` has got, as a number (queued 0, sent 1, …; failed and
 * undelivered rank past every step, so nothing moves a reply out of them).
 */
export const DELIVERY_RANK_SQL = `CASE delivery ${DELIVERY_PROGRESS.map(
  (status, rank) => `WHEN '${status}' THEN ${rank}`,
).join(' ')} ELSE ${DELIVERY_PROGRESS.length} END`;
