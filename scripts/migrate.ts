/** `npm run migrate`: applies the committed migrations to DATA_DIR/leadwire.db. */
import { loadConfig } from '../core/runtime/config.ts';
import { migrateDatabase, openDatabase } from '../db/open.ts';

const config = loadConfig();
const db = openDatabase(config.databaseFile);
migrateDatabase(db);
db.$client.close();
process.stdout.write(`database is up to date: ${config.databaseFile}\n`);
