/**
 * The control API's cross-site safety (JSON only, no CORS), the waiting faults (`delay`, `hold`,
 * `hang`) with `release` and `held`, and issues with explicit ids and deletion. Real HTTP; every
 * wait is for something the simulator reports, never a sleep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUILT_IN_APP, startSimulator, type HeldRequest, type RunningSimulator } from '../../demo/simulator/index.js';
import { GRAPH, appToken, control, graphGet, guardNetwork, startTestSimulator } from './helpers.js';

let sim: RunningSimulator;
let contosoId: string;
let fabrikamId: string;
let token: string;

beforeAll(async () => {
  ({ sim } = await startTestSimulator());
  contosoId = sim.tenants[0].tenantId;
  fabrikamId = sim.tenants[1].tenantId;
  token = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control(sim, 'DELETE', `/tenants/${contosoId}/faults`);
});

type ErrorBody = { error: { code: string; message: string } };

/** Waits (server-side) until at least `count` Graph requests of the tenant are waiting. */
async function held(count: number, tenantId = contosoId, target = sim): Promise<HeldRequest[]> {
  const res = await fetch(`${target.url}/_simulator/held?tenantId=${tenantId}&atLeast=${count}&timeoutMs=10000`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { held: HeldRequest[] };
  expect(body.held.length, 'requests held').toBeGreaterThanOrEqual(count);
  return body.held;
}

/** A request's end as a value, settled at once, so a rejection is never unhandled while something else is awaited. */
function outcome(res: Promise<Response>): Promise<string> {
  return res.then((r) => `answered ${r.status}`, (error: Error) => error.name);
}

async function currentlyHeld(tenantId = contosoId): Promise<HeldRequest[]> {
  return ((await (await fetch(`${sim.url}/_simulator/held?tenantId=${tenantId}`)).json()) as { held: HeldRequest[] }).held;
}

async function requestLog(tenantId = contosoId) {
  return ((await (await control(sim, 'GET', `/requests?tenantId=${tenantId}`)).json()) as { requests: Array<{ path: string; query: string; status: number }> }).requests;
}

describe('control API: JSON only, no CORS', () => {
  it('refuses text/plain, form-encoded and missing content types with 415 before changing anything', async () => {
    const contosoIssues = async () => ((await (await graphGet(sim, `${GRAPH}/issues`, token)).json()) as { value: Array<{ title: string; status: string }> }).value;
    const attempts: Array<[string, string, string]> = [
      ['POST', `/tenants/${contosoId}/faults`, JSON.stringify({ kind: 'error', status: 503, count: 5 })],
      ['POST', `/tenants/${contosoId}/revoke-consent`, JSON.stringify({})],
      ['POST', `/tenants/${contosoId}/revoke-consent`, ''],
      ['POST', `/tenants/${contosoId}/issues`, JSON.stringify({ title: 'Forged by a web page', service: 'Exchange Online' })],
      ['POST', '/apps', JSON.stringify({ clientId: 'forged-app', clientSecret: 's', redirectUris: ['https://evil.example/cb'] })],
      ['POST', `/tenants/${contosoId}/consent`, JSON.stringify({ clientId: BUILT_IN_APP.clientId })],
      ['POST', `/tenants/${contosoId}/release`, JSON.stringify({})],
      ['PUT', `/tenants/${contosoId}/services/Exchange`, JSON.stringify({ status: 'serviceInterruption' })],
    ];
    const exchangeBefore = ((await (await graphGet(sim, `${GRAPH}/healthOverviews/Exchange%20Online`, token)).json()) as { status: string }).status;
    for (const [method, path, body] of attempts) {
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
        // fetch labels a string body text/plain by itself; bytes go without any content type.
        const res = await fetch(`${sim.url}/_simulator${path}`, contentType ? { method, body, headers: { 'content-type': contentType } } : { method, body: new TextEncoder().encode(body) });
        expect(res.status, `${method} ${path} as ${contentType}`).toBe(415);
        const json = (await res.json()) as ErrorBody;
        expect(json.error.code).toBe('unsupported_media_type');
        expect(json.error.message).toContain('application/json');
      }
    }
    // Nothing changed: no fault, consent intact, no forged issue or app, service status as before.
    expect(((await (await control(sim, 'GET', `/tenants/${contosoId}/faults`)).json()) as { faults: unknown[] }).faults).toEqual([]);
    const tenants = (await (await control(sim, 'GET', '/tenants')).json()) as { tenants: Array<{ tenantId: string; consentedApps: string[] }> };
    expect(tenants.tenants.find((t) => t.tenantId === contosoId)?.consentedApps).toContain(BUILT_IN_APP.clientId);
    expect((await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret)).length).toBeGreaterThan(0);
    expect((await contosoIssues()).map((i) => i.title)).not.toContain('Forged by a web page');
    expect(((await (await control(sim, 'GET', '/apps')).json()) as { apps: Array<{ clientId: string }> }).apps.map((a) => a.clientId)).not.toContain('forged-app');
    expect(((await (await graphGet(sim, `${GRAPH}/healthOverviews/Exchange%20Online`, token)).json()) as { status: string }).status).toBe(exchangeBefore);
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(200);
  });

  it('a bodiless POST with Content-Type: application/json is accepted (with no body or {})', async () => {
    const app = { clientId: crypto.randomUUID(), clientSecret: 's', redirectUris: ['http://localhost:3000/oauth/callback'] };
    await control(sim, 'POST', '/apps', app);
    for (const body of [undefined, '{}']) {
      await control(sim, 'POST', `/tenants/${fabrikamId}/consent`, { clientId: app.clientId });
      const res = await fetch(`${sim.url}/_simulator/tenants/${fabrikamId}/revoke-consent`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { revoked: string[] }).revoked).toContain(app.clientId);
    }
  });

  it('sends no CORS headers: not on answers to another origin, and a preflight gets no allow headers', async () => {
    const origin = 'https://portal.attacker.example';
    const preflight = await fetch(`${sim.url}/_simulator/tenants/${contosoId}/faults`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    const answers = [
      preflight,
      await fetch(`${sim.url}/_simulator/tenants`, { headers: { origin } }),
      await fetch(`${sim.url}/_simulator/tenants/${contosoId}/faults`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'throttle' }) }),
      await fetch(`${sim.url}/_simulator/tenants/${contosoId}/faults`, { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: '{"kind":"throttle"}' }),
    ];
    for (const res of answers) {
      const cors = [...res.headers.keys()].filter((name) => name.startsWith('access-control-'));
      expect(cors, `${res.url} ${res.status}`).toEqual([]);
    }
  });
});

