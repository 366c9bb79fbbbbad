import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/service-health/service-health.js';
import type { O365ServiceHealth } from '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import type { O365ServiceMessages } from '../../../widgets/service-messages/service-messages.js';
import { $, $$, CONTOSO, count, FABRIKAM, midWordBreaks, mount, newSession, overflowing, part, requests, resetVisibility, setVisibility, text } from '../support/helpers.js';

async function health(attrs: { key?: string; tenant?: string; extra?: Record<string, string> } = {}) {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365ServiceHealth>(
    html`<o365-service-health api-base=${s.apiBase} api-key=${attrs.key ?? 'admin'} tenant=${attrs.tenant ?? ''}></o365-service-health>`,
  );
  for (const [k, v] of Object.entries(attrs.extra ?? {})) el.setAttribute(k, v);
  return { el, events, wrapper, session: s };
}

const rowNames = (el: Element) => $$(el, '[part~="item"] .name').map(text);

/**
 * An <o365-service-health> in a frame of its own (its own document and visibility), refreshing
 * `tenant` every `seconds` from `apiBase`; resolves once it has loaded.
 */
async function visibleTwin(apiBase: string, tenant: string, seconds: number): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  const module = new URL('../../../widgets/service-health/service-health.ts', import.meta.url).pathname;
  frame.srcdoc = `<!doctype html><script type="module" src="${module}"></script>
    <o365-service-health api-base="${apiBase}" api-key="admin" tenant="${tenant}" refresh-interval="${seconds}"></o365-service-health>`;
  document.body.append(frame);
  await waitUntil(() => frame.contentDocument?.querySelector('o365-service-health')?.shadowRoot?.querySelector('[part~="list"]'), 'the twin in the frame did not load', { timeout: 5000 });
  return frame;
}

