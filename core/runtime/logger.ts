/** pino JSON logs; readable when a person runs Leadwire in a terminal. Secrets are redacted. */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT = [
  'apiKey',
  'password',
  'token',
  'secret',
  'authorization',
  '*.apiKey',
  '*.password',
  '*.token',
  '*.secret',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(level: string, name = 'leadwire'): Logger {
  const pretty = process.stdout.isTTY === true;
  return pino({
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  });
}
