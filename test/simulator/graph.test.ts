/**
 * The simulated Graph service communications API and the control API, over real HTTP:
 * bearer checks, paging, $filter, faults, lifecycle with the clock, and control input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, type RunningSimulator } from '../../demo/simulator/index.js';
import { GRAPH, appToken, control, graphGet, registerTestApp, signInAndConsent, startTestSimulator } from './helpers.js';

interface Issue {
  id: string;
  status: string;
  service: string;
  classification: string;
  isResolved: boolean;
  lastModifiedDateTime: string;
  endDateTime: string | null;
  posts: Array<{ createdDateTime: string; description: { content: string } }>;
}
interface Page<T> {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  value: T[];
}

let sim: RunningSimulator;
let clock: Awaited<ReturnType<typeof startTestSimulator>>['clock'];
let contosoId: string;
let token: string;

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator());
  contosoId = sim.tenants[0].tenantId;
  token = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
});
afterAll(() => sim.close());

async function getJson<T>(path: string, headers: Record<string, string> = {}, bearer = token): Promise<{ status: number; body: T; res: Response }> {
  const res = await graphGet(sim, path, bearer, headers);
  return { status: res.status, body: (await res.json()) as T, res };
}

/** Follows nextLinks from a first URL, counting pages. */
async function all<T>(path: string, headers: Record<string, string> = {}) {
  let next: string | undefined = `${sim.url}${path}`;
  const items: T[] = [];
  let pages = 0;
  while (next) {
    const res: Response = await fetch(next, { headers: { Authorization: `Bearer ${token}`, ...headers } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page<T>;
    items.push(...page.value);
    pages++;
    next = page['@odata.nextLink'];
  }
  return { items, pages };
}

/** Grants consent to an app in a tenant through the admin consent pages, then gets an app token. */
async function consentedAppToken(tenantIndex: number, permissions?: Array<'ServiceHealth.Read.All' | 'ServiceMessage.Read.All'>): Promise<string & { fresh: () => Promise<string> }> {
  const app = registerTestApp(sim, permissions ? { permissions } : {});
  const tenant = sim.tenants[tenantIndex];
  await signInAndConsent(`${sim.url}/${tenant.tenantId}/v2.0/adminconsent?client_id=${app.clientId}&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}`, tenant.admins[0].upn);
  const fresh = () => appToken(sim, tenant.tenantId, app.clientId, app.clientSecret);
  return Object.assign(await fresh(), { fresh });
}

type GraphError = { error: { code: string; message: string; innerError: Record<string, string> } };

describe('bearer tokens', () => {
  it('401 InvalidAuthenticationToken without a token, with a garbage token, and with a token expired by the clock', async () => {
    const none = await getJson<GraphError>(`${GRAPH}/issues`, {}, '');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('InvalidAuthenticationToken');
    expect(none.res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const garbage = await getJson<GraphError>(`${GRAPH}/issues`, {}, 'eyJ.not.valid');
    expect(garbage.status).toBe(401);
    expect(garbage.body.error.code).toBe('InvalidAuthenticationToken');

    const shortLived = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    clock.advance(3600 * 1000);
    const expired = await getJson<GraphError>(`${GRAPH}/issues`, { 'client-request-id': 'abc-123' }, shortLived);
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toBe('Access token has expired or is not yet valid.');
    expect(expired.body.error.innerError['client-request-id']).toBe('abc-123');
    expect(expired.body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    token = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
  });

  it('403 Forbidden for a token without the needed permission', async () => {
    const healthOnly = await consentedAppToken(1, ['ServiceHealth.Read.All']);
    expect((await graphGet(sim, `${GRAPH}/issues`, healthOnly)).status).toBe(200);
    const messages = await getJson<GraphError>(`${GRAPH}/messages`, {}, healthOnly);
    expect(messages.status).toBe(403);
    expect(messages.body.error.code).toBe('Forbidden');
  });

  it('a token sees only its own tenant’s data', async () => {
    const fabrikamToken = await consentedAppToken(1);
    const contosoIssues = (await getJson<Page<Issue>>(`${GRAPH}/issues`)).body.value.map((i) => i.id);
    const fabrikamIssues = (await getJson<Page<Issue>>(`${GRAPH}/issues`, {}, fabrikamToken)).body.value.map((i) => i.id);
    expect(contosoIssues).not.toEqual(fabrikamIssues);
    const org = await getJson<Page<{ id: string }>>('/v1.0/organization', {}, fabrikamToken);
    expect(org.body.value[0].id).toBe(sim.tenants[1].tenantId);
    const other = await graphGet(sim, `/v1.0/organization/${contosoId}`, fabrikamToken);
    expect(other.status).toBe(404);
  });
});

describe('resources', () => {
  it('lists ≥ 15 real Microsoft 365 services, camelCase status, and gets one by its URL-encoded name', async () => {
    const { body } = await getJson<Page<{ id: string; service: string; status: string }>>(`${GRAPH}/healthOverviews`);
    expect(body.value.length).toBeGreaterThanOrEqual(15);
    const byId = Object.fromEntries(body.value.map((s) => [s.id, s.service]));
    expect(byId).toMatchObject({ Exchange: 'Exchange Online', microsoftteams: 'Microsoft Teams', SharePoint: 'SharePoint Online', OSDPPlatform: 'Microsoft 365 suite' });
    const one = await getJson<{ id: string; service: string }>(`${GRAPH}/healthOverviews/Microsoft%20365%20suite`);
    expect(one.body).toMatchObject({ id: 'OSDPPlatform', service: 'Microsoft 365 suite' });
    expect((await graphGet(sim, `${GRAPH}/healthOverviews/OSDPPlatform`, token)).status).toBe(404);
  });

  it('derives each service status from its active issues', async () => {
    const { body } = await getJson<Page<{ id: string; status: string; issues: Issue[] }>>(`${GRAPH}/healthOverviews?$expand=issues`);
    const degraded = body.value.filter((s) => s.issues.some((i) => !i.isResolved));
    expect(degraded.length).toBeGreaterThan(0);
    for (const s of degraded) expect(['investigating', 'serviceDegradation', 'serviceInterruption', 'restoringService', 'extendedRecovery', 'verifyingService']).toContain(s.status);
    for (const s of body.value.filter((x) => x.issues.every((i) => i.isResolved))) expect(['serviceOperational', 'serviceRestored']).toContain(s.status);
  });

  it('has issues in Microsoft’s id style, incidents and advisories, and 30 days of resolved history', async () => {
    const { items } = await all<Issue>(`${GRAPH}/issues`);
    expect(items.every((i) => /^[A-Z]{2}\d{6}$/.test(i.id))).toBe(true);
    expect(new Set(items.map((i) => i.classification))).toEqual(new Set(['incident', 'advisory']));
    const resolved = items.filter((i) => i.isResolved);
    expect(resolved.length).toBeGreaterThan(10);
    const oldest = Math.min(...resolved.map((i) => Date.parse(i.lastModifiedDateTime)));
    expect(clock.now() - oldest).toBeGreaterThan(20 * 86_400_000);
    expect(resolved[0].posts.at(-1)?.description.content).toMatch(/Final status|post-incident report/);
  });

  it('404 in the Graph envelope for unknown paths and ids, 405 for writes', async () => {
    const unknown = await getJson<GraphError>('/v1.0/admin/serviceAnnouncement/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await graphGet(sim, `${GRAPH}/issues/EX000000`, token)).status).toBe(404);
    expect((await graphGet(sim, `${GRAPH}/messages/MC000000`, token)).status).toBe(404);
    for (const method of ['POST', 'PATCH', 'DELETE']) {
      const res = await fetch(`${sim.url}${GRAPH}/issues`, { method, headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(405);
      expect(((await res.json()) as GraphError).error.code).toBe('MethodNotAllowed');
    }
  });
});

describe('paging', () => {
  it('honours Prefer: odata.maxpagesize with Preference-Applied and absolute nextLinks', async () => {
    const total = (await getJson<Page<Issue>>(`${GRAPH}/issues`)).body.value.length;
    expect(total).toBeGreaterThan(10);
    const first = await getJson<Page<Issue>>(`${GRAPH}/issues`, { Prefer: 'odata.maxpagesize=4' });
    expect(first.res.headers.get('preference-applied')).toBe('odata.maxpagesize=4');
    expect(first.body.value).toHaveLength(4);
    expect(first.body['@odata.nextLink']).toMatch(new RegExp(`^${sim.url}/v1\\.0/admin/serviceAnnouncement/issues\\?`));
    const { items, pages } = await all<Issue>(`${GRAPH}/issues`, { Prefer: 'odata.maxpagesize=4' });
    expect(pages).toBe(Math.ceil(total / 4));
    expect(new Set(items.map((i) => i.id)).size).toBe(total);
  });

  it('$top limits the total, across pages', async () => {
    const top = await getJson<Page<Issue>>(`${GRAPH}/issues?$top=3`);
    expect(top.body.value).toHaveLength(3);
    expect(top.body['@odata.nextLink']).toBeUndefined();
    const { items, pages } = await all<Issue>(`${GRAPH}/issues?$top=5`, { Prefer: 'odata.maxpagesize=2' });
    expect(items).toHaveLength(5);
    expect(pages).toBe(3);
  });

  it('defaults to 100 per page', async () => {
    // Add issues until the tenant has more than 100.
    const current = (await getJson<Page<Issue>>(`${GRAPH}/issues`)).body.value.length;
    for (let i = current; i <= 100; i++) {
      const res = await control(sim, 'POST', `/tenants/${contosoId}/issues`, { title: `Bulk ${i}`, service: 'Planner', classification: 'advisory' });
      expect(res.status).toBe(201);
    }
    const first = await getJson<Page<Issue>>(`${GRAPH}/issues`);
    expect(first.body.value).toHaveLength(100);
    expect(first.body['@odata.nextLink']).toContain('$skip=100');
  });
});

describe('$filter', () => {
  it('filters by lastModifiedDateTime ge, service eq, isResolved eq, classification eq, joined by and', async () => {
    const { items } = await all<Issue>(`${GRAPH}/issues`);
    const since = new Date(clock.now() - 7 * 86_400_000).toISOString();
    const byDate = await all<Issue>(`${GRAPH}/issues?$filter=${encodeURIComponent(`lastModifiedDateTime ge ${since}`)}`);
    expect(byDate.items.length).toBe(items.filter((i) => i.lastModifiedDateTime >= since).length);
    expect(byDate.items.length).toBeLessThan(items.length);

    const exchange = await all<Issue>(`${GRAPH}/issues?$filter=${encodeURIComponent("service eq 'Exchange Online'")}`);
    expect(exchange.items.length).toBe(items.filter((i) => i.service === 'Exchange Online').length);
    expect(exchange.items.every((i) => i.service === 'Exchange Online')).toBe(true);

    const active = await all<Issue>(`${GRAPH}/issues?$filter=isResolved eq false`);
    expect(active.items.length).toBeGreaterThan(0);
    expect(active.items.every((i) => !i.isResolved)).toBe(true);

    const incidents = await all<Issue>(`${GRAPH}/issues?$filter=${encodeURIComponent("classification eq 'Incident' and isResolved eq true")}`);
    expect(incidents.items.length).toBe(items.filter((i) => i.classification === 'incident' && i.isResolved).length);
    expect(incidents.items.length).toBeGreaterThan(0);
  });

  it('answers 400 BadRequest for a bad $filter', async () => {
    for (const filter of ['nonsense', "colour eq 'red'", 'isResolved eq 3', 'lastModifiedDateTime ge yesterday', "service eq 'a' or service eq 'b'"]) {
      const res = await getJson<GraphError>(`${GRAPH}/issues?$filter=${encodeURIComponent(filter)}`);
      expect(res.status, filter).toBe(400);
      expect(res.body.error.code).toBe('BadRequest');
      expect(res.body.error.message).toMatch(/filter/i);
    }
  });
});

describe('faults', () => {
  it('throttle → 429 with Retry-After, for count requests', async () => {
    expect((await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'throttle', count: 2, retryAfter: 7 })).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const res = await getJson<GraphError>(`${GRAPH}/healthOverviews`);
      expect(res.status).toBe(429);
      expect(res.res.headers.get('retry-after')).toBe('7');
      expect(res.body.error.code).toBe('TooManyRequests');
    }
    expect((await graphGet(sim, `${GRAPH}/healthOverviews`, token)).status).toBe(200);
  });

  it('error → the status asked for (500 by default); DELETE faults clears them', async () => {
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'error' });
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(500);
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'error', status: 503, count: 5 });
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(503);
    expect((await control(sim, 'DELETE', `/tenants/${contosoId}/faults`)).status).toBe(204);
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(200);
  });

  it('delay → the request waits (listed as held) until delayMs has passed, then is answered', async () => {
    // No stopwatch: the request is seen waiting, then answered without being released (the delay
    // is long enough for the look at /held to arrive while it waits, even on a loaded machine).
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'delay', delayMs: 1500 });
    const answer = graphGet(sim, `${GRAPH}/issues`, token);
    const waiting = (await (await control(sim, 'GET', `/held?tenantId=${contosoId}&atLeast=1`)).json()) as { held: Array<{ kind: string; delayMs: number }> };
    expect(waiting.held).toEqual([expect.objectContaining({ kind: 'delay', delayMs: 1500 })]);
    expect((await answer).status).toBe(200);
  });

  it('expire-tokens → current tokens get 401 at once; new tokens work', async () => {
    const old = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'expire-tokens' });
    const res = await getJson<GraphError>(`${GRAPH}/issues`, {}, old);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('InvalidAuthenticationToken');
    token = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    expect((await graphGet(sim, `${GRAPH}/issues`, token)).status).toBe(200);
  });
});