describe('waiting faults: hang, hold, delay', () => {
  it('hang: the request gets no answer; it is listed as held until the client gives up, and the next request is answered', async () => {
    expect((await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'hang' })).status).toBe(201);
    await control(sim, 'DELETE', '/requests');
    const abort = new AbortController();
    const hung = fetch(`${sim.url}${GRAPH}/healthOverviews`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    const [entry] = await held(1);
    expect(entry).toMatchObject({ kind: 'hang', tenantId: contosoId, method: 'GET', path: `${GRAPH}/healthOverviews` });
    abort.abort();
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    // The simulator notices the client left: the request leaves the list and is logged as unanswered.
    await vi.waitFor(async () => expect(await currentlyHeld()).toEqual([]), { timeout: 10_000, interval: 20 });
    expect((await graphGet(sim, `${GRAPH}/healthOverviews`, token)).status).toBe(200);
    expect((await requestLog()).map((r) => [r.path, r.status])).toEqual([
      [`${GRAPH}/healthOverviews`, 0],
      [`${GRAPH}/healthOverviews`, 200],
    ]);
  });

  it('hang: clearing the faults closes the connection without an answer', async () => {
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'hang' });
    const hung = outcome(graphGet(sim, `${GRAPH}/issues`, token));
    await held(1);
    expect((await control(sim, 'DELETE', `/tenants/${contosoId}/faults`)).status).toBe(204);
    expect(await hung).toBe('TypeError'); // "fetch failed": the socket closed, no status line
    expect(await currentlyHeld()).toEqual([]);
  });

  it('hold: the answer waits for release, and carries the data as it is at release', async () => {
    expect((await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'hold' })).status).toBe(201);
    let settled = false;
    const holding = graphGet(sim, `${GRAPH}/issues`, token).finally(() => {
      settled = true;
    });
    const [entry] = await held(1);
    expect(entry).toMatchObject({ kind: 'hold', path: `${GRAPH}/issues` });
    // While it is held, the world changes; another tenant's requests are not held.
    const created = await control(sim, 'POST', `/tenants/${contosoId}/issues`, { title: 'Made while the answer was held', service: 'Exchange Online' });
    const { id } = (await created.json()) as { id: string };
    expect(settled).toBe(false);
    const release = await control(sim, 'POST', `/tenants/${contosoId}/release`, {});
    expect(await release.json()).toEqual({ released: 1, held: [] });
    const res = await holding;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { value: Array<{ id: string }> }).value.map((i) => i.id)).toContain(id);
  });

  it('hold with count: release { count: 1 } answers the oldest only; release { id } the one named', async () => {
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'hold', count: 3 });
    const first = graphGet(sim, `${GRAPH}/issues`, token);
    await held(1);
    const second = graphGet(sim, `${GRAPH}/healthOverviews`, token);
    await held(2);
    const third = graphGet(sim, `${GRAPH}/messages`, token);
    const waiting = await held(3);
    expect(waiting.map((h) => h.path)).toEqual([`${GRAPH}/issues`, `${GRAPH}/healthOverviews`, `${GRAPH}/messages`]);

    const one = (await (await control(sim, 'POST', `/tenants/${contosoId}/release`, { count: 1 })).json()) as { released: number; held: HeldRequest[] };
    expect(one.released).toBe(1);
    expect(one.held.map((h) => h.path)).toEqual([`${GRAPH}/healthOverviews`, `${GRAPH}/messages`]);
    expect((await first).status).toBe(200);

    const named = (await (await control(sim, 'POST', `/tenants/${contosoId}/release`, { id: waiting[2].id })).json()) as { released: number; held: HeldRequest[] };
    expect(named).toMatchObject({ released: 1, held: [expect.objectContaining({ path: `${GRAPH}/healthOverviews` })] });
    expect((await third).status).toBe(200);
    await control(sim, 'POST', `/tenants/${contosoId}/release`, {});
    expect((await second).status).toBe(200);
  });

  it('delay: listed as held (kind delay) while it waits, answered when the delay has passed or at once when released', async () => {
    // A short delay ends by itself (nothing releases it).
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'delay', delayMs: 50 });
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(200);

    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'delay', delayMs: 120_000 });
    const long = graphGet(sim, `${GRAPH}/issues`, token);
    const [entry] = await held(1);
    expect(entry).toMatchObject({ kind: 'delay', delayMs: 120_000 });
    expect(((await (await control(sim, 'POST', `/tenants/${contosoId}/release`, {})).json()) as { released: number }).released).toBe(1);
    expect((await long).status).toBe(200);
  });

  it('held: atLeast waits until enough requests wait (or timeoutMs passes); bad values and unknown tenants are refused', async () => {
    const none = await fetch(`${sim.url}/_simulator/held?tenantId=${contosoId}&atLeast=1&timeoutMs=0`);
    expect(await none.json()).toEqual({ held: [] });
    expect((await fetch(`${sim.url}/_simulator/held?atLeast=-1`)).status).toBe(400);
    expect((await fetch(`${sim.url}/_simulator/held?timeoutMs=soon`)).status).toBe(400);
    expect((await fetch(`${sim.url}/_simulator/held?tenantId=nowhere.example`)).status).toBe(404);
    expect((await control(sim, 'POST', '/tenants/nowhere.example/release', {})).status).toBe(404);
    expect((await control(sim, 'POST', `/tenants/${contosoId}/release`, { count: 0 })).status).toBe(400);
    // A hold in one tenant leaves another tenant's Graph alone.
    await control(sim, 'POST', `/tenants/${fabrikamId}/consent`, { clientId: BUILT_IN_APP.clientId });
    const fabrikamToken = await appToken(sim, fabrikamId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'hold' });
    const holding = graphGet(sim, `${GRAPH}/issues`, token);
    await held(1);
    expect((await graphGet(sim, `${GRAPH}/issues`, fabrikamToken)).status).toBe(200);
    expect(await currentlyHeld(fabrikamId)).toEqual([]);
    await control(sim, 'DELETE', `/tenants/${contosoId}/faults`); // clearing answers a hold
    expect((await holding).status).toBe(200);
  });

  it('close() ends held and hung requests (their connections close without an answer) and does not wait for them', async () => {
    guardNetwork();
    const own = await startSimulator({ port: 0, seed: 3, log: false });
    const tenantId = own.tenants[0].tenantId;
    const ownToken = await appToken(own, tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const post = (kind: string) => fetch(`${own.url}/_simulator/tenants/${tenantId}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind }) });
    await post('hold');
    const holding = outcome(graphGet(own, `${GRAPH}/issues`, ownToken));
    await held(1, tenantId, own);
    await post('hang');
    const hanging = outcome(graphGet(own, `${GRAPH}/issues`, ownToken));
    await held(2, tenantId, own);
    await own.close();
    expect(await holding).toBe('TypeError');
    expect(await hanging).toBe('TypeError');
  });
});

describe('issues: explicit ids across tenants, deletion', () => {
  beforeAll(async () => {
    await control(sim, 'POST', `/tenants/${fabrikamId}/consent`, { clientId: BUILT_IN_APP.clientId });
  });

  it('one incident id reaches several tenants; 409 when the tenant already has it; ids must look like Graph ids', async () => {
    const fabrikamToken = await appToken(sim, fabrikamId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const incident = { id: 'EX555001', title: 'Outlook on the web is slow', service: 'Exchange Online', classification: 'incident' };
    for (const tenantId of [contosoId, fabrikamId]) {
      const res = await control(sim, 'POST', `/tenants/${tenantId}/issues`, incident);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ id: 'EX555001' });
    }
    for (const bearer of [token, fabrikamToken]) {
      const res = await graphGet(sim, `${GRAPH}/issues/EX555001`, bearer);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: 'EX555001', title: 'Outlook on the web is slow' });
    }
    const again = await control(sim, 'POST', `/tenants/${contosoId}/issues`, { ...incident, title: 'A second one' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as ErrorBody).error.code).toBe('conflict');
    expect(((await (await graphGet(sim, `${GRAPH}/issues/EX555001`, token)).json()) as { title: string }).title).toBe('Outlook on the web is slow');
    for (const id of ['ex555002', 'EXCHANGE1', 'E5550003', '555004', 'EX 555005', 'EX12', 'EX5550061234']) {
      const res = await control(sim, 'POST', `/tenants/${contosoId}/issues`, { ...incident, id });
      expect(res.status, id).toBe(400);
      expect(((await res.json()) as ErrorBody).error.message, id).toContain('id');
    }
  });

  it('DELETE makes Graph stop returning the issue (list, by id, service health), in that tenant only', async () => {
    const fabrikamToken = await appToken(sim, fabrikamId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    for (const tenantId of [contosoId, fabrikamId]) {
      await control(sim, 'POST', `/tenants/${tenantId}/issues`, { id: 'SP777001', title: 'Lists do not load', service: 'SharePoint Online', status: 'serviceInterruption' });
    }
    expect(((await (await graphGet(sim, `${GRAPH}/healthOverviews/SharePoint%20Online`, token)).json()) as { status: string }).status).toBe('serviceInterruption');

    const deleted = await fetch(`${sim.url}/_simulator/tenants/${contosoId}/issues/sp777001`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await graphGet(sim, `${GRAPH}/issues/SP777001`, token)).status).toBe(404);
    const list = (await (await graphGet(sim, `${GRAPH}/issues?$filter=service eq 'SharePoint Online'`, token)).json()) as { value: Array<{ id: string }> };
    expect(list.value.map((i) => i.id)).not.toContain('SP777001');
    const health = (await (await graphGet(sim, `${GRAPH}/healthOverviews/SharePoint%20Online?$expand=issues`, token)).json()) as { status: string; issues: Array<{ id: string }> };
    expect(health.issues.map((i) => i.id)).not.toContain('SP777001');
    expect(health.status).not.toBe('serviceInterruption');
    expect((await graphGet(sim, `${GRAPH}/issues/SP777001`, fabrikamToken)).status).toBe(200);

    expect((await control(sim, 'DELETE', `/tenants/${contosoId}/issues/SP777001`)).status).toBe(404);
    expect((await control(sim, 'PATCH', `/tenants/${contosoId}/issues/SP777001`, { status: 'serviceRestored' })).status).toBe(404);
    expect((await control(sim, 'DELETE', `/tenants/nowhere.example/issues/SP777001`)).status).toBe(404);
  });
});

describe('Message center posts through the control API', () => {
  it('POST /messages adds a serviceUpdateMessage that Graph lists and serves by id, in each tenant it reaches', async () => {
    const fabrikamToken = await appToken(sim, fabrikamId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const post = {
      id: 'MC990001',
      title: 'Microsoft Teams: New chat retention setting',
      category: 'PlanForChange',
      severity: 'high',
      tags: ['Admin impact'],
      isMajorChange: true,
      services: ['Microsoft Teams'],
      actionRequiredByDateTime: '2025-04-30T00:00:00Z',
      body: { content: '<p>Review your retention policies.</p>' },
    };
    for (const tenantId of [contosoId, fabrikamId]) {
      const res = await control(sim, 'POST', `/tenants/${tenantId}/messages`, post);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ id: 'MC990001' });
    }
    for (const bearer of [token, fabrikamToken]) {
      const list = (await (await graphGet(sim, `${GRAPH}/messages`, bearer)).json()) as { value: Array<Record<string, unknown>> };
      expect(list.value[0]).toMatchObject({ id: 'MC990001', category: 'planForChange', severity: 'high', isMajorChange: true, services: ['Microsoft Teams'], actionRequiredByDateTime: '2025-04-30T00:00:00Z', body: { contentType: 'html', content: '<p>Review your retention policies.</p>' } });
      const one = await graphGet(sim, `${GRAPH}/messages/MC990001`, bearer);
      expect(one.status).toBe(200);
      expect(Object.keys((await one.json()) as object).sort()).toEqual(['@odata.context', 'actionRequiredByDateTime', 'body', 'category', 'details', 'endDateTime', 'expiryDateTime', 'id', 'isMajorChange', 'lastModifiedDateTime', 'services', 'severity', 'startDateTime', 'tags', 'title', 'viewPoint']);
    }
    expect((await control(sim, 'POST', `/tenants/${contosoId}/messages`, post)).status).toBe(409);
    const generated = await control(sim, 'POST', `/tenants/${contosoId}/messages`, { title: 'Stay informed', services: ['Exchange Online'] });
    expect(generated.status).toBe(201);
    expect(((await generated.json()) as { id: string }).id).toMatch(/^MC\d{6,}$/);
    for (const bad of [{ ...post, id: 'MX990002' }, { ...post, id: undefined, services: ['Not A Service'] }, { ...post, id: undefined, services: [] }, { title: '' , services: ['Microsoft Teams'] }]) {
      expect((await control(sim, 'POST', `/tenants/${contosoId}/messages`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });
});
