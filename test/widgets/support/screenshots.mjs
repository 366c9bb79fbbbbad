// Screenshots of the three elements from the built bundle (widgets/dist/o365-health.js), light
// and dark, 240 px and wide, against the fake API of the tests. Run `npm run build` first.
//   node test/widgets/support/screenshots.mjs [outDir]
// Also prints any element whose content overflows its host horizontally.
import { startDevServer } from '@web/dev-server';
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testApi } from './test-api.mjs';

const out = process.argv[2] ?? join(tmpdir(), 'o365-shots');
mkdirSync(out, { recursive: true });
const server = await startDevServer({
  config: { rootDir: process.cwd(), port: Number(process.env.SHOTS_PORT ?? 8131), hostname: '127.0.0.1', middleware: [testApi] },
  logStartMessage: false,
  readCliArgs: false,
  readFileConfig: false,
});
const origin = `http://127.0.0.1:${server.config.port}`;
const page = (theme, width, key) => `<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/widgets/themes/${theme}.css">
<style>body{margin:0;padding:16px;background:${theme === 'dark' ? '#111' : '#eee'};font:18px/2 Georgia,serif;text-transform:uppercase}
.col{display:grid;gap:16px;width:${width}px}</style>
<script>window.O365Health = { apiBase: location.origin + '/test-api/shots-${key}', apiKey: '${key}' };</script>
<script type="module" src="/widgets/dist/o365-health.js"></script></head><body><div class="col">
<o365-service-health></o365-service-health>
<o365-service-messages max-items="3"></o365-service-messages>
<o365-oauth-settings></o365-oauth-settings>
</div></body></html>`;

try {
const dir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
const ctx = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1100, height: 900 },
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const p = ctx.pages()[0] ?? (await ctx.newPage());
p.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
await p.route(`${origin}/shot*`, (route) => {
  const u = new URL(route.request().url());
  route.fulfill({ contentType: 'text/html', body: page(u.searchParams.get('theme'), Number(u.searchParams.get('width')), u.searchParams.get('key') ?? 'admin') });
});
for (const [theme, width, key] of [['light', 240, 'admin'], ['light', 1000, 'admin'], ['dark', 240, 'admin'], ['dark', 1000, 'admin'], ['light', 1000, 'viewer'], ['light', 420, 'reauth']]) {
  await p.goto(`${origin}/shot?theme=${theme}&width=${width}&key=${key}`);
  await p.waitForFunction(() => ['o365-service-health', 'o365-service-messages', 'o365-oauth-settings'].every((t) => document.querySelector(t)?.shadowRoot?.querySelector('[part~="list"],[part~="empty"],[part~="error"]')));
  await p.locator('o365-service-health button.row').first().click();
  console.log('expanded after click:', await p.locator('o365-service-health button.row').first().getAttribute('aria-expanded'));
  await p.locator('o365-service-messages .item-title').first().click();
  console.log('expanded later:', await p.locator('o365-service-health button.row').first().getAttribute('aria-expanded'));
  await p.waitForTimeout(400);
  const overflow = await p.evaluate(() => {
    const found = [];
    for (const t of ['o365-service-health', 'o365-service-messages', 'o365-oauth-settings']) {
      const host = document.querySelector(t);
      const right = host.getBoundingClientRect().right;
      for (const n of host.shadowRoot.querySelectorAll('*')) {
        const r = n.getBoundingClientRect();
        if (r.width && r.right > right + 0.5) found.push(`${t} ${n.tagName.toLowerCase()}.${n.className?.baseVal ?? n.className} right=${Math.round(r.right)} host=${Math.round(right)}`);
      }
    }
    return found.slice(0, 12);
  });
  if (overflow.length) console.log(`${theme} ${width} ${key} overflow:\n  ` + overflow.join('\n  '));
  const file = join(out, `${theme}-${width}-${key}.png`);
  await p.screenshot({ path: file, fullPage: true });
  console.log(file);
}
await ctx.close();
rmSync(dir, { recursive: true, force: true });
} finally {
  await server.stop();
}