describe('lifecycle with the clock', () => {
  it('an active issue advances to serviceRestored and then (incidents) postIncidentReviewPublished', async () => {
    const nwToken = await consentedAppToken(2);
    const activeNow = (await getJson<Page<Issue>>(`${GRAPH}/issues?$filter=isResolved eq false`, {}, nwToken)).body.value;
    expect(activeNow.length).toBeGreaterThan(0);
    const target = activeNow[0];
    const statuses = [target.status];
    let last = target;
    for (let step = 0; step < 40; step++) {
      clock.advance(30 * 60_000);
      const res = await getJson<Issue>(`${GRAPH}/issues/${target.id}`, {}, await nwToken.fresh());
      expect(res.status).toBe(200);
      last = res.body;
      if (statuses.at(-1) !== last.status) statuses.push(last.status);
      if (last.isResolved) break;
    }
    expect(last.isResolved).toBe(true);
    expect(last.endDateTime).not.toBeNull();
    expect(last.posts.length).toBeGreaterThan(target.posts.length);
    expect(statuses.at(-1)).toMatch(/serviceRestored|falsePositive|postIncidentReviewPublished/);
    expect(last.lastModifiedDateTime > target.lastModifiedDateTime).toBe(true);
  });
});

describe('control API', () => {
  // The lifecycle test moved the clock by hours: start with a fresh token.
  beforeAll(async () => {
    token = await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
  });

  it('lists tenants with domains and admins', async () => {
    const body = (await (await control(sim, 'GET', '/tenants')).json()) as { tenants: Array<{ tenantId: string; domain: string; admins: Array<{ upn: string }> }> };
    expect(body.tenants.length).toBeGreaterThanOrEqual(3);
    expect(new Set(body.tenants.map((t) => t.domain)).size).toBe(body.tenants.length);
    for (const t of body.tenants) expect(t.admins.every((a) => a.upn.endsWith(`@${t.domain}`))).toBe(true);
  });

  it('adds an issue (201 {id}), PATCHes it (bumps lastModifiedDateTime, appends the post) and the service follows', async () => {
    const created = await control(sim, 'POST', `/tenants/${sim.tenants[0].domain}/issues`, { title: 'Users cannot open Forms', service: 'Microsoft Forms', classification: 'incident', status: 'serviceInterruption', post: { html: '<p>Title: Users cannot open Forms</p>' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(id).toMatch(/^FM\d{6}$/);
    const first = (await getJson<Issue>(`${GRAPH}/issues/${id}`)).body;
    expect(first).toMatchObject({ status: 'serviceInterruption', isResolved: false, service: 'Microsoft Forms' });
    expect((await getJson<{ status: string }>(`${GRAPH}/healthOverviews/Microsoft%20Forms`)).body.status).toBe('serviceInterruption');

    clock.advance(5 * 60_000);
    const patched = await control(sim, 'PATCH', `/tenants/${contosoId}/issues/${id}`, { status: 'serviceRestored', post: { html: '<p>Final status: fixed.</p>' } });
    expect(patched.status).toBe(200);
    const after = (await getJson<Issue>(`${GRAPH}/issues/${id}`)).body;
    expect(after.status).toBe('serviceRestored');
    expect(after.isResolved).toBe(true);
    expect(after.posts.map((p) => p.description.content)).toEqual(['<p>Title: Users cannot open Forms</p>', '<p>Final status: fixed.</p>']);
    expect(Date.parse(after.lastModifiedDateTime)).toBe(clock.now());
    expect((await getJson<{ status: string }>(`${GRAPH}/healthOverviews/Microsoft%20Forms`)).body.status).toBe('serviceRestored');
  });

  it('PUT service status pins it; null unpins it', async () => {
    const put = await control(sim, 'PUT', `/tenants/${contosoId}/services/SharePoint`, { status: 'extendedRecovery' });
    expect(put.status).toBe(200);
    expect((await getJson<{ status: string }>(`${GRAPH}/healthOverviews/SharePoint%20Online`)).body.status).toBe('extendedRecovery');
    await control(sim, 'PUT', `/tenants/${contosoId}/services/SharePoint`, { status: null });
    expect((await getJson<{ status: string }>(`${GRAPH}/healthOverviews/SharePoint%20Online`)).body.status).not.toBe('extendedRecovery');
  });

  it('400 with a message for bad input, 404 for unknown tenant or issue, never a crash', async () => {
    const bad: Array<[string, string, unknown]> = [
      ['POST', `/tenants/${contosoId}/issues`, { title: '' }],
      ['POST', `/tenants/${contosoId}/issues`, { title: 'x', service: 'Not A Service' }],
      ['POST', `/tenants/${contosoId}/issues`, '{not json'],
      ['PATCH', `/tenants/${contosoId}/issues/EX000000X`, { status: 42 }],
      ['PUT', `/tenants/${contosoId}/services/Exchange`, { status: 'bad status!' }],
      ['POST', `/tenants/${contosoId}/faults`, { kind: 'meteor' }],
      ['POST', `/tenants/${contosoId}/faults`, { kind: 'throttle', count: -1 }],
      ['POST', '/apps', { clientId: 'x', clientSecret: 's', redirectUris: ['not a url'] }],
      ['POST', '/apps', []],
    ];
    for (const [method, path, body] of bad) {
      const res = await control(sim, method, path, body);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect([400, 404], `${method} ${path}`).toContain(res.status);
      expect(typeof json.error.code).toBe('string');
      expect(json.error.message).not.toMatch(/at .*\.ts:\d+/);
    }
    expect((await control(sim, 'POST', `/tenants/${contosoId}/faults`, { kind: 'meteor' })).status).toBe(400);
    expect((await control(sim, 'POST', '/tenants/00000000-0000-0000-0000-000000000000/issues', { title: 'x', service: 'Exchange' })).status).toBe(404);
    expect((await control(sim, 'PATCH', `/tenants/${contosoId}/issues/EX000001`, { status: 'serviceRestored' })).status).toBe(404);
    expect((await control(sim, 'POST', '/tenants/nowhere.example/revoke-consent', {})).status).toBe(404);
  });

  it('registers an app through the API; the request log records Graph and token calls with tenant and status', async () => {
    const reg = await control(sim, 'POST', '/apps', { clientId: 'api-registered-app', clientSecret: 'pw', redirectUris: ['http://localhost:5000/cb'] });
    expect(reg.status).toBe(201);
    expect((await fetch(`${sim.url}/organizations/oauth2/v2.0/authorize?client_id=api-registered-app&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:5000/cb')}&code_challenge=a&code_challenge_method=S256`)).status).toBe(200);

    await control(sim, 'DELETE', '/requests');
    await graphGet(sim, `${GRAPH}/issues?$top=1`, token);
    await graphGet(sim, `${GRAPH}/messages`, 'bad');
    const log = (await (await control(sim, 'GET', `/requests?tenantId=${contosoId}`)).json()) as { requests: Array<{ at: string; method: string; path: string; tenantId: string; status: number }> };
    expect(log.requests).toEqual([{ at: new Date(clock.now()).toISOString(), method: 'GET', path: `${GRAPH}/issues`, query: '?$top=1', tenantId: contosoId, status: 200 }]);
    const everything = (await (await control(sim, 'GET', '/requests')).json()) as { requests: Array<{ status: number; tenantId: string | null }> };
    expect(everything.requests.map((r) => r.status)).toEqual([200, 401]);
    await appToken(sim, contosoId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);
    const withToken = (await (await control(sim, 'GET', `/requests?tenantId=${contosoId}`)).json()) as { requests: Array<{ method: string; path: string }> };
    expect(withToken.requests.at(-1)).toMatchObject({ method: 'POST', path: `/${contosoId}/oauth2/v2.0/token` });
  });
});
