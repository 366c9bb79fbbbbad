import { expect, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/tenant-overview/tenant-overview.js';
import type { O365TenantOverview } from '../../../widgets/tenant-overview/tenant-overview.js';
import { selectedTenant } from '../../../widgets/internal/selection.js';
import { $, $$, CONTOSO, count, FABRIKAM, mount, newSession, overflowing, part, text } from '../support/helpers.js';

/** An <o365-tenant-overview> on the fake API (the key picks the world, see test-api.mjs). */
async function overview(attrs: { key?: string; apiBase?: string; zone?: string; width?: number; compact?: boolean } = {}) {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365TenantOverview>(
    html`<o365-tenant-overview api-base=${attrs.apiBase ?? s.apiBase} api-key=${attrs.key ?? 'admin'} locale="en-GB" time-zone=${attrs.zone ?? 'UTC'} ?compact=${attrs.compact}></o365-tenant-overview>`,
  );
  if (attrs.width) wrapper.style.width = `${attrs.width}px`;
  wrapper.addEventListener('o365-tenant-select', (e) => events.push(e as CustomEvent));
  return { el, events, wrapper, session: s };
}

/** Waits for the tenants. */
async function loaded(el: O365TenantOverview): Promise<void> {
  await part(el, 'list');
  await el.updateComplete;
}

const items = (el: Element) => $$(el, '[part~="item"]');
const buttons = (el: Element) => $$(el, '[part~="tenant"]');
const labels = (el: Element) => $$(el, '[part~="label"]').map(text);
const button = (el: Element, label: string) => buttons(el).find((b) => text(b.querySelector('[part~="label"]')) === label)!;
const current = (el: Element) => buttons(el).filter((b) => b.getAttribute('aria-current') === 'true');
const focused = (el: Element) => el.shadowRoot!.activeElement as HTMLElement | null;

describe('<o365-tenant-overview>', () => {
  describe('accessibility', () => {
    it('is accessible while loading, with a labelled progress indicator', async () => {
      const { el } = await overview({ key: 'slow' });
      expect($(el, '[part~="loading"] [role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading the tenant overview');
      await expect(el).to.be.accessible();
    });

    it('is accessible with tenants, the search box, and a shared issue opened', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      await expect(el).to.be.accessible();
      ($(el, '[part~="incident"] button') as HTMLButtonElement).click();
      await part(el, 'affected-tenants');
      await expect(el).to.be.accessible();
    });

    it('never shows a level by colour alone: every tenant has an icon shape and words', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      for (const item of items(el)) {
        const status = item.querySelector('[part~="status"]')!;
        expect(status.querySelector('svg[aria-hidden="true"]'), text(item)).to.exist;
        expect(text(status)).to.match(/^(Interruption|Degradation|Advisory|Operational|No data)$/);
      }
      const shapes = new Set(items(el).map((i) => i.querySelector('[part~="status"] svg')!.getAttribute('class')));
      expect(shapes.size, 'degradation, operational and no data have different icons').to.equal(3);
    });
  });

  describe('tenants', () => {
    it('shows each tenant with its label, name, level, counts and affected services, worst first', async () => {
      const { el, events } = await overview();
      await loaded(el);
      expect(labels(el)).to.deep.equal(['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com']);
      const [contoso, fabrikam] = items(el);
      expect(text(contoso!.querySelector('[part~="name"]'))).to.equal('Contoso');
      expect(text(contoso!.querySelector('[part~="status"]'))).to.equal('Degradation');
      expect(text(contoso!.querySelector('[part~="counts"]'))).to.equal('1 incident, 1 advisory');
      expect(text(contoso!.querySelector('[part~="services"]'))).to.equal('2 services affected');
      expect(contoso!.getAttribute('part')).to.equal('item item-degraded');
      expect(text(fabrikam!.querySelector('[part~="status"]'))).to.equal('Advisory');
      expect(text(fabrikam!.querySelector('[part~="counts"]'))).to.equal('1 advisory');
      expect(text(fabrikam!.querySelector('[part~="services"]'))).to.equal('1 service affected');
      expect(text($(el, '[part~="summary"]'))).to.equal('2 of 2 tenants have issues');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.detail.element).to.equal('tenant-overview');
      expect(load.detail.overview.tenants).to.have.length(2);
    });

    it('sorts by severity first, then by label; a tenant never synced comes last', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      expect(labels(el)).to.deep.equal([
        'contoso.onmicrosoft.com',
        'fabrikam.onmicrosoft.com',
        'litware.onmicrosoft.com',
        'adatum.onmicrosoft.com',
        'northwind.onmicrosoft.com',
        'proseware.onmicrosoft.com',
        'tailspin.onmicrosoft.com',
        'woodgrove.onmicrosoft.com',
        'wingtip.onmicrosoft.com',
      ]);
      expect(text($(el, '[part~="summary"]'))).to.equal('3 of 9 tenants have issues');
    });

    it('marks stale data, an authorization to renew and a tenant not synced yet', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      const tailspin = button(el, 'tailspin.onmicrosoft.com');
      expect(text(tailspin.querySelector('[part~="stale"]'))).to.equal('Stale');
      expect(text(tailspin.querySelector('[part~="reauth"]'))).to.equal('Needs re-authorization');
      expect(tailspin.querySelector('[part~="reauth"] svg')).to.exist;
      const wingtip = button(el, 'wingtip.onmicrosoft.com');
      expect(text(wingtip.querySelector('[part~="status"]'))).to.equal('No data');
      expect(text(wingtip)).to.contain('not synced yet');
      expect(wingtip.querySelector('[part~="stale"], [part~="reauth"]')).to.equal(null);
      expect(button(el, 'adatum.onmicrosoft.com').querySelector('[part~="stale"], [part~="reauth"]')).to.equal(null);
    });

    it('shows sync times in its locale and time zone, and names the zone', async () => {
      const { el } = await overview({ zone: 'America/New_York' });
      await loaded(el);
      expect(text(button(el, 'contoso.onmicrosoft.com'))).to.contain('synced 2 May 2024, 5:20');
      expect(button(el, 'contoso.onmicrosoft.com').querySelector('time')!.getAttribute('datetime')).to.equal('2024-05-02T09:20:00.000Z');
      expect(text($(el, '[part~="time-zone"]'))).to.equal('times in America/New_York');
    });
  });

  describe('search', () => {
    it('offers no search box for a handful of tenants', async () => {
      const { el } = await overview();
      await loaded(el);
      expect($(el, '[part~="search"]')).to.equal(null);
    });

    it('filters more than six tenants by label, name or id, and says when none matches', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      const input = $(el, '[part~="search-input"]') as HTMLInputElement;
      expect(text(el.shadowRoot!.querySelector(`label[for="${input.id}"]`))).to.equal('Search tenants');
      expect(text($(el, '#found'))).to.equal('9 tenants');
      input.focus();
      await sendKeys({ type: 'WOOD' });
      await waitUntil(() => labels(el).length === 1, 'the search did not filter');
      expect(labels(el)).to.deep.equal(['woodgrove.onmicrosoft.com']);
      expect(text($(el, '#found'))).to.equal('1 of 9 tenants');
      input.select();
      await sendKeys({ type: 'Fabrikam' });
      await waitUntil(() => labels(el).join() === 'fabrikam.onmicrosoft.com', 'the display name did not match');
      input.select();
      await sendKeys({ type: 'nothing-here' });
      expect(text(await part(el, 'no-match'))).to.equal('No tenant matches “nothing-here”.');
      await expect(el).to.be.accessible();
    });
  });

  describe('issues in several tenants', () => {
    it('lists an incident that reaches several tenants with "N tenants affected", opening to their labels', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      const shared = $(el, '[part~="shared"]')!;
      expect(text(shared.querySelector('h3'))).to.equal('Issues in several tenants');
      const incidents = $$(el, '[part~="incident"]');
      expect(incidents).to.have.length(1);
      expect(text(incidents[0]!.querySelector('[part~="affected"]'))).to.equal('3 tenants affected');
      expect(text(incidents[0])).to.contain('EX226792');
      const opener = incidents[0]!.querySelector('button')!;
      expect(opener.getAttribute('aria-expanded')).to.equal('false');
      opener.click();
      const list = await part(el, 'affected-tenants');
      expect(opener.getAttribute('aria-expanded')).to.equal('true');
      expect(opener.getAttribute('aria-controls')).to.equal(list.id);
      expect([...list.querySelectorAll('li')].map(text)).to.deep.equal(['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com', 'litware.onmicrosoft.com']);
      opener.click();
      await waitUntil(() => !$(el, '[part~="affected-tenants"]'), 'the list did not close');
    });

    it('shows no such section when every issue reaches one tenant', async () => {
      const { el } = await overview();
      await loaded(el);
      expect($(el, '[part~="shared"]')).to.equal(null);
    });
  });

  describe('selection', () => {
    it('marks the tenant discovery picks before anything is selected: the first active one by label', async () => {
      const { el } = await overview({ key: 'many' });
      await loaded(el);
      expect(current(el).map((b) => text(b.querySelector('[part~="label"]')))).to.deep.equal(['adatum.onmicrosoft.com']);
      expect(text(current(el)[0]!.querySelector('[part~="selected"]'))).to.equal('Selected');
    });

    it('fires a cancelable o365-tenant-select; unless cancelled, the tenant becomes the selected one', async () => {
      const { el, events, session } = await overview();
      await loaded(el);
      expect(current(el).map((b) => text(b.querySelector('[part~="label"]')))).to.deep.equal(['contoso.onmicrosoft.com']);
      button(el, 'fabrikam.onmicrosoft.com').click();
      const selects = events.filter((e) => e.type === 'o365-tenant-select');
      expect(selects).to.have.length(1);
      expect(selects[0]!.detail).to.deep.equal({ tenantId: FABRIKAM });
      expect([selects[0]!.bubbles, selects[0]!.composed, selects[0]!.cancelable]).to.deep.equal([true, true, true]);
      await waitUntil(() => current(el)[0] === button(el, 'fabrikam.onmicrosoft.com'), 'the selection was not marked');
      expect(current(el)).to.have.length(1);
      expect(button(el, 'contoso.onmicrosoft.com').querySelector('[part~="selected"]')).to.equal(null);
      expect(selectedTenant(session.apiBase)).to.equal(FABRIKAM);
      expect(sessionStorage.getItem(`o365-health:selected-tenant:${session.apiBase}`)).to.equal(FABRIKAM);
      expect(text($(el, '[role="status"]'))).to.equal('fabrikam.onmicrosoft.com selected');
    });

    it('selects nothing when a listener cancels o365-tenant-select', async () => {
      const { el, wrapper, session } = await overview();
      await loaded(el);
      wrapper.addEventListener('o365-tenant-select', (e) => e.preventDefault());
      button(el, 'fabrikam.onmicrosoft.com').click();
      await el.updateComplete;
      expect(current(el)[0]).to.equal(button(el, 'contoso.onmicrosoft.com'));
      expect(selectedTenant(session.apiBase)).to.equal(undefined);
    });

    it('is one tab stop on the marked tenant; arrow keys, Home and End move, Enter selects', async () => {
      const { el, session } = await overview({ key: 'many' });
      await loaded(el);
      expect(buttons(el).filter((b) => b.tabIndex === 0)).to.deep.equal([button(el, 'adatum.onmicrosoft.com')]);
      button(el, 'adatum.onmicrosoft.com').focus();
      await sendKeys({ press: 'ArrowDown' });
      expect(focused(el)).to.equal(button(el, 'northwind.onmicrosoft.com'));
      await sendKeys({ press: 'ArrowUp' });
      await sendKeys({ press: 'ArrowLeft' });
      expect(focused(el)).to.equal(button(el, 'litware.onmicrosoft.com'));
      await sendKeys({ press: 'End' });
      expect(focused(el)).to.equal(button(el, 'wingtip.onmicrosoft.com'));
      await sendKeys({ press: 'Home' });
      expect(focused(el)).to.equal(button(el, 'contoso.onmicrosoft.com'));
      await el.updateComplete;
      expect(buttons(el).filter((b) => b.tabIndex === 0)).to.deep.equal([button(el, 'contoso.onmicrosoft.com')]);
      const selected = oneEvent(el, 'o365-tenant-select');
      await sendKeys({ press: 'Enter' });
      expect((await selected).detail).to.deep.equal({ tenantId: CONTOSO });
      expect(selectedTenant(session.apiBase)).to.equal(CONTOSO);
    });
  });

  describe('states', () => {
    it('shows an error with role=alert and a Retry that loads again', async () => {
      const { el, events, session } = await overview({ key: 'error' });
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect(text(error)).to.contain('The tenant overview could not be loaded.');
      expect(events.some((e) => e.type === 'o365-error' && e.detail.status === 500)).to.be.true;
      await expect(el).to.be.accessible();
      $(el, '[part~="retry"]')!.click();
      await waitUntil(async () => (await count(session.id, '/api/overview')) === 2, 'Retry did not load again');
    });

    it('explains a revoked API key', async () => {
      const { el, events } = await overview({ key: 'revoked-key' });
      expect(text(await part(el, 'error'))).to.contain('The API key was refused');
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(401);
      await expect(el).to.be.accessible();
    });

    it('explains a server it cannot reach', async () => {
      const { el, events } = await overview({ apiBase: 'http://127.0.0.1:9' });
      expect(text(await part(el, 'error'))).to.contain('could not be reached');
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(0);
      await expect(el).to.be.accessible();
    });

    it('shows the hint for admins when no tenant is connected', async () => {
      const { el } = await overview({ key: 'empty' });
      expect(text(await part(el, 'no-tenant'))).to.contain('No Microsoft 365 tenant is connected yet');
      await expect(el).to.be.accessible();
    });

    it('says every tenant is healthy when none has an issue', async () => {
      const { el } = await overview({ key: 'healthy' });
      await loaded(el);
      expect(text($(el, '[part~="summary"]'))).to.equal('All tenants are healthy');
      expect($(el, '[part~="summary"] .icon-healthy')).to.exist;
      expect(items(el).map((i) => text(i.querySelector('[part~="status"]')))).to.deep.equal(['Operational', 'Operational']);
      expect(items(el).map((i) => text(i.querySelector('[part~="counts"]')))).to.deep.equal(['No active issues', 'No active issues']);
      await expect(el).to.be.accessible();
    });

    it('shows tenants before their first sync as "No data"', async () => {
      const { el } = await overview({ key: 'first-sync' });
      await loaded(el);
      expect(items(el).map((i) => text(i.querySelector('[part~="status"]')))).to.deep.equal(['No data', 'No data']);
      expect(text($(el, '[part~="summary"]'))).to.equal('No tenant has active issues');
      await expect(el).to.be.accessible();
    });

    it('marks every tenant whose authorization needs renewing', async () => {
      const { el } = await overview({ key: 'reauth' });
      await loaded(el);
      expect(items(el).map((i) => text(i.querySelector('[part~="reauth"]')))).to.deep.equal(['Needs re-authorization', 'Needs re-authorization']);
      await expect(el).to.be.accessible();
    });
  });

  describe('layout and theming', () => {
    it('lists rows in a wide host, and tiles in a narrow one or with compact', async () => {
      const wide = await overview({ width: 800 });
      await loaded(wide.el);
      const tracks = (el: Element) => getComputedStyle($(el, '[part~="list"]')!).gridTemplateColumns.split(' ').length;
      expect(tracks(wide.el), 'one row per tenant').to.equal(1);
      expect(getComputedStyle(buttons(wide.el)[0]!).gridTemplateColumns.split(' ').length, 'columns in a row').to.equal(3);
      const compact = await overview({ width: 800, compact: true });
      await loaded(compact.el);
      expect(tracks(compact.el), 'tiles side by side').to.be.greaterThan(1);
      const narrow = await overview({ width: 240, key: 'many' });
      await loaded(narrow.el);
      expect(getComputedStyle(buttons(narrow.el)[0]!).gridTemplateColumns.split(' ').length, 'a tile stacks its lines').to.equal(1);
      expect(overflowing(narrow.el)).to.deep.equal([]);
    });

    it('takes the page tokens and its own custom properties', async () => {
      const { el } = await overview();
      el.style.setProperty('--o365-color-surface', 'rgb(1, 2, 3)');
      await loaded(el);
      expect(getComputedStyle($(el, '[part~="base"]')!).backgroundColor).to.equal('rgb(1, 2, 3)');
      el.style.setProperty('--o365-tenant-overview-background', 'rgb(4, 5, 6)');
      expect(getComputedStyle($(el, '[part~="base"]')!).backgroundColor).to.equal('rgb(4, 5, 6)');
    });
  });
});
