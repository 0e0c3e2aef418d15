/**
 * A refused send in the terms the outbound worker acts on: a rate limit waits, a message that can
 * never go out as it is (outside the 24-hour window, an unreachable number, a dead token) is
 * final and shown to the operator, anything transient (5xx, Graph's "try again") is retried.
 */
import { withServerAnswer, type ServerAnswer } from '../../core/channel.ts';
import { PermanentSendError, RateLimitedError } from '../../core/errors.ts';
import { describeError, WINDOW_CLOSED } from './errors.ts';
import type { GraphError } from './graph.ts';

/** Graph's throttling codes and how long to wait when it sends no Retry-After. */
const RATE_LIMITS: Record<number, number> = {
  4: 60, // application request limit
  613: 60, // calls exceeded the rate limit
  80007: 60, // WhatsApp Business Account rate limit
  130429: 2, // throughput (messages per second) reached
  131056: 10, // too many messages to the same customer
};
/** Errors Graph itself says to retry. */
const TRANSIENT = new Set([1, 2, 131000, 131016, 133004]);
/** The customer cannot get this message on WhatsApp (not a user, old app, not allowed). */
const RECIPIENT = new Set([131021, 131026, 131030, 131049, 131050, 130472]);

/**
 * A refused send in the worker's terms, carrying Graph's own answer (HTTP status, error code,
 * message and details) for the reply that fails for good.
 */
export function sendError(error: GraphError, channelId: number): Error {
  return withServerAnswer(classify(error, channelId), serverAnswer(error));
}

/** `(#131047) Re-engagement message: Message failed to send because …` as Graph said it. */
function serverAnswer(error: GraphError): ServerAnswer {
  const { body } = error;
  const said = body.message ?? body.title;
  const details = body.error_data?.details;
  const message = [said, details && details !== said ? details : undefined]
    .filter(Boolean)
    .join(': ');
  return {
    status: error.status,
    ...(body.code !== undefined ? { code: body.code } : {}),
    message: message || error.message,
  };
}

function classify(error: GraphError, channelId: number): Error {
  const { code, status } = error;
  const words = describeError(error.body);
  // Its words carry the hint: the operator has to send a template instead.
  if (code === WINDOW_CLOSED) return new PermanentSendError(words);
  const wait = code !== undefined ? RATE_LIMITS[code] : undefined;
  if (wait !== undefined || status === 429) {
    const seconds = error.retryAfterSeconds ?? wait ?? 30;
    return new RateLimitedError(seconds, `WhatsApp rate limit: ${words}; retry after ${seconds} s`);
  }
  if (code === 190 || status === 401) {
    return new PermanentSendError(
      `WhatsApp refused the access token (expired or revoked): set a new accessToken on channel ${channelId} (${words})`,
    );
  }
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    return new PermanentSendError(
      `the access token of channel ${channelId} may not send for this number: give accessToken a token with whatsapp_business_messaging permission (${words})`,
    );
  }
  if (code !== undefined && RECIPIENT.has(code))
    return new PermanentSendError(`WhatsApp cannot deliver to this customer: ${words}`);
  if (code !== undefined && code >= 132000 && code < 133000)
    return new PermanentSendError(`WhatsApp refused the template: ${words}`);
  if (status >= 500 || (code !== undefined && TRANSIENT.has(code))) return error;
  return new PermanentSendError(`WhatsApp refused the message: ${words}`);
}
