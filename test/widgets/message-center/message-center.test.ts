import { expect, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/message-center/message-center.js';
import type { O365MessageCenter } from '../../../widgets/message-center/message-center.js';
import { $, $$, CONTOSO, count, FABRIKAM, mount, newSession, overflowing, part, requests, selectFits, text } from '../support/helpers.js';

/** The fixtures' "now": Contoso's last sync was four minutes before. */
const FIXTURE_NOW = Date.parse('2024-05-02T09:24:00.000Z');

async function center(attrs: { key?: string; tenant?: string; apiBase?: string } = {}, extra = '') {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365MessageCenter>(
    html`<o365-message-center api-base=${attrs.apiBase ?? s.apiBase} api-key=${attrs.key ?? 'admin'} tenant=${attrs.tenant ?? ''} locale="en-US" time-zone="UTC"></o365-message-center>`,
  );
  // Every o365-message-select that reaches the page (helpers' mount records the shared events).
  wrapper.addEventListener('o365-message-select', (e) => events.push(e));
  for (const pair of extra.split(' ').filter(Boolean)) {
    const [name, value] = pair.split('=');
    el.setAttribute(name!, value ?? '');
  }
  return { el, events, wrapper, session: s };
}
const titles = (el: Element) => $$(el, '[part~="item"] .item-title').map(text);
const item = (el: Element, id: string) => $$(el, '[part~="item"]').find((li) => li.querySelector(`[data-message="${id}"]`))!;
const lastList = async (session: string) => (await requests(session)).filter((r) => /\/messages\?/.test(r.path)).at(-1)!.path;

const CONTOSO_TITLES = [
  'Microsoft Teams: the classic Teams desktop client retires on June 30, 2024',
  'Exchange Online: update inbound connectors that still use TLS 1.0 and 1.1',
  '(Updated) SharePoint Online: new site templates for project sites',
  'Microsoft Entra: multifactor authentication becomes mandatory for the admin portals',
  'OneDrive: Files On-Demand becomes the default on macOS',
  'Outlook for Windows: COM add-ins built on outdated frameworks stop loading',
  'Exchange Online: message trace reports for the last 10 days may arrive late',
  'Microsoft Teams: intelligent meeting recap shows chapters for recorded meetings',
];

describe('<o365-message-center>', () => {
  describe('accessibility', () => {
    it('is accessible while loading', async () => {
      const { el } = await center({ key: 'slow' });
      expect($(el, '[role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading the Message center');
      await expect(el).to.be.accessible();
    });

    it('is accessible with posts, and with one opened', async () => {
      const { el } = await center();
      await part(el, 'list');
      await expect(el).to.be.accessible();
      $(el, '.item-title')!.click();
      await part(el, 'body');
      await expect(el).to.be.accessible();
    });

    it('labels every filter', async () => {
      const { el } = await center();
      await part(el, 'filters');
      expect($$(el, '[part~="filters"] label').map(text)[3]).to.equal('Major changes');
      expect($$(el, '[part~="filters"] label').map((l) => text(l).split(' ')[0])).to.deep.equal(['Category', 'Service', 'Search', 'Major', 'Action']);
      expect(text($$(el, '[part~="filters"] label')[4])).to.equal('Action required');
    });
  });

  describe('attributes', () => {
    it('shows the posts newest change first, with category, major change, services, id, tags as chips and times in one labelled zone', async () => {
      const { el } = await center();
      await part(el, 'list');
      expect(titles(el)).to.deep.equal(CONTOSO_TITLES);
      const first = item(el, 'MC778452');
      expect(text(first.querySelector('[part~="category"]'))).to.equal('Plan for change');
      expect(first.querySelector('[part~="major"]')).to.exist;
      expect(text(first)).to.contain('Microsoft Teams').and.contain('MC778452').and.contain('High severity');
      expect([...first.querySelectorAll('[part~="tag"]')].map(text)).to.deep.equal(['Retirement', 'User impact', 'Admin impact']);
      expect(text(first)).to.contain('Updated May 1, 2024, 6:22 PM');
      expect(text(item(el, 'MC780115').querySelector('[part~="category"]'))).to.equal('Stay informed');
      expect(item(el, 'MC780115').querySelector('[part~="major"]'), 'not a major change').to.be.null;
      expect(item(el, 'MC783001').querySelector('[part~="tags"]'), 'no tags, no list').to.be.null;
      expect(text($(el, '[part~="as-of"] [part~="time-zone"]'))).to.equal('times in UTC');
    });

    describe('act-by dates', () => {
      const realNow = Date.now;
      beforeEach(() => {
        Date.now = () => FIXTURE_NOW;
      });
      afterEach(() => {
        Date.now = realNow;
      });

      it('says how urgent each is in words and by icon shape: overdue, within 7 days, later', async () => {
        const { el } = await center();
        await part(el, 'list');
        const actBy = (id: string) => item(el, id).querySelector<HTMLElement>('[part~="act-by"]');
        expect(text(actBy('MC779231'))).to.equal('Overdue: act by Apr 30, 2024, 11:59 PM');
        expect(actBy('MC779231')!.matches('[part~="act-by-overdue"]')).to.be.true;
        expect(text(actBy('MC781002'))).to.equal('Due within 7 days: act by May 6, 2024, 12:00 AM');
        expect(actBy('MC781002')!.matches('[part~="act-by-soon"]')).to.be.true;
        expect(text(actBy('MC778452'))).to.equal('Act by Jun 30, 2024, 7:00 AM');
        expect(actBy('MC778452')!.matches('[part~="act-by-later"]')).to.be.true;
        // Three shapes, not three colours of one: octagon, triangle, clock.
        const shape = (id: string) => actBy(id)!.querySelector('svg')!.getAttribute('class');
        expect([shape('MC779231'), shape('MC781002'), shape('MC778452')]).to.deep.equal(['icon icon-critical', 'icon icon-degraded', 'icon icon-pending']);
        expect(actBy('MC780115'), 'no act-by date').to.be.null;
        await expect(el).to.be.accessible();
      });
    });

    it('filters by `category`, `major` and `action-required`, through the API', async () => {
      const { el, session } = await center({}, 'category=planForChange major action-required');
      await waitUntil(() => titles(el).length === 3, 'the filters did not apply');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[0], CONTOSO_TITLES[3], CONTOSO_TITLES[5]]);
      const path = await lastList(session.id);
      expect(path).to.contain('category=planForChange').and.contain('major=true').and.contain('actionRequired=true');
      const [category] = $$(el, '[part~="filters"] select') as HTMLSelectElement[];
      expect(category!.selectedOptions[0]!.text).to.equal('Plan for change');
      expect($$(el, '[part~="filters"] input[type="checkbox"]').map((c) => (c as HTMLInputElement).checked)).to.deep.equal([true, true]);
    });

    it('filters by `tag`, and says so', async () => {
      const { el, session } = await center({}, 'tag=retirement');
      await waitUntil(() => titles(el).length === 3, 'the tag filter did not apply');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[0], CONTOSO_TITLES[1], CONTOSO_TITLES[5]]);
      expect(await lastList(session.id)).to.contain('tag=retirement');
      expect(text($(el, '[part~="filters"]'))).to.contain('Tagged retirement');
    });

    it('filters by a service the user chooses, offering the services posts name besides the tenant’s', async () => {
      const { el, session } = await center();
      await part(el, 'list');
      const service = $$(el, '[part~="filters"] select')[1] as HTMLSelectElement;
      const options = [...service.options].map((o) => o.text);
      expect(options).to.include('Exchange Online').and.include('OneDrive for Business').and.include('Dynamics 365 Apps');
      service.value = 'Exchange Online';
      service.dispatchEvent(new Event('change'));
      await waitUntil(() => titles(el).length === 3, 'the service filter did not apply');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[1], CONTOSO_TITLES[5], CONTOSO_TITLES[6]]);
      expect(await lastList(session.id)).to.contain('service=Exchange+Online');
    });

    it('filters with the checkboxes a user ticks', async () => {
      const { el, session } = await center();
      await part(el, 'list');
      const [major, action] = $$(el, '[part~="filters"] input[type="checkbox"]');
      major!.click();
      await waitUntil(() => titles(el).length === 5, 'major changes only');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[0], CONTOSO_TITLES[1], CONTOSO_TITLES[3], CONTOSO_TITLES[4], CONTOSO_TITLES[5]]);
      action!.click();
      await waitUntil(() => titles(el).length === 4, 'and action required');
      major!.click();
      const actionOnly = async () => /actionRequired=true/.test(await lastList(session.id)) && !/major=/.test(await lastList(session.id));
      await waitUntil(actionOnly, 'action required only was not asked for');
      await waitUntil(() => $(el, '[part~="list"]')!.getAttribute('aria-busy') === 'false');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[0], CONTOSO_TITLES[1], CONTOSO_TITLES[3], CONTOSO_TITLES[5]]);
    });

    it('searches on Enter', async () => {
      const { el, session } = await center();
      await part(el, 'list');
      ($(el, 'input[type="search"]') as HTMLInputElement).focus();
      await sendKeys({ type: 'onedrive' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => titles(el).length === 1, 'search did not filter');
      expect(titles(el)).to.deep.equal([CONTOSO_TITLES[4]]);
      expect(await lastList(session.id)).to.contain('q=onedrive');
    });

    it('pages with "Show more" through the API cursor, `max-items` per page, and moves the focus to the first new post', async () => {
      const { el, events } = await center({}, 'max-items=3');
      await waitUntil(() => titles(el).length === 3 && $(el, '[part~="more"]'));
      $(el, '[part~="more"]')!.focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => titles(el).length === 6, 'the second page never came');
      await waitUntil(() => el.shadowRoot!.activeElement === $$(el, '.item-title')[3], 'the focus is not on the first new post');
      $(el, '[part~="more"]')!.click();
      await waitUntil(() => titles(el).length === 8, 'the last page never came');
      expect(titles(el)).to.deep.equal(CONTOSO_TITLES);
      expect($(el, '[part~="more"]'), 'that was the last page').to.be.null;
      expect(events.filter((e) => e.type === 'o365-load').at(-1)!.detail.nextCursor).to.equal(null);
      await expect(el).to.be.accessible();
    });

    it('formats times in `locale` and `time-zone`', async () => {
      const { el } = await center();
      el.locale = 'de-DE';
      el.timeZone = 'Europe/Berlin';
      await waitUntil(() => text($(el, '[part~="as-of"]')).includes('Europe/Berlin'), 'the zone was not used');
      await part(el, 'list');
      expect(text(item(el, 'MC778452'))).to.contain('Updated 1. Mai 2024, 20:22');
    });

    it('shows the tenant named by `tenant` (a label)', async () => {
      const { el } = await center({ tenant: 'FABRIKAM.onmicrosoft.com' });
      await part(el, 'list');
      expect(text($(el, '[part~="title"]'))).to.equal('Message center · fabrikam.onmicrosoft.com');
      expect(titles(el)).to.have.length(4);
      expect(titles(el)[1]).to.equal('SharePoint Online: legacy workflows stop running in new tenants');
    });

    it('links an opened post with `admin-center-url`', async () => {
      const { el } = await center({}, 'admin-center-url=https://portal.example/{tenantId}/mc/{messageId}');
      await part(el, 'list');
      $(el, '.item-title')!.click();
      expect((await part(el, 'admin-link')).getAttribute('href')).to.equal(`https://portal.example/${CONTOSO}/mc/MC778452`);
    });
  });

  describe('opened post', () => {
    it('opens with the keyboard: details, the sanitised body, the admin center link, and a cancelable o365-message-select', async () => {
      const { el, events, session } = await center();
      await part(el, 'list');
      const button = $(el, '.item-title')!;
      button.focus();
      await sendKeys({ press: 'Enter' });
      const body = await part(el, 'body');
      expect(button.getAttribute('aria-expanded')).to.equal('true');
      expect(text(body)).to.contain('the classic Teams desktop client reaches the end of availability');
      expect(body.querySelector('b'), 'the server’s HTML is rendered').to.exist;
      expect(getComputedStyle(body.querySelector('li')!).listStyleType, 'its lists keep their bullets').to.equal('disc');
      const facts = $(el, '[part~="facts"]')!;
      expect([...facts.querySelectorAll('dt')].map(text)).to.deep.equal(['Summary', 'Microsoft 365 roadmap', 'Platforms']);
      expect(text(facts.querySelector('dd'))).to.equal('Classic Teams stops working on June 30, 2024. Move remaining users to the new Teams app before then.');
      const roadmap = facts.querySelectorAll('dd')[1]!.querySelector('a')!;
      expect(roadmap.getAttribute('href')).to.equal('https://www.microsoft.com/microsoft-365/roadmap?featureid=327516');
      expect(text(roadmap)).to.equal('Roadmap ID 327516');
      expect(text(facts.querySelectorAll('dd')[2])).to.equal('Windows Desktop, Mac Desktop');
      const admin = $(el, '[part~="admin-link"]')!;
      expect(admin.getAttribute('href')).to.equal('https://admin.microsoft.com/#/MessageCenter/:/messages/MC778452');
      expect(text(admin)).to.equal('MC778452 in the Microsoft 365 admin center of contoso.onmicrosoft.com');
      const select = events.find((e) => e.type === 'o365-message-select')!;
      expect(select.bubbles && select.composed && select.cancelable).to.be.true;
      expect(select.detail.tenantId).to.equal(CONTOSO);
      expect(select.detail.message.id).to.equal('MC778452');
      expect(await count(session.id, `/api/tenants/${CONTOSO}/messages/MC778452`)).to.equal(1);
      // Closing fires nothing.
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => button.getAttribute('aria-expanded') === 'false');
      expect(events.filter((e) => e.type === 'o365-message-select')).to.have.length(1);
    });

    it('stays closed when a listener cancels o365-message-select', async () => {
      const { el, session } = await center();
      await part(el, 'list');
      el.addEventListener('o365-message-select', (e) => e.preventDefault());
      $(el, '.item-title')!.click();
      await el.updateComplete;
      expect($(el, '.item-title')!.getAttribute('aria-expanded')).to.equal('false');
      expect($(el, '[part~="details"]')!.hidden).to.be.true;
      expect(await count(session.id, `/api/tenants/${CONTOSO}/messages/MC778452`)).to.equal(0);
    });

    it('lists every detail: several roadmap features, and names it does not know spelled out with their links', async () => {
      const { el } = await center();
      await part(el, 'list');
      item(el, 'MC780115').querySelector<HTMLElement>('.item-title')!.click();
      await waitUntil(() => item(el, 'MC780115').querySelector('[part~="facts"]'), 'no details');
      const links = [...item(el, 'MC780115').querySelectorAll('[part~="facts"] a')].map((a) => a.getAttribute('href'));
      expect(links).to.deep.equal(['https://www.microsoft.com/microsoft-365/roadmap?featureid=124842', 'https://www.microsoft.com/microsoft-365/roadmap?featureid=124843']);
      item(el, 'MC779231').querySelector<HTMLElement>('.item-title')!.click();
      await waitUntil(() => item(el, 'MC779231').querySelector('[part~="facts"]'), 'no details');
      const facts = item(el, 'MC779231').querySelector('[part~="facts"]')!;
      expect([...facts.querySelectorAll('dt')].map(text)).to.deep.equal(['Summary', 'External link']);
      expect(facts.querySelector('a')!.getAttribute('href')).to.equal('https://learn.microsoft.com/purview/tls-1.0-and-1.1-deprecation-for-office-365');
      // A post without details has no list of them.
      item(el, 'MC783001').querySelector<HTMLElement>('.item-title')!.click();
      await waitUntil(() => item(el, 'MC783001').querySelector('[part~="body"]'), 'no body');
      expect(item(el, 'MC783001').querySelector('[part~="facts"]')).to.be.null;
      await expect(el).to.be.accessible();
    });
  });

  describe('auto-refresh', () => {
    it('keeps the loaded pages, the opened post and the focus; loads an opened post again when it changed, and says so', async () => {
      const { el, session } = await center({}, 'max-items=3');
      await waitUntil(() => $(el, '[part~="more"]'));
      $(el, '[part~="more"]')!.click();
      await waitUntil(() => titles(el).length === 6, 'the second page never came');
      const fourth = $$(el, '.item-title')[3]!; // MC781002, on page two
      fourth.click();
      await waitUntil(() => item(el, 'MC781002').querySelector('[part~="body"]'), 'the post did not load');
      fourth.focus();
      const detail = `/api/tenants/${CONTOSO}/messages/MC781002`;
      expect(await count(session.id, detail)).to.equal(1);
      el.refreshInterval = 1;
      try {
        // Unchanged: a refresh does not load the post again.
        await oneEvent(el, 'o365-load');
        await oneEvent(el, 'o365-load');
        expect(await count(session.id, detail)).to.equal(1);
        expect(titles(el)).to.have.length(6);
        const focused = () => (el.shadowRoot!.activeElement as HTMLElement | null)?.dataset.message;
        expect(focused()).to.equal('MC781002');
        await fetch(`${session.apiBase}/_update?message=MC781002`, { method: 'POST' });
        await waitUntil(() => text(item(el, 'MC781002').querySelector('[part~="body"]')).includes('Updated: the rollout has started.'), 'the changed post was not loaded again', { timeout: 4000 });
        // It is now the newest change: first in the list, still open, still focused.
        expect(titles(el)[0]).to.equal(CONTOSO_TITLES[3]);
        expect($$(el, '.item-title')[0]!.getAttribute('aria-expanded')).to.equal('true');
        expect(focused()).to.equal('MC781002');
        await waitUntil(() => text($(el, '[role="status"]')).includes('Updated post: Microsoft Entra'), 'the change was not announced');
      } finally {
        el.refreshInterval = 0;
      }
    });
  });

  describe('states', () => {
    it('shows no tenancy', async () => {
      const { el } = await center({ key: 'empty' });
      expect(text(await part(el, 'no-tenant'))).to.contain('No Microsoft 365 tenant is connected yet');
      await expect(el).to.be.accessible();
    });

    it('shows empty before the first sync brought any post', async () => {
      const { el } = await center({ key: 'first-sync' });
      expect(text(await part(el, 'empty'))).to.equal('No Message center posts have been retrieved for this tenant yet.');
      expect($(el, '[part~="clear"]')).to.be.null;
      await expect(el).to.be.accessible();
    });

    it('shows empty when no post matches, with a way to clear the filters', async () => {
      const { el } = await center({}, 'category=stayInformed action-required');
      const empty = await part(el, 'empty');
      expect(text(empty)).to.contain('No posts match these filters.');
      await expect(el).to.be.accessible();
      (await part(el, 'clear')).click();
      await waitUntil(() => titles(el).length === 8, 'the filters were not cleared');
      const selects = $$(el, '[part~="filters"] select') as HTMLSelectElement[];
      expect(selects.map((s) => s.value)).to.deep.equal(['', '']);
      expect($$(el, '[part~="filters"] input[type="checkbox"]').map((c) => (c as HTMLInputElement).checked)).to.deep.equal([false, false]);
      expect(el.shadowRoot!.activeElement).to.equal(selects[0]);
    });

    it('shows an error with role=alert and a Retry that loads again', async () => {
      const { el, events, session } = await center({ key: 'error' });
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect(text(error)).to.contain('The Message center could not be loaded.').and.contain('Something went wrong on the server');
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(500);
      await expect(el).to.be.accessible();
      $(el, '[part~="retry"]')!.click();
      await waitUntil(async () => (await count(session.id, '/api/tenants')) === 2, 'Retry did not load again');
    });

    it('explains a revoked API key', async () => {
      const { el } = await center({ key: 'revoked-key' });
      expect(text(await part(el, 'error'))).to.contain('The API key was refused');
      await expect(el).to.be.accessible();
    });

    it('explains an unreachable server', async () => {
      const { el, events } = await center({ apiBase: 'http://127.0.0.1:9' });
      expect(text(await part(el, 'error'))).to.contain('The service health server could not be reached');
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(0);
      await expect(el).to.be.accessible();
    });

    it('shows stale data as such, with "as of"', async () => {
      const { el } = await center({ key: 'stale' });
      await part(el, 'list');
      expect($(el, '[part~="stale"]')).to.exist;
      expect(text($(el, '[part~="as-of"]'))).to.match(/^as of /);
      await expect(el).to.be.accessible();
    });

    it('shows that the tenant needs re-authorization', async () => {
      const { el } = await center({ key: 'reauth', tenant: FABRIKAM });
      expect(text(await part(el, 'reauth'))).to.contain('The authorization for fabrikam.onmicrosoft.com needs to be renewed');
      expect($(el, '[part~="list"]')).to.exist;
      await expect(el).to.be.accessible();
    });
  });

  describe('layout', () => {
    for (const width of [240, 375, 740]) {
      it(`fits an opened post and every filter at ${width} px`, async () => {
        const { el, wrapper } = await center();
        wrapper.style.width = `${width}px`;
        await part(el, 'list');
        item(el, 'MC781002').querySelector<HTMLElement>('.item-title')!.click(); // a long blog link among its details
        await waitUntil(() => item(el, 'MC781002').querySelector('[part~="facts"]'), 'no details');
        await el.updateComplete;
        expect(el.getBoundingClientRect().width).to.equal(width);
        expect(overflowing(el)).to.deep.equal([]);
        for (const select of $$(el, '[part~="filters"] select') as HTMLSelectElement[]) expect(selectFits(select), select.selectedOptions[0]?.text).to.be.true;
        await expect(el).to.be.accessible();
      });
    }
  });

  describe('events and parts', () => {
    it('fires o365-load with the page', async () => {
      const { el, events } = await center();
      await part(el, 'list');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.bubbles && load.composed).to.be.true;
      expect(load.detail.element).to.equal('message-center');
      expect(load.detail.tenant.tenantId).to.equal(CONTOSO);
      expect(load.detail.messages).to.have.length(8);
    });

    it('exposes its parts and the admin center link', async () => {
      const { el } = await center();
      await part(el, 'list');
      $(el, '.item-title')!.click();
      await part(el, 'facts');
      for (const name of ['base', 'header', 'title', 'as-of', 'time-zone', 'filters', 'list', 'item', 'status', 'act-by', 'category', 'major', 'tags', 'tag', 'details', 'facts', 'body', 'admin-link', 'footer'])
        expect($(el, `[part~="${name}"]`), name).to.exist;
      expect($(el, '[part~="footer"] a')!.getAttribute('href')).to.equal('https://admin.microsoft.com/#/MessageCenter');
    });
  });
});
