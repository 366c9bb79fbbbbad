#!/usr/bin/env node
/**
 * The closing lines of .ci/run: one "N passed, N failed" summed over every suite's JSON report in
 * $CI_REPORT_DIR, and a check that every suite really ran its tests. A suite that reports zero
 * tests, writes no report, or ran fewer tests than its last known count (.ci/min-tests.json) by
 * more than the margin fails the run with a message naming the suite: a test file that registers
 * no tests passes in some runners, and a suite that stops early can look green.
 *
 * Usage: node .ci/summary.mjs <exit status of npm test>   (exits 1 when anything failed)
 * With CI_UPDATE_MIN_TESTS=1 and a green run, rewrites .ci/min-tests.json with the counts seen.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.env.CI_REPORT_DIR;
if (!dir) {
  console.error('ci: CI_REPORT_DIR is not set');
  process.exit(1);
}
const minFile = process.env.CI_MIN_TESTS_FILE ?? join(dirname(fileURLToPath(import.meta.url)), 'min-tests.json');
const min = JSON.parse(readFileSync(minFile, 'utf8'));
const margin = Number(min.margin ?? 0.1);
const testStatus = process.argv[2] ?? '0';

/** `{ passed, failed, skipped }` of one report: vitest's JSON reporter, or our own counters. */
function countsOf(report) {
  if ('numPassedTests' in report) {
    let failed = report.numFailedTests;
    // A test file that failed to load has no failed tests; count it so it cannot hide.
    for (const s of report.testResults ?? []) if (s.status === 'failed' && (s.assertionResults ?? []).length === 0) failed++;
    return { passed: report.numPassedTests, failed, skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0) };
  }
  return { passed: Number(report.passed ?? 0), failed: Number(report.failed ?? 0), skipped: Number(report.skipped ?? 0) };
}

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];
const seen = {};
const unreadable = new Set();
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
for (const file of files) {
  const name = min.suites?.[file]?.name ?? file;
  let counts;
  try {
    counts = countsOf(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  } catch (err) {
    problems.push(`suite "${name}": its report ${file} is not readable JSON (${err.message})`);
    unreadable.add(file);
    continue;
  }
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  const ran = counts.passed + counts.failed;
  seen[file] = ran;
  const known = min.suites?.[file]?.tests;
  if (ran === 0) {
    problems.push(`suite "${name}" reports zero tests (${file})`);
  } else if (typeof known === 'number') {
    const floor = Math.ceil(known * (1 - margin));
    if (ran < floor) {
      problems.push(
        `suite "${name}" ran ${ran} tests, fewer than its last known ${known} by more than ${Math.round(margin * 100)} % ` +
          `(at least ${floor} expected; ${file}). A test file that registers no tests, or a suite that stopped early? ` +
          `If tests were removed on purpose, lower "${file}" in .ci/min-tests.json.`,
      );
    } else if (ran > known * (1 + margin)) {
      console.log(`ci: suite "${name}" ran ${ran} tests, well above the ${known} in .ci/min-tests.json; raise it so a loss is noticed.`);
    }
  }
}
for (const [file, suite] of Object.entries(min.suites ?? {})) {
  if (!(file in seen) && !unreadable.has(file)) {
    problems.push(`suite "${suite.name}" wrote no report (${file} missing from ${dir}): it did not run, or did not finish`);
  }
}

for (const p of problems) console.log(`ci: FAIL: ${p}`);
if (testStatus !== '0' && failed === 0) failed = 1;
if (problems.length && failed === 0) failed = problems.length;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));

if (process.env.CI_UPDATE_MIN_TESTS === '1' && failed === 0) {
  for (const [file, ran] of Object.entries(seen)) {
    min.suites[file] = { ...(min.suites[file] ?? { name: file }), tests: ran };
  }
  writeFileSync(minFile, JSON.stringify(min, null, 2) + '\n');
  console.log(`ci: wrote the counts of this run to ${minFile}`);
}
process.exit(failed > 0 || testStatus !== '0' ? 1 : 0);
