/**
 * Discovery as a portal of another origin gets it with one script tag: the bundle loaded from the
 * real server (`<server>/widgets/o365-health.js`), the elements with nothing but `api-key`. The API
 * base is the origin the script came from, the tenant the first active one of `GET /api/tenants`.
 * (No page-level default here: elements.test.ts covers that case.)
 */
import { expect, fixture, html } from '@open-wc/testing';
import { $, $$, text } from '../support/helpers.js';
import { eventually, integrationConfig, tenantByDomain, type IntegrationConfig } from './support.js';

describe('integration: discovery with nothing but api-key (the bundle from the server)', function () {
  this.timeout(45_000);
  let cfg: IntegrationConfig;

  before(async function () {
    this.timeout(60_000);
    cfg = await integrationConfig();
    await import(/* @vite-ignore */ cfg.bundleUrl);
  });

  it('finds the server and Contoso, the first active tenant, in all three elements', async () => {
    expect(new URL(cfg.bundleUrl).origin).to.not.equal(location.origin);
    expect(window.O365Health).to.be.undefined;
    expect(document.querySelector('meta[name="o365-health"]')).to.be.null;
    const wrapper = await fixture<HTMLElement>(html`<div>
      <o365-service-health api-key=${cfg.apiKey}></o365-service-health>
      <o365-service-messages api-key=${cfg.apiKey}></o365-service-messages>
      <o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>
    </div>`);
    const [healthEl, messagesEl, settingsEl] = [...wrapper.children] as HTMLElement[];
    for (const el of [healthEl, messagesEl, settingsEl]) {
      expect(customElements.get(el!.localName), el!.localName).to.exist;
      expect(el!.getAttributeNames().sort()).to.deep.equal(['api-key']);
    }
    const contoso = await tenantByDomain('contoso.com');
    await eventually(() => $(healthEl!, '[part~="list"]'), 'no services');
    expect(text($(healthEl!, '[part~="title"]'))).to.contain('· contoso.com');
    await eventually(() => $(messagesEl!, '[part~="list"], [part~="empty"]'), 'no messages');
    expect(text($(messagesEl!, '[part~="title"]'))).to.contain('· contoso.com');
    await eventually(() => $$(settingsEl!, '[part~="item"]').some((li) => text(li).includes(contoso.tenantId)), 'no contoso authorization');
  });
});
