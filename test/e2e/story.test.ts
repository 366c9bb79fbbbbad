/**
 * Issue 5, the story of the product in the demo portal, as the `demo` org (whose key the demo page
 * gets from /demo/config.js and which starts with Contoso authorized):
 *   1. add Fabrikam in Settings (popup sign-in and consent at the simulated Microsoft);
 *   2. its services and incidents show on the dashboard (picked in <o365-tenant-overview>, which the
 *      other widgets follow with tenant="selected"), with post history;
 *   3. an incident injected in the simulator appears without a reload;
 *   5. consent revoked in the simulator → "needs re-authorization" and stale data; Re-authorize;
 *   6. Cancel on the consent page → a clear message, nothing added.
 * (Step 4 is in orgs.test.ts, step 7 in layout.test.ts.)
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveFailureScreenshots, type Browser } from './support/browser.js';
import { startProduct, type Product, type SimTenant } from './support/product.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { addAuthorization, authorizationItem, consentInPopup, setRefreshInterval, settingsElement, UI_TIMEOUT } from './support/ui.js';

interface IssueSummary {
  id: string;
  title: string;
  service: string;
  classification: string;
  isResolved: boolean;
}

let product: Product;
let browser: Browser;
let key: string;
let fabrikam: SimTenant;
let northwind: SimTenant;

beforeAll(async () => {
  [product, browser] = await Promise.all([startProduct(), launchBrowser()]);
  key = await product.demoKey();
  const tenants = await product.tenants();
  fabrikam = tenants.find((t) => t.domain === 'fabrikam.com')!;
  northwind = tenants.find((t) => t.domain === 'northwindtraders.com')!;
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && browser) console.error(`screenshots: ${(await saveFailureScreenshots(browser, ctx.task.name)).join(', ')}`);
});

afterAll(async () => {
  await browser?.close();
  await product?.stop();
});

const health = (page: Page) => page.locator('o365-service-health').first();
const messages = (page: Page) => page.locator('o365-service-messages');
const overview = (page: Page) => page.locator('o365-tenant-overview');
/** A tenant's button in the overview (its accessible name starts with the label). */
const tenantButton = (page: Page, tenant: SimTenant) => overview(page).getByRole('button', { name: new RegExp(`^${tenant.domain.replace(/\./g, '\\.')}\\b`) });

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  if (!r.ok) throw new Error(`${r.url} answered ${r.status}: ${await r.text()}`);
  return (await r.json()) as T;
}

async function authorizations() {
  return (await json<{ authorizations: Array<{ id: string; label: string; status: string; tenantId: string | null; lastError: string | null }> }>(product.api(key, '/api/authorizations'))).authorizations;
}

/** Authorizes `tenant` for the demo org without the UI: the API, then the simulator's pages over HTTP (as simulator mode pre-authorizes Contoso). */
async function authorizeByApi(tenant: SimTenant): Promise<void> {
  const started = await json<{ authorization: { id: string }; authorizeUrl: string }>(
    product.api(key, '/api/authorizations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: tenant.domain }) }),
  );
  const callback = await walkSimulatedConsent(started.authorizeUrl, tenant.admins[0]!.upn, 'Accept');
  expect((await fetch(callback)).status).toBe(200);
  await expect.poll(async () => (await authorizations()).find((a) => a.id === started.authorization.id)?.status, { timeout: UI_TIMEOUT }).toBe('active');
}

/** The demo org holds an active authorization of `tenant`, whatever ran before. */
async function ensureAuthorized(tenant: SimTenant): Promise<void> {
  if (!(await authorizations()).some((a) => a.tenantId === tenant.tenantId && a.status === 'active')) await authorizeByApi(tenant);
}

/** The demo org holds no authorization labelled `label`. */
async function removeAuthorizations(label: string): Promise<void> {
  for (const a of (await authorizations()).filter((x) => x.label === label)) expect((await product.api(key, `/api/authorizations/${a.id}`, { method: 'DELETE' })).status).toBe(204);
}

/** A new tab on the settings page, loaded. */
async function openSettings(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(new URL('settings.html', product.demoUrl).toString());
  await settingsElement(page).getByRole('heading', { name: 'Current authorizations' }).waitFor({ timeout: UI_TIMEOUT });
  return page;
}

/** A new tab on the dashboard, showing `tenant` (selected in the tenant overview). */
async function openDashboard(tenant: SimTenant): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(product.demoUrl);
  await tenantButton(page, tenant).click({ timeout: UI_TIMEOUT });
  await health(page).getByRole('heading', { name: new RegExp(`Microsoft 365 service health · ${tenant.domain.replace(/\./g, '\\.')}`) }).waitFor({ timeout: UI_TIMEOUT });
  return page;
}

