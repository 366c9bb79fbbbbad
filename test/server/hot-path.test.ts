/**
 * The health hot path (server/routes/hot-path.ts) against the ordinary middleware chain: the same
 * bytes, status and headers, and no correctness lost to the read model — a revoked key (here or by
 * the keys CLI's own connection), a deleted authorization and a finished sync all take effect on
 * the very next request. Real server over a real port, simulator as Microsoft, real SQLite file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { runKeysCli } from '../../server/keys.js';
import { createReadHotPath } from '../../server/routes/hot-path.js';
import { startStack, TEST_STORE, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
let lines: string[];
beforeEach(async () => {
  lines = [];
  stack = await startStack({ log: (line) => lines.push(line) });
});
afterEach(() => stack.close());

const MIN = 60_000;
/** Headers that differ between any two answers, or between a socket and `app.request()`. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
const headerMap = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => !TRANSPORT.has(name)));

/** Authorizes tenant 0 for `key`'s org with an admin key of that org, and waits for the first sync. */
async function synced(key: string, org = 'org') {
  const { authorizationId } = await stack.authorize(stack.key(org, 'admin', `${org}-authorizer`), 0);
  const tid = stack.simulator.tenants[0]!.tenantId;
  await waitFor(async () => ((await (await stack.api(key, '/api/tenants')).json()) as { tenants: Array<{ lastSyncAt: string | null }> }).tenants[0]?.lastSyncAt, 'the first sync');
  return { tid, authorizationId, path: `/api/tenants/${tid}/health` };
}

