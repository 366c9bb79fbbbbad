// Prints the raw and gzip size of the widget bundle and fails above its budget. Run after
// `npm run build`. The budget covers the four elements, Lit included: issue 4 set 20 KB gzip for
// the three original ones (19.97 KB measured); <o365-service-uptime> (issue 11) brought the
// bundle to 22.10 KB, so the budget is that rounded up to the next whole KB plus 1 KB: 24 KB.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const file = process.argv[2] ?? 'widgets/dist/o365-health.js';
const BUDGET = 24 * 1024;
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
