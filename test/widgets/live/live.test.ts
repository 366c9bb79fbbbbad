import { expect, html, waitUntil } from '@open-wc/testing';
import { LiveEvents, MAX_RETRY_MS, UNAVAILABLE_RETRY_MS } from '../../../widgets/api/events.js';
import '../../../widgets/oauth-settings/oauth-settings.js';
import '../../../widgets/service-health/service-health.js';
import '../../../widgets/service-messages/service-messages.js';
import '../../../widgets/service-uptime/service-uptime.js';
import '../../../widgets/tenant-overview/tenant-overview.js';
import { $, CONTOSO, count, FABRIKAM, mount, newSession, part, requests, resetVisibility, setVisibility, text } from '../support/helpers.js';

interface Connection {
  key: string | null;
  lastEventId: string | null;
  status: number;
  open: boolean;
}

/** The session's event-stream connections, as the fake server saw them. */
async function connections(session: string): Promise<{ open: number; connections: Connection[] }> {
  return (await fetch(`/test-api/${session}/_events`)).json();
}

/** Writes change events (one, or a list at once) into every open stream of the session; resolves with how many streams got them. */
async function push(session: string, event: object | object[]): Promise<{ id: string; delivered: number }> {
  const res = await fetch(`/test-api/${session}/_events`, { method: 'POST', body: JSON.stringify(event) });
  return res.json();
}

const control = (session: string, what: 'close' | 'mode', body?: object) =>
  fetch(`/test-api/${session}/_events/${what}`, { method: 'POST', body: body ? JSON.stringify(body) : undefined });

const issueUpdated = (tenantId: string) => ({
  type: 'issue.updated',
  tenant: { tenantId, displayName: null, label: null },
  issue: { id: 'EX226792', title: 'Users are unable to access Exchange Online', status: 'serviceRestored' },
});

/** Waits until the session has exactly `n` open streams. */
const openStreams = (session: string, n: number, message: string) =>
  waitUntil(async () => (await connections(session)).open === n, message, { timeout: 5000 });

const loads = (events: CustomEvent[], element: string) => events.filter((e) => e.type === 'o365-load' && e.detail.element === element).length;

