import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/notification-settings/notification-settings.js';
import type { O365NotificationSettings } from '../../../widgets/notification-settings/notification-settings.js';
import { CHANNEL_IDS } from '../support/fake-channels.js';
import { $, $$, CONTOSO, FABRIKAM, mount, newSession, overflowing, part, requests, text } from '../support/helpers.js';

async function settings(key = 'admin', apiBase?: string, s = newSession()) {
  const { el, events, wrapper } = await mount<O365NotificationSettings>(
    html`<o365-notification-settings api-base=${apiBase ?? s.apiBase} api-key=${key} locale="en-GB" time-zone="UTC"></o365-notification-settings>`,
  );
  wrapper.addEventListener('o365-channel-change', (e) => events.push(e as CustomEvent));
  return { el, events, wrapper, session: s };
}

const item = (el: Element, name: string) => $$(el, '[part~="item"]').find((li) => text(li.querySelector('.item-label')) === name)!;
/** A channel's details: each `<dt>` with its `<dd>`. */
const rows = (li: Element) => Object.fromEntries([...li.querySelectorAll('dt')].map((dt) => [text(dt), text(dt.nextElementSibling)]));
const button = (root: Element, label: string) => [...root.querySelectorAll<HTMLButtonElement>('button')].find((b) => text(b) === label || b.getAttribute('aria-label') === label)!;

/** Fills the add form like a user: the kind, then the name and target fields. */
async function fill(el: O365NotificationSettings, kind: string, name: string, target: string) {
  const select = $(el, 'select[name="kind"]') as HTMLSelectElement;
  select.value = kind;
  select.dispatchEvent(new Event('change'));
  await el.updateComplete;
  ($(el, 'input[name="name"]') as HTMLInputElement).value = name;
  ($(el, 'input[name="target"]') as HTMLInputElement).value = target;
}

