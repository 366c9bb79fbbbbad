// Prints the raw and gzip size of the widget bundle and fails above the budget of issue 4:
// at most 20 KB gzip for all three elements, Lit included. Run after `npm run build`.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const file = process.argv[2] ?? 'widgets/dist/o365-health.js';
const BUDGET = 20 * 1024;
let code;
try {
  code = readFileSync(file);
} catch {
  console.error(`${file} is missing: run \`npm run build\` first.`);
  process.exit(1);
}
const gzip = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
console.log(`${file}: ${code.length} B raw (${kb(code.length)}), ${gzip} B gzip (${kb(gzip)}); budget ${kb(BUDGET)} gzip`);
if (gzip > BUDGET) {
  console.error(`Over budget by ${gzip - BUDGET} B gzip.`);
  process.exit(1);
}