/** The `datetime` of the "as of" line of a widget. */
async function asOf(widget: Locator): Promise<number> {
  const datetime = await widget.locator('[part~="as-of"] time').getAttribute('datetime', { timeout: UI_TIMEOUT });
  return Date.parse(datetime ?? '');
}

describe('the demo portal, as the demo org', () => {
  it('1. an admin adds Fabrikam in Settings: Microsoft sign-in and consent in a popup, then it is listed as active', async () => {
    await removeAuthorizations(fabrikam.domain);
    const settings = await openSettings();
    const element = settingsElement(settings);
    await authorizationItem(settings, 'contoso.com').waitFor();

    await addAuthorization(settings, fabrikam.domain, fabrikam.admins[0]!.upn);

    const item = authorizationItem(settings, fabrikam.domain);
    await item.getByText('Active', { exact: true }).waitFor({ timeout: UI_TIMEOUT });
    await element.locator('[part="message"]', { hasText: `Authorization “${fabrikam.domain}” is active` }).waitFor();
    await item.getByText(fabrikam.tenantId).waitFor();

    const mine = (await authorizations()).filter((a) => a.label === fabrikam.domain);
    expect(mine).toMatchObject([{ status: 'active', tenantId: fabrikam.tenantId }]);
  });

  it('2. the dashboard shows Fabrikam’s services, its incidents, and an incident’s post history', async () => {
    await ensureAuthorized(fabrikam);
    const dashboard = await browser.newPage();
    await dashboard.goto(product.demoUrl);

    // Two tenants now: the overview lists both, each with its level; the others show Contoso until one is picked.
    const contoso = (await product.tenants()).find((t) => t.domain === 'contoso.com')!;
    for (const t of [contoso, fabrikam]) await tenantButton(dashboard, t).filter({ has: dashboard.locator('[part~="status"]') }).waitFor({ timeout: UI_TIMEOUT });
    expect(await overview(dashboard).locator('[part~="tenant"]').count()).toBe(2);
    expect(await tenantButton(dashboard, contoso).getAttribute('aria-current')).toBe('true');
    await tenantButton(dashboard, fabrikam).click();
    await expect.poll(() => tenantButton(dashboard, fabrikam).getAttribute('aria-current')).toBe('true');
    expect(await tenantButton(dashboard, contoso).getAttribute('aria-current')).toBeNull();

    const wide = health(dashboard);
    await wide.getByRole('heading', { name: /Microsoft 365 service health · fabrikam\.com/ }).waitFor({ timeout: 10_000 });
    for (const name of ['Exchange Online', 'Microsoft Teams', 'SharePoint Online']) {
      await wide.getByText(name, { exact: true }).first().waitFor();
    }
    const apiHealth = await json<{ services: unknown[] }>(product.api(key, `/api/tenants/${fabrikam.tenantId}/health`));
    await expect.poll(() => wide.locator('[part~="list"] > li').count()).toBe(apiHealth.services.length);

    // The messages feed shows Fabrikam's active incidents and advisories.
    const feed = messages(dashboard);
    await feed.getByRole('heading', { name: /Service messages · fabrikam\.com/ }).waitFor({ timeout: 10_000 });
    const { issues } = await json<{ issues: IssueSummary[] }>(product.api(key, `/api/tenants/${fabrikam.tenantId}/issues?state=active&limit=8`));
    expect(issues.length, 'the simulator gives Fabrikam active issues').toBeGreaterThan(0);
    // One whose title is unique in the feed (the simulator repeats some titles, as Microsoft does).
    const unique = issues.filter((i) => issues.filter((j) => j.title === i.title).length === 1);
    expect(unique.length, 'an active issue with a unique title').toBeGreaterThan(0);
    const incident = unique.find((i) => i.classification === 'incident') ?? unique[0]!;
    const opener = feed.getByRole('button', { name: incident.title, exact: true });
    await opener.waitFor({ timeout: UI_TIMEOUT });

    // Opening one shows its post history.
    await opener.click();
    expect(await opener.getAttribute('aria-expanded')).toBe('true');
    const detail = await json<{ posts: unknown[] }>(product.api(key, `/api/tenants/${fabrikam.tenantId}/issues/${incident.id}`));
    const history = feed.getByRole('list', { name: 'Post history' });
    await history.waitFor({ timeout: UI_TIMEOUT });
    expect(detail.posts.length).toBeGreaterThan(0);
    await expect.poll(() => history.getByRole('listitem').count()).toBe(detail.posts.length);

    // The uptime and Message center tiles follow the selection too, and a reload keeps it.
    await dashboard.locator('o365-service-uptime').getByRole('heading', { name: /Service uptime · fabrikam\.com/ }).waitFor({ timeout: UI_TIMEOUT });
    await dashboard.locator('o365-message-center').getByRole('heading', { name: /Message center · fabrikam\.com/ }).waitFor({ timeout: UI_TIMEOUT });
    await dashboard.reload();
    await wide.getByRole('heading', { name: /Microsoft 365 service health · fabrikam\.com/ }).waitFor({ timeout: UI_TIMEOUT });
    expect(await tenantButton(dashboard, fabrikam).getAttribute('aria-current', { timeout: UI_TIMEOUT })).toBe('true');
  });

  it('3. an incident injected in the simulator appears in the open widgets after the next poll, without a reload', async () => {
    await ensureAuthorized(fabrikam);
    const dashboard = await openDashboard(fabrikam);
    await setRefreshInterval(dashboard, 2);
    let loads = 0;
    dashboard.on('load', () => loads++);

    const title = `Users can't join Teams meetings from the desktop client (e2e ${Date.now()})`;
    const created = await json<{ id: string }>(
      product.control('POST', `/_simulator/tenants/${fabrikam.tenantId}/issues`, {
        title,
        service: 'Microsoft Teams',
        feature: 'Meetings',
        featureGroup: 'Teams Components',
        classification: 'incident',
        status: 'serviceInterruption',
        impactDescription: 'Users may be unable to join Teams meetings from the desktop client.',
        post: { html: '<p>We are investigating reports that users cannot join meetings.</p>' },
      }),
    );
    expect(created.id).toBeTruthy();

    // The messages feed lists it (newest change first).
    await messages(dashboard).getByRole('button', { name: title, exact: true }).waitFor({ timeout: 20_000 });

    // The health widget: Microsoft Teams is interrupted, and its expanded row lists the incident.
    const wide = health(dashboard);
    const teams = wide.getByRole('button', { name: /^Microsoft Teams\b/ });
    await teams.filter({ hasText: 'Service interruption' }).waitFor({ timeout: UI_TIMEOUT });
    if ((await teams.getAttribute('aria-expanded')) !== 'true') await teams.click();
    await wide.getByRole('button', { name: title, exact: true }).waitFor({ timeout: UI_TIMEOUT });

    expect(loads, 'the page was not reloaded').toBe(0);
  });

  it('6. Cancel on the consent page: a clear message, and nothing is added', async () => {
    await removeAuthorizations(northwind.domain);
    const settings = await openSettings();
    const element = settingsElement(settings);
    const before = await authorizations();

    await addAuthorization(settings, northwind.domain, northwind.admins[0]!.upn, 'Cancel');

    const message = element.getByRole('alert').filter({ hasText: `The authorization of “${northwind.domain}” failed` });
    await message.waitFor({ timeout: UI_TIMEOUT });
    expect(await message.textContent()).toMatch(/cancel|declin|denied/i);

    // No tenant was added for the org, and Current authorizations lists nothing new.
    const { tenants } = await json<{ tenants: Array<{ tenantId: string }> }>(product.api(key, '/api/tenants'));
    expect(tenants.map((t) => t.tenantId)).not.toContain(northwind.tenantId);
    expect((await authorizations()).filter((a) => a.status === 'active')).toHaveLength(before.filter((a) => a.status === 'active').length);
    await element.getByRole('heading', { name: 'Current authorizations' }).waitFor();
    expect(await authorizationItem(settings, northwind.domain).count(), 'no entry for the cancelled authorization').toBe(0);
  });

  it('5. consent revoked in the simulator: "needs re-authorization" with the reason, stale data with its age; Re-authorize restores it', async () => {
    await ensureAuthorized(fabrikam);
    const dashboard = await openDashboard(fabrikam);
    await setRefreshInterval(dashboard, 2);
    const settings = await openSettings();
    const wide = health(dashboard);
    await wide.locator('[part~="as-of"] time').waitFor({ timeout: UI_TIMEOUT });
    const syncedBefore = await asOf(wide);

    expect((await product.control('POST', `/_simulator/tenants/${fabrikam.tenantId}/revoke-consent`)).ok).toBe(true);
    expect((await product.control('POST', `/_simulator/tenants/${fabrikam.tenantId}/faults`, { kind: 'expire-tokens' })).ok).toBe(true);

    // Settings: the authorization needs re-authorization, and says why.
    await settings.reload();
    await setRefreshInterval(settings, 2);
    const item = authorizationItem(settings, fabrikam.domain);
    await item.getByText('Needs re-authorization', { exact: true }).waitFor({ timeout: 20_000 });
    await item.getByText(/^Reason: .+/).waitFor();

    // Dashboard (still open, refreshing): last known data, marked stale, with its time; a re-authorization notice.
    await wide.locator('[part~="stale"]').waitFor({ timeout: 20_000 });
    await wide.getByText(/needs to be renewed/).waitFor({ timeout: UI_TIMEOUT });
    // "as of" is the last successful sync the server reports, no later than the revocation's.
    const stale = await json<{ stale: boolean; syncedAt: string }>(product.api(key, `/api/tenants/${fabrikam.tenantId}/health`));
    expect(stale.stale).toBe(true);
    await expect.poll(() => asOf(wide), { timeout: UI_TIMEOUT }).toBe(Date.parse(stale.syncedAt));
    expect(Date.parse(stale.syncedAt)).toBeGreaterThanOrEqual(syncedBefore);
    expect(await wide.locator('[part~="list"] > li').count()).toBeGreaterThan(0);

    // Re-authorize: sign in and accept again.
    await consentInPopup(settings, () => item.getByRole('button', { name: 'Re-authorize' }).click(), fabrikam.admins[0]!.upn);
    await authorizationItem(settings, fabrikam.domain).getByText('Active', { exact: true }).first().waitFor({ timeout: UI_TIMEOUT });
    await expect.poll(async () => (await authorizations()).filter((a) => a.label === fabrikam.domain).map((a) => a.status), { timeout: UI_TIMEOUT }).toEqual(['active']);

    // The dashboard is fresh again.
    await wide.locator('[part~="stale"]').waitFor({ state: 'detached', timeout: 20_000 });
    await wide.getByText(/needs to be renewed/).waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    expect(await asOf(wide), 'a sync after the re-authorization').toBeGreaterThan(Date.parse(stale.syncedAt));
  });

  it('the pages raised no script errors, no CSP violations and no failed requests but a favicon', () => {
    // A widget's 4xx/5xx shows here as "Failed to load resource … [its URL]": only the favicon
    // (which the demo portal does not have) is expected.
    expect(browser.problems.filter((p) => !/Failed to load resource: .*\[[^\]]*\/favicon\.ico\]$/.test(p))).toEqual([]);
  });
});
