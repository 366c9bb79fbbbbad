/**
 * Once before the end-to-end suite: check for a browser, and build the widget bundle when
 * widgets/dist/o365-health.js is missing or older than any source under widgets/.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertBrowser } from './browser.js';
import { ROOT, run } from './product.js';

const BUNDLE = join(ROOT, 'widgets', 'dist', 'o365-health.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // The build's own output is not a source.
    if (entry.isDirectory() && (entry.name === 'dist' || entry.name === 'node_modules')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function bundleIsStale(): boolean {
  if (!existsSync(BUNDLE)) return true;
  const sources = Math.max(newestMtime(join(ROOT, 'widgets')), statSync(join(ROOT, 'widgets', 'vite.config.ts')).mtimeMs);
  return statSync(BUNDLE).mtimeMs < sources;
}

/** Runs `npm run build` (as `npm start` does) when the bundle is missing or out of date. */
export async function buildWidgetsIfNeeded(log: (line: string) => void = console.log): Promise<void> {
  if (!bundleIsStale()) return;
  log('e2e: building the widgets (npm run build)…');
  const r = await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build']);
  if (r.code !== 0) throw new Error(`npm run build failed (${r.code}):\n${r.stdout}${r.stderr}`);
}

export default async function setup(): Promise<void> {
  assertBrowser();
  await buildWidgetsIfNeeded();
}
