/**
 * Live updates against the real server (simulator mode, 2-second poll; see
 * test/widgets/support/integration-server.mjs): two widgets on one page with auto-refresh off
 * share one `GET /api/events` stream, and an incident injected in the simulator appears in both
 * after the sync that sees it, without a reload or a refresh timer.
 */
import { expect, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import { mount } from '../support/helpers.js';
import { eventually, integrationConfig, tenantByDomain, type IntegrationConfig } from './support.js';

describe('integration: live updates from the real server', function () {
  this.timeout(45_000);
  let cfg: IntegrationConfig;
  const streams: string[] = [];
  const healthLoads: string[] = [];
  const realFetch = window.fetch;

  before(async function () {
    this.timeout(60_000);
    cfg = await integrationConfig();
    window.O365Health = { apiBase: cfg.apiBase };
    // Every request the widgets make goes through fetch: count the event streams they open.
    window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes('/api/events')) streams.push(url);
      if (url.endsWith('/health')) healthLoads.push(url);
      return realFetch(input, init);
    };
  });

  after(() => {
    window.fetch = realFetch;
    delete window.O365Health;
  });

  it('shows an injected incident in two widgets sharing one event stream, with auto-refresh off', async () => {
    const contoso = await tenantByDomain('contoso.com');
    const { el: health } = await mount(html`<o365-service-health api-key=${cfg.apiKey} tenant=${contoso.tenantId} refresh-interval="0"></o365-service-health>`);
    const { el: messages } = await mount(html`<o365-service-messages api-key=${cfg.apiKey} tenant=${contoso.tenantId} refresh-interval="0" max-items="50"></o365-service-messages>`);
    const shown = (el: Element) => (el.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ');
    await eventually(() => health.shadowRoot!.querySelector('[part~="list"]'), 'the health list');
    await eventually(() => messages.shadowRoot!.querySelector('[part~="list"]'), 'the messages list');
    await eventually(() => streams.length > 0, 'the event stream to open');
    const healthLoadsBefore = healthLoads.length;

    const title = `Live check ${Date.now()}: users cannot join Teams meetings`;
    const created = (await executeServerCommand('o365-simulator', {
      path: `/_simulator/tenants/${contoso.tenantId}/issues`,
      body: { service: 'Microsoft Teams', classification: 'incident', status: 'serviceInterruption', title, post: { html: '<p>We are investigating.</p>' } },
    })) as { status: number; body: { id: string } };
    expect(created.status).to.equal(201);

    // The next 2-second poll syncs it; the event makes both widgets load at once.
    await eventually(() => shown(messages).includes(title), 'the incident in the messages widget', 20_000);
    // The health widget loaded the tenant's health again for the same event (its timer is off).
    await eventually(() => healthLoads.length > healthLoadsBefore, 'the health widget to load again', 20_000);
    expect(streams).to.have.length(1);
    expect(streams[0]).not.to.include(cfg.apiKey);
  });
});
