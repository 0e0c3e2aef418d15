/** Command-line options of `npm run soak`; the defaults are the figures. */
import { parseArgs } from 'node:util';
import { positiveInteger } from '../bench/options.ts';

export interface SoakOptions {
  /** Requests per second, held whatever the server's pace (open model). */
  rate: number;
  /** How long the load lasts. */
  seconds: number;
  /** Seconds between two report lines. */
  interval: number;
  /** How long to wait after the load for the backlog to reach 0 before giving up. */
  drain: number;
  /** Keep-alive connections the load may open; requests beyond them wait their turn. */
  connections: number;
  /** Keep the temporary DATA_DIR (its path is printed) instead of removing it. */
  keep: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--rate N] [--seconds N] [--interval N] [--drain N]
                       [--connections N] [--keep]`;

export function readSoakOptions(args: string[] = process.argv.slice(2)): SoakOptions {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '500' },
      seconds: { type: 'string', default: '120' },
      interval: { type: 'string', default: '10' },
      drain: { type: 'string', default: '300' },
      connections: { type: 'string', default: '64' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    process.exit(0);
  }
  const whole = (name: keyof typeof values & string, text: string) =>
    positiveInteger(name, text, SOAK_USAGE);
  return {
    rate: whole('rate', values.rate),
    seconds: whole('seconds', values.seconds),
    interval: whole('interval', values.interval),
    drain: whole('drain', values.drain),
    connections: whole('connections', values.connections),
    keep: values.keep,
  };
}
