/**
 * `<o365-oauth-settings>` on a page of another origin than the API (this page is on the test
 * runner's origin, the real server on its own; its ALLOWED_ORIGINS lists this page's), with the
 * real popup: the element opens it, the simulated Microsoft sign-in and consent run in it, and the
 * server's callback page posts the outcome from the server's origin. The element must take the
 * message from the API's origin and no other — not from the page's own origin either.
 */
import { expect, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../../../widgets/oauth-settings/oauth-settings.js';
import type { O365OAuthSettings } from '../../../widgets/oauth-settings/oauth-settings.js';
import type { AuthorizationsResponse } from '../../../widgets/api/types.js';
import { $, $$, mount, text } from '../support/helpers.js';
import { api, eventually, integrationConfig, tenantByDomain, type IntegrationConfig } from './support.js';

describe('integration: <o365-oauth-settings> on another origin than the API, with the real popup', function () {
  this.timeout(45_000);
  let cfg: IntegrationConfig;

  before(async function () {
    this.timeout(60_000);
    cfg = await integrationConfig();
    window.O365Health = { apiBase: cfg.apiBase };
  });

  after(() => {
    delete window.O365Health;
  });

  const item = (el: Element, label: string) => $$(el, '[part~="item"]').find((li) => text(li.querySelector('.item-label')) === label);
  const changes = (events: CustomEvent[]) => events.filter((e) => e.type === 'o365-authorization-change').map((e) => e.detail);

  /** Deletes the demo org's authorizations with this label through the API (what a test added). */
  async function removeAuthorizations(label: string) {
    const { authorizations } = await api<AuthorizationsResponse>('/api/authorizations');
    for (const a of authorizations.filter((x) => x.label === label))
      await fetch(`${cfg.apiBase}/api/authorizations/${a.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${cfg.apiKey}` } });
  }

  it('takes the outcome from the callback message posted from the server’s origin (the popup still open)', async () => {
    expect(new URL(cfg.apiBase).origin, 'the API is on another origin than this page').to.not.equal(location.origin);
    const northwind = await tenantByDomain('northwindtraders.com');
    const label = 'popup.northwindtraders.com';
    const { el, events } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>`);
    try {
      await eventually(() => $(el, '[part~="list"]'), 'the settings did not load');
      $(el, 'input[name="label"]')!.focus();
      await sendKeys({ type: label });
      $(el, '[part~="add-button"]')!.focus();
      await sendKeys({ press: 'Enter' }); // a real key press: the popup needs user activation
      // The popup cannot close itself here, so the element cannot learn the outcome from a closed
      // window and a status check: only the message can tell it.
      const popup = await executeServerCommand<{ closed: boolean; url: string }, object>('o365-consent-in-popup', { upn: northwind.admins[0]!.upn, decision: 'Accept', keepOpen: true });
      expect(new URL(popup.url).origin, 'the callback page is the server’s').to.equal(new URL(cfg.apiBase).origin);
      await eventually(() => text($(el, '[part~="message"]')).includes(`Authorization “${label}” is active`), 'the message from the server’s origin was not taken');
      const { authorizations } = await api<AuthorizationsResponse>('/api/authorizations');
      const added = authorizations.find((a) => a.label === label)!;
      expect(added).to.deep.include({ status: 'active', tenantId: northwind.tenantId });
      expect(changes(events)).to.deep.equal([{ action: 'add', authorizationId: added.id, status: 'active' }]);
      await eventually(() => text(item(el, label)?.querySelector('[part~="status"]')) === 'Active', 'the new row is not active');
      await expect(el).to.be.accessible();
    } finally {
      await executeServerCommand('o365-close-popup');
      await removeAuthorizations(label);
    }
  });

  it('ignores a callback message from the page’s own origin and from an opaque one', async () => {
    const { authorizations } = await api<AuthorizationsResponse>('/api/authorizations');
    const contoso = authorizations.find((a) => a.label === 'contoso.com')!;
    const { el, events } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>`);
    await eventually(() => item(el, 'contoso.com'), 'the settings did not load');
    const forged = { type: 'o365-health:authorization', status: 'failed', authorizationId: contoso.id, error: 'forged' };

    /** Resolves when this window has received `{ type }`: every message sent before it from the same window was handled. */
    const received = (type: string) =>
      new Promise<MessageEvent>((resolve) => {
        const on = (e: MessageEvent) => {
          if ((e.data as { type?: string })?.type !== type) return;
          window.removeEventListener('message', on);
          resolve(e);
        };
        window.addEventListener('message', on);
      });

    // From this page itself: the origin an element that compared with location.origin would accept.
    const pageDone = received('test:page-done');
    window.postMessage(forged, location.origin);
    window.postMessage({ type: 'test:page-done' }, location.origin);
    expect((await pageDone).origin).to.equal(location.origin);

    // From a sandboxed frame (an opaque origin, "null").
    const frameDone = received('test:frame-done');
    const frame = document.createElement('iframe');
    frame.sandbox.add('allow-scripts');
    frame.srcdoc = `<script>parent.postMessage(${JSON.stringify(forged)}, '*'); parent.postMessage({ type: 'test:frame-done' }, '*');</script>`;
    document.body.append(frame);
    try {
      expect((await frameDone).origin).to.equal('null');
    } finally {
      frame.remove();
    }

    await el.updateComplete;
    expect(changes(events), 'no authorization change').to.deep.equal([]);
    expect($(el, '[part~="message"]'), 'no outcome shown').to.be.null;
    expect(text(item(el, 'contoso.com')!.querySelector('[part~="status"]'))).to.equal('Active');
  });
});
