import { expect, html, oneEvent, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/service-messages/service-messages.js';
import type { O365ServiceMessages } from '../../../widgets/service-messages/service-messages.js';
import { $, $$, CONTOSO, count, FABRIKAM, mount, newSession, overflowing, part, requests, selectFits, text } from '../support/helpers.js';

async function messages(attrs: { key?: string; tenant?: string } = {}, extra = '') {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365ServiceMessages>(
    html`<o365-service-messages api-base=${s.apiBase} api-key=${attrs.key ?? 'admin'} tenant=${attrs.tenant ?? ''}></o365-service-messages>`,
  );
  if (extra) for (const pair of extra.split(' ')) el.setAttribute(pair.split('=')[0], pair.split('=')[1]);
  return { el, events, wrapper, session: s };
}
const titles = (el: Element) => $$(el, '[part~="item"] .item-title').map(text);

describe('<o365-service-messages>', () => {
  describe('accessibility', () => {
    it('is accessible while loading', async () => {
      const { el } = await messages({ key: 'slow' });
      expect($(el, '[role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading service messages');
      await expect(el).to.be.accessible();
    });

    it('is accessible with messages, and with one opened', async () => {
      const { el } = await messages();
      await part(el, 'list');
      await expect(el).to.be.accessible();
      $(el, '.item-title')!.click();
      await part(el, 'timeline');
      await expect(el).to.be.accessible();
    });

    it('labels every filter', async () => {
      const { el } = await messages();
      await part(el, 'filters');
      const labels = $$(el, '[part~="filters"] label').map((l) => text(l).split(' ')[0]);
      expect(labels).to.deep.equal(['State', 'Type', 'Service', 'Search']);
    });
  });

  describe('attributes', () => {
    it('shows active messages newest change first, with service, classification, status and times in one labelled zone', async () => {
      const { el } = await messages();
      el.timeZone = 'UTC';
      await part(el, 'list');
      expect(titles(el)).to.deep.equal([
        'Limited number of users unable to send or receive email through the Exchange Online service',
        'Intermittently unable to access some Microsoft 365 services',
      ]);
      const first = $(el, '[part~="item"]')!;
      expect(text(first)).to.contain('Exchange Online').and.contain('Incident').and.contain('Service degradation');
      expect(text(first)).to.match(/Started \w+ \d+, 2024, \d+:\d\d [AP]M/).and.match(/Updated \w+/);
      // One zone for the whole view, named once rather than on every time.
      expect(text(first)).to.not.contain('UTC');
      expect(text($(el, '[part~="as-of"] [part~="time-zone"]'))).to.equal('times in UTC');
    });

    it('sets the filters from `state`, `classification` and `service`', async () => {
      const { el, session } = await messages({}, 'state=all classification=advisory');
      el.service = 'Exchange Online';
      await part(el, 'list');
      await waitUntil(() => titles(el).length === 2);
      expect(titles(el)[0]).to.contain('Admins’ downloaded CSV mailbox usage reports');
      const last = (await requests(session.id)).filter((r) => r.path.includes('/issues?')).at(-1)!;
      expect(last.path).to.contain('state=all').and.contain('classification=advisory').and.contain('service=Exchange+Online');
    });

    it('pages with "Show more" through the API cursor, `max-items` per page', async () => {
      const { el, events } = await messages({}, 'state=all max-items=2');
      await waitUntil(() => titles(el).length === 2 && $(el, '[part~="more"]'));
      $(el, '[part~="more"]')!.click();
      await waitUntil(() => titles(el).length === 4, 'second page never came');
      $(el, '[part~="more"]')!.click();
      await waitUntil(() => titles(el).length === 6);
      expect($(el, '[part~="more"]')).to.be.null;
      expect(events.filter((e) => e.type === 'o365-load').at(-1)!.detail.nextCursor).to.equal(null);
    });

    it('moves the focus to the first new message after "Show more", also from the last page', async () => {
      const { el } = await messages({}, 'state=all max-items=3');
      await waitUntil(() => $(el, '[part~="more"]'));
      $(el, '[part~="more"]')!.focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => titles(el).length === 6, 'the second page never came');
      expect($(el, '[part~="more"]'), 'that was the last page').to.be.null;
      await waitUntil(() => el.shadowRoot!.activeElement === $$(el, '.item-title')[3], 'the focus is not on the first new message');
      expect(document.activeElement).to.equal(el);
      await expect(el).to.be.accessible();
    });

    it('searches on Enter', async () => {
      const { el, session } = await messages({}, 'state=all');
      await part(el, 'list');
      const input = $(el, 'input[type="search"]') as HTMLInputElement;
      input.focus();
      await sendKeys({ type: 'power platform' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => titles(el).length === 1, 'search did not filter');
      expect(titles(el)[0]).to.equal('Installation delays within the Power Platform admin center');
      expect((await requests(session.id)).some((r) => r.path.includes('q=power+platform'))).to.be.true;
    });

    it('shows an unknown status with its raw value', async () => {
      const { el } = await messages({ tenant: FABRIKAM });
      await part(el, 'list');
      expect(text($(el, '[part~="item"] [part~="status"]'))).to.equal('Unknown status (plannedMaintenance)');
    });
  });

  describe('layout', () => {
    for (const width of [240, 375]) {
      it(`wraps a title, impact and post with unbreakable tokens at ${width} px: nothing is wider than the host`, async () => {
        const { el, wrapper } = await messages({ key: 'long' });
        wrapper.style.width = `${width}px`;
        await part(el, 'list');
        const button = $$(el, '.item-title').find((b) => text(b).includes('ErrorCode=0x80070005_CAA70004_'))!;
        button.click();
        await waitUntil(() => $$(el, '[part~="post"]').length === 3, 'the posts did not load');
        await el.updateComplete;
        expect(el.getBoundingClientRect().width).to.equal(width);
        expect(overflowing(el)).to.deep.equal([]);
        expect(button.getBoundingClientRect().height).to.be.greaterThan(40);
        await expect(el).to.be.accessible();
      });
    }

    for (const width of [740, 375, 240]) {
      it(`shows the whole text of every filter at ${width} px (the row wraps instead)`, async () => {
        const { el, wrapper } = await messages();
        wrapper.style.width = `${width}px`;
        await part(el, 'list');
        const selects = $$(el, '[part~="filters"] select') as HTMLSelectElement[];
        expect(selects).to.have.length(3);
        for (const select of selects) expect(selectFits(select), select.selectedOptions[0]?.text).to.be.true;
        expect(overflowing(el)).to.deep.equal([]);
      });
    }
  });

  describe('auto-refresh', () => {
    it('keeps the loaded pages, the opened message, the focus and the scroll position', async () => {
      const { el, session, wrapper } = await messages({}, 'state=all max-items=2');
      // Room to scroll: the feed sits below a tall block of the page.
      const spacer = Object.assign(document.createElement('div'), { style: 'height: 1500px' });
      wrapper.prepend(spacer);
      try {
        await waitUntil(() => titles(el).length === 2 && $(el, '[part~="more"]'));
        $(el, '[part~="more"]')!.click();
        await waitUntil(() => titles(el).length === 4, 'the second page never came');
        const third = $$(el, '.item-title')[2]!; // on page two
        third.click();
        await waitUntil(() => third.closest('li')!.querySelectorAll('[part~="post"]').length, 'the posts did not load');
        third.focus();
        third.scrollIntoView({ block: 'center' });
        const scrollY = window.scrollY;
        expect(scrollY).to.be.greaterThan(1000);
        const pageTwo = async () => (await requests(session.id)).filter((r) => r.path.includes('/issues?') && r.path.includes('cursor=')).length;
        const before = await pageTwo();
        el.refreshInterval = 1;
        await oneEvent(el, 'o365-load');
        el.refreshInterval = 0;
        await el.updateComplete;
        expect(await pageTwo(), 'page two was loaded again').to.be.greaterThan(before);
        expect(titles(el)).to.have.length(4);
        const again = $$(el, '.item-title')[2]!;
        expect(again.getAttribute('aria-expanded')).to.equal('true');
        expect(again.closest('li')!.querySelectorAll('[part~="post"]').length).to.be.greaterThan(0);
        expect(el.shadowRoot!.activeElement).to.equal(again);
        expect(window.scrollY).to.equal(scrollY);
        expect($(el, '[part~="more"]')).to.exist;
      } finally {
        el.refreshInterval = 0;
        spacer.remove();
      }
    });

    it('loads the posts of an opened message again when the refreshed list says it changed', async () => {
      const { el, session } = await messages();
      await part(el, 'list');
      $(el, '.item-title')!.click(); // EX226792, the newest change
      await waitUntil(() => $$(el, '[part~="post"]').length === 2, 'the posts did not load');
      const detail = `/api/tenants/${CONTOSO}/issues/EX226792`;
      expect(await count(session.id, detail)).to.equal(1);
      el.refreshInterval = 1;
      // Unchanged: a refresh of the list does not load the posts again. After two refreshes, a
      // load of the posts started by the first one would have been seen by the fake.
      await oneEvent(el, 'o365-load');
      await oneEvent(el, 'o365-load');
      expect(await count(session.id, detail)).to.equal(1);
      await fetch(`${session.apiBase}/_update?issue=EX226792`, { method: 'POST' });
      await waitUntil(() => $$(el, '[part~="post"]').length === 3, 'the new post did not appear', { timeout: 4000 });
      expect(text($(el, '[part~="timeline"]'))).to.contain('Update 1: the fix is being deployed.');
      expect($(el, '.item-title')!.getAttribute('aria-expanded')).to.equal('true');
      expect(await count(session.id, detail)).to.equal(2);
      await waitUntil(() => text($(el, '[role="status"]')).includes('New update'), 'the update was not announced');
      el.refreshInterval = 0;
    });

    it('loads fresh posts when a message that changed while closed is opened again', async () => {
      const { el, session } = await messages();
      await part(el, 'list');
      const button = $(el, '.item-title')!;
      button.click();
      await waitUntil(() => $$(el, '[part~="post"]').length === 2);
      button.click(); // closed
      await fetch(`${session.apiBase}/_update?issue=EX226792`, { method: 'POST' });
      // A refresh takes data another widget loaded a moment ago from the page's store; refresh
      // until the fake sees the list asked for again.
      const lists = () => count(session.id, `/api/tenants/${CONTOSO}/issues`);
      const before = await lists();
      await waitUntil(async () => (await el.refresh(), (await lists()) > before), 'the refresh never asked for the list again');
      button.click();
      await waitUntil(() => $$(el, '[part~="post"]').length === 3, 'the old posts were shown');
    });
  });

  describe('states', () => {
    it('shows no tenancy', async () => {
      const { el } = await messages({ key: 'empty' });
      expect(text(await part(el, 'no-tenant'))).to.contain('No Microsoft 365 tenant is connected yet');
      await expect(el).to.be.accessible();
    });

    it('shows empty when no message matches, with a way to clear the filters', async () => {
      const { el } = await messages({}, 'state=resolved');
      await part(el, 'list');
      const selects = $$(el, '[part~="filters"] select') as HTMLSelectElement[];
      selects[1]!.value = 'incident'; // as the user chooses "Incidents" (no resolved incident exists)
      selects[1]!.dispatchEvent(new Event('change'));
      const empty = await part(el, 'empty');
      expect(text(empty)).to.contain('No messages match these filters.');
      await expect(el).to.be.accessible();
      (await part(el, 'clear')).click();
      await waitUntil(() => titles(el).length === 2, 'the filters were not cleared');
      expect(selects.map((select) => select.value)).to.deep.equal(['active', '', '']);
      expect(($(el, 'input[type="search"]') as HTMLInputElement).value).to.equal('');
      expect(el.shadowRoot!.activeElement).to.equal(selects[0]);
    });

    it('has no Clear button when nothing is filtered', async () => {
      const { el } = await messages({ tenant: FABRIKAM }, 'classification=incident');
      await part(el, 'empty');
      el.classification = '';
      el.service = 'Exchange Online';
      await part(el, 'clear');
      el.service = '';
      el.state = 'active';
      await waitUntil(() => titles(el).length === 1);
      expect($(el, '[part~="clear"]')).to.be.null;
    });

    it('shows an error with role=alert and Retry', async () => {
      const { el } = await messages({ key: 'error' });
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect($(el, '[part~="retry"]')).to.exist;
      await expect(el).to.be.accessible();
    });

    it('shows stale data as such, with "as of"', async () => {
      const { el } = await messages({ key: 'reauth' });
      await part(el, 'list');
      expect($(el, '[part~="stale"]')).to.exist;
      expect(text($(el, '[part~="as-of"]'))).to.match(/^as of /);
      await expect(el).to.be.accessible();
    });
  });

  describe('events and keyboard', () => {
    it('opens a message with the keyboard: its post history as a timeline, and o365-issue-select', async () => {
      const { el, events } = await messages();
      await part(el, 'list');
      const button = $(el, '.item-title')!;
      button.focus();
      await sendKeys({ press: 'Enter' });
      const timeline = await part(el, 'timeline');
      expect(button.getAttribute('aria-expanded')).to.equal('true');
      expect($$(el, '[part~="post"]')).to.have.length(2);
      expect(text(timeline)).to.contain('This information is preliminary');
      expect(timeline.querySelector('b')).to.exist; // the server's (sanitised) HTML is rendered
      const select = events.find((e) => e.type === 'o365-issue-select')!;
      expect(select.bubbles && select.composed).to.be.true;
      expect(select.detail).to.deep.include({ tenantId: CONTOSO });
      expect(select.detail.issue.id).to.equal('EX226792');
    });

    it('fires o365-load with the page', async () => {
      const { el, events } = await messages();
      await part(el, 'list');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.detail.element).to.equal('service-messages');
      expect(load.detail.issues).to.have.length(2);
    });
  });

  describe('parts', () => {
    it('exposes its parts and the admin center history link', async () => {
      const { el } = await messages();
      await part(el, 'list');
      for (const name of ['base', 'header', 'title', 'filters', 'list', 'item', 'status', 'details', 'footer']) expect($(el, `[part~="${name}"]`), name).to.exist;
      expect($(el, '[part~="footer"] a')!.getAttribute('href')).to.equal('https://admin.microsoft.com/#/servicehealth/history');
    });
  });
});
