/**
 * `npm run screenshots`: starts the product as `npm start` does (simulator mode, a temp database,
 * a free port), opens the demo portal in Debian's Chromium and writes the README's screenshots:
 *
 *   docs/screenshots/dashboard-light.png   the dashboard, light theme, 1280×800
 *   docs/screenshots/dashboard-dark.png    the dashboard, dark theme, 1280×800
 *   docs/screenshots/settings.png          the Settings page with <o365-oauth-settings>, 1280×800
 *   docs/screenshots/messages.png          the messages tile of the dashboard with an incident opened
 *
 *   docs/screenshots/overview.png          the <o365-tenant-overview> tile with three tenants
 *   docs/screenshots/message-center.png    the <o365-message-center> tile
 *
 * Before the shots, Fabrikam and Northwind are authorized too (through the API and the
 * simulator's consent pages, as an admin would), so the overview compares three tenants.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/e2e/support/browser.js';
import { buildWidgetsIfNeeded } from '../test/e2e/support/global-setup.js';
import { ROOT, startProduct } from '../test/e2e/support/product.js';
import { walkSimulatedConsent } from '../server/simulated-consent.js';

const OUT = join(ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1280, height: 800 };

async function main(): Promise<void> {
  await buildWidgetsIfNeeded();
  mkdirSync(OUT, { recursive: true });
  // A slower cron than the tests: the shots need data, not churn.
  const product = await startProduct({ pollCron: '*/10 * * * * *' });
  const browser = await launchBrowser({ viewport: VIEWPORT, colorScheme: 'light' });
  try {
    const key = await product.demoKey();
    // Two more tenants, as an admin adds them, so the overview has several to compare.
    for (const domain of ['fabrikam.com', 'northwindtraders.com']) {
      const tenant = (await product.tenants()).find((t) => t.domain === domain);
      if (!tenant) continue;
      const res = await product.api(key, '/api/authorizations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ label: tenant.domain }),
      });
      const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
      const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn));
      await fetch(`${product.serverUrl}${callback.pathname}${callback.search}`, { redirect: 'manual' });
    }
    // Let their first syncs land.
    await new Promise((r) => setTimeout(r, 3000));

    const page = await browser.newPage();
    const settle = async () => {
      for (const tag of ['o365-tenant-overview', 'o365-service-health', 'o365-service-messages', 'o365-message-center', 'o365-oauth-settings', 'o365-notification-settings']) {
        const els = page.locator(tag);
        for (let i = 0; i < (await els.count()); i++) {
          // Loaded: no loading state left in the element.
          await els.nth(i).locator('[part~="loading"]').waitFor({ state: 'detached', timeout: 15_000 });
        }
      }
      // Two frames: the last render is painted.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    };

    await page.goto(product.demoUrl);
    await page.locator('o365-service-health').first().getByRole('list').first().waitFor({ timeout: 20_000 });
    await page.locator('o365-service-messages').getByRole('list').first().waitFor();
    await settle();
    await page.screenshot({ path: join(OUT, 'dashboard-light.png') });
    console.log('wrote docs/screenshots/dashboard-light.png');

    await page.getByRole('switch', { name: 'Dark theme' }).click();
    await settle();
    await page.screenshot({ path: join(OUT, 'dashboard-dark.png') });
    console.log('wrote docs/screenshots/dashboard-dark.png');
    await page.getByRole('switch', { name: 'Dark theme' }).click();

    // The messages feed (below the fold at 1280×800) with its first message opened.
    const feed = page.locator('o365-service-messages');
    await feed.getByRole('listitem').first().getByRole('button').first().click();
    await feed.getByRole('list', { name: 'Post history' }).waitFor({ timeout: 15_000 });
    await settle();
    await page.locator('.tile-messages').screenshot({ path: join(OUT, 'messages.png') });
    console.log('wrote docs/screenshots/messages.png');

    await page.locator('.tile-tenants').screenshot({ path: join(OUT, 'overview.png') });
    console.log('wrote docs/screenshots/overview.png');
    await page.locator('.tile-message-center').screenshot({ path: join(OUT, 'message-center.png') });
    console.log('wrote docs/screenshots/message-center.png');

    await page.goto(new URL('settings.html', product.demoUrl).toString());
    await page.locator('o365-oauth-settings').getByRole('listitem').first().waitFor({ timeout: 15_000 });
    await settle();
    await page.screenshot({ path: join(OUT, 'settings.png') });
    console.log('wrote docs/screenshots/settings.png');
    if (browser.problems.length) console.warn(`page problems:\n  ${browser.problems.join('\n  ')}`);
  } finally {
    await browser.close();
    await product.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error('screenshots failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
