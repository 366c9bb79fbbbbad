// Element tests in Debian's Chromium (never a downloaded browser).
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter, summaryReporter } from '@web/test-runner';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { testApi } from './test/widgets/support/test-api.mjs';
import { integrationServer } from './test/widgets/support/integration-server.mjs';

export const chromePath = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(chromePath)) {
  console.error(
    `No Chromium at ${chromePath}. Install Debian's Chromium (apt-get install -y chromium) ` +
      'or set CHROME_PATH to a Chromium or Chrome binary. The tests never download a browser.',
  );
  process.exit(1);
}

export const chromeArgs = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  // The browser's language, which a widget without locale, page default or <html lang> follows.
  '--lang=en-US',
];

/** Writes `{ passed, failed, skipped }` for .ci/run's closing line. */
function countingReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const dir = process.env.CI_REPORT_DIR;
      if (!dir) return;
      const counts = { passed: 0, failed: 0, skipped: 0 };
      const walk = (suite) => {
        for (const t of suite.tests) {
          if (t.skipped) counts.skipped++;
          else if (t.passed) counts.passed++;
          else counts.failed++;
        }
        for (const s of suite.suites) walk(s);
      };
      for (const s of sessions) {
        if (s.testResults) walk(s.testResults);
        else if (!s.passed) counts.failed++;
        if (s.errors?.length && s.testResults?.tests.length === 0 && s.testResults?.suites.length === 0) counts.failed++;
      }
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/wtr.json`, JSON.stringify(counts));
    },
  };
}

// The real server in simulator mode, for the integration group (see integration-server.mjs).
const integration = integrationServer();

export default {
  // The element tests (the "default" group: `web-test-runner --group default` runs only them)…
  files: ['test/widgets/**/*.test.ts', '!test/widgets/integration/**'],
  // …and each element against the real server (`--group integration`). Both run by default.
  groups: [{ name: 'integration', files: ['test/widgets/integration/**/*.test.ts'] }],
  nodeResolve: true,
  // A fake o365-health API over real HTTP, from test/widgets/fixtures/ (see test-api.mjs), and
  // /integration-config, the real server's URLs and demo key.
  middleware: [testApi, integration.middleware],
  // One page at a time: the settings tests open a real popup and press real keys, which need the focused page.
  concurrency: 1,
  testsFinishTimeout: 180_000,
  testFramework: { config: { timeout: 10_000 } },
  plugins: [esbuildPlugin({ ts: true, tsconfig: 'tsconfig.widgets.json', target: 'es2022' }), integration.plugin],
  browsers: [chromeLauncher({ launchOptions: { executablePath: chromePath, headless: true, args: chromeArgs } })],
  reporters: [defaultReporter(), summaryReporter({ flatten: false }), countingReporter()],
};
