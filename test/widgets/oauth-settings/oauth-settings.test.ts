import { expect, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../widgets/oauth-settings/oauth-settings.js';
import type { O365OAuthSettings } from '../../../widgets/oauth-settings/oauth-settings.js';
import '../../../widgets/service-health/service-health.js';
import { $, $$, count, mount, newSession, overflowing, part, requests, selectFits, text } from '../support/helpers.js';

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
        // Reading boxes lays the page out, container queries included: no wait needed.
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
      const { el, session } = await settings();
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
        // To Microsoft (the authorizeUrl the API answered), and back to this page afterwards.
        expect(went).to.equal(`${session.apiBase}/authorize?id=auth_new_1`);
        const post = (await requests(session.id)).find((r) => r.method === 'POST')!;
        expect(post.body).to.deep.equal({ label: 'x', api: 'service-communications', returnTo: location.href });
      } finally {
        window.open = open;
      }
    });

    describe('when the popup closes', () => {
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
        // The pending row is listed while the admin signs in.
        await waitUntil(() => $$(el, '[part~="item"]').length === 3, 'the pending authorization is not listed');
        return { el, events, session, popup };
      }
      /** What Microsoft's redirect to the server's callback does to the authorization, without the page's message. */
      const signIn = (popup: { location: { href: string } }, status: 'active' | 'failed') => fetch(`${popup.location.href}&status=${status}`);
      /** The server's callback page's message, posted for real from the API's origin (the page's own here). */
      const callback = (data: object) => window.postMessage({ type: 'o365-health:authorization', ...data }, location.origin);
      const changes = (events: CustomEvent[]) => events.filter((e) => e.type === 'o365-authorization-change').map((e) => e.detail);
      const row = (el: Element, label: string) => $$(el, '[part~="item"]').find((li) => text(li.querySelector('.item-label')) === label);

      it('learns a success from the server when no message came (a page on another origin than PUBLIC_URL)', async () => {
        const { el, events, popup } = await startAdd('quiet.example.com');
        await signIn(popup, 'active');
        popup.closed = true;
        await waitUntil(() => text($(el, '[part~="message"]')).includes('is active'), 'the success was not learnt from the server', { timeout: 5000 });
        expect(text($(el, '[part~="message"]'))).to.contain('Authorization “quiet.example.com” is active');
        expect(changes(events)).to.deep.equal([{ action: 'add', authorizationId: 'auth_new_1', status: 'active' }]);
        await waitUntil(() => text(row(el, 'quiet.example.com')?.querySelector('[part~="status"]')) === 'Active', 'the row is not active');
        await expect(el).to.be.accessible();
      });

      it('shows the reason the server recorded when the sign-in failed and no message came', async () => {
        const { el, events, popup } = await startAdd('wrong.example.com');
        await signIn(popup, 'failed');
        popup.closed = true;
        const message = await waitUntil(() => $(el, '[part~="message"][role="alert"]'), 'no failure message', { timeout: 5000 }).then(() => $(el, '[part~="message"]')!);
        expect(text(message)).to.contain('The authorization of “wrong.example.com” failed.');
        expect(text(message.querySelector('.reason'))).to.contain('AADSTS50020');
        expect(changes(events)[0]).to.deep.include({ action: 'add', authorizationId: 'auth_new_1', status: 'failed' });
        await expect(el).to.be.accessible();
      });

      it('cancels when the admin closed the window: the pending row is removed and the message says so', async () => {
        const { el, events, session, popup } = await startAdd('closed.example.com');
        popup.closed = true;
        await waitUntil(() => $$(el, '[part~="item"]').length === 2, 'the pending row is still listed', { timeout: 5000 });
        expect(row(el, 'closed.example.com')).to.be.undefined;
        expect(text($(el, '[part~="message"]'))).to.contain('The sign-in window was closed before “closed.example.com” was authorized, so it was cancelled.');
        expect(await count(session.id, '/api/authorizations/auth_new_1', 'DELETE')).to.equal(1);
        expect(changes(events)).to.deep.equal([{ action: 'add', authorizationId: 'auth_new_1', status: 'cancelled' }]);
        await waitUntil(() => text($(el, '[role="status"]')).includes('cancelled'), 'the cancel was not announced');
        await expect(el).to.be.accessible();
      });

      it('a message that comes after the close was seen still names the authorization, once', async () => {
        const { el, events, session, popup } = await startAdd('late.example.com');
        await signIn(popup, 'active');
        popup.closed = true;
        callback({ status: 'active', authorizationId: 'auth_new_1', error: null });
        await waitUntil(() => text($(el, '[part~="message"]')).includes('Authorization “late.example.com” is active'), 'the late message was not taken');
        // The list loads again (the store was invalidated); no status check overrides the message.
        await waitUntil(async () => (await count(session.id, '/api/authorizations')) >= 3, 'the list did not load again');
        expect(text($(el, '[part~="message"]'))).to.contain('is active');
        expect(changes(events)).to.deep.equal([{ action: 'add', authorizationId: 'auth_new_1', status: 'active' }]);
        expect(await count(session.id, '/api/authorizations/auth_new_1', 'DELETE')).to.equal(0);
      });

      it('shows the reason of a cancelled consent, whose authorization the server removed', async () => {
        const { el, popup } = await startAdd('declined.example.com');
        popup.closed = true;
        const reason = 'The sign-in or consent was cancelled at Microsoft, so nothing was authorized.';
        callback({ status: 'failed', authorizationId: 'auth_new_1', error: reason });
        await waitUntil(() => $(el, '[part~="message"] .reason'), 'the message was not taken');
        const message = $(el, '[part~="message"]')!;
        expect(message.getAttribute('role')).to.equal('alert');
        expect(text(message)).to.contain('The authorization of “declined.example.com” failed.');
        expect(text(message.querySelector('.reason'))).to.equal(`Reason: ${reason}`);
        expect(text($(el, '[role="status"]'))).to.contain(reason);
        await expect(el).to.be.accessible();
      });
    });

    it('after Add, refreshes the row when the first sync ends, and shows who consented at Microsoft', async () => {
      const { el, session } = await settings();
      await part(el, 'list');
      const popup = { closed: false, location: { href: '' }, close() {} };
      const open = window.open;
      window.open = () => popup as unknown as Window;
      try {
        const input = $(el, 'input[name="label"]') as HTMLInputElement;
        input.value = 'northwind.example.com';
        input.dispatchEvent(new Event('input'));
        $(el, '[part~="add-button"]')!.click();
        await waitUntil(() => popup.location.href, 'the popup was not sent to Microsoft');
      } finally {
        window.open = open;
      }
      await fetch(`${popup.location.href}&status=active`);
      window.postMessage({ type: 'o365-health:authorization', status: 'active', authorizationId: 'auth_new_1', error: null }, location.origin);
      const added = () => $$(el, '[part~="item"]').find((li) => text(li.querySelector('.item-label')) === 'northwind.example.com');
      await waitUntil(() => text(added()?.querySelector('[part~="status"]')) === 'Active', 'the new authorization is not active');
      // The server's first sync ends a moment later: the row learns it without a reload.
      await waitUntil(() => added()?.querySelector('dl time') && !text(added()).includes('Not yet'), 'the row still says "Not yet"', { timeout: 5000 });
      const dl = Object.fromEntries([...added()!.querySelectorAll('dt')].map((dt) => [text(dt), text(dt.nextElementSibling)]));
      expect(dl['Last successful sync']).to.not.equal('Not yet');
      expect(dl['Added by']).to.equal('admin@contoso.onmicrosoft.com');
      expect(dl['Consented at Microsoft by']).to.equal('admin@northwindtraders.onmicrosoft.com');
      const reads = await count(session.id, '/api/authorizations');
      expect(reads, 'bounded: it stops reading once the sync is known').to.be.below(6);
      await expect(el).to.be.accessible();
    });

    it('draws a waiting authorization as a clock, not as a diamond with "?" (which reads as the "�" glyph)', async () => {
      const { el } = await settings();
      await part(el, 'list');
      const open = window.open;
      window.open = () => ({ closed: false, location: { href: '' }, close() {} }) as unknown as Window;
      try {
        const input = $(el, 'input[name="label"]') as HTMLInputElement;
        input.value = 'pending.example.com';
        input.dispatchEvent(new Event('input'));
        $(el, '[part~="add-button"]')!.click();
        await waitUntil(() => $$(el, '[part~="item"]').length === 3);
      } finally {
        window.open = open;
      }
      const status = $$(el, '[part~="item"]')[2]!.querySelector('[part~="status"]')!;
      expect(text(status)).to.equal('Waiting for sign-in and consent');
      const svg = status.querySelector('svg')!;
      expect(svg.querySelector('circle.line'), 'a clock face').to.exist;
      for (const shape of [svg, ...$$(el, '[part~="message"] svg')]) expect(shape.querySelector('path[d^="M8 .6"]'), 'no diamond').to.be.null;
      await expect(el).to.be.accessible();
    });

    it('ignores callback messages from other origins', async () => {
      const { el, events } = await settings();
      await part(el, 'list');
      const data = { type: 'o365-health:authorization', status: 'active', authorizationId: 'auth_01', error: null };
      // From a sandboxed frame (an opaque origin), then a second message that says the first was handled.
      const frame = document.createElement('iframe');
      frame.sandbox.add('allow-scripts');
      frame.srcdoc = `<script>parent.postMessage(${JSON.stringify(data)}, '*'); parent.postMessage({ type: 'test:done' }, '*');</script>`;
      const done = new Promise<void>((resolve) => window.addEventListener('message', function on(e) {
        if ((e.data as { type?: string })?.type !== 'test:done') return;
        window.removeEventListener('message', on);
        resolve();
      }));
      document.body.append(frame);
      try {
        await done;
      } finally {
        frame.remove();
      }
      expect(events.some((e) => e.type === 'o365-authorization-change'), 'a message from an opaque origin').to.be.false;
      // The same message from the API's origin (here the page's own) is taken.
      window.postMessage(data, location.origin);
      await waitUntil(() => events.some((e) => e.type === 'o365-authorization-change'), 'the message from the API’s origin was not taken');
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