describe('<o365-service-health>', () => {
  describe('accessibility', () => {
    it('is accessible while loading, with a labelled progress indicator', async () => {
      const { el } = await health({ key: 'slow' });
      const progress = $(el, '[part~="loading"] [role="progressbar"]');
      expect(progress).to.exist;
      expect(progress!.getAttribute('aria-label')).to.equal('Loading service health');
      await expect(el).to.be.accessible();
    });

    it('is accessible with data, collapsed and expanded', async () => {
      const { el } = await health();
      await part(el, 'list');
      await expect(el).to.be.accessible();
      $(el, 'button.row')!.click();
      await el.updateComplete;
      await expect(el).to.be.accessible();
    });

    it('has a polite live region from the first render', async () => {
      const { el } = await health({ key: 'slow' });
      const live = $(el, '[role="status"]');
      expect(live?.getAttribute('aria-live')).to.equal('polite');
    });

    it('shows status with an icon shape and words, never colour alone', async () => {
      const { el } = await health();
      await part(el, 'list');
      for (const status of $$(el, '[part~="item"] [part~="status"]')) {
        expect(status.querySelector('svg[aria-hidden="true"]')).to.exist;
        expect(text(status)).to.not.equal('');
      }
    });
  });

  describe('attributes', () => {
    it('finds the first active tenant with nothing but api-base and api-key', async () => {
      const { el } = await health();
      await part(el, 'list');
      expect(text($(el, '[part~="title"]'))).to.contain('contoso.onmicrosoft.com');
    });

    it('accepts a tenant label or id in `tenant`', async () => {
      const byLabel = await health({ tenant: 'FABRIKAM.onmicrosoft.com' });
      await part(byLabel.el, 'list');
      expect(text($(byLabel.el, '[part~="title"]'))).to.contain('fabrikam.onmicrosoft.com');
      const byId = await health({ tenant: CONTOSO });
      await part(byId.el, 'list');
      expect(text($(byId.el, '[part~="title"]'))).to.contain('contoso.onmicrosoft.com');
    });

    it('uses the page-level default (window.O365Health) when attributes are absent', async () => {
      const s = newSession();
      window.O365Health = { apiBase: s.apiBase, apiKey: 'admin', tenant: FABRIKAM };
      try {
        const { el } = await mount<O365ServiceHealth>(html`<o365-service-health></o365-service-health>`);
        await part(el, 'list');
        expect(text($(el, '[part~="title"]'))).to.contain('fabrikam.onmicrosoft.com');
        expect(await count(s.id, '/api/tenants')).to.equal(1);
      } finally {
        delete window.O365Health;
      }
    });

    it('uses the page-level default <meta name="o365-health"> too', async () => {
      const s = newSession();
      const meta = Object.assign(document.createElement('meta'), { name: 'o365-health', content: `api-base=${s.apiBase}; api-key=admin` });
      document.head.append(meta);
      try {
        const { el } = await mount<O365ServiceHealth>(html`<o365-service-health></o365-service-health>`);
        await part(el, 'list');
        expect(await count(s.id, `/api/tenants/${CONTOSO}/health`)).to.equal(1);
      } finally {
        meta.remove();
      }
    });

    it('sorts services by severity, then name', async () => {
      const { el } = await health();
      await part(el, 'list');
      expect(rowNames(el)).to.deep.equal([
        'Exchange Online',
        'Microsoft 365 suite',
        'Dynamics 365 Apps',
        'Identity Service',
        'Microsoft Teams',
        'SharePoint Online',
      ]);
      expect(text($(el, '[part~="item"] [part~="status"]'))).to.equal('Service degradation');
      expect(text($(el, '[part~="item"] .counts'))).to.equal('1 incident');
      expect(text($$(el, '[part~="item"]')[1].querySelector('[part~="status"]'))).to.equal('Investigating');
    });

    it('shows an unknown status with its raw value', async () => {
      const { el } = await health({ tenant: FABRIKAM });
      await part(el, 'list');
      const statuses = $$(el, '[part~="item"] [part~="status"]').map(text);
      expect(statuses).to.include('Unknown status (plannedMaintenance)');
    });

    it('shows only the services listed in `services`, by id or name', async () => {
      const { el } = await health();
      el.services = 'exchange, Microsoft Teams';
      await part(el, 'list');
      await el.updateComplete;
      expect(rowNames(el)).to.deep.equal(['Exchange Online', 'Microsoft Teams']);
    });

    it('leaves healthy services out with `hide-healthy`', async () => {
      const { el } = await health();
      el.hideHealthy = true;
      await part(el, 'list');
      await el.updateComplete;
      expect(rowNames(el)).to.deep.equal(['Exchange Online', 'Microsoft 365 suite']);
      expect(text($(el, '[part~="summary"]'))).to.equal('2 services have issues');
    });

    it('formats times in `locale` and `time-zone`, naming the one zone of the view once', async () => {
      const { el } = await health();
      el.locale = 'de-DE';
      el.timeZone = 'Asia/Tokyo';
      await part(el, 'as-of');
      await el.updateComplete;
      // 09:20 UTC is 18:20 in Tokyo.
      expect(text($(el, '[part~="as-of"] time'))).to.equal('2. Mai 2024, 18:20');
      expect($(el, '[part~="as-of"] time')!.getAttribute('datetime')).to.equal('2024-05-02T09:20:00.000Z');
      expect(text($(el, '[part~="time-zone"]'))).to.equal('times in Asia/Tokyo');
      $(el, 'button.row')!.click();
      await waitUntil(() => $(el, '.issue-meta time'));
      expect(text($(el, '.issue-meta time'))).to.equal('2. Mai 2024, 18:15'); // EX226792, last changed 09:15:24 UTC
    });

    describe('locale, without a `locale` attribute', () => {
      const lang = document.documentElement.lang;
      afterEach(() => {
        document.documentElement.lang = lang;
        delete window.O365Health;
      });
      const asOf = async (el: O365ServiceHealth) => {
        await part(el, 'as-of');
        return text($(el, '[part~="as-of"] time'));
      };
      it('follows the page’s <html lang>, not the browser’s language', async () => {
        expect(navigator.language).to.not.match(/^de/);
        document.documentElement.lang = 'de-DE';
        const { el } = await health({ extra: { 'time-zone': 'UTC' } });
        expect(await asOf(el)).to.equal('2. Mai 2024, 9:20');
        expect(text($(el, '[part~="as-of"] .age'))).to.match(/^vor /);
      });

      it('prefers the page default to <html lang>, and the attribute to both', async () => {
        document.documentElement.lang = 'de-DE';
        const s = newSession();
        window.O365Health = { apiBase: s.apiBase, apiKey: 'admin', locale: 'en-GB' };
        const { el } = await mount<O365ServiceHealth>(html`<o365-service-health time-zone="UTC"></o365-service-health>`);
        expect(await asOf(el)).to.equal('2 May 2024, 9:20');
        el.locale = 'fr-FR';
        await el.updateComplete;
        expect(await asOf(el)).to.equal('2 mai 2024, 9:20');
      });

      it('skips a malformed <html lang> for the browser’s language', async () => {
        document.documentElement.lang = 'not a language!';
        const { el } = await health({ extra: { 'time-zone': 'UTC' } });
        expect(navigator.language, 'the test browser’s language (web-test-runner.config.mjs)').to.equal('en-US');
        expect(await asOf(el)).to.equal('May 2, 2024, 9:20 AM');
      });
    });

    it('lays out a grid when wide and a one-column list in a 200 px tile or when `compact`', async () => {
      const { el, wrapper } = await health();
      wrapper.style.width = '900px';
      const list = await part(el, 'list');
      expect(getComputedStyle(list).gridTemplateColumns.split(' ').length).to.be.greaterThan(1);
      el.compact = true;
      await el.updateComplete;
      expect(getComputedStyle(list).gridTemplateColumns.split(' ').length).to.equal(1);
      el.compact = false;
      wrapper.style.width = '200px';
      await el.updateComplete;
      // Reading a computed style or a box lays the page out, container queries included: no wait needed.
      expect(getComputedStyle(list).gridTemplateColumns.split(' ').length).to.equal(1);
      expect(el.getBoundingClientRect().width).to.equal(200);
      expect(el.scrollWidth).to.be.at.most(200);
    });

    it('is not broken by the host page’s global CSS', async () => {
      const style = document.createElement('style');
      style.textContent = `body { font: italic 30px/4 serif; text-transform: uppercase; letter-spacing: 6px; text-align: center }
        ul { list-style: square; padding: 40px } button { background: red; border: 5px solid lime } h2 { font-size: 60px }`;
      document.head.append(style);
      try {
        const { el } = await health();
        await part(el, 'list');
        const h2 = getComputedStyle($(el, 'h2')!);
        expect(h2.textTransform).to.equal('none');
        expect(h2.fontStyle).to.equal('normal');
        expect(h2.letterSpacing).to.equal('normal');
        expect(parseFloat(h2.fontSize)).to.be.below(20);
        expect(getComputedStyle($(el, '[part~="list"]')!).paddingLeft).to.equal('0px');
        expect(getComputedStyle($(el, 'button.row')!).backgroundColor).to.not.equal('rgb(255, 0, 0)');
      } finally {
        style.remove();
      }
    });
  });

  describe('layout', () => {
    /** Mounts with the `long` scenario (an error code in a title) at `width`, Exchange expanded. */
    async function longTitle(width: number, compact: boolean) {
      const { el, wrapper } = await health({ key: 'long' });
      wrapper.style.width = `${width}px`;
      el.compact = compact;
      await part(el, 'list');
      const exchange = $$(el, 'button.row').find((b) => text(b).startsWith('Exchange Online'))!;
      exchange.click();
      await waitUntil(() => $(el, '.issue-title'), 'the issue did not open');
      await el.updateComplete;
      return el;
    }

    for (const [width, compact] of [[240, true], [240, false], [375, false]] as const) {
      it(`wraps a title with an unbreakable error code at ${width} px${compact ? ' (compact)' : ''}: nothing is wider than the host`, async () => {
        const el = await longTitle(width, compact);
        expect(text($(el, '.issue-title'))).to.contain('ErrorCode=0x80070005_CAA70004_');
        expect(el.getBoundingClientRect().width).to.equal(width);
        expect(overflowing(el)).to.deep.equal([]);
        // The title really wraps (several lines) rather than being clipped.
        expect($(el, '.issue-title')!.getBoundingClientRect().height).to.be.greaterThan(40);
        await expect(el).to.be.accessible();
      });
    }

    it('in wide cards keeps the name and the status on one line, the status right-aligned, the counts below', async () => {
      const { el, wrapper } = await health();
      wrapper.style.width = '900px';
      await part(el, 'list');
      const rows = $$(el, '.row');
      expect(rows.length).to.be.greaterThan(3);
      for (const row of rows) {
        const name = row.querySelector('.name')!.getBoundingClientRect();
        const status = row.querySelector('.status')!.getBoundingClientRect();
        const box = row.getBoundingClientRect();
        expect(Math.abs(status.top - name.top), text(row)).to.be.below(4);
        expect(status.left, text(row)).to.be.at.least(name.right);
        expect(box.right - status.right, text(row)).to.be.below(12);
        const counts = row.querySelector('.counts')?.getBoundingClientRect();
        if (counts) expect(counts.top, text(row)).to.be.at.least(name.bottom - 1);
        // Every name starts at the same offset, chevron or not.
        expect(Math.round(name.left - box.left)).to.equal(Math.round(rows[0]!.querySelector('.name')!.getBoundingClientRect().left - rows[0]!.getBoundingClientRect().left));
      }
      expect(overflowing(el)).to.deep.equal([]);
    });

    it('gives the cards of one row the same height, and an opened card the whole row', async () => {
      const { el, wrapper } = await health();
      wrapper.style.width = '900px';
      await part(el, 'list');
      const rows = new Map<number, number[]>();
      for (const item of $$(el, '[part~="item"]')) {
        const r = item.getBoundingClientRect();
        rows.set(Math.round(r.top), [...(rows.get(Math.round(r.top)) ?? []), Math.round(r.height)]);
      }
      expect([...rows.values()].some((heights) => heights.length > 1), 'several cards per row').to.be.true;
      for (const heights of rows.values()) expect(new Set(heights).size, `heights ${heights}`).to.equal(1);
      $(el, 'button.row')!.click();
      await el.updateComplete;
      const open = $(el, '[part~="item"]')!.getBoundingClientRect();
      expect(Math.round(open.width)).to.equal(Math.round($(el, '[part~="list"]')!.getBoundingClientRect().width));
    });

    it('wraps a tenant’s domain between its parts in a 240 px tile, never mid-word', async () => {
      const { el, wrapper } = await health();
      wrapper.style.width = '240px';
      await part(el, 'list');
      expect(text($(el, '[part~="title"]'))).to.contain('contoso.onmicrosoft.com');
      expect($(el, '[part~="title"]')!.getBoundingClientRect().height, 'the title wraps').to.be.greaterThan(40);
      expect(midWordBreaks(el)).to.deep.equal([]);
    });

    for (const width of [900, 660, 375]) {
      it(`cuts no word in two at ${width} px (a long status next to "SharePoint Online")`, async () => {
        for (const tenant of [CONTOSO, FABRIKAM]) {
          const { el, wrapper } = await health({ tenant });
          wrapper.style.width = `${width}px`;
          await part(el, 'list');
          expect(midWordBreaks(el), tenant).to.deep.equal([]);
          expect(overflowing(el)).to.deep.equal([]);
        }
      });
    }

    it('puts the status under the name in a small tile', async () => {
      const { el, wrapper } = await health();
      wrapper.style.width = '240px';
      await part(el, 'list');
      const row = $(el, '.row')!;
      expect(row.querySelector('.status')!.getBoundingClientRect().top).to.be.at.least(row.querySelector('.name')!.getBoundingClientRect().bottom - 1);
    });

    it('says how old the data is, in the element’s locale', async () => {
      const { el } = await health();
      await part(el, 'as-of');
      expect(text($(el, '[part~="as-of"]'))).to.match(/^as of .+ · \d+ years? ago · times in .+$/);
      el.locale = 'de-DE';
      await el.updateComplete;
      expect(text($(el, '[part~="as-of"] .age'))).to.match(/^vor \d+ Jahren?$/);
    });
  });

  describe('states', () => {
    it('shows no tenancy with a hint for admins', async () => {
      const { el } = await health({ key: 'empty' });
      const empty = await part(el, 'no-tenant');
      expect(text(empty)).to.contain('No Microsoft 365 tenant is connected yet');
      expect(text(empty)).to.contain('Admins');
      await expect(el).to.be.accessible();
    });

    it('says so when `tenant` matches no connected tenant', async () => {
      const { el } = await health({ tenant: 'nope.example' });
      expect(text(await part(el, 'no-tenant'))).to.contain('No connected Microsoft 365 tenant matches “nope.example”');
    });

    it('shows an error with role=alert and a Retry that loads again', async () => {
      const { el, session } = await health({ key: 'error' });
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect(text(error)).to.contain('Something went wrong on the server');
      await expect(el).to.be.accessible();
      $(el, '[part~="retry"]')!.click();
      await waitUntil(async () => (await count(session.id, '/api/tenants')) === 2, 'Retry did not load again');
    });

    it('explains a refused API key', async () => {
      const { el } = await health({ key: 'not-a-key' });
      expect(text(await part(el, 'error'))).to.contain('The API key was refused');
    });

    it('shows stale data "as of" its time, and a tenant that needs re-authorization', async () => {
      const { el } = await health({ key: 'reauth' });
      await part(el, 'list');
      expect(text($(el, '[part~="as-of"]'))).to.match(/^as of .+/);
      expect($(el, '[part~="stale"]')).to.exist;
      expect(text($(el, '[part~="reauth"]'))).to.contain('needs to be renewed');
      await expect(el).to.be.accessible();
    });

    it('says when every service is healthy', async () => {
      const { el } = await health();
      el.services = 'Microsoft Teams';
      await part(el, 'list');
      await el.updateComplete;
      expect(text($(el, '[part~="summary"]'))).to.equal('All services are healthy');
    });
  });

  describe('events', () => {
    it('fires o365-load (bubbling, composed) with the data', async () => {
      const { el, events } = await health();
      await part(el, 'list');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.bubbles && load.composed).to.be.true;
      expect(load.detail.element).to.equal('service-health');
      expect(load.detail.tenant.tenantId).to.equal(CONTOSO);
      expect(load.detail.health.services).to.have.length(6);
    });

    it('fires o365-error with the HTTP status and code', async () => {
      const { el, events } = await health({ key: 'error' });
      await part(el, 'error');
      const error = events.find((e) => e.type === 'o365-error')!;
      expect(error.detail).to.include({ status: 500, code: 'internal_error' });
    });

    it('fires o365-issue-select when the user chooses an issue; cancelling it keeps the issue closed', async () => {
      const { el, events, wrapper } = await health();
      wrapper.addEventListener('o365-issue-select', (e) => e.preventDefault());
      await part(el, 'list');
      $(el, 'button.row')!.click();
      await el.updateComplete;
      $(el, '.issue-title')!.click();
      const select = events.find((e) => e.type === 'o365-issue-select')!;
      expect(select.cancelable).to.be.true;
      expect(select.detail.tenantId).to.equal(CONTOSO);
      expect(select.detail.issue.id).to.equal('EX226792');
      await el.updateComplete;
      expect($(el, '.issue-title')!.getAttribute('aria-expanded')).to.equal('false');
      expect($(el, '[part~="timeline"]')).to.be.null;
    });

    it('opens an issue in place to its post history, with a deep link to it in the admin center', async () => {
      const { el, events, session } = await health();
      const opened: unknown[] = [];
      const open = window.open;
      window.open = (...args: unknown[]) => (opened.push(args), null);
      try {
        await part(el, 'list');
        $(el, 'button.row')!.click();
        await el.updateComplete;
        const title = $(el, '.issue-title')!;
        title.focus();
        await sendKeys({ press: 'Enter' });
        const timeline = await part(el, 'timeline');
        expect(title.getAttribute('aria-expanded')).to.equal('true');
        expect($$(el, '[part~="post"]')).to.have.length(2);
        expect(text(timeline)).to.contain('This information is preliminary');
        expect(text($(el, '[part~="details"]'))).to.contain('User impact:');
        expect(opened, 'no new tab').to.deep.equal([]);
        expect(events.filter((e) => e.type === 'o365-issue-select')).to.have.length(1);
        expect(await count(session.id, `/api/tenants/${CONTOSO}/issues/EX226792`)).to.equal(1);
        const link = $(el, '[part~="admin-link"]') as HTMLAnchorElement;
        expect(link.getAttribute('href')).to.equal('https://admin.microsoft.com/#/servicehealth/:/alerts/EX226792');
        expect(text(link)).to.equal('EX226792 in the Microsoft 365 admin center of contoso.onmicrosoft.com');
        expect(link.target).to.equal('_blank');
        await expect(el).to.be.accessible();
        await sendKeys({ press: 'Enter' });
        await el.updateComplete;
        expect(title.getAttribute('aria-expanded')).to.equal('false');
      } finally {
        window.open = open;
      }
    });

    it('fills `admin-center-url` with the tenant and issue of each link', async () => {
      const { el } = await health({ extra: { 'admin-center-url': 'https://portal.example/m365/{tenantId}/{tenant}/alerts/{issueId}' } });
      await part(el, 'list');
      $(el, 'button.row')!.click();
      await el.updateComplete;
      $(el, '.issue-title')!.click();
      const link = await part(el, 'admin-link');
      expect(link.getAttribute('href')).to.equal(`https://portal.example/m365/${CONTOSO}/contoso.onmicrosoft.com/alerts/EX226792`);
    });

    it('gives an issue the same level and icon as the feed does (an advisory on a "degraded" service)', async () => {
      const s = newSession();
      const { wrapper } = await mount(html`
        <o365-service-health api-base=${s.apiBase} api-key="purview"></o365-service-health>
        <o365-service-messages api-base=${s.apiBase} api-key="purview"></o365-service-messages>
      `);
      const [tile, feed] = [wrapper.children[0] as O365ServiceHealth, wrapper.children[1] as O365ServiceMessages];
      await part(tile, 'list');
      await part(feed, 'list');
      const row = $$(tile, '[part~="item"]').find((li) => text(li.querySelector('.name')) === 'Microsoft 365 suite')!;
      const item = $$(feed, '[part~="item"]').find((li) => text(li).includes('MO226784'))!;
      const look = (status: Element | null) => ({ level: [...status!.classList].find((c) => c.startsWith('level-')), icon: status!.querySelector('svg')!.getAttribute('class') });
      expect(look(item.querySelector('[part~="status"]'))).to.deep.equal({ level: 'level-advisory', icon: 'icon icon-advisory' });
      expect(look(row.querySelector('[part~="status"]')), 'the service row').to.deep.equal(look(item.querySelector('[part~="status"]')));
      (row.querySelector('button.row') as HTMLElement).click();
      await tile.updateComplete;
      expect(look(row.querySelector('[part~="issue"] [part~="status"]')), 'the issue in the tile').to.deep.equal(look(item.querySelector('[part~="status"]')));
    });

    it('fires nothing when only a display property is set from outside', async () => {
      const { el, events, session } = await health();
      await part(el, 'list');
      const before = events.length;
      const calls = (await requests(session.id)).length;
      el.hideHealthy = true;
      el.compact = true;
      await el.updateComplete;
      expect(rowNames(el), 'the properties took effect').to.deep.equal(['Exchange Online', 'Microsoft 365 suite']);
      // The moment has passed once the fake has answered a request sent after the change: a load
      // the change started (from the cache or over the network) would have ended or arrived first.
      await requests(session.id);
      expect((await requests(session.id)).length, 'no request').to.equal(calls);
      expect(events.map((e) => e.type)).to.deep.equal(events.slice(0, before).map((e) => e.type));
    });
  });

  describe('keyboard', () => {
    it('expands and collapses a service with Enter and Space', async () => {
      const { el } = await health();
      await part(el, 'list');
      const button = $(el, 'button.row')!;
      button.focus();
      await sendKeys({ press: 'Enter' });
      await el.updateComplete;
      expect(button.getAttribute('aria-expanded')).to.equal('true');
      const issues = $(el, `#${button.getAttribute('aria-controls')}`)!;
      expect(issues.hidden).to.be.false;
      expect(text(issues)).to.contain('Limited number of users unable to send or receive email');
      expect(text(issues)).to.contain('Incident');
      await sendKeys({ press: 'Space' });
      await el.updateComplete;
      expect(button.getAttribute('aria-expanded')).to.equal('false');
      expect(issues.hidden).to.be.true;
    });

    it('shows a visible focus ring', async () => {
      const { el } = await health();
      await part(el, 'list');
      $(el, 'button.row')!.focus();
      await sendKeys({ press: 'Shift' });
      expect(getComputedStyle($(el, 'button.row')!).outlineStyle).to.equal('solid');
    });
  });

  describe('parts', () => {
    it('exposes base, header, list, item, status and footer links to Microsoft', async () => {
      const { el } = await health();
      await part(el, 'list');
      for (const name of ['base', 'header', 'title', 'summary', 'as-of', 'time-zone', 'list', 'item', 'status', 'footer']) expect($(el, `[part~="${name}"]`), name).to.exist;
      const links = $$(el, '[part~="footer"] a').map((a) => a.getAttribute('href'));
      expect(links).to.deep.equal(['https://admin.microsoft.com/#/servicehealth', 'https://admin.microsoft.com/#/healthoverview']);
    });

    it('can be styled from the page through ::part and custom properties', async () => {
      const style = document.createElement('style');
      style.textContent = `o365-service-health::part(base) { border-color: rgb(1, 2, 3) } o365-service-health { --o365-service-health-background: rgb(4, 5, 6) }`;
      document.head.append(style);
      try {
        const { el } = await health();
        const base = await part(el, 'base');
        expect(getComputedStyle(base).borderTopColor).to.equal('rgb(1, 2, 3)');
        expect(getComputedStyle(base).backgroundColor).to.equal('rgb(4, 5, 6)');
      } finally {
        style.remove();
      }
    });
  });

  describe('data sharing and life cycle', () => {
    it('shares requests: N elements on a page make one request per resource', async () => {
      const s = newSession();
      const { wrapper } = await mount(html`
        <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
        <o365-service-health api-base=${s.apiBase} api-key="admin" compact></o365-service-health>
        <o365-service-health api-base=${s.apiBase} api-key="admin" hide-healthy></o365-service-health>
        <o365-service-messages api-base=${s.apiBase} api-key="admin"></o365-service-messages>
      `);
      for (const el of wrapper.children) await part(el, 'list');
      expect(await count(s.id, '/api/tenants')).to.equal(1);
      expect(await count(s.id, `/api/tenants/${CONTOSO}/health`)).to.equal(1);
    });

    it('aborts its request when disconnected, and loads again when reconnected', async () => {
      const { el, wrapper, session } = await health({ key: 'slow' });
      await waitUntil(async () => (await requests(session.id)).length === 1);
      el.remove();
      await waitUntil(async () => (await requests(session.id))[0]?.status !== 0, 'the slow answer never came', { timeout: 3000 });
      expect((await requests(session.id))[0]).to.include({ path: '/api/tenants', aborted: true });
      wrapper.append(el);
      await part(el, 'list');
    });

    it('refreshes on `refresh-interval`, pauses while hidden, and refreshes when visible again', async () => {
      const { el, session } = await health();
      await part(el, 'list');
      const path = `/api/tenants/${CONTOSO}/health`;
      el.refreshInterval = 0.7;
      await waitUntil(async () => (await count(session.id, path)) >= 2, 'no refresh', { timeout: 3000 });
      // A clock that hiding this page does not stop: the same element in a frame (its own
      // document, visible), refreshing Fabrikam every 0.7 s into the same request log.
      const control = await visibleTwin(session.apiBase, FABRIKAM, 0.7);
      const ticks = () => count(session.id, `/api/tenants/${FABRIKAM}/health`);
      try {
        setVisibility('hidden');
        const hiddenAt = await count(session.id, path);
        const from = await ticks();
        // Two refresh intervals have passed once the twin has refreshed twice more.
        await waitUntil(async () => (await ticks()) >= from + 2, 'the visible twin did not refresh', { timeout: 5000 });
        expect(await count(session.id, path), 'no refresh while hidden').to.equal(hiddenAt);
        // Visible again: a refresh at once, not at the next interval (which is an hour away now).
        el.refreshInterval = 3600;
        await el.updateComplete;
        setVisibility('visible');
        await waitUntil(async () => (await count(session.id, path)) === hiddenAt + 1, 'no refresh on visible');
      } finally {
        resetVisibility();
        el.refreshInterval = 0;
        control.remove();
      }
    });

    it('announces a changed summary politely after a refresh', async () => {
      const { el } = await health();
      await part(el, 'list');
      el.services = 'Microsoft Teams';
      await el.refresh();
      await el.updateComplete;
      expect(text($(el, '[role="status"]'))).to.equal('Service health updated: All services are healthy');
    });
  });
});
