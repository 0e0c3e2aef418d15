/**
 * `npm run bench -- [mode] [options]` (`npm run soak` is the `soak` mode): one path of Leadwire
 * measured beside its limit in the same run, so a figure means the same on a busy or an idle
 * machine. Progress goes to stderr; the figures to stdout, ending with one
 * `bench: mode=<mode> <figure>=… limit=… ratio=…` line. A run removes what it made however it ends.
 */
import { randomBytes } from 'node:crypto';
import { ensureBuilt } from './build.mjs';
import { readOptions, usage, UserError, type Mode, type Run } from './bench/context.ts';
import { consoleMode } from './bench/console.ts';
import { emailMode } from './bench/email.ts';
import { formsMode, intakeMode, telegramMode } from './bench/endpoints.ts';
import { importMode } from './bench/import.ts';
import { ingestMode } from './bench/ingest.ts';
import { searchMode } from './bench/search.ts';
import { soakMode } from './bench/soak.ts';
import { webhooksMode } from './bench/webhooks.ts';
import { createWorkspace, startOrphanGuard } from './bench/workspace.ts';

const MODES: Record<string, Mode> = {
  ingest: ingestMode,
  forms: formsMode,
  telegram: telegramMode,
  intake: intakeMode,
  email: emailMode,
  search: searchMode,
  console: consoleMode,
  import: importMode,
  webhooks: webhooksMode,
  soak: soakMode,
};

const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const interrupt = new AbortController();
const closers: (() => unknown)[] = [];

async function closeAll(): Promise<void> {
  for (let close = closers.pop(); close; close = closers.pop()) {
    try {
      await close();
    } catch (error) {
      progress(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

process.on('SIGINT', () => {
  if (interrupt.signal.aborted) return progress('interrupted again: still cleaning up');
  progress('interrupted: stopping the load, then cleaning up');
  interrupt.abort();
});
process.on('SIGTERM', () => interrupt.abort());

const args = process.argv.slice(2);
const named = args[0] !== undefined && !args[0].startsWith('-');
const name = named ? (args.shift() as string) : 'ingest';
const mode = MODES[name];
const everyUsage = () =>
  `usage:\n${Object.entries(MODES)
    .map(([key, each]) => `  ${usage(key, each)}`)
    .join('\n')}\n`;

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(named && mode ? `usage: ${usage(name, mode)}\n` : everyUsage());
  process.exit(0);
}

const guard = startOrphanGuard();
closers.push(() => guard.end());
const run: Run = {
  id: randomBytes(4).toString('hex'),
  progress,
  signal: interrupt.signal,
  defer: (close) => closers.push(close),
  guard,
};
try {
  if (!mode) throw new UserError(`there is no "${name}" mode\n${everyUsage()}`);
  const options = readOptions(name, mode, args);
  // The roles run compiled JavaScript as the Procfile says: built once here, not by each process.
  await ensureBuilt();
  const workspace = await createWorkspace(run, options, mode.durability);
  const result = await mode.run(run, options, workspace);
  await closeAll();
  const [figure, value] = result.figure;
  const more = Object.entries({ ...result.more, store: options.store }).map(
    ([key, text]) => ` ${key}=${String(text)}`,
  );
  const ratio = result.limit > 0 ? (value / result.limit).toFixed(3) : 'n/a';
  process.stdout.write(
    `${result.lines.join('\n')}\n` +
      `bench: mode=${name} ${figure}=${round(value)} limit=${round(result.limit)} ratio=${ratio}${more.join('')}\n`,
  );
  process.exitCode = result.failed ? 1 : 0;
} catch (error) {
  await closeAll();
  if (interrupt.signal.aborted) progress('interrupted: cleaned up');
  else if (error instanceof UserError) progress(error.message);
  else
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = interrupt.signal.aborted ? 130 : 1;
}
// Keep-alive sockets and timers of an interrupted load must not keep the process alive.
process.exit();

function round(value: number): string {
  return value >= 100 ? String(Math.round(value)) : value.toFixed(value >= 1 ? 1 : 3);
}
