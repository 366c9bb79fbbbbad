import { defineConfig } from 'vitest/config';

/**
 * The server suite's HTTP-level files again, on PostgreSQL (`npm run test:server:postgres`):
 * each stack (test/support/stack.ts) gets a fresh database of a real PostgreSQL 15 instead of a
 * SQLite file. The files listed reach the server through HTTP, the simulator, the store interface
 * and the engine-neutral helpers of test/support/stack.ts (`stack.rows`/`update`/`insert`,
 * `tempStore` for the files that build the app with `createApp`); what is about the SQLite file
 * itself stays in SQLite-only files (bad-days-sqlite.test.ts, keys-cli.test.ts, …), and the
 * PostgreSQL store's own comparisons (`*-postgres.test.ts`, run by `npm run test:server`) are not
 * repeated here.
 */
export default defineConfig({
  test: {
    include: [
      'test/server/hot-path.test.ts',
      'test/server/overview.test.ts',
      'test/server/channels-api.test.ts',
      'test/server/oauth-flow.test.ts',
      'test/server/notify-ssrf.test.ts',
      'test/server/events.test.ts',
      'test/server/retention.test.ts',
      'test/server/deliveries.test.ts',
      'test/server/bad-days.test.ts',
      'test/server/polling.test.ts',
      'test/server/metrics.test.ts',
      'test/server/messages.test.ts',
      'test/server/history-api.test.ts',
      'test/server/csv.test.ts',
      'test/server/api.test.ts',
      'test/server/core-authorizations.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
    env: { TEST_STORE: 'postgres' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: process.env.CI_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.CI_REPORT_DIR}/vitest-postgres.json` }]]
      : ['default'],
  },
});
