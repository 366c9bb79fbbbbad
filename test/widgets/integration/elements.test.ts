/**
 * Each element against the real server in simulator mode (started by the test run; see
 * test/widgets/support/integration-server.mjs): real HTTP, real SQLite, the real simulator.
 *
 * This page is on the test runner's origin and imports the element modules from it, so the
 * script's origin is not the API's: the API base comes from the page-level default
 * (`window.O365Health.apiBase`), and each element carries nothing but `api-key`. The tenant is
 * discovered (`GET /api/tenants`, first active). discovery.test.ts covers the other case: the
 * bundle loaded from the server itself, where `api-key` alone is enough.
 */
import { expect, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../../../widgets/oauth-settings/oauth-settings.js';
import type { O365OAuthSettings } from '../../../widgets/oauth-settings/oauth-settings.js';
import '../../../widgets/service-health/service-health.js';
import type { O365ServiceHealth } from '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import type { O365ServiceMessages } from '../../../widgets/service-messages/service-messages.js';
import '../../../widgets/service-uptime/service-uptime.js';
import type { O365ServiceUptime } from '../../../widgets/service-uptime/service-uptime.js';
import type { AuthorizationsResponse, HistoryResponse } from '../../../widgets/api/types.js';
import { $, $$, mount, text } from '../support/helpers.js';
import { api, eventually, health, integrationConfig, issue, issues, tenantByDomain, type IntegrationConfig } from './support.js';

describe('integration: the elements against the real server (simulator mode)', function () {
  this.timeout(45_000);
  let cfg: IntegrationConfig;

  before(async function () {
    this.timeout(60_000); // the server may still be booting
    cfg = await integrationConfig();
    window.O365Health = { apiBase: cfg.apiBase };
  });

  after(() => {
    delete window.O365Health;
  });

  const item = (el: Element, label: string) => $$(el, '[part~="item"]').find((li) => text(li.querySelector('.item-label')) === label);

  it('<o365-service-health> shows Contoso’s services as the server has them', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el } = await mount<O365ServiceHealth>(html`<o365-service-health api-key=${cfg.apiKey} refresh-interval="2"></o365-service-health>`);
    await eventually(() => $(el, '[part~="list"]'), 'no list of services');
    expect(text($(el, '[part~="title"]'))).to.equal('Microsoft 365 service health · contoso.com');
    const { services } = await health(contoso.tenantId);
    expect(services.length).to.be.greaterThan(5);
    expect($$(el, '[part~="item"] .name').map(text).sort()).to.deep.equal(services.map((s) => s.name).sort());
    expect(text($(el, '[part~="as-of"]'))).to.match(/^as of .+ · /);
    await expect(el).to.be.accessible();
    el.refreshInterval = 0;
  });

  it('<o365-service-uptime> shows Microsoft’s 30 days filled in and the days before them as no data', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el } = await mount<O365ServiceUptime>(html`<o365-service-uptime api-key=${cfg.apiKey} days="90" time-zone="UTC" locale="en-GB"></o365-service-uptime>`);
    await eventually(() => $(el, '[part~="list"]'), 'no uptime bars');
    const history = await api<HistoryResponse>(`/api/tenants/${contoso.tenantId}/history?days=90&timeZone=UTC`);
    expect($$(el, '[part~="name"]').map(text)).to.deep.equal(history.services.map((s) => s.name));
    const row = $$(el, '[part~="item"]')[0]!;
    const bars = [...row.querySelectorAll('[part~="day"]')];
    expect(bars).to.have.length(90);
    const known = bars.filter((b) => !b.matches('[part~="day-nodata"]')).length;
    // The server's first sync was moments ago: it knows Microsoft's 30 days before it, and today.
    expect(known, 'days with data').to.be.within(30, 32);
    expect(bars.slice(0, 90 - known).every((b) => b.matches('[part~="day-nodata"]')), 'the older days are no data').to.be.true;
    expect(bars.map((b) => b.getAttribute('part')!.split(' ')[1])).to.deep.equal(history.services[0]!.days.map((d) => `day-${d.level}`));
    await expect(el).to.be.accessible();
  });

  it('<o365-service-messages> lists Contoso’s incidents and opens one with its posts', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el, events } = await mount<O365ServiceMessages>(
      html`<o365-service-messages api-key=${cfg.apiKey} classification="incident" state="all"></o365-service-messages>`,
    );
    await eventually(() => $$(el, '[part~="item"]').length, 'no incidents listed');
    expect(text($(el, '[part~="title"]'))).to.equal('Service messages · contoso.com');
    const known = new Set((await issues(contoso.tenantId, 'state=all&classification=incident&limit=100')).issues.map((i) => i.id));
    const items = $$(el, '[part~="item"]');
    for (const li of items) {
      expect(known.has(text(li.querySelector('.meta > .muted'))), text(li)).to.be.true;
      expect(text(li.querySelector('.badge'))).to.equal('Incident');
    }

    const first = items[0]!;
    const id = text(first.querySelector('.meta > .muted'));
    (first.querySelector('.item-title') as HTMLElement).click();
    await eventually(() => first.querySelectorAll('[part~="post"]').length, 'no posts');
    // Every post the server has for it, as its text.
    const detail = await issue(contoso.tenantId, id);
    await eventually(() => first.querySelectorAll('[part~="post"]').length === detail.posts.length, 'not every post is shown');
    const timeline = text(first.querySelector('[part~="timeline"]'));
    for (const post of detail.posts) expect(timeline).to.contain(new DOMParser().parseFromString(post.html, 'text/html').body.textContent!.replace(/\s+/g, ' ').trim().slice(0, 80));
    expect(events.find((e) => e.type === 'o365-issue-select')!.detail.issue.id).to.equal(id);
    await expect(el).to.be.accessible();
  });

  it('<o365-service-messages> downloads what its filters show as the server\'s CSV, every page', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el } = await mount<O365ServiceMessages>(
      html`<o365-service-messages api-key=${cfg.apiKey} state="all" classification="advisory" max-items="2"></o365-service-messages>`,
    );
    await eventually(() => $$(el, '[part~="item"]').length, 'no advisories listed');
    ($(el, '[part~="download"]') as HTMLButtonElement).click();
    const link = await eventually(() => $(el, '[part~="download-link"]') as HTMLAnchorElement | null, 'no CSV was prepared');
    expect(link.download).to.match(/^o365-issues-contoso\.com-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(text(link)).to.equal(link.download);
    // The file holds every advisory of every page (the element shows 2 per page), in the JSON's order.
    const csv = await (await fetch(link.href)).text();
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]!.split(',').slice(0, 3)).to.deep.equal(['id', 'title', 'service']);
    const expected = (await issues(contoso.tenantId, 'state=all&classification=advisory&limit=100')).issues.map((i) => i.id);
    expect(expected.length).to.be.greaterThan(2);
    expect(lines.slice(1).map((line) => line.split(',')[0])).to.deep.equal(expected);
    await eventually(() => text(el.shadowRoot!.querySelector('[role="status"]')).includes(`Downloaded ${expected.length} messages as ${link.download}`), 'no announcement of the download');
    await expect(el).to.be.accessible();
  });

  it('<o365-oauth-settings> lists the pre-authorized Contoso authorization as active', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>`);
    const row = await eventually(() => item(el, 'contoso.com'), 'no contoso.com authorization listed');
    expect(text(row.querySelector('[part~="status"]'))).to.equal('Active');
    expect(text(row.querySelector('dl'))).to.contain(contoso.tenantId);
    await expect(el).to.be.accessible();
  });

  /** Types the label, presses Add (a real key press: the popup needs user activation), then walks the popup. */
  async function addThroughPopup(el: O365OAuthSettings, label: string, upn: string, decision: 'Accept' | 'Cancel') {
    await eventually(() => $(el, '[part~="list"]'), 'the settings did not load');
    $(el, 'input[name="label"]')!.focus();
    await sendKeys({ type: label });
    $(el, '[part~="add-button"]')!.focus();
    await sendKeys({ press: 'Enter' });
    await executeServerCommand('o365-consent-in-popup', { upn, decision });
  }

  it('adds fabrikam.com through the simulated sign-in and consent; it is listed as active', async () => {
    const fabrikam = await tenantByDomain('fabrikam.com');
    const { el, events } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>`);
    await addThroughPopup(el, 'fabrikam.com', fabrikam.admins[0]!.upn, 'Accept');

    await eventually(() => text($(el, '[part~="message"]')).includes('Authorization “fabrikam.com” is active'), 'no success message');
    const row = await eventually(() => item(el, 'fabrikam.com'), 'fabrikam.com is not listed');
    await eventually(() => text(row.querySelector('[part~="status"]')) === 'Active' && text(row.querySelector('dl')).includes(fabrikam.tenantId), 'not active');

    const { authorizations } = await api<AuthorizationsResponse>('/api/authorizations');
    const added = authorizations.find((a) => a.label === 'fabrikam.com')!;
    expect(added.status).to.equal('active');
    expect(added.tenantId).to.equal(fabrikam.tenantId);
    const change = events.find((e) => e.type === 'o365-authorization-change')!;
    expect(change.detail).to.deep.equal({ action: 'add', authorizationId: added.id, status: 'active' });
    await expect(el).to.be.accessible();
  });

  it('a cancelled consent adds nothing, and the message says why', async () => {
    const northwind = (await integrationConfig()).tenants.find((t) => !['contoso.com', 'fabrikam.com'].includes(t.domain))!;
    const { el } = await mount<O365OAuthSettings>(html`<o365-oauth-settings api-key=${cfg.apiKey}></o365-oauth-settings>`);
    await addThroughPopup(el, northwind.domain, northwind.admins[0]!.upn, 'Cancel');

    const message = await eventually(() => {
      const m = $(el, '[part~="message"][role="alert"]');
      return m && text(m).includes('failed') ? m : null;
    }, 'no failure message');
    expect(text(message)).to.contain(`The authorization of “${northwind.domain}” failed.`);
    expect(text(message.querySelector('.reason'))).to.match(/^Reason: .*(cancel|declin|denied)/i);
    // The server removed the pending authorization: nothing is listed for it.
    await eventually(async () => !(await api<AuthorizationsResponse>('/api/authorizations')).authorizations.some((a) => a.label === northwind.domain), 'still on the server');
    await eventually(() => $(el, '[part~="list"]') && !item(el, northwind.domain), 'still listed');
  });
});
