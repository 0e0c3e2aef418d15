import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `TEST_DATABASE=postgres npm test` runs the suite against PostgreSQL; `npm test`, SQLite. */
const postgres = process.env.TEST_DATABASE === 'postgres';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // Tests under a `postgres/` folder are about PostgreSQL itself (locking across processes,
    // its restarts, moving a SQLite deployment into it): they run in the PostgreSQL run only,
    // so `npm test` needs no PostgreSQL.
    exclude: postgres ? [] : ['test/**/postgres/**'],
    // TEST_DATABASE=postgres: the migrated template every test database is copied from.
    globalSetup: ['test/global-setup.ts'],
    // A developer's .env never reaches the tests or the processes they start.
    env: { ENV_FILE: '/dev/null' },
    // Integration tests start worker processes and share one Redis and two cores;
    // running files one at a time keeps timings honest and avoids starving the workers.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
