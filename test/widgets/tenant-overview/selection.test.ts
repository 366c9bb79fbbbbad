/**
 * `tenant="selected"`: the widgets on a page (<o365-message-center> too, through the shared discovery) follow the tenant selected in <o365-tenant-overview>,
 * with no host code; per API base, kept for the tab's session, and the first active tenant (as
 * discovery picks it) before anything is selected.
 */
import { expect, html, waitUntil } from '@open-wc/testing';
import '../../../widgets/tenant-overview/tenant-overview.js';
import '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import '../../../widgets/service-uptime/service-uptime.js';
import '../../../widgets/message-center/message-center.js';
import type { O365TenantOverview } from '../../../widgets/tenant-overview/tenant-overview.js';
import { selectedTenant, selectTenant } from '../../../widgets/internal/selection.js';
import { $, $$, FABRIKAM, mount, newSession, part, text } from '../support/helpers.js';

const FOLLOWERS = ['o365-service-health', 'o365-service-messages', 'o365-service-uptime', 'o365-message-center'] as const;

/** The label a widget's heading names ("Service messages · fabrikam.onmicrosoft.com"), '' while none. */
const shown = (el: Element) => /· (\S+)$/.exec(text($(el, 'h2')))?.[1] ?? '';

/** The overview and the three following widgets on one page, on one fake-API session. */
async function page(o: { apiBase?: string; overviewBase?: string; key?: string } = {}) {
  const s = newSession();
  const apiBase = o.apiBase ?? s.apiBase;
  const key = o.key ?? 'admin';
  const { wrapper, events } = await mount<HTMLElement>(html`<div>
    <o365-tenant-overview api-base=${o.overviewBase ?? apiBase} api-key=${key}></o365-tenant-overview>
    <o365-service-health api-base=${apiBase} api-key=${key} tenant="selected"></o365-service-health>
    <o365-service-messages api-base=${apiBase} api-key=${key} tenant="Selected"></o365-service-messages>
    <o365-service-uptime api-base=${apiBase} api-key=${key} tenant="selected"></o365-service-uptime>
    <o365-message-center api-base=${apiBase} api-key=${key} tenant="selected"></o365-message-center>
    <o365-service-health class="fixed" api-base=${apiBase} api-key=${key} tenant="contoso.onmicrosoft.com"></o365-service-health>
  </div>`);
  const overview = wrapper.querySelector<O365TenantOverview>('o365-tenant-overview')!;
  const followers = FOLLOWERS.map((tag) => wrapper.querySelector(`${tag}[tenant]:not(.fixed)`)!);
  const fixed = wrapper.querySelector('.fixed')!;
  return { wrapper, events, overview, followers, fixed, apiBase };
}

/** Waits until every widget of `els` shows `label`. */
async function showing(els: Element[], label: string): Promise<void> {
  await waitUntil(() => els.every((el) => shown(el) === label), `not all showing ${label}: ${els.map(shown).join(', ')}`, { timeout: 4000 });
}

/** Clicks a tenant of the overview by its label. */
async function pick(overview: O365TenantOverview, label: string): Promise<void> {
  await part(overview, 'list');
  $$(overview, '[part~="tenant"]').find((b) => text(b.querySelector('[part~="label"]')) === label)!.click();
}