describe('live updates', () => {
  afterEach(() => resetVisibility());

  it('shares one event stream between the widgets of one API base and key, and closes it when the last one leaves', async () => {
    const s = newSession();
    const { wrapper } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
      <o365-service-messages api-base=${s.apiBase} api-key="admin"></o365-service-messages>
      <o365-service-uptime api-base=${s.apiBase} api-key="admin"></o365-service-uptime>
    `);
    await part(wrapper.children[0]!, 'list');
    await part(wrapper.children[1]!, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    const seen = await connections(s.id);
    expect(seen.connections).to.have.length(1);
    expect(seen.connections[0]!.key).to.equal('admin');
    // The key travels in the Authorization header, never in the URL.
    expect((await requests(s.id)).some((r) => r.path.includes('admin'))).to.be.false;

    wrapper.children[0]!.remove();
    wrapper.children[0]!.remove();
    expect((await connections(s.id)).open, 'one widget still follows the stream').to.equal(1);
    wrapper.children[0]!.remove();
    await openStreams(s.id, 0, 'the stream stayed open without a widget');
    expect((await connections(s.id)).connections).to.have.length(1);
  });

  it('shares the stream with the page’s other tabs and frames: one reads it and relays the events, the next takes over when it leaves', async () => {
    const s = newSession();
    const { el, events } = await mount(html`<o365-service-health api-base=${s.apiBase} api-key="admin" tenant=${CONTOSO}></o365-service-health>`);
    await part(el, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    // Another document of this origin (as another tab would be), with the same API base and key.
    const frame = document.createElement('iframe');
    const module = new URL('../../../widgets/service-health/service-health.ts', import.meta.url).pathname;
    frame.srcdoc = `<!doctype html><script type="module" src="${module}"></script>
      <o365-service-health api-base="${s.apiBase}" api-key="admin" tenant="${CONTOSO}"></o365-service-health>`;
    document.body.append(frame);
    try {
      const twin = () => frame.contentDocument?.querySelector('o365-service-health');
      await waitUntil(() => twin()?.shadowRoot?.querySelector('[part~="list"]'), 'the frame did not load', { timeout: 5000 });
      const twinLoads: Event[] = [];
      twin()!.addEventListener('o365-load', (e) => twinLoads.push(e));
      const { id } = await push(s.id, issueUpdated(CONTOSO));
      await waitUntil(() => twinLoads.length === 1 && loads(events, 'service-health') === 2, 'the event did not reach both documents', { timeout: 5000 });
      expect((await connections(s.id)).connections, 'the frame opened a stream of its own').to.have.length(1);

      // This document's widget leaves: the frame takes the stream over, resuming after the last event.
      el.remove();
      await waitUntil(async () => (await connections(s.id)).connections.length === 2, 'the frame did not take the stream over', { timeout: 5000 });
      expect((await connections(s.id)).connections[1]!.lastEventId).to.equal(id);
      await openStreams(s.id, 1, 'not one stream open');
      await push(s.id, issueUpdated(CONTOSO));
      await waitUntil(() => twinLoads.length === 2, 'the frame’s own stream made no load', { timeout: 5000 });
    } finally {
      frame.remove();
    }
  });

  it('opens one stream per key', async () => {
    const s = newSession();
    const { wrapper } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>
      <o365-service-health api-base=${s.apiBase} api-key="viewer"></o365-service-health>
    `);
    await openStreams(s.id, 2, 'not one stream per key');
    expect((await connections(s.id)).connections.map((c) => c.key).sort()).to.deep.equal(['admin', 'viewer']);
    await part(wrapper.children[1]!, 'list');
  });

  it('loads the affected tenant’s data at once when an event arrives, without an interval', async () => {
    const s = newSession();
    const { wrapper, events } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="admin" tenant=${CONTOSO}></o365-service-health>
      <o365-service-messages api-base=${s.apiBase} api-key="admin" tenant=${CONTOSO}></o365-service-messages>
      <o365-service-health api-base=${s.apiBase} api-key="admin" tenant=${FABRIKAM}></o365-service-health>
      <o365-tenant-overview api-base=${s.apiBase} api-key="admin"></o365-tenant-overview>
    `);
    for (const el of wrapper.children) await part(el, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    const health = `/api/tenants/${CONTOSO}/health`;
    const before = {
      contoso: await count(s.id, health),
      fabrikam: await count(s.id, `/api/tenants/${FABRIKAM}/health`),
      issues: await count(s.id, `/api/tenants/${CONTOSO}/issues`),
      overview: await count(s.id, '/api/overview'),
    };
    const messagesLoads = loads(events, 'service-messages');

    // Microsoft posts an update; the server's sync records the events (the issue's and its service's) at once.
    await fetch(`/test-api/${s.id}/_update?issue=EX226792`, { method: 'POST' });
    const serviceChanged = { type: 'service.status_changed', tenant: { tenantId: CONTOSO, displayName: null, label: null }, service: { id: 'Exchange', name: 'Exchange Online', status: 'serviceRestored', previousStatus: 'serviceDegradation' } };
    expect((await push(s.id, [issueUpdated(CONTOSO), serviceChanged])).delivered).to.equal(1);

    await waitUntil(async () => (await count(s.id, health)) > before.contoso, 'the Contoso health was not loaded again', { timeout: 5000 });
    await waitUntil(async () => (await count(s.id, `/api/tenants/${CONTOSO}/issues`)) > before.issues, 'the Contoso feed was not loaded again', { timeout: 5000 });
    await waitUntil(() => loads(events, 'service-messages') > messagesLoads, 'the feed fired no o365-load');
    await waitUntil(async () => (await count(s.id, '/api/overview')) > before.overview, 'the overview was not loaded again', { timeout: 5000 });
    // One load for both events; the two Contoso widgets shared its health request; the Fabrikam tile was left alone.
    expect(await count(s.id, health)).to.equal(before.contoso + 1);
    expect(await count(s.id, '/api/overview')).to.equal(before.overview + 1);
    expect(await count(s.id, `/api/tenants/${FABRIKAM}/health`)).to.equal(before.fabrikam);
    expect(events.filter((e) => e.type === 'o365-load' && e.detail.tenant?.tenantId === FABRIKAM)).to.have.length(1);
  });

  it('ignores a channel’s test event and refreshes the authorizations on an authorization event', async () => {
    const s = newSession();
    const { wrapper, events } = await mount(html`
      <o365-oauth-settings api-base=${s.apiBase} api-key="admin"></o365-oauth-settings>
      <o365-service-health api-base=${s.apiBase} api-key="admin" tenant=${CONTOSO}></o365-service-health>
    `);
    await part(wrapper.children[0]!, 'list');
    await part(wrapper.children[1]!, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    const health = await count(s.id, `/api/tenants/${CONTOSO}/health`);
    await push(s.id, { type: 'test', tenant: { tenantId: CONTOSO, displayName: null, label: null } });
    await push(s.id, { type: 'authorization.reauth_required', tenant: { tenantId: FABRIKAM, displayName: null, label: 'fabrikam.onmicrosoft.com' }, authorization: { id: 'auth_02', label: 'fabrikam.onmicrosoft.com', reason: 'consent_required' } });
    await waitUntil(async () => (await count(s.id, '/api/authorizations')) === 2, 'the authorizations were not loaded again', { timeout: 5000 });
    await waitUntil(async () => (await count(s.id, `/api/tenants/${CONTOSO}/health`)) === health + 1, 'the health tile did not load again', { timeout: 5000 });
    // The test event (before it on the same stream) made no load of its own.
    expect(loads(events, 'service-health')).to.equal(2);
  });

  it('reconnects after the stream ends, sending Last-Event-ID, and gets the events it missed', async () => {
    const s = newSession();
    await control(s.id, 'mode', { retry: 200 });
    const { el, events } = await mount(html`<o365-service-health api-base=${s.apiBase} api-key="admin" tenant=${CONTOSO}></o365-service-health>`);
    await part(el, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    const { id } = await push(s.id, issueUpdated(CONTOSO));
    await waitUntil(() => loads(events, 'service-health') === 2, 'the event made no load');

    await control(s.id, 'close');
    await waitUntil(async () => (await connections(s.id)).connections.length === 2, 'no reconnection', { timeout: 5000 });
    expect((await connections(s.id)).connections[1]!.lastEventId).to.equal(id);
    await openStreams(s.id, 1, 'the new stream did not open');
    await push(s.id, issueUpdated(CONTOSO));
    await waitUntil(() => loads(events, 'service-health') === 3, 'an event on the new stream made no load');
  });

  it('disconnects while the page is hidden and resumes with Last-Event-ID when it is shown', async () => {
    const s = newSession();
    const { el } = await mount(html`<o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>`);
    await part(el, 'list');
    await openStreams(s.id, 1, 'no stream opened');
    const { id } = await push(s.id, issueUpdated(CONTOSO));
    await waitUntil(async () => (await count(s.id, `/api/tenants/${CONTOSO}/health`)) === 2, 'the event made no load');
    setVisibility('hidden');
    await openStreams(s.id, 0, 'the stream stayed open on a hidden page');
    setVisibility('visible');
    await openStreams(s.id, 1, 'no reconnection when the page was shown');
    expect((await connections(s.id)).connections.at(-1)!.lastEventId).to.equal(id);
  });

  it('opens no stream with live="off" (also as the page default), and the interval refresh still works', async () => {
    const s = newSession();
    const { wrapper } = await mount(html`
      <o365-service-health api-base=${s.apiBase} api-key="viewer" live="off" refresh-interval="1"></o365-service-health>
    `);
    await part(wrapper.children[0]!, 'list');
    window.O365Health = { live: 'off' };
    try {
      const other = document.createElement('o365-service-health');
      Object.assign(other, { apiBase: s.apiBase, apiKey: 'healthy' });
      wrapper.append(other);
      await part(other, 'list');
      // A third widget, live, opens the only stream: the two before it (requested first) opened none.
      const live = document.createElement('o365-service-health');
      Object.assign(live, { apiBase: s.apiBase, apiKey: 'admin', live: 'on' });
      wrapper.append(live);
      await openStreams(s.id, 1, 'the live widget opened no stream');
      expect((await connections(s.id)).connections.map((c) => c.key)).to.deep.equal(['admin']);
    } finally {
      delete window.O365Health;
    }
    await waitUntil(async () => (await count(s.id, '/api/tenants')) >= 4, 'the interval refresh stopped', { timeout: 5000 });
  });

  it('keeps working without reconnecting in a loop when the server has no event stream (404)', async () => {
    const s = newSession();
    await control(s.id, 'mode', { status: 404 });
    const live = new LiveEvents({ apiBase: s.apiBase, apiKey: 'admin' });
    const stop = live.retain();
    try {
      await waitUntil(async () => (await connections(s.id)).connections.length === 1 && live.nextAttemptAt > 0, 'no attempt', { timeout: 5000 });
      expect(live.nextAttemptAt - Date.now()).to.be.greaterThan(UNAVAILABLE_RETRY_MS - 10_000);
    } finally {
      stop();
    }
    const { el } = await mount(html`<o365-service-health api-base=${s.apiBase} api-key="admin"></o365-service-health>`);
    expect(text(await part(el, 'list'))).to.contain('Exchange Online');
    expect($(el, '[part~="error"]')).to.be.null;
  });

  it('backs off after server errors and stops for good when the key is refused', async () => {
    const s = newSession();
    const failing = new LiveEvents({ apiBase: s.apiBase, apiKey: 'error' });
    const refused = new LiveEvents({ apiBase: s.apiBase, apiKey: 'revoked' });
    const stops = [failing.retain(), refused.retain()];
    try {
      await waitUntil(() => failing.nextAttemptAt > 0 && refused.refused, 'no answer', { timeout: 5000 });
      const wait = failing.nextAttemptAt - Date.now();
      expect(wait).to.be.greaterThan(1000).and.at.most(MAX_RETRY_MS * 1.5);
      const seen = (await connections(s.id)).connections;
      expect(seen.map((c) => [c.key, c.status]).sort()).to.deep.equal([
        ['error', 500],
        ['revoked', 401],
      ]);
      expect(refused.nextAttemptAt, 'a refused key schedules no attempt').to.equal(0);
    } finally {
      stops.forEach((stop) => stop());
    }
  });
});
