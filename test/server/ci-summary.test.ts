/**
 * .ci/summary.mjs, the closing check of .ci/run, on hand-made report folders: the "N passed,
 * N failed" line, and a failed run when a suite reports zero tests, writes no report, or ran
 * fewer tests than its last known count by more than the margin.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const MIN = {
  margin: 0.1,
  suites: {
    'vitest.json': { name: 'server and simulator (vitest)', tests: 200 },
    'wtr.json': { name: 'widgets in Chromium (web-test-runner)', tests: 90 },
    'docs.json': { name: 'embedding docs up to date (docs:check)', tests: 1 },
  },
};

/** A vitest JSON report with `passed` passing and `failed` failing tests in one file. */
const vitestReport = (passed: number, failed = 0) => ({
  numPassedTests: passed,
  numFailedTests: failed,
  numPendingTests: 0,
  numTodoTests: 0,
  numTotalTests: passed + failed,
  testResults: [{ name: 'a.test.ts', status: failed ? 'failed' : 'passed', assertionResults: Array.from({ length: passed + failed }, () => ({})) }],
});

const good = () => ({
  'vitest.json': vitestReport(200),
  'wtr.json': { passed: 90, failed: 0, skipped: 0 },
  'docs.json': { passed: 1, failed: 0, skipped: 0 },
});

async function summary(reports: Record<string, unknown>, status = '0', env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-ci-'));
  dirs.push(dir);
  const reportDir = join(dir, 'reports');
  const minFile = join(dir, 'min-tests.json');
  writeFileSync(minFile, JSON.stringify(MIN));
  mkdirSync(reportDir);
  for (const [file, body] of Object.entries(reports)) writeFileSync(join(reportDir, file), typeof body === 'string' ? body : JSON.stringify(body));
  const child = spawn(process.execPath, ['.ci/summary.mjs', status], {
    env: { ...process.env, CI_REPORT_DIR: reportDir, CI_MIN_TESTS_FILE: minFile, CI_UPDATE_MIN_TESTS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out, min: () => JSON.parse(readFileSync(minFile, 'utf8')) as typeof MIN };
}

describe('.ci/summary.mjs', () => {
  it('passes a run where every suite ran its tests, and sums them', async () => {
    const { code, out } = await summary(good());
    expect(out.trim().split('\n').at(-1)).toBe('291 passed, 0 failed');
    expect(out).not.toContain('FAIL');
    expect(code).toBe(0);
  });

  it('accepts a count inside the margin (10 % below the last known)', async () => {
    const { code, out } = await summary({ ...good(), 'vitest.json': vitestReport(180) });
    expect(out).toContain('271 passed, 0 failed');
    expect(code).toBe(0);
  });

  it('fails a suite that reports zero tests, naming it', async () => {
    const { code, out } = await summary({ ...good(), 'wtr.json': { passed: 0, failed: 0, skipped: 0 } });
    expect(out).toContain('ci: FAIL: suite "widgets in Chromium (web-test-runner)" reports zero tests (wtr.json)');
    expect(out).toMatch(/\n201 passed, 1 failed\n/);
    expect(code).toBe(1);
  });

  it('fails a suite that ran fewer tests than its last known count by more than the margin', async () => {
    const { code, out } = await summary({ ...good(), 'vitest.json': vitestReport(179) });
    expect(out).toContain('ci: FAIL: suite "server and simulator (vitest)" ran 179 tests, fewer than its last known 200 by more than 10 % (at least 180 expected; vitest.json)');
    expect(out).toContain('lower "vitest.json" in .ci/min-tests.json');
    expect(code).toBe(1);
  });

  it('does not let skipped tests count as run', async () => {
    const report = { ...vitestReport(100), numPendingTests: 100 };
    const { code, out } = await summary({ ...good(), 'vitest.json': report });
    expect(out).toContain('suite "server and simulator (vitest)" ran 100 tests');
    expect(out).toContain(', 100 skipped');
    expect(code).toBe(1);
  });

  it('fails when a suite wrote no report, or an unreadable one', async () => {
    const { 'docs.json': _docs, ...rest } = good();
    const missing = await summary(rest);
    expect(missing.out).toContain('ci: FAIL: suite "embedding docs up to date (docs:check)" wrote no report (docs.json missing');
    expect(missing.code).toBe(1);
    const broken = await summary({ ...good(), 'wtr.json': '{"passed": 9' });
    expect(broken.out).toContain('ci: FAIL: suite "widgets in Chromium (web-test-runner)": its report wtr.json is not readable JSON');
    expect(broken.out).not.toContain('wtr.json missing');
    expect(broken.code).toBe(1);
  });

  it('fails when npm test failed even if no report counts a failure, and counts failed tests', async () => {
    const failedRun = await summary(good(), '1');
    expect(failedRun.out).toContain('291 passed, 1 failed');
    expect(failedRun.code).toBe(1);
    const failedTests = await summary({ ...good(), 'vitest.json': vitestReport(198, 2) }, '1');
    expect(failedTests.out).toContain('289 passed, 2 failed');
    expect(failedTests.code).toBe(1);
  });

  it('rewrites the known counts from a green run when asked', async () => {
    const { code, min } = await summary({ ...good(), 'wtr.json': { passed: 120, failed: 0, skipped: 3 } }, '0', { CI_UPDATE_MIN_TESTS: '1' });
    expect(code).toBe(0);
    expect(min().suites['wtr.json']).toEqual({ name: 'widgets in Chromium (web-test-runner)', tests: 120 });
    expect(min().suites['vitest.json'].tests).toBe(200);
  });

  it('reads the committed .ci/min-tests.json', () => {
    const committed = JSON.parse(readFileSync('.ci/min-tests.json', 'utf8')) as typeof MIN;
    expect(committed.margin).toBeGreaterThan(0);
    expect(committed.margin).toBeLessThan(0.5);
    for (const file of ['vitest.json', 'vitest-e2e.json', 'wtr.json', 'stories.json', 'docs.json']) {
      expect(committed.suites[file as keyof typeof MIN.suites]?.tests, file).toBeGreaterThan(0);
    }
  });
});