describe('tenant="selected"', () => {
  it('shows the first active tenant before anything is selected, then follows the overview’s selection', async () => {
    const { overview, followers, fixed, events } = await page();
    await showing(followers, 'contoso.onmicrosoft.com');
    await pick(overview, 'fabrikam.onmicrosoft.com');
    await showing(followers, 'fabrikam.onmicrosoft.com');
    // Each follower loaded the tenant (o365-load), and the one with its own tenant stayed.
    for (const tag of FOLLOWERS) expect(events.some((e) => e.type === 'o365-load' && (e.target as Element).localName === tag && e.detail.tenant?.tenantId === FABRIKAM), tag).to.be.true;
    expect(shown(fixed)).to.equal('contoso.onmicrosoft.com');
    await pick(overview, 'contoso.onmicrosoft.com');
    await showing(followers, 'contoso.onmicrosoft.com');
    await expect(followers[0]!).to.be.accessible();
  });

  it('follows nothing when the selection is cancelled', async () => {
    const { overview, followers, wrapper, events, apiBase } = await page();
    await showing(followers, 'contoso.onmicrosoft.com');
    wrapper.addEventListener('o365-tenant-select', (e) => e.preventDefault());
    await pick(overview, 'fabrikam.onmicrosoft.com');
    expect(selectedTenant(apiBase)).to.equal(undefined);
    await overview.updateComplete;
    expect(text($(overview, '[aria-current="true"] [part~="label"]'))).to.equal('contoso.onmicrosoft.com');
    // The followers start no load (a selection would have sent them to Fabrikam at once).
    expect(events.filter((e) => e.type === 'o365-load' && e.detail.tenant?.tenantId === FABRIKAM)).to.deep.equal([]);
  });

  it('keeps the selection for the session: a widget added later (or after a reload) shows it', async () => {
    const { overview, followers, apiBase } = await page();
    await pick(overview, 'fabrikam.onmicrosoft.com');
    await showing(followers, 'fabrikam.onmicrosoft.com');
    expect(sessionStorage.getItem(`o365-health:selected-tenant:${apiBase}`)).to.equal(FABRIKAM);
    const { el } = await mount<HTMLElement>(html`<o365-service-health api-base=${apiBase} api-key="admin" tenant="selected"></o365-service-health>`);
    await showing([el], 'fabrikam.onmicrosoft.com');
  });

  it('reads a selection remembered in the session before the page loaded', async () => {
    const s = newSession();
    sessionStorage.setItem(`o365-health:selected-tenant:${s.apiBase}`, FABRIKAM);
    const { el } = await mount<HTMLElement>(html`<o365-service-uptime api-base=${s.apiBase} api-key="admin" tenant="selected"></o365-service-uptime>`);
    await showing([el], 'fabrikam.onmicrosoft.com');
  });

  it('forgets a selection the key cannot see (a deleted tenant) and shows the first active tenant', async () => {
    const s = newSession();
    sessionStorage.setItem(`o365-health:selected-tenant:${s.apiBase}`, '00000000-0000-4000-8000-0000000000ff');
    const { el } = await mount<HTMLElement>(html`<o365-service-health api-base=${s.apiBase} api-key="admin" tenant="selected"></o365-service-health>`);
    await showing([el], 'contoso.onmicrosoft.com');
    expect(sessionStorage.getItem(`o365-health:selected-tenant:${s.apiBase}`)).to.equal(null);
  });

  it('is per API base: a selection for another server moves nothing', async () => {
    const other = newSession();
    const { overview, followers } = await page({ overviewBase: other.apiBase });
    await showing(followers, 'contoso.onmicrosoft.com');
    await pick(overview, 'fabrikam.onmicrosoft.com');
    await waitUntil(() => $(overview, '[aria-current="true"]') && text($(overview, '[aria-current="true"] [part~="label"]')) === 'fabrikam.onmicrosoft.com');
    expect(followers.map(shown)).to.deep.equal(FOLLOWERS.map(() => 'contoso.onmicrosoft.com'));
  });

  it('follows a selection made without the overview (another copy of the widgets, host code)', async () => {
    const { followers, apiBase } = await page();
    await showing(followers, 'contoso.onmicrosoft.com');
    selectTenant(apiBase, FABRIKAM);
    await showing(followers, 'fabrikam.onmicrosoft.com');
    selectTenant(apiBase, null);
    await showing(followers, 'contoso.onmicrosoft.com');
  });

  it('works as the page default too (window.O365Health.tenant = "selected")', async () => {
    const s = newSession();
    window.O365Health = { tenant: 'selected' };
    try {
      const { el } = await mount<HTMLElement>(html`<o365-service-messages api-base=${s.apiBase} api-key="admin"></o365-service-messages>`);
      await showing([el], 'contoso.onmicrosoft.com');
      selectTenant(s.apiBase, FABRIKAM);
      await showing([el], 'fabrikam.onmicrosoft.com');
    } finally {
      delete window.O365Health;
    }
  });

  it('marks in the overview the tenant the followers show', async () => {
    const { overview, followers, events } = await page();
    await showing(followers, 'contoso.onmicrosoft.com');
    await part(overview, 'list');
    expect(text($(overview, '[aria-current="true"] [part~="label"]'))).to.equal('contoso.onmicrosoft.com');
    expect($$(overview, '[aria-current="true"]')).to.have.length(1);
    selectTenant(overview.apiBase, FABRIKAM);
    await showing(followers, 'fabrikam.onmicrosoft.com');
    await overview.updateComplete;
    expect(text($(overview, '[aria-current="true"] [part~="label"]'))).to.equal('fabrikam.onmicrosoft.com');
    expect(events.some((e) => e.type === 'o365-tenant-select'), 'no user action, no event').to.be.false;
  });
});