describe('<o365-notification-settings>', () => {
  describe('accessibility', () => {
    it('is accessible loading, listed, with the filters open, a delivery log open and a delete to confirm', async () => {
      const { el } = await settings('slow');
      expect($(el, '[role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading notification channels');
      await expect(el).to.be.accessible();
      await part(el, 'list');
      await expect(el).to.be.accessible();
      ($(el, 'details') as HTMLDetailsElement).open = true;
      button(item(el, 'On-call paging webhook'), 'Deliveries').click();
      await part(el, 'delivery');
      button(item(el, 'Service desk mailbox'), 'Delete Service desk mailbox').click();
      await part(el, 'confirm');
      await expect(el).to.be.accessible();
    });

    it('names every field, checkbox and button', async () => {
      const { el } = await settings();
      await part(el, 'list');
      expect(text($(el, 'select[name="kind"]')!.closest('label'))).to.contain('Kind');
      expect([...($(el, 'select[name="kind"]') as HTMLSelectElement).options].map((o) => o.text)).to.deep.equal(['Webhook', 'Microsoft Teams', 'Slack', 'E-mail']);
      expect(text($(el, 'input[name="name"]')!.closest('label'))).to.equal('Name');
      expect(text($(el, 'input[name="target"]')!.closest('label'))).to.equal('URL');
      expect($$(el, 'fieldset legend').map(text)).to.deep.equal(['Tenants', 'Services', 'Classifications', 'Events']);
      expect($$(el, 'input[name="tenants"]').map((i) => text(i.closest('label')))).to.deep.equal(['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com']);
      // The services of every tenant the org sees, once each.
      const services = $$(el, 'input[name="services"]').map((i) => text(i.closest('label')));
      expect(services).to.include('Exchange Online').and.include('Microsoft Teams');
      expect(new Set(services).size).to.equal(services.length);
      expect($$(el, 'input[name="events"]').map((i) => text(i.closest('label')))).to.deep.equal(['New issue', 'Issue updated', 'Issue resolved', 'Service status changed', 'Authorization needs renewal']);
      expect($$(el, '[part~="delete-button"]').map((b) => b.getAttribute('aria-label'))).to.deep.equal(['Delete On-call paging webhook', 'Delete IT Ops on-call (Teams)', 'Delete Service desk mailbox']);
    });
  });

  describe('states', () => {
    it('lists each channel with its kind, masked target, filters, state, last delivery and last error', async () => {
      const { el, events } = await settings();
      await part(el, 'list');
      const [webhook, teams, email] = $$(el, '[part~="item"]') as [HTMLElement, HTMLElement, HTMLElement];
      expect(rows(webhook)).to.deep.equal({
        Kind: 'Webhook',
        Target: 'https://events.pagerduty.example/…',
        Filters: 'Classifications: Incident',
        'Last delivery': '2 May 2024, 9:12',
        Added: '30 Apr 2024, 8:00',
      });
      expect(text(webhook.querySelector('[part~="status"]'))).to.equal('Enabled');
      expect(rows(teams)).to.include({
        Kind: 'Microsoft Teams',
        Filters: 'Tenants: contoso.onmicrosoft.com; Services: Exchange Online, Microsoft Teams',
        'Last error': 'The target answered HTTP 500 (attempt 3 of 8; next in 2 minutes).',
      });
      expect(text(teams.querySelector('[part~="status"]'))).to.equal('Enabled, last delivery failed');
      expect(rows(email)).to.include({ Kind: 'E-mail', Target: 'servicedesk@northbridge.example, m365-admins@northbridge.example', Filters: 'Events: New issue, Issue resolved', 'Last delivery': 'Never' });
      expect(text(email.querySelector('[part~="status"]'))).to.equal('Disabled');
      expect(email.getAttribute('part')).to.contain('item-disabled');
      expect(button(email, 'Enable')).to.exist;
      expect(text($(el, '[part~="time-zone"]'))).to.equal('times in UTC');
      const load = events.find((e) => e.type === 'o365-load')!;
      expect(load.detail.element).to.equal('notification-settings');
      expect(load.detail.channels.map((c: { id: string }) => c.id)).to.deep.equal([CHANNEL_IDS.webhook, CHANNEL_IDS.teams, CHANNEL_IDS.email]);
    });

    it('tells a viewer key that an admin key is needed, without a form', async () => {
      const { el, events } = await settings('viewer');
      expect(text(await part(el, 'read-only'))).to.contain('An admin API key is needed to see and change notification channels');
      expect($(el, '[part~="add-form"]')).to.be.null;
      expect($(el, '[part~="retry"]')).to.be.null;
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(403);
      await expect(el).to.be.accessible();
    });

    it('shows the empty state, and that no tenant is connected yet', async () => {
      const { el } = await settings('empty');
      const empty = await part(el, 'empty');
      expect(text(empty)).to.contain('No notification channel yet').and.contain('No Microsoft 365 tenant is connected yet');
      expect($(el, '[part~="add-form"]')).to.exist;
      expect($(el, 'input[name="tenants"]')).to.be.null;
      await expect(el).to.be.accessible();
    });

    it('shows an error with role=alert and Retry', async () => {
      const { el } = await settings('error');
      const error = await part(el, 'error');
      expect(error.getAttribute('role')).to.equal('alert');
      expect(text(error)).to.contain('The notification channels could not be loaded');
      expect($(el, '[part~="retry"]')).to.exist;
      await expect(el).to.be.accessible();
    });

    it('says when the key was refused (revoked)', async () => {
      const { el } = await settings('revoked');
      expect(text(await part(el, 'error'))).to.contain('The API key was refused');
      await expect(el).to.be.accessible();
    });

    it('says when the server cannot be reached', async () => {
      const { el } = await settings('admin', 'http://127.0.0.1:9');
      expect(text(await part(el, 'error', 'no error state'))).to.contain('could not be reached');
      await expect(el).to.be.accessible();
    });

    it('fits a phone screen and a 240 px tile', async () => {
      const { el, wrapper } = await settings();
      await part(el, 'list');
      ($(el, 'details') as HTMLDetailsElement).open = true;
      button(item(el, 'IT Ops on-call (Teams)'), 'Deliveries').click();
      await part(el, 'delivery');
      for (const width of [240, 375, 740]) {
        wrapper.style.width = `${width}px`;
        expect(overflowing(el), `${width} px`).to.deep.equal([]);
      }
    });
  });

  describe('adding', () => {
    it('adds a webhook with filters and shows its signing secret once, with a Copy button', async () => {
      const { el, events, session } = await settings();
      await part(el, 'list');
      await fill(el, 'webhook', 'Status page', 'https://hooks.example.com/o365/a1b2c3');
      ($(el, `input[name="tenants"][value="${FABRIKAM}"]`) as HTMLInputElement).click();
      ($(el, 'input[name="classifications"][value="incident"]') as HTMLInputElement).click();
      ($(el, 'input[name="events"][value="issue.created"]') as HTMLInputElement).click();
      $(el, '[part~="add-button"]')!.click();
      const secret = await part(el, 'secret');
      expect(text(secret)).to.contain('whsec_').and.contain('not shown again');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '[part~="copy-button"]'));
      expect(text($(el, '[part~="message"]'))).to.contain('Channel “Status page” added.');
      const post = (await requests(session.id)).find((r) => r.method === 'POST')!;
      expect(post.body).to.deep.equal({
        kind: 'webhook',
        name: 'Status page',
        target: 'https://hooks.example.com/o365/a1b2c3',
        filters: { tenants: [FABRIKAM], classifications: ['incident'], events: ['issue.created'] },
      });
      await waitUntil(() => $$(el, '[part~="item"]').length === 4, 'the new channel is not listed');
      expect(text(item(el, 'Status page'))).to.contain('https://hooks.example.com/…').and.contain('Tenants: fabrikam.onmicrosoft.com');
      const change = events.find((e) => e.type === 'o365-channel-change')!;
      expect(change.bubbles && change.composed).to.be.true;
      expect(change.detail.action).to.equal('add');
      // The form is empty again for the next one.
      expect(($(el, 'input[name="name"]') as HTMLInputElement).value).to.equal('');
      expect($$(el, 'input[type="checkbox"]').some((c) => (c as HTMLInputElement).checked)).to.be.false;
      await expect(el).to.be.accessible();

      let copied = '';
      const clipboard = Object.getOwnPropertyDescriptor(Navigator.prototype, 'clipboard')!;
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void (copied = t) } });
      try {
        $(el, '[part~="copy-button"]')!.click();
        await waitUntil(() => text($(el, '[part~="copy-button"]')) === 'Copied', 'not copied');
        expect(copied).to.match(/^whsec_/);
        expect(text(secret)).to.contain(copied);
      } finally {
        delete (navigator as { clipboard?: unknown }).clipboard;
        Object.defineProperty(Navigator.prototype, 'clipboard', clipboard);
      }
      button(secret, 'Done').click();
      await el.updateComplete;
      expect($(el, '[part~="secret"]')).to.be.null;
    });

    it('selects the secret for Ctrl+C when the clipboard is not available', async () => {
      const { el } = await settings();
      await part(el, 'list');
      await fill(el, 'webhook', 'Receiver', 'https://hooks.example.com/x');
      $(el, '[part~="add-button"]')!.click();
      await part(el, 'secret');
      Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: () => Promise.reject(new DOMException('Denied', 'NotAllowedError')) } });
      try {
        $(el, '[part~="copy-button"]')!.click();
        await waitUntil(() => text($(el, '[role="status"]')).includes('press Ctrl+C'), 'no hint');
        expect(getSelection()!.toString()).to.match(/^whsec_/);
      } finally {
        delete (navigator as { clipboard?: unknown }).clipboard;
      }
    });

    it('adds an e-mail channel (no secret), its field labelled for addresses', async () => {
      const { el } = await settings();
      await part(el, 'list');
      await fill(el, 'email', 'Admins', 'a@contoso.com, b@contoso.com');
      expect(text($(el, 'input[name="target"]')!.closest('label'))).to.equal('Addresses');
      expect(text($(el, '#target-hint'))).to.contain('separated by commas');
      $(el, '[part~="add-button"]')!.click();
      await waitUntil(() => $$(el, '[part~="item"]').length === 4, 'the new channel is not listed');
      expect($(el, '[part~="secret"]')).to.be.null;
      expect(text(item(el, 'Admins'))).to.contain('Everything');
    });

    it('asks for a name and a target before sending anything', async () => {
      const { el, session } = await settings();
      await part(el, 'list');
      $(el, '[part~="add-button"]')!.click();
      await el.updateComplete;
      expect(text($(el, '[part~="message"]'))).to.contain('Enter a name');
      expect($(el, '[part~="message"]')!.getAttribute('role')).to.equal('alert');
      await waitUntil(() => el.shadowRoot!.activeElement === $(el, 'input[name="name"]'), 'the name field has no focus');
      ($(el, 'input[name="name"]') as HTMLInputElement).value = 'x';
      $(el, '[part~="add-button"]')!.click();
      await waitUntil(() => el.shadowRoot!.activeElement === $(el, 'input[name="target"]'), 'the target field has no focus');
      expect(text($(el, '[part~="message"]'))).to.contain('Enter the url');
      expect((await requests(session.id)).some((r) => r.method === 'POST')).to.be.false;
    });

    it('shows the server’s refusal of a target', async () => {
      const { el, events } = await settings();
      await part(el, 'list');
      await fill(el, 'slack', 'Chat', 'http://hooks.slack.com/services/T0/B0/x');
      $(el, '[part~="add-button"]')!.click();
      await waitUntil(() => $(el, '[part~="message"]'), 'no message');
      expect(text($(el, '[part~="message"]'))).to.contain('The channel could not be added').and.contain('must be an https: URL');
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(400);
      expect($$(el, '[part~="item"]')).to.have.length(3);
    });
  });

  describe('channels', () => {
    it('sends a test and shows how it went, delivered or failed', async () => {
      const { el, events } = await settings();
      await part(el, 'list');
      button(item(el, 'On-call paging webhook'), 'Send test').click();
      await waitUntil(() => text(item(el, 'On-call paging webhook').querySelector('[part~="test-result"]')).includes('Test delivered'), 'no outcome');
      expect(text(item(el, 'On-call paging webhook').querySelector('[part~="test-result"]'))).to.equal('Test delivered (HTTP 200).');
      button(item(el, 'IT Ops on-call (Teams)'), 'Send test').click();
      await waitUntil(() => text(item(el, 'IT Ops on-call (Teams)').querySelector('[part~="test-result"]')).includes('failed'), 'no outcome');
      expect(text(item(el, 'IT Ops on-call (Teams)').querySelector('[part~="test-result"]'))).to.equal('The test failed (HTTP 500): The target answered HTTP 500.');
      const tests = events.filter((e) => e.type === 'o365-channel-change').map((e) => [e.detail.action, e.detail.channelId, e.detail.delivery.status]);
      expect(tests).to.deep.equal([
        ['test', CHANNEL_IDS.webhook, 'delivered'],
        ['test', CHANNEL_IDS.teams, 'failed'],
      ]);
      await waitUntil(() => text($(el, '[role="status"]')).includes('IT Ops on-call (Teams): The test failed'), 'not announced');
      await expect(el).to.be.accessible();
    });

    it('shows the recent deliveries, an empty log, and the test send in the log', async () => {
      const { el } = await settings();
      await part(el, 'list');
      const teams = item(el, 'IT Ops on-call (Teams)');
      const toggle = button(teams, 'Deliveries');
      expect(toggle.getAttribute('aria-expanded')).to.equal('false');
      toggle.click();
      await waitUntil(() => teams.querySelectorAll('[part~="delivery"]').length === 2, 'no deliveries');
      expect(toggle.getAttribute('aria-expanded')).to.equal('true');
      expect(teams.querySelector(`#${toggle.getAttribute('aria-controls')}`)).to.exist;
      const [pending, delivered] = [...teams.querySelectorAll('[part~="delivery"]')];
      expect(text(pending)).to.contain('Pending').and.contain('New issue').and.contain('3 attempts · HTTP 500').and.contain('The target answered HTTP 500.');
      expect(text(delivered)).to.contain('Delivered').and.contain('Service status changed').and.contain('1 attempt · HTTP 202');

      button(teams, 'Send test').click();
      await waitUntil(() => teams.querySelectorAll('[part~="delivery"]').length === 3, 'the test send is not in the log');
      expect(text(teams.querySelector('[part~="delivery"]'))).to.contain('Failed').and.contain('Test');

      toggle.click();
      await el.updateComplete;
      expect(teams.querySelector('[part~="deliveries"]')).to.be.null;

      const email = item(el, 'Service desk mailbox');
      button(email, 'Deliveries').click();
      await waitUntil(() => text(email.querySelector('[part~="deliveries"]')).includes('No deliveries yet'), 'no empty log');
    });

    it('renames and re-filters a channel in place, its filters ticked, and keeps its target', async () => {
      const { el, events, session } = await settings();
      await part(el, 'list');
      const edit = button(item(el, 'IT Ops on-call (Teams)'), 'Edit IT Ops on-call (Teams)');
      expect(edit.getAttribute('aria-expanded')).to.equal('false');
      edit.click();
      const form = await part(el, 'edit-form');
      expect(edit.getAttribute('aria-expanded')).to.equal('true');
      expect(form.id).to.equal(edit.getAttribute('aria-controls'));
      const name = form.querySelector<HTMLInputElement>('input[name="name"]')!;
      await waitUntil(() => el.shadowRoot!.activeElement === name, 'the name field has no focus');
      expect(name.value).to.equal('IT Ops on-call (Teams)');
      const ticked = () => [...form.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].filter((c) => c.checked).map((c) => `${c.name}=${c.value}`);
      // The channel's filters, ticked among everything the add form offers.
      expect(ticked()).to.deep.equal([`tenants=${CONTOSO}`, 'services=Exchange Online', 'services=Microsoft Teams']);
      expect(form.querySelectorAll('input[name="tenants"]')).to.have.length(2);
      expect(text(form)).to.contain('The URL stays as it is');
      await expect(el).to.be.accessible();

      name.value = '  Mail on-call (Teams) ';
      form.querySelector<HTMLInputElement>('input[name="services"][value="Microsoft Teams"]')!.click();
      form.querySelector<HTMLInputElement>('input[name="classifications"][value="incident"]')!.click();
      $(el, '[part~="save-button"]')!.click();
      await waitUntil(() => !$(el, '[part~="edit-form"]'), 'the form did not close');
      const patch = (await requests(session.id)).filter((r) => r.method === 'PATCH');
      expect(patch.map((r) => [r.path, r.body])).to.deep.equal([
        [`/api/channels/${CHANNEL_IDS.teams}`, { name: 'Mail on-call (Teams)', filters: { tenants: [CONTOSO], services: ['Exchange Online'], classifications: ['incident'] } }],
      ]);
      await waitUntil(() => $$(el, '.item-label').map(text).includes('Mail on-call (Teams)'), 'not renamed in the list');
      const saved = item(el, 'Mail on-call (Teams)');
      expect(rows(saved)).to.include({
        Target: 'https://prod-12.westeurope.logic.azure.com/…',
        Filters: 'Tenants: contoso.onmicrosoft.com; Services: Exchange Online; Classifications: Incident',
      });
      expect(text($(el, '[part~="message"]'))).to.contain('Channel “Mail on-call (Teams)” saved.');
      expect(events.filter((e) => e.type === 'o365-channel-change').map((e) => e.detail)).to.deep.equal([{ action: 'edit', channelId: CHANNEL_IDS.teams }]);
      await waitUntil(() => el.shadowRoot!.activeElement === $(el, `#edit-${CHANNEL_IDS.teams}`), 'focus did not return to Edit');

      // Unticking every box of a group sends all of it: the webhook takes advisories again.
      button(item(el, 'On-call paging webhook'), 'Edit On-call paging webhook').click();
      const second = await part(el, 'edit-form');
      expect(text(second)).to.contain('the signing secret stay');
      second.querySelector<HTMLInputElement>('input[name="classifications"][value="incident"]')!.click();
      $(el, '[part~="save-button"]')!.click();
      await waitUntil(() => rows(item(el, 'On-call paging webhook')).Filters === 'Everything', 'the filter stayed');
      expect((await requests(session.id)).filter((r) => r.method === 'PATCH').at(-1)!.body).to.deep.equal({ name: 'On-call paging webhook', filters: {} });
    });

    it('keeps a filter value the lists do not offer, asks for a name, and keeps the form open when the server refuses', async () => {
      const s = newSession();
      // Set through the API: a service none of the tenants reports at the moment.
      const set = await fetch(`${s.apiBase}/api/channels/${CHANNEL_IDS.email}`, {
        method: 'PATCH',
        headers: { authorization: 'Bearer admin', 'content-type': 'application/json' },
        body: JSON.stringify({ filters: { services: ['Dynamics 365 Example'], events: ['issue.created'] } }),
      });
      expect(set.status).to.equal(200);
      const { el, events } = await settings('admin', undefined, s);
      await part(el, 'list');
      button(item(el, 'Service desk mailbox'), 'Edit Service desk mailbox').click();
      const form = await part(el, 'edit-form');
      const extra = form.querySelector<HTMLInputElement>('input[name="services"][value="Dynamics 365 Example"]')!;
      expect(extra.checked).to.be.true;
      expect(text(extra.closest('label'))).to.equal('Dynamics 365 Example');
      expect(text(form)).to.contain('The addresses stay as they are');

      const name = form.querySelector<HTMLInputElement>('input[name="name"]')!;
      name.value = ' ';
      $(el, '[part~="save-button"]')!.click();
      await waitUntil(() => text(form.querySelector('[part~="error"]')).includes('Enter a name'), 'no prompt for a name');
      expect(form.querySelector('[part~="error"]')!.getAttribute('role')).to.equal('alert');
      await waitUntil(() => el.shadowRoot!.activeElement === name, 'the name field has no focus');
      expect((await requests(s.id)).filter((r) => r.method === 'PATCH')).to.have.length(1);

      // Another admin deletes the channel meanwhile: the save is refused, and nothing entered is lost.
      const gone = await fetch(`${s.apiBase}/api/channels/${CHANNEL_IDS.email}`, { method: 'DELETE', headers: { authorization: 'Bearer admin' } });
      expect(gone.status).to.equal(204);
      name.value = 'Desk';
      $(el, '[part~="save-button"]')!.click();
      await waitUntil(() => text(form.querySelector('[part~="error"]')).includes('could not be saved'), 'no refusal');
      expect(text(form.querySelector('[part~="error"]'))).to.contain('No such channel');
      expect($(el, '[part~="edit-form"]')).to.equal(form);
      expect(name.value).to.equal('Desk');
      expect(extra.checked).to.be.true;
      expect(events.find((e) => e.type === 'o365-error')!.detail.status).to.equal(404);
      const patches = (await requests(s.id)).filter((r) => r.method === 'PATCH');
      expect(patches.at(-1)!.body).to.deep.equal({ name: 'Desk', filters: { services: ['Dynamics 365 Example'], events: ['issue.created'] } });

      // Escape closes it, focus back on Edit.
      name.focus();
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect($(el, '[part~="edit-form"]')).to.be.null;
      await waitUntil(() => el.shadowRoot!.activeElement === $(el, `#edit-${CHANNEL_IDS.email}`), 'focus did not return to Edit');
    });

    it('disables and enables a channel', async () => {
      const { el, events, session } = await settings();
      await part(el, 'list');
      button(item(el, 'On-call paging webhook'), 'Disable').click();
      await waitUntil(() => text(item(el, 'On-call paging webhook')).includes('Disabled'), 'not disabled');
      expect(item(el, 'On-call paging webhook').getAttribute('part')).to.contain('item-disabled');
      expect(text($(el, '[part~="message"]'))).to.contain('Channel “On-call paging webhook” disabled.');
      button(item(el, 'Service desk mailbox'), 'Enable').click();
      await waitUntil(() => !text(item(el, 'Service desk mailbox')).includes('Disabled'), 'not enabled');
      const patches = (await requests(session.id)).filter((r) => r.method === 'PATCH');
      expect(patches.map((r) => [r.path, r.body])).to.deep.equal([
        [`/api/channels/${CHANNEL_IDS.webhook}`, { enabled: false }],
        [`/api/channels/${CHANNEL_IDS.email}`, { enabled: true }],
      ]);
      expect(events.filter((e) => e.type === 'o365-channel-change').map((e) => e.detail.action)).to.deep.equal(['disable', 'enable']);
    });

    it('deletes after an in-place confirmation, from the keyboard; Escape cancels and returns focus', async () => {
      const { el, events, session } = await settings();
      await part(el, 'list');
      const trash = $(el, `#delete-${CHANNEL_IDS.email}`)!;
      trash.focus();
      await sendKeys({ press: 'Enter' });
      await part(el, 'confirm');
      expect(trash.getAttribute('aria-expanded')).to.equal('true');
      expect(el.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Cancel');
      expect(text($(el, '[part~="confirm"]'))).to.contain('Delete the channel “Service desk mailbox”?');
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect($(el, '[part~="confirm"]')).to.be.null;
      await waitUntil(() => el.shadowRoot!.activeElement === trash, 'focus did not return to the trash button');

      await sendKeys({ press: 'Enter' });
      await part(el, 'confirm');
      await sendKeys({ down: 'Shift' });
      await sendKeys({ press: 'Tab' });
      await sendKeys({ up: 'Shift' });
      expect(el.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Delete');
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => $$(el, '[part~="item"]').length === 2, 'not deleted');
      expect(text($(el, '[part~="message"]'))).to.contain('Channel “Service desk mailbox” deleted.');
      expect(el.shadowRoot!.activeElement).to.equal($(el, '#list-title'));
      expect((await requests(session.id)).filter((r) => r.method === 'DELETE').map((r) => r.path)).to.deep.equal([`/api/channels/${CHANNEL_IDS.email}`]);
      expect(events.find((e) => e.type === 'o365-channel-change')!.detail).to.deep.equal({ action: 'delete', channelId: CHANNEL_IDS.email });
    });
  });
});
