import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/service-uptime/service-uptime.js';
import type { O365ServiceUptime } from '../../../widgets/service-uptime/service-uptime.js';
import { availabilityText, dayLabel, dayName } from '../../../widgets/service-uptime/service-uptime.mapping.js';
import { $, $$, CONTOSO, count, mount, newSession, overflowing, part, requests, text } from '../support/helpers.js';

/** An <o365-service-uptime> on the fake API (fixture history: Contoso, 90 days to 2 May 2024, UTC). */
async function uptime(attrs: { key?: string; extra?: Record<string, string>; width?: number } = {}) {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365ServiceUptime>(
    html`<o365-service-uptime api-base=${s.apiBase} api-key=${attrs.key ?? 'admin'} locale="en-GB" time-zone="UTC"></o365-service-uptime>`,
  );
  if (attrs.width) wrapper.style.width = `${attrs.width}px`;
  for (const [k, v] of Object.entries(attrs.extra ?? {})) el.setAttribute(k, v);
  return { el, events, wrapper, session: s };
}

/** Waits for the bars. */
async function loaded(el: O365ServiceUptime): Promise<void> {
  await part(el, 'list');
  await el.updateComplete;
}

const rows = (el: Element) => $$(el, '[part~="item"]');
const bars = (row: Element) => [...row.querySelectorAll<HTMLElement>('[part~="day"]')];
const visibleBars = (row: Element) => bars(row).filter((b) => b.checkVisibility());
const focused = (el: Element) => el.shadowRoot!.activeElement as HTMLElement | null;

