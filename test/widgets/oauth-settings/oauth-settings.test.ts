import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/oauth-settings/oauth-settings.js';
import type { O365OAuthSettings } from '../../../widgets/oauth-settings/oauth-settings.js';
import '../../../widgets/service-health/service-health.js';
import { $, $$, count, mount, newSession, overflowing, part, requests, selectFits, sleep, text } from '../support/helpers.js';

async function settings(key = 'admin') {
  const s = newSession();
  const { el, events, wrapper } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-base=${s.apiBase} api-key=${key}></o365-oauth-settings>`);
  return { el, events, wrapper, session: s };
}

describe('<o365-oauth-settings>', () => {
  describe('accessibility', () => {
    it('is accessible loading, listed, and confirming a delete', async () => {
      const { el } = await settings('slow');
      expect($(el, '[role="progressbar"]')!.getAttribute('aria-label')).to.equal('Loading authorizations');
      await expect(el).to.be.accessible();
      await part(el, 'list');
      await expect(el).to.be.accessible();
      $(el, '[part~="delete-button"]')!.click();
      await part(el, 'confirm');
      await expect(el).to.be.accessible();
    });

    it('names the form fields and the trash buttons', async () => {
      const { el } = await settings();
      await part(el, 'list');
      const api = $(el, 'select[name="api"]') as HTMLSelectElement;
      expect(text(api.closest('label'))).to.contain('API');
      expect([...api.options].map((o) => o.text)).to.deep.equal(['Office 365 Service Communication API']);
      expect(text($(el, 'input[name="label"]')!.closest('label'))).to.equal('Label');
      expect(text($(el, '#label-hint'))).to.contain("the tenant's domain");
      expect($$(el, '[part~="delete-button"]').map((b) => b.getAttribute('aria-label'))).to.deep.equal([
        'Delete contoso.onmicrosoft.com',
        'Delete fabrikam.onmicrosoft.com',
      ]);
    });
  });

  describe('states', () => {
    it('lists authorizations with their state in words, the reason and Re-authorize', async () => {
      const { el } = await settings();
      await part(el, 'list');
      const [contoso, fabrikam] = $$(el, '[part~="item"]');
      expect(text(contoso)).to.contain('Active').and.contain('4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10').and.contain('admin@contoso.onmicrosoft.com');
      expect(text(fabrikam)).to.contain('Needs re-authorization').and.contain('consent_required');
      expect([...fabrikam.querySelectorAll('button')].map(text)).to.include('Re-authorize');
      expect(text($(el, '[part~="explain"]'))).to.contain("other users' authorizations for the same tenant keep retrieval going");
      expect($(el, '[part~="explain"] a')!.getAttribute('href')).to.equal('https://entra.microsoft.com/');
    });

    it('shows a viewer key the tenants read-only, without Add or Delete', async () => {
      const { el, events } = await settings('viewer');
      await part(el, 'read-only');
      expect(text($(el, '[part~="read-only"]'))).to.contain('An admin API key is needed');
      expect($(el, '[part~="add-form"]')).to.be.null;
      expect($(el, '[part~="delete-button"]')).to.be.null;
      expect($$(el, '[part~="item"]')).to.have.length(2);
      expect(events.find((e) => e.type === 'o365-load')!.detail.readOnly).to.be.true;
      await expect(el).to.be.accessible();
    });

    it('shows the empty state', async () => {
      const { el } = await settings('empty');
      expect(text(await part(el, 'empty'))).to.contain('No Microsoft 365 tenant is connected yet');
      await expect(el).to.be.accessible();
    });

    it('shows an error with role=alert and Retry', async () => {
      const { el } = await settings('error');
      expect((await part(el, 'error')).getAttribute('role')).to.equal('alert');
      await expect(el).to.be.accessible();
    });

    it('shows the whole API name and fits a phone screen', async () => {
      const { el, wrapper } = await settings();
      for (const width of [375, 740]) {
        wrapper.style.width = `${width}px`;
        await part(el, 'list');
        await sleep(30);
        expect(selectFits($(el, 'select[name="api"]') as HTMLSelectElement), `${width} px`).to.be.true;
        expect(overflowing(el)).to.deep.equal([]);
      }
    });

    it('asks for a label before adding', async () => {
      const { el } = await settings();
      await part(el, 'list');
      $(el, '[part~="add-button"]')!.click();
      await el.updateComplete;
      expect(text($(el, '[part~="message"]'))).to.contain('Enter a label');
      expect(el.shadowRoot!.activeElement).to.equal($(el, 'input[name="label"]'));
    });
  });

  describe('events', () => {
    it('adds through the popup and the callback message, then everything on the page reloads', async () => {
      const s = newSession();
      const { wrapper, events } = await mount(html`
        <o365-oauth-settings api-base=${s.apiBase} api-key="admin"></o365-oauth-settings>
        <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
      `);
      const el = wrapper.firstElementChild as O365OAuthSettings;
      await part(el, 'list');
      await part(wrapper.children[1], 'list');
      const input = $(el, 'input[name="label"]')!;
      input.focus();
      await sendKeys({ type: 'northwind.onmicrosoft.com' });
      $(el, '[part~="add-button"]')!.focus();
      await sendKeys({ press: 'Enter' }); // a real key press: the popup needs user activation
      await waitUntil(() => events.some((e) => e.type === 'o365-authorization-change'), 'no authorization change', { timeout: 5000 });
      const change = events.find((e) => e.type === 'o365-authorization-change')!;
      expect(change.bubbles && change.composed).to.be.true;
      expect(change.detail).to.deep.equal({ action: 'add', authorizationId: 'auth_new_1', status: 'active' });
      await waitUntil(() => $$(el, '[part~="item"]').length === 3);
      expect(text($(el, '[part~="message"]'))).to.contain('“northwind.onmicrosoft.com” is active');
      const posted = (await requests(s.id)).find((r) => r.method === 'POST')!;
      expect(posted.path).to.equal('/api/authorizations');
      await waitUntil(async () => (await count(s.id, '/api/tenants')) === 2, 'the health element did not reload');
    });

    it('falls back to a full-page redirect with returnTo when the popup is blocked', async () => {
      const { el } = await settings();
      await part(el, 'list');
      const open = window.open;
      let went = '';
      window.open = () => null;
      (el as unknown as { navigate: (u: string) => void }).navigate = (url) => (went = url);
      try {
        (el.shadowRoot!.querySelector('input[name="label"]') as HTMLInputElement).value = 'x';
        $(el, 'input[name="label"]')!.dispatchEvent(new Event('input'));
        $(el, '[part~="add-button"]')!.click();
        await waitUntil(() => went, 'no redirect');
        expect(new URL(went).searchParams.get('returnTo')).to.equal(location.href);
      } finally {
        window.open = open;
      }
    });

    describe('when the popup closes before its message arrives', () => {
      /** A stand-in for the popup window that the test closes itself. */
      async function startAdd(label: string) {
        const { el, events, session } = await settings();
        await part(el, 'list');
        const popup = { closed: false, location: { href: '' }, close() {} };
        const open = window.open;
        window.open = () => popup as unknown as Window;
        try {
          const input = $(el, 'input[name="label"]') as HTMLInputElement;
          input.value = label;
          input.dispatchEvent(new Event('input'));
          $(el, '[part~="add-button"]')!.click();
          await waitUntil(() => popup.location.href, 'the popup was not sent to Microsoft');
        } finally {
          window.open = open;
        }
        return { el, events, session, popup };
      }
      const callback = (data: object) =>
        window.dispatchEvent(new MessageEvent('message', { origin: location.origin, data: { type: 'o365-health:authorization', ...data } }));

      it('still names the authorization by its label when the success message comes after the close was seen', async () => {
        const { el, events, popup } = await startAdd('late.example.com');
        popup.closed = true;
        await sleep(700); // the 500 ms poll has seen the window closed
        callback({ status: 'active', authorizationId: 'auth_new_1', error: null });
        await el.updateComplete;
        expect(text($(el, '[part~="message"]'))).to.contain('Authorization “late.example.com” is active');
        expect(events.filter((e) => e.type === 'o365-authorization-change').map((e) => e.detail)).to.deep.equal([
          { action: 'add', authorizationId: 'auth_new_1', status: 'active' },
        ]);
        // The grace period ends without a "closed before it finished" message.
        await sleep(1600);
        expect(text($(el, '[part~="message"]'))).to.contain('is active');
      });

      it('shows the reason of a cancelled consent, whose authorization the server removed', async () => {
        const { el, popup } = await startAdd('declined.example.com');
        popup.closed = true;
        await sleep(700);
        const reason = 'The sign-in or consent was cancelled at Microsoft, so nothing was authorized.';
        callback({ status: 'failed', authorizationId: 'auth_new_1', error: reason });
        await el.updateComplete;
        const message = $(el, '[part~="message"]')!;
        expect(message.getAttribute('role')).to.equal('alert');
        expect(text(message)).to.contain('The authorization of “declined.example.com” failed.');
        expect(text(message.querySelector('.reason'))).to.equal(`Reason: ${reason}`);
        expect(text($(el, '[role="status"]'))).to.contain(reason);
        await expect(el).to.be.accessible();
      });

      it('says the window was closed when no message came within the grace period', async () => {
        const { el, popup } = await startAdd('closed.example.com');
        popup.closed = true;
        await waitUntil(() => text($(el, '[part~="message"]')).includes('was closed'), 'no "closed" message', { timeout: 4000 });
        expect(text($(el, '[part~="message"]'))).to.contain('“closed.example.com”');
      });
    });

    it('ignores callback messages from other origins', async () => {
      const { el, events } = await settings();
      await part(el, 'list');
      const data = { type: 'o365-health:authorization', status: 'active', authorizationId: 'auth_01' };
      window.dispatchEvent(new MessageEvent('message', { origin: 'https://evil.example', data }));
      await sleep(20);
      expect(events.some((e) => e.type === 'o365-authorization-change')).to.be.false;
      window.dispatchEvent(new MessageEvent('message', { origin: location.origin, data }));
      expect(events.some((e) => e.type === 'o365-authorization-change')).to.be.true;
    });

    it('deletes after an in-element confirmation; Escape cancels and returns focus', async () => {
      const { el, events, session } = await settings();
      await part(el, 'list');
      const trash = $(el, '[part~="delete-button"]')!;
      trash.focus();
      await sendKeys({ press: 'Enter' });
      await part(el, 'confirm');
      expect(el.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Cancel');
      expect(text($(el, '[part~="confirm"]'))).to.contain('Delete the authorization “contoso.onmicrosoft.com”?');
      await sendKeys({ press: 'Escape' });
      await el.updateComplete;
      expect($(el, '[part~="confirm"]')).to.be.null;
      await waitUntil(() => el.shadowRoot!.activeElement === trash);
      trash.click();
      await part(el, 'confirm');
      ($(el, '[part~="confirm"] .danger') as HTMLButtonElement).click();
      await waitUntil(() => events.some((e) => e.type === 'o365-authorization-change'));
      expect(events.find((e) => e.type === 'o365-authorization-change')!.detail).to.deep.equal({ action: 'delete', authorizationId: 'auth_01', status: 'deleted' });
      await waitUntil(() => $$(el, '[part~="item"]').length === 1, 'the list did not reload');
      expect(await count(session.id, '/api/authorizations/auth_01', 'DELETE')).to.equal(1);
      expect(text($(el, '[role="status"]'))).to.contain('deleted');
    });
  });
});
