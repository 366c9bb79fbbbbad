/**
 * Two orgs authorize the same tenant (Northwind Traders) through the demo portal,
 * each with its own API key (the portal served with that org's key). The first deletes its
 * authorization: its widgets say no tenant is connected, the second still sees data and polling
 * goes on. The second deletes too: polling of that tenant stops and its data is gone.
 * Fresh orgs, so the demo org's pre-authorized Contoso does not interfere.
 */
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveFailureScreenshots, type Browser } from './support/browser.js';
import { startProduct, type Product, type SimTenant } from './support/product.js';
import { addAuthorization, authorizationItem, deleteAuthorization, setRefreshInterval, UI_TIMEOUT, useApiKey } from './support/ui.js';

let product: Product;
let browser: Browser;
let northwind: SimTenant;
const org = {
  a: { key: '', settings: undefined as unknown as Page, dashboard: undefined as unknown as Page },
  b: { key: '', settings: undefined as unknown as Page, dashboard: undefined as unknown as Page },
};

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launchBrowser()]);
  [org.a.key, org.b.key] = await Promise.all([product.createKey('harbour-freight'), product.createKey('lakeside-clinics')]);
  northwind = (await product.tenants()).find((t) => t.domain === 'northwindtraders.com')!;
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && browser) console.error(`screenshots: ${(await saveFailureScreenshots(browser, ctx.task.name)).join(', ')}`);
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

/** A tab of the demo portal served with `key` (another org's portal). */
async function portal(key: string, path: string): Promise<Page> {
  const page = await browser.newPage();
  await useApiKey(page, key);
  await page.goto(new URL(path, product.demoUrl).toString());
  return page;
}

const healthStatus = (tenantId: string, key: string) => product.api(key, `/api/tenants/${tenantId}/health`).then((r) => r.status);
const graphCalls = async () => (await product.graphRequests(northwind.tenantId)).length;

describe('two orgs, one tenant', () => {
  // One story in three acts, each needing the one before: one test, so none relies on another's state.
  it('both orgs authorize Northwind Traders; when the first deletes, the second keeps it polled; when the second deletes too, polling stops and the data is gone', async () => {
    // 1. Both orgs authorize Northwind Traders in their portal's Settings.
    for (const o of [org.a, org.b]) {
      o.settings = await portal(o.key, 'settings.html');
      await o.settings.locator('o365-oauth-settings').getByText('No Microsoft 365 tenant is connected yet').waitFor({ timeout: UI_TIMEOUT });
      await addAuthorization(o.settings, northwind.domain, northwind.admins[0]!.upn);
      await authorizationItem(o.settings, northwind.domain).getByText('Active', { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    }
    for (const o of [org.a, org.b]) {
      o.dashboard = await portal(o.key, '');
      await setRefreshInterval(o.dashboard, 2);
      await o.dashboard.locator('o365-service-health').first().getByRole('heading', { name: /· northwindtraders\.com/ }).waitFor({ timeout: UI_TIMEOUT });
      // One tenant: the overview lists it, as the tenant the other widgets show.
      const overview = o.dashboard.locator('o365-tenant-overview');
      await overview.getByRole('button', { name: /^northwindtraders\.com\b/ }).waitFor({ timeout: UI_TIMEOUT });
      expect(await overview.locator('[part~="tenant"]').count()).toBe(1);
      expect(await overview.locator('[part~="tenant"]').getAttribute('aria-current')).toBe('true');
    }

    // 2. The first org deletes: its widgets say no tenant is connected; the second still sees data and polling goes on.
    await deleteAuthorization(org.a.settings, northwind.domain);
    await org.a.settings.locator('o365-oauth-settings').getByText('No Microsoft 365 tenant is connected yet').waitFor({ timeout: UI_TIMEOUT });
    const afterDelete = await graphCalls();

    // Org A's open dashboard, at its next refresh.
    for (const widget of ['o365-tenant-overview', 'o365-service-health', 'o365-service-messages', 'o365-message-center']) {
      for (const el of await org.a.dashboard.locator(widget).all()) {
        await el.getByText('No Microsoft 365 tenant is connected yet').waitFor({ timeout: UI_TIMEOUT });
      }
    }
    expect(await healthStatus(northwind.tenantId, org.a.key)).toBe(404);

    // Org B: still there, and the poller still asks Microsoft.
    expect(await healthStatus(northwind.tenantId, org.b.key)).toBe(200);
    await expect.poll(graphCalls, { timeout: UI_TIMEOUT, interval: 250 }).toBeGreaterThan(afterDelete);
    const wide = org.b.dashboard.locator('o365-service-health').first();
    await wide.getByRole('heading', { name: /· northwindtraders\.com/ }).waitFor();
    expect(await wide.locator('[part~="stale"]').count()).toBe(0);

    // 3. The second org deletes too: polling of the tenant stops and its data is gone.
    await deleteAuthorization(org.b.settings, northwind.domain);
    await org.b.settings.locator('o365-oauth-settings').getByText('No Microsoft 365 tenant is connected yet').waitFor({ timeout: UI_TIMEOUT });

    // A sync already in flight may finish; after one more poll cycle the count must stay put
    // for three more (the demo org's Contoso keeps the cycles, and their log lines, coming).
    await product.waitForOutput(/poll cycle:/, 1);
    const settled = await graphCalls();
    await product.waitForOutput(/poll cycle:/, 3);
    expect(await graphCalls()).toBe(settled);

    // The data is gone: purged from the database, nobody can read it, org B's widgets say so.
    const db = new Database(product.databasePath, { readonly: true, fileMustExist: true });
    try {
      for (const table of ['tenants', 'services', 'issues', 'issue_posts', 'messages', 'events']) {
        const { n } = db.prepare(`select count(*) as n from ${table} where tenant_id = ?`).get(northwind.tenantId) as { n: number };
        expect(n, `${table} rows of the purged tenant`).toBe(0);
      }
    } finally {
      db.close();
    }
    expect(await healthStatus(northwind.tenantId, org.b.key)).toBe(404);
    expect(await healthStatus(northwind.tenantId, org.a.key)).toBe(404);
    expect((await product.api(org.b.key, `/api/tenants/${northwind.tenantId}/issues?state=all`)).status).toBe(404);
    for (const el of await org.b.dashboard.locator('o365-tenant-overview, o365-service-health, o365-service-messages').all()) {
      await el.getByText('No Microsoft 365 tenant is connected yet').waitFor({ timeout: UI_TIMEOUT });
    }
  });
});