describe('<o365-service-uptime>', () => {
  describe('accessibility', () => {
    it('is accessible while loading, with a labelled progress indicator', async () => {
      const { el } = await uptime({ key: 'slow' });
      expect($(el, '[part~="loading"] [role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading service uptime');
      await expect(el).to.be.accessible();
    });

    it('is accessible with bars, and with a day opened', async () => {
      const { el } = await uptime();
      await loaded(el);
      await expect(el).to.be.accessible();
      bars(rows(el)[0]!).at(-1)!.click();
      await part(el, 'issues');
      await expect(el).to.be.accessible();
    });

    it('writes out an accessible name and tooltip for every day: service, date, level and issue ids', async () => {
      const { el } = await uptime();
      await loaded(el);
      const exchange = bars(rows(el)[0]!);
      expect(exchange.at(-1)!.getAttribute('aria-label')).to.equal('Exchange Online, 2 May: interruption, EX226792');
      expect(exchange.at(-1)!.title).to.equal('Exchange Online, 2 May: interruption, EX226792');
      expect(exchange.at(-2)!.getAttribute('aria-label')).to.equal('Exchange Online, 1 May: advisory, EX415080');
      expect(exchange[0]!.getAttribute('aria-label')).to.equal('Exchange Online, 3 Feb: no data');
      expect(bars(rows(el)[1]!).at(-3)!.getAttribute('aria-label')).to.equal('Microsoft 365 suite, 30 Apr: operational');
      for (const row of rows(el)) for (const bar of bars(row)) expect(bar.getAttribute('aria-label'), 'every bar is named').to.match(/^.+, \d{1,2} \w{3}: (no data|operational|advisory|degradation|interruption)/);
    });

    it('never shows a level by colour alone: each level has its own pattern, and a legend names them with icons', async () => {
      const { el } = await uptime();
      await loaded(el);
      const legend = $(el, '[part~="legend"]')!;
      expect($$(el, '[part~="legend"] li').map(text)).to.deep.equal(['no data', 'operational', 'advisory', 'degradation', 'interruption']);
      const swatches = [...legend.querySelectorAll<HTMLElement>('.swatch')];
      const looks = swatches.map((s) => {
        const cs = getComputedStyle(s);
        return `${cs.backgroundImage}|${cs.height}|${cs.borderTopStyle}`;
      });
      expect(new Set(looks).size, 'five different shapes or patterns').to.equal(5);
      expect(legend.querySelectorAll('svg[aria-hidden="true"]')).to.have.length(5);
      const exchange = bars(rows(el)[0]!);
      expect(getComputedStyle(exchange.at(-1)!).backgroundImage, 'the interruption is a broken bar').to.contain('linear-gradient');
      expect(getComputedStyle(exchange.at(-2)!).backgroundImage, 'an advisory is banded').to.contain('repeating-linear-gradient');
    });
  });

  describe('bars and levels', () => {
    it('shows one row per service with its availability and one bar per day, each a day part with its level', async () => {
      const { el, events } = await uptime();
      await loaded(el);
      expect($$(el, '[part~="name"]').map(text)).to.deep.equal(['Exchange Online', 'Microsoft 365 suite', 'Identity Service', 'Dynamics 365 Apps', 'Microsoft Teams', 'SharePoint Online']);
      expect($$(el, '[part~="availability"]').map(text)).to.deep.equal(['99.87%', '100.00%', '100.00%', '100.00%', '100.00%', '100.00%']);
      for (const row of rows(el)) {
        expect(bars(row)).to.have.length(90);
        expect(bars(row).filter((b) => b.matches('[part~="day-nodata"]')), 'before the earliest known data').to.have.length(29);
      }
      const exchange = bars(rows(el)[0]!);
      expect(exchange.at(-1)!.getAttribute('part')).to.equal('day day-interruption');
      expect(exchange.filter((b) => b.matches('[part~="day-advisory"]'))).to.have.length(10);
      expect(bars(rows(el)[3]!).filter((b) => b.matches('[part~="day-advisory"]')).map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Dynamics 365 Apps, 29 Apr: advisory, CR384241']);
      expect(text($(el, '[part~="summary"] .wide'))).to.equal('Last 90 days');
      expect(text($(el, '[part~="title"]'))).to.contain('contoso.onmicrosoft.com');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.detail.element).to.equal('service-uptime');
      expect(load.detail.history.services).to.have.length(6);
    });

    it('asks the history API for the days and zone of its attributes', async () => {
      const { el, session } = await uptime({ extra: { days: '7', 'time-zone': 'Europe/Berlin' } });
      await waitUntil(() => rows(el).length && bars(rows(el)[0]!).length === 7, 'seven bars never rendered', { timeout: 4000 });
      const paths = (await requests(session.id)).map((r) => r.path).filter((p) => p.includes('/history'));
      expect(paths.at(-1)).to.equal(`/api/tenants/${CONTOSO}/history?days=7&timeZone=Europe%2FBerlin`);
      expect(text($(el, '[part~="summary"] .wide'))).to.equal('Last 7 days');
    });

    it('shows only the services named in `services` (ids or names, any case)', async () => {
      const { el } = await uptime({ extra: { services: 'exchange, SharePoint Online' } });
      await loaded(el);
      await waitUntil(() => rows(el).length === 2, 'the filter was not applied');
      expect($$(el, '[part~="name"]').map(text)).to.deep.equal(['Exchange Online', 'SharePoint Online']);
      el.services = 'Yammer';
      await el.updateComplete;
      expect(text(await part(el, 'empty'))).to.equal('None of the selected services was found.');
      await expect(el).to.be.accessible();
    });

    it('formats the availability in its locale, rounded down, and says "no data" without data', () => {
      expect(availabilityText(0.998728, 'en-GB')).to.equal('99.87%');
      expect(availabilityText(0.99999, 'en-GB'), 'downtime never reads 100 %').to.equal('99.99%');
      expect(availabilityText(0.9995, 'de-DE')).to.equal('99,95\u00a0%');
      expect(availabilityText(null, 'en-GB')).to.equal('no data');
      expect(dayLabel('2024-11-03', 'en-GB')).to.equal('3 Nov');
      expect(dayName('Exchange Online', { date: '2024-11-03', level: 'degradation', issueIds: ['EX123456'] }, 'en-GB')).to.equal('Exchange Online, 3 Nov: degradation, EX123456');
    });
  });

  describe('keyboard', () => {
    it('is one tab stop; arrow keys, Home and End move between days and services', async () => {
      const { el } = await uptime();
      await loaded(el);
      const stops = $$(el, '[part~="day"]').filter((b) => b.tabIndex === 0);
      expect(stops.map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Exchange Online, 2 May: interruption, EX226792']);
      stops[0]!.focus();
      await sendKeys({ press: 'ArrowLeft' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Exchange Online, 1 May: advisory, EX415080');
      await el.updateComplete;
      expect(text($(el, '[part~="tooltip"]')), 'the tooltip follows the focus').to.equal('Exchange Online, 1 May: advisory, EX415080');
      await sendKeys({ press: 'ArrowDown' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Microsoft 365 suite, 1 May: operational');
      await sendKeys({ press: 'Home' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Microsoft 365 suite, 3 Feb: no data');
      await sendKeys({ press: 'ArrowLeft' });
      expect(focused(el)!.getAttribute('aria-label'), 'stays on the first day').to.equal('Microsoft 365 suite, 3 Feb: no data');
      await sendKeys({ press: 'End' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Microsoft 365 suite, 2 May: advisory, MO226784');
      await sendKeys({ press: 'ArrowUp' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Exchange Online, 2 May: interruption, EX226792');
      await el.updateComplete;
      expect($$(el, '[part~="day"]').filter((b) => b.tabIndex === 0), 'the tab stop moved along').to.deep.equal([focused(el)]);
    });

    it('fires o365-issue-select on Enter on a day with issues, and lists them unless cancelled', async () => {
      const { el, events } = await uptime();
      await loaded(el);
      const last = bars(rows(el)[0]!).at(-1)!;
      last.focus();
      await sendKeys({ press: 'Enter' });
      const select = events.find((e) => e.type === 'o365-issue-select')!;
      expect(select.detail).to.deep.equal({ tenantId: CONTOSO, issueIds: ['EX226792'], service: { id: 'Exchange', name: 'Exchange Online' }, date: '2024-05-02' });
      expect([select.bubbles, select.composed, select.cancelable]).to.deep.equal([true, true, true]);
      const issues = await part(el, 'issues');
      expect(text(issues)).to.contain('Exchange Online, 2 May');
      expect(issues.querySelector('a')!.getAttribute('href')).to.equal('https://admin.microsoft.com/#/servicehealth/:/alerts/EX226792');
      await el.refresh();
      expect($(el, '[part~="issues"]'), 'still open after a refresh').to.exist;
      // A day without issues fires nothing.
      await sendKeys({ press: 'ArrowDown' });
      await sendKeys({ press: 'ArrowLeft' });
      await sendKeys({ press: 'Space' });
      expect(events.filter((e) => e.type === 'o365-issue-select')).to.have.length(1);
    });

    it('closes an opened day when another tenant is shown', async () => {
      const { el } = await uptime();
      await loaded(el);
      bars(rows(el)[0]!).at(-1)!.click();
      await part(el, 'issues');
      el.tenant = 'fabrikam.onmicrosoft.com';
      await waitUntil(() => text($(el, '[part~="title"]')).includes('fabrikam'), 'Fabrikam never loaded', { timeout: 4000 });
      expect($(el, '[part~="issues"]')).to.be.null;
      expect($$(el, '[part~="name"]').map(text)).to.deep.equal(['Exchange Online', 'SharePoint Online', 'Microsoft Teams']);
    });

    it('lists nothing when a listener cancels o365-issue-select', async () => {
      const { el, wrapper } = await uptime();
      wrapper.addEventListener('o365-issue-select', (e) => e.preventDefault());
      await loaded(el);
      bars(rows(el)[0]!).at(-1)!.focus();
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect($(el, '[part~="issues"]')).to.be.null;
    });
  });

  describe('narrow tile', () => {
    it('shows the last 30 days under 360 px, and moves only between the days it shows', async () => {
      const { el, wrapper } = await uptime({ width: 300 });
      await loaded(el);
      for (const row of rows(el)) expect(visibleBars(row)).to.have.length(30);
      expect($(el, '[part~="summary"]')!.innerText.trim(), 'what a reader sees').to.equal('Last 30 days');
      expect(visibleBars(rows(el)[0]!)[0]!.getAttribute('aria-label')).to.equal('Exchange Online, 3 Apr: operational');
      expect(overflowing(el)).to.deep.equal([]);
      bars(rows(el)[0]!).at(-1)!.focus();
      await sendKeys({ press: 'Home' });
      expect(focused(el)!.getAttribute('aria-label')).to.equal('Exchange Online, 3 Apr: operational');
      await expect(el).to.be.accessible();
      wrapper.style.width = '640px';
      await waitUntil(() => visibleBars(rows(el)[0]!).length === 90, 'a wide tile shows every day');
      expect($(el, '[part~="summary"]')!.innerText.trim()).to.equal('Last 90 days');
      expect(overflowing(el)).to.deep.equal([]);
    });
  });

  describe('states', () => {
    it('shows an error with role=alert and a Retry that loads again', async () => {
      const { el, events, session } = await uptime({ key: 'error' });
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect(text(error)).to.contain('Service uptime could not be loaded.');
      expect(events.some((e) => e.type === 'o365-error' && e.detail.status === 500)).to.be.true;
      await expect(el).to.be.accessible();
      $(el, '[part~="retry"]')!.click();
      await waitUntil(async () => (await count(session.id, '/api/tenants')) === 2, 'Retry did not load again');
    });

    it('says so when the tenant has no history yet (before its first sync)', async () => {
      const { el } = await uptime({ key: 'first-sync' });
      expect(text(await part(el, 'empty'))).to.equal('No service history has been retrieved for this tenant yet. It appears after the first sync.');
      await expect(el).to.be.accessible();
    });

    it('shows the hint for admins when no tenant is connected', async () => {
      const { el } = await uptime({ key: 'empty' });
      expect(text(await part(el, 'no-tenant'))).to.contain('No Microsoft 365 tenant is connected yet');
      await expect(el).to.be.accessible();
    });

    it('marks stale data with "as of" and a Stale badge', async () => {
      const { el } = await uptime({ key: 'stale' });
      await loaded(el);
      expect(text(await part(el, 'stale'))).to.contain('Stale');
      expect(text($(el, '[part~="as-of"]'))).to.contain('2 May 2024');
      await expect(el).to.be.accessible();
    });

    it('shows the re-authorization notice over the last known history', async () => {
      const { el } = await uptime({ key: 'reauth' });
      await loaded(el);
      expect(text(await part(el, 'reauth'))).to.contain('needs to be renewed');
      expect(rows(el)).to.have.length(6);
      await expect(el).to.be.accessible();
    });
  });
});
