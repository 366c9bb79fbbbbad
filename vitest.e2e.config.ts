import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: the product as `npm start` runs it (simulator mode) driven through Debian's
 * Chromium with playwright-core. One file at a time: each starts its own server and browser.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/e2e/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: process.env.CI_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.CI_REPORT_DIR}/vitest-e2e.json` }]]
      : ['default'],
  },
});