describe('the read routes on the hot path (health, tenants, issues)', () => {
  it('answers with the bytes, status and headers of the ordinary chain (200, 304, allowed and foreign origins)', async () => {
    const key = stack.key('org', 'viewer');
    const { path } = await synced(key);
    // The ordinary chain over the same core: app.request() carries no Node request, so the hot
    // path hands every call to the middleware chain.
    const chain = createApp({ config: stack.server.config, core: stack.server.core, log: () => {} });
    const own = new URL(stack.server.url).origin;
    const first = await stack.api(key, path);
    const etag = first.headers.get('etag')!;
    const issues = path.replace(/health$/, 'issues');
    for (const route of [path, '/api/tenants', issues, `${issues}?state=active&limit=2`, `${issues}?q=exchange&classification=incident`, `${issues}?limit=1000`, `${issues}?limit=1&limit=2`, `${issues}?format=csv`]) {
      const tag = route === path ? etag : ((await stack.api(key, route)).headers.get('etag') ?? '"none"');
      const variants: Array<Record<string, string>> = [{}, { origin: own }, { origin: 'https://evil.example' }, { 'if-none-match': tag }, { origin: own, 'if-none-match': `W/"nope", ${tag}` }];
      for (const headers of variants) {
        const fast = await stack.api(key, route, { headers });
        const slow = await chain.request(route, { headers: { authorization: `Bearer ${key}`, ...headers } });
        const what = `${route} ${JSON.stringify(headers)}`;
        expect(fast.status, what).toBe(slow.status);
        expect(headerMap(fast), what).toEqual(headerMap(slow));
        expect(await fast.text(), what).toBe(await slow.text());
      }
    }
    // The CSV download by Accept goes to the route as well.
    const csvFast = await stack.api(key, issues, { headers: { accept: 'text/csv' } });
    const csvSlow = await chain.request(issues, { headers: { authorization: `Bearer ${key}`, accept: 'text/csv' } });
    expect(headerMap(csvFast)).toEqual(headerMap(csvSlow));
    expect(await csvFast.text()).toBe(await csvSlow.text());
    expect(first.status).toBe(200);
    expect((await stack.api(key, path, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // It logs its line like every other request.
    expect(lines.filter((l) => l.startsWith(`GET ${path} `))).toEqual(expect.arrayContaining([expect.stringMatching(/ 200 \d+ms$/), expect.stringMatching(/ 304 \d+ms$/)]));
  });

  it('hands the odd cases to the chain, which answers as before', async () => {
    const key = stack.key('org', 'viewer');
    const { path } = await synced(key);
    const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    expect(await errorCode(await stack.api(null, path))).toBe('unauthorized');
    expect(await errorCode(await stack.api('o365_not-a-key', path))).toBe('unauthorized');
    expect(await errorCode(await stack.api(stack.key('stranger', 'viewer'), path))).toBe('not_found');
    expect(await errorCode(await stack.api(key, `/api/tenants/${'x'.repeat(201)}/health`))).toBe('validation_failed');
    const head = await stack.api(key, path, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('stops a revoked key at once, whether the server or the keys CLI revoked it', async () => {
    const key = stack.key('org', 'viewer');
    const { path } = await synced(key);
    expect((await stack.api(key, path)).status).toBe(200);
    const byServer = (await stack.server.core.keys.list('org')).find((k) => key.startsWith(k.prefix))!;
    await stack.server.core.keys.revoke(byServer.id);
    expect((await stack.api(key, path)).status).toBe(401);

    // The CLI writes through a connection of its own, as `npm run keys -- revoke` in another process.
    const other = stack.key('org', 'viewer', 'second-viewer');
    expect((await stack.api(other, path)).status).toBe(200);
    const prefix = (await stack.server.core.keys.list('org')).find((k) => other.startsWith(k.prefix))!.prefix;
    const out: string[] = [];
    const { databasePath, databaseUrl } = stack.server.config;
    const code = await runKeysCli(['revoke', prefix], { out: (l) => out.push(l), err: (l) => out.push(l), env: { DATABASE_PATH: databasePath, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) } });
    expect(code, out.join('\n')).toBe(0);
    if (TEST_STORE === 'postgres') {
      // PostgreSQL tells the server of the CLI's commit by a notification (store/pg/listen.ts), a moment later.
      await waitFor(async () => (await stack.api(other, path)).status === 401, 'the revocation notification');
    }
    expect((await stack.api(other, path)).status).toBe(401);
  });

  it('hides the tenant at once when the authorization is deleted', async () => {
    const admin = stack.key('org', 'admin');
    const { path, authorizationId } = await synced(admin);
    expect((await stack.api(admin, path)).status).toBe(200);
    expect((await stack.api(admin, `/api/authorizations/${authorizationId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await stack.api(admin, path)).status).toBe(404);
  });

  it('shows a finished sync at once, and the data going stale, each with a new ETag', async () => {
    const key = stack.key('org', 'viewer');
    const { path, tid } = await synced(key);
    const before = await stack.api(key, path);
    type List = { tenants: Array<{ lastSyncAt: string; stale: boolean }> };
    const listBefore = (await (await stack.api(key, '/api/tenants')).json()) as List;
    const created = await stack.control('POST', `/_simulator/tenants/${tid}/issues`, {
      title: 'Mail flow is delayed for some users',
      service: 'Exchange Online',
      classification: 'incident',
      status: 'serviceDegradation',
    });
    const { id } = (await created.json()) as { id: string };
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const after = await stack.api(key, path, { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const body = (await after.json()) as { stale: boolean; services: Array<{ name: string; issues: Array<{ id: string }> }> };
    expect(body.services.find((s) => s.name === 'Exchange Online')!.issues.map((i) => i.id)).toContain(id);
    expect(body.stale).toBe(false);
    const listAfter = (await (await stack.api(key, '/api/tenants')).json()) as List;
    expect(listAfter.tenants[0]!.lastSyncAt).not.toBe(listBefore.tenants[0]!.lastSyncAt);
    expect(listAfter.tenants[0]!.stale).toBe(false);

    stack.advance(11 * MIN);
    expect(((await (await stack.api(key, '/api/tenants')).json()) as List).tenants[0]!.stale).toBe(true);
    const late = await stack.api(key, path, { headers: { 'if-none-match': after.headers.get('etag')! } });
    expect(late.status).toBe(200);
    expect(((await late.json()) as { stale: boolean }).stale).toBe(true);
  });
});

describe('createReadHotPath alone', () => {
  it('answers a valid request by itself, and returns null for the rest', async () => {
    const key = stack.key('org', 'viewer');
    const { path } = await synced(key);
    const baseHeaders = Promise.resolve({ 'X-Content-Type-Options': 'nosniff' });
    const answer = createReadHotPath({ core: stack.server.core, allowedOrigins: new Set(), exposedHeaders: ['ETag'], log: () => {}, baseHeaders });
    await baseHeaders;
    const request = (url: string, headers: Record<string, string> = {}, method = 'GET') => answer({ method, url, headers });
    const auth = { authorization: `Bearer ${key}` };
    const issues = `${path.replace(/health$/, 'issues')}?state=all&limit=3`;
    const page = (await request(issues, auth))!;
    expect(page.status).toBe(200);
    expect(((await page.json()) as { issues: unknown[] }).issues).toHaveLength(3);
    expect(((await (await request('/api/tenants', auth))!.json()) as { tenants: unknown[] }).tenants).toHaveLength(1);
    const answered = (await request(path, auth))!;
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-content-type-options')).toBe('nosniff');
    expect(((await answered.json()) as { tenantId: string }).tenantId).toBe(stack.simulator.tenants[0]!.tenantId);
    // Left to the app: a CSV download, no or an unknown key, another method, another route.
    expect(await request(issues, { ...auth, accept: 'text/csv' })).toBeNull();
    expect(await request(path)).toBeNull();
    expect(await request(path, { authorization: 'Bearer o365_unknown' })).toBeNull();
    expect(await request(path, auth, 'HEAD')).toBeNull();
    expect(await request(`${path}/x`, auth)).toBeNull();
  });
});
