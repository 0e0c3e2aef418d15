/** `npm run migrate`: applies the committed migrations to the configured database. */
import { ConfigError, StoreUnavailableError } from '../core/errors.ts';
import { loadConfig } from '../core/runtime/config.ts';
import { scrubSecrets } from '../core/runtime/scrub.ts';
import { openStore } from '../db/open.ts';

let config;
try {
  config = loadConfig();
  await (await openStore(config, { migrate: true })).close();
} catch (error) {
  if (!(error instanceof StoreUnavailableError || error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const where =
  config.database.kind === 'sqlite' ? config.database.file : scrubSecrets(config.database.url);
process.stdout.write(`database is up to date: ${where}\n`);
