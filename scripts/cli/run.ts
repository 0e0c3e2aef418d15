/**
 * Runs a chosen command against the deployment: reads the configuration (with .env), opens the
 * store, and turns what went wrong into a message and an exit code — 2 for a mistake in what was
 * typed, 1 for a configuration or service problem. Anything else is a bug: its stack trace shows.
 */
import { ConfigError, StoreUnavailableError } from '../../core/errors.ts';
import type { Store } from '../../core/repositories/index.ts';
import { loadConfig, type Config } from '../../core/runtime/config.ts';
import { RedisUnavailableError } from '../../core/runtime/redis.ts';
import { openStore } from '../../db/open.ts';
import type { Command } from './commands.ts';
import { InterruptedError } from './interrupt.ts';
import { CliError, CommandFailed } from './options.ts';

/** The exit code; `usageError` prints a mistake with the command's usage. */
export async function runCommand(
  command: Command,
  argv: string[],
  usageError: (message: string) => number,
): Promise<number> {
  const report = (error: unknown): number => {
    if (error instanceof CliError) return usageError(error.message);
    if (
      error instanceof ConfigError ||
      error instanceof RedisUnavailableError ||
      error instanceof StoreUnavailableError ||
      error instanceof CommandFailed
    ) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof InterruptedError) {
      process.stdout.write(`${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  };
  let config: Config;
  let store: Store;
  try {
    config = loadConfig();
    store = await openStore(config, { migrate: true });
  } catch (error) {
    return report(error);
  }
  try {
    process.stdout.write(`${await command.run({ store, config }, argv)}\n`);
    return 0;
  } catch (error) {
    return report(error);
  } finally {
    await store.close();
  }
}
