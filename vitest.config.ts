import { defineConfig } from 'vitest/config';

/** Server and simulator tests: real HTTP on loopback, real SQLite files, the simulator as Microsoft. */
export default defineConfig({
  test: {
    include: ['test/server/**/*.test.ts', 'test/simulator/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.CI_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.CI_REPORT_DIR}/vitest.json` }]]
      : ['default'],
  },
});
