/** pino JSON logs; readable when a person runs Leadwire in a terminal. Secrets are redacted. */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { scrubSecrets } from './scrub.ts';

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

export function createLogger(
  level: string,
  name = 'leadwire',
  destination?: NodeJS.WritableStream,
): Logger {
  const pretty = process.stdout.isTTY === true && !destination;
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Error texts can quote a URL with a secret in it (a bot token): scrubbed on every line.
    formatters: { log: (object) => scrubObject(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => scrubObject(arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

function scrubObject(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubSecrets(value.message),
      stack: scrubSecrets(value.stack ?? ''),
    };
  }
  if (Array.isArray(value)) return value.map((item) => scrubObject(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, scrubObject(item, depth + 1)]),
  );
}
