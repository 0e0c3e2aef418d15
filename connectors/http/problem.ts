/** The one shape of an HTTP error answer: `{error, message, details?}`. */
import type { Response } from 'express';
import type { z } from 'zod';

export function problem(
  res: Response,
  status: number,
  error: string,
  message: string,
  details?: { path: string; message: string }[],
) {
  res.status(status).json({ error, message, ...(details?.length ? { details } : {}) });
}

export function invalidQuery(res: Response, error: z.ZodError, code = 'invalid_query') {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  problem(res, 400, code, 'the request is not valid', details);
}
