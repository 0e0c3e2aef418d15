/**
 * The app's last handler: what reaches it is answered in the API's error shape (or, for a
 * person on a page, a plain page), and only what nobody foresaw is logged as a failure.
 */
import type { ErrorRequestHandler } from 'express';
import { StoreUnavailableError } from '../../core/errors.ts';
import type { Logger } from '../../core/runtime/logger.ts';
import { occasionalWarning } from '../../core/runtime/redis-outage.ts';
import { messagePage } from '../site/page.ts';
import { problem } from './problem.ts';

export function errorAnswers(log: Logger): ErrorRequestHandler {
  const unavailable = occasionalWarning(log, 'database unavailable: answering 503');
  return (error: { type?: string; status?: number; message?: string }, req, res, _next) => {
    if (error.type === 'entity.too.large')
      return problem(res, 413, 'too_large', 'the body is over 1 MB');
    if (error.type === 'entity.parse.failed')
      return problem(res, 400, 'invalid_json', 'the body is not valid JSON');
    if (error.status && error.status >= 400 && error.status < 500) {
      return problem(res, error.status, 'bad_request', error.message ?? 'bad request');
    }
    if (error instanceof StoreUnavailableError) {
      unavailable(error, { method: req.method, path: req.path });
      res.set('Retry-After', '5');
      if (req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/')) {
        res.status(503).type('html');
        res.send(
          messagePage(
            'Please try again',
            'We could not take this right now. Nothing was sent; please try again in a minute.',
          ),
        );
        return;
      }
      return problem(
        res,
        503,
        'unavailable',
        'the database is not answering right now; retry in a few seconds (with the same Idempotency-Key)',
      );
    }
    log.error({ err: error, method: req.method, path: req.path }, 'request failed');
    problem(
      res,
      500,
      'internal',
      'something went wrong on our side; the request can be retried safely with the same Idempotency-Key',
    );
  };
}
