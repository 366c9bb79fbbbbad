/**
 * Bad days: a throttled tenant, a slow one, hostile request bodies and paths. The real server
 * against the simulator over HTTP, on a real SQLite file (or PostgreSQL database,
 * `TEST_STORE=postgres`); cycles are driven by hand and held Graph answers are released by the
 * test. The bad days of the SQLite file itself (a file that cannot write, a second server on the
 * same file) are in bad-days-sqlite.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

const MIN = 60_000;
const SEC = 1000;

type TenantJson = { tenantId: string; lastSyncAt: string | null; lastSyncError: string | null; nextSyncAt: string | null };
type AuthorizationJson = { id: string; status: string; tenantId: string | null; consentedBy: string | null; lastSyncError: string | null; nextSyncAt: string | null };
type HeldJson = { held: Array<{ id: string; tenantId: string; path: string }> };

const tenantsOf = async (key: string) => ((await (await stack.api(key, '/api/tenants')).json()) as { tenants: TenantJson[] }).tenants;
const tenantOf = async (key: string, tenantId: string) => (await tenantsOf(key)).find((t) => t.tenantId === tenantId)!;
const authorizationsOf = async (key: string) =>
  ((await (await stack.api(key, '/api/authorizations')).json()) as { authorizations: AuthorizationJson[] }).authorizations;

async function authorizedAndSynced(key: string, tenant: number) {
  const { authorizationId } = await stack.authorize(key, tenant);
  const tid = stack.simulator.tenants[tenant]!.tenantId;
  await waitFor(async () => (await tenantOf(key, tid))?.lastSyncAt, `the first sync of tenant ${tenant}`);
  return { authorizationId, tid };
}

async function held(tenantId: string, atLeast = 1): Promise<HeldJson['held']> {
  const res = await fetch(`${stack.simulator.url}/_simulator/held?tenantId=${tenantId}&atLeast=${atLeast}&timeoutMs=10000`);
  return ((await res.json()) as HeldJson).held;
}

describe('one tenant waiting never delays another', () => {
  it('syncs the healthy tenant while the slow one is held, and never starts the held one twice', async () => {
    const key = stack.key('org');
    const slow = await authorizedAndSynced(key, 0);
    const healthy = await authorizedAndSynced(key, 1);
    const healthyBefore = (await tenantOf(key, healthy.tid)).lastSyncAt;
    await stack.control('POST', `/_simulator/tenants/${slow.tid}/faults`, { kind: 'hold', count: 1 });
    stack.advance(6 * MIN);

    let cycleDone = false;
    const cycle = stack.server.poller.runCycle().then((outcomes) => {
      cycleDone = true;
      return outcomes;
    });
    expect(await held(slow.tid)).toHaveLength(1);
    // While the slow tenant's first request is held, the healthy one completes its sync.
    await waitFor(async () => (await tenantOf(key, healthy.tid)).lastSyncAt !== healthyBefore, 'the healthy tenant to sync');
    expect(await held(slow.tid)).toHaveLength(1);

    // The next tick comes while the slow tenant is still held: the healthy tenant syncs again,
    // the held one is joined, not started a second time.
    stack.advance(6 * MIN);
    const slowRequestsBefore = (await stack.graphRequests(slow.tid)).length;
    const healthyAgain = (await tenantOf(key, healthy.tid)).lastSyncAt;
    const second = stack.server.poller.runCycle();
    await waitFor(async () => (await tenantOf(key, healthy.tid)).lastSyncAt !== healthyAgain, 'the healthy tenant to sync again');
    expect(cycleDone).toBe(false);
    expect((await stack.graphRequests(slow.tid)).length).toBe(slowRequestsBefore);
    expect(await held(slow.tid)).toHaveLength(1);

    await stack.control('POST', `/_simulator/tenants/${slow.tid}/release`, {});
    const outcomes = await cycle;
    expect(Object.fromEntries(outcomes.map((o) => [o.tenantId, o.status]))).toEqual({ [slow.tid]: 'ok', [healthy.tid]: 'ok' });
    expect((await second).find((o) => o.tenantId === slow.tid)).toBe(outcomes.find((o) => o.tenantId === slow.tid));
  });
});

describe('the schedule itself', () => {
  it('keeps ticking for healthy tenants while a slow one is held (a tick never waits for a sync)', async () => {
    await stack.close();
    stack = await startStack({ polling: true, env: { POLL_CRON: '* * * * * *' } });
    const key = stack.key('org');
    const slow = await authorizedAndSynced(key, 0);
    const healthy = await authorizedAndSynced(key, 1);
    await stack.control('POST', `/_simulator/tenants/${slow.tid}/faults`, { kind: 'hold', count: 1 });
    expect(await held(slow.tid)).toHaveLength(1);
    // Two more syncs of the healthy tenant while the slow one's request is still held.
    const seen = new Set([(await tenantOf(key, healthy.tid)).lastSyncAt]);
    await waitFor(async () => {
      seen.add((await tenantOf(key, healthy.tid)).lastSyncAt);
      return seen.size >= 3;
    }, 'two more syncs of the healthy tenant', 25_000);
    expect(await held(slow.tid)).toHaveLength(1);
    await stack.control('POST', `/_simulator/tenants/${slow.tid}/release`, {});
    const slowSynced = (await tenantOf(key, slow.tid)).lastSyncAt;
    await waitFor(async () => (await tenantOf(key, slow.tid)).lastSyncAt !== slowSynced, 'the slow tenant to sync once released');
  });
});

describe('Retry-After between ticks', () => {
  it('tries a throttled tenant again when Graph said, not at the next tick', async () => {
    await stack.close();
    // A yearly schedule: only the per-tenant wake-up can bring the tenant back within the test.
    stack = await startStack({ polling: true, env: { POLL_CRON: '0 0 1 1 *' } });
    const key = stack.key('org');
    const { tid } = await authorizedAndSynced(key, 0);
    const synced = (await tenantOf(key, tid)).lastSyncAt;
    // A real wait (the wake-up is a timer): 6 s, just over the 5 s the Graph client waits out in place.
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'throttle', count: 1, retryAfter: 6 });
    const throttledAt = Date.now();
    expect(await stack.server.poller.syncNow(tid)).toMatchObject({ status: 'throttled' });
    await waitFor(async () => (await tenantOf(key, tid)).lastSyncAt !== synced, 'the throttled tenant to sync after its Retry-After', 20_000);
    expect(Date.now() - throttledAt, 'not before Graph said').toBeGreaterThanOrEqual(6000);
    expect((await tenantOf(key, tid)).lastSyncError).toBeNull();
  }, 60_000);
});

describe('Retry-After', () => {
  it('honours 150 s for that tenant alone: not called again at 60 s or 120 s, called after 150 s', async () => {
    const key = stack.key('org');
    const throttled = await authorizedAndSynced(key, 0);
    const other = await authorizedAndSynced(key, 1);
    await stack.control('POST', `/_simulator/tenants/${throttled.tid}/faults`, { kind: 'throttle', count: 1, retryAfter: 150 });
    stack.advance(6 * MIN);
    const before = (await stack.graphRequests(throttled.tid)).length;
    const outcomes = await stack.server.poller.runCycle();
    expect(Object.fromEntries(outcomes.map((o) => [o.tenantId, o.status]))).toEqual({ [throttled.tid]: 'throttled', [other.tid]: 'ok' });
    // One request, answered 429, and no retry inside the sync.
    expect((await stack.graphRequests(throttled.tid)).slice(before).map((r) => r.status)).toEqual([429]);

    // Why it is stale and when it is tried next, on both lists.
    const tenant = await tenantOf(key, throttled.tid);
    expect(tenant.lastSyncError).toMatch(/throttling this tenant \(429\).*150 s/);
    expect(tenant.nextSyncAt).not.toBeNull();
    const auth = (await authorizationsOf(key)).find((a) => a.id === throttled.authorizationId)!;
    expect(auth).toMatchObject({ lastSyncError: tenant.lastSyncError, nextSyncAt: tenant.nextSyncAt });
    expect((await tenantOf(key, other.tid)).lastSyncError).toBeNull();

    const throttledCalls = async () => (await stack.graphRequests(throttled.tid)).length;
    const after429 = await throttledCalls();
    stack.advance(60 * SEC);
    await stack.server.poller.runCycle();
    stack.advance(60 * SEC);
    await stack.server.poller.runCycle();
    expect(await throttledCalls()).toBe(after429);
    stack.advance(31 * SEC);
    const [retried] = (await stack.server.poller.runCycle()).filter((o) => o.tenantId === throttled.tid);
    expect(retried).toMatchObject({ status: 'ok' });
    expect((await tenantOf(key, throttled.tid)).lastSyncError).toBeNull();
  });

  it('caps a Retry-After of an hour at 15 minutes', async () => {
    const key = stack.key('org');
    const { tid } = await authorizedAndSynced(key, 0);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'throttle', count: 1, retryAfter: 3600 });
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'throttled' });
    stack.advance(14 * MIN);
    expect(await stack.server.poller.runCycle()).toEqual([]);
    stack.advance(1 * MIN + SEC);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', tenantId: tid });
  });
});

describe('a database that refuses writes', () => {
  it('keeps every read working, the list of authorizations too (its expiry of abandoned sign-ins waits)', async () => {
    const viewer = stack.key('org', 'viewer');
    const admin = stack.key('org', 'admin');
    const { tid } = await authorizedAndSynced(admin, 0);
    // A sign-in that is never completed: listing the authorizations past its 10 minutes wants to
    // mark it failed, a write.
    expect((await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'abandoned.example' } })).status).toBe(201);
    stack.advance(11 * MIN);
    const rowsBefore = (await stack.rows('authorizations')).map((r) => ({ id: r.id, status: r.status })).sort((a, b) => a.id.localeCompare(b.id));
    expect(rowsBefore.map((r) => r.status).sort()).toEqual(['active', 'pending']);
    const refused = await stack.refuseWrites();
    try {
      for (const path of ['/api/tenants', `/api/tenants/${tid}/health`, `/api/tenants/${tid}/issues`]) {
        expect((await stack.api(viewer, path)).status, path).toBe(200);
      }
      const listed = await stack.api(admin, '/api/authorizations');
      expect(listed.status).toBe(200);
      const { authorizations } = (await listed.json()) as { authorizations: AuthorizationJson[] };
      expect(authorizations.map((a) => a.status).sort()).toEqual(['active', 'pending']);
    } finally {
      await refused.restore();
    }
    const rowsAfter = (await stack.rows('authorizations')).map((r) => ({ id: r.id, status: r.status })).sort((a, b) => a.id.localeCompare(b.id));
    expect(rowsAfter).toEqual(rowsBefore);
    // Writable again: the expiry is applied at the next list.
    const later = (await (await stack.api(admin, '/api/authorizations')).json()) as { authorizations: AuthorizationJson[] };
    expect(later.authorizations.map((a) => a.status).sort()).toEqual(['active', 'failed']);
  });
});

describe('a database that cannot write', () => {
  it('keeps every read working and answers writes 503 with the JSON error shape, storing nothing', async () => {
    const viewer = stack.key('org', 'viewer');
    const admin = stack.key('org', 'admin');
    const { tid } = await authorizedAndSynced(admin, 0);
    // Both keys are used now; two minutes later their next use wants a lastUsedAt write.
    expect((await stack.api(viewer, '/api/tenants')).status).toBe(200);
    stack.advance(2 * MIN);
    const rowsBefore = (await stack.rows('authorizations')).length;
    // Every write is refused from now on: SQLITE_READONLY on SQLite, SQLSTATE 25006 on PostgreSQL,
    // as on a read-only mount or a hot standby.
    const refused = await stack.refuseWrites();
    try {
      for (const path of ['/api/tenants', `/api/tenants/${tid}/health`, `/api/tenants/${tid}/issues`]) {
        expect((await stack.api(viewer, path)).status, path).toBe(200);
      }
      expect((await stack.api(admin, '/api/authorizations')).status).toBe(200);
      const write = await stack.api(admin, '/api/authorizations', { method: 'POST', json: { label: 'fabrikam.com' } });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toBe('60');
      const body = (await write.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).toMatch(/cannot write/);
      expect(JSON.stringify(body)).not.toMatch(/SQLITE|25006|read-only transaction|at .*\.ts/);
    } finally {
      await refused.restore();
    }
    expect(await stack.rows('authorizations')).toHaveLength(rowsBefore);
  });
});

describe('hostile input', () => {
  it('answers a JSON body that is not sent as application/json with 415 and adds nothing', async () => {
    const key = stack.key('org');
    const json = JSON.stringify({ label: 'fabrikam.com' });
    const cases: Array<[string, Record<string, string>, string]> = [
      ['text/plain', { 'content-type': 'text/plain' }, json],
      ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, 'label=fabrikam.com'],
      ['no content type', {}, json],
    ];
    await stack.keysWritten();
    for (const [what, headers, body] of cases) {
      const res = await fetch(`${stack.server.url}/api/authorizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, ...headers },
        body: what === 'no content type' ? new Blob([body]) : body,
      });
      expect(res.status, what).toBe(415);
      expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe('unsupported_media_type');
    }
    expect(await authorizationsOf(key)).toEqual([]);
    // The same body as JSON is accepted.
    expect((await stack.api(key, '/api/authorizations', { method: 'POST', json: { label: 'fabrikam.com' } })).status).toBe(201);
  });
});

describe('search', () => {
  it('finds issues by id, service name, title and impact, case-insensitively beyond ASCII', async () => {
    const key = stack.key('org');
    const { tid } = await authorizedAndSynced(key, 0);
    const created = await stack.control('POST', `/_simulator/tenants/${tid}/issues`, {
      title: 'Störung beim Öffnen von Postfächern in der Straße',
      service: 'Exchange Online',
      classification: 'incident',
      status: 'serviceDegradation',
      impactDescription: 'Benutzer können ÄLTERE Nachrichten nicht öffnen.',
    });
    const { id } = (await created.json()) as { id: string };
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const search = async (q: string) => {
      const res = await stack.api(key, `/api/tenants/${tid}/issues?q=${encodeURIComponent(q)}&limit=100`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { issues: Array<{ id: string; service: string }> }).issues;
    };
    expect((await search(id)).map((i) => i.id)).toEqual([id]);
    expect((await search(id.toLowerCase())).map((i) => i.id)).toEqual([id]);
    const exchange = await search('exchange');
    expect(exchange.length).toBeGreaterThan(0);
    expect(exchange.every((i) => i.service === 'Exchange Online')).toBe(true);
    expect((await search('STÖRUNG BEIM')).map((i) => i.id)).toEqual([id]);
    expect((await search('STRASSE')).map((i) => i.id)).toEqual([id]);
    expect((await search('ältere nachrichten')).map((i) => i.id)).toEqual([id]);
    // %, _ and \ are text, not patterns.
    expect(await search('%_\\')).toEqual([]);
  });
});

describe('the request log', () => {
  it('escapes control characters, so a path cannot forge a log line', async () => {
    const lines: string[] = [];
    await stack.close();
    stack = await startStack({ log: (line) => lines.push(line) });
    const res = await fetch(`${stack.server.url}/nope%0d%0aGET%20/api/tenants%20200%201ms%1b[31m`);
    expect(res.status).toBe(404);
    const line = await waitFor(() => lines.find((l) => l.startsWith('GET /nope')), 'the request to be logged');
    expect(line).not.toMatch(/[\r\n\u001b]/);
    expect(line).toContain('/nope\\x0d\\x0aGET /api/tenants 200 1ms\\x1b[31m 404');
    expect(lines.filter((l) => l.startsWith('GET /api/tenants'))).toEqual([]);
  });
});

describe('why a tenant is stale', () => {
  it('clears lastSyncError with a successful sync', async () => {
    const key = stack.key('org');
    const { tid } = await authorizedAndSynced(key, 0);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 50, status: 503 });
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'failed' });
    expect((await tenantOf(key, tid)).lastSyncError).toMatch(/503/);
    await stack.control('DELETE', `/_simulator/tenants/${tid}/faults`);
    stack.advance(31 * MIN);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok' });
    expect((await stack.tenantRow(tid)).lastError).toBeNull();
  });
});

describe('opened at the other loopback address', () => {
  it('posts the popup result to the page whether it was opened on 127.0.0.1 or localhost', async () => {
    const key = stack.key('org');
    const port = new URL(stack.server.url).port;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await stack.api(key, '/api/authorizations', { method: 'POST', json: { label: 'contoso.com' }, headers: { origin } });
      expect(res.status).toBe(201);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
      const callback = new URL(await walkSimulatedConsent(authorizeUrl, stack.simulator.tenants[0]!.admins[0]!.upn));
      const page = await (await fetch(`${stack.server.url}${callback.pathname}${callback.search}`)).text();
      expect(page).toContain(`"targetOrigin":"${origin}"`);
      expect(page).toContain('"status":"active"');
    }
  });
});
