/** JSON answers, and the one shape of an HTTP error answer: `{error, message, details?}`. */
import type { Response } from 'express';
import type { z } from 'zod';

/**
 * Answers `body` as JSON, as res.json would, but without its ETag (a hash of every answer, of no
 * use on a post's) and with the body handed to Node as a string, which Node joins to the headers
 * and measures for Content-Length itself (res.json makes it a Buffer first, for the ETag).
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

export function problem(
  res: Response,
  status: number,
  error: string,
  message: string,
  details?: { path: string; message: string }[],
) {
  sendJson(res, status, { error, message, ...(details?.length ? { details } : {}) });
}

export function invalidQuery(res: Response, error: z.ZodError, code = 'invalid_query') {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  problem(res, 400, code, 'the request is not valid', details);
}
