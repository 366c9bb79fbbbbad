// The fake o365-health API of the element tests, served by the test runner's dev server over real
// HTTP (no fetch stubbing in the page). The answers come from the one fake shared with Storybook,
// fake-api.ts (typed from widgets/api/types.ts, checked against the real server by
// test/widgets/integration/contract.test.ts); this file adds what only tests need:
//
//   /test-api/<session>/api/...   the API; <session> isolates a test (its worlds and request log)
//   /test-api/<session>/authorize?id=…&status=active|failed   stands in for Microsoft's sign-in:
//        a page that posts the OAuth callback message to its opener, like the server's callback
//        (the authorization becomes active, consented by admin@northwind…, or failed with a
//        reason). An active one has no `lastSuccessAt` until the second GET /api/authorizations
//        after it, as when the server's first sync ends a moment after the callback.
//   GET /test-api/_requests?session=<session>   → { requests: [{ method, path, status, aborted, body? }] }
//        (`body`: the JSON a POST sent)
//   POST /test-api/<session>/_update?issue=<id>   the issue changes (its lastModifiedDateTime
//        becomes now) and gets one more post, like a Microsoft update (for auto-refresh tests)
//   POST /test-api/<session>/_update?message=<MC id>   the Message center post changes (its
//        lastModifiedDateTime becomes now, its body ends with "Updated: the rollout has started.")
//   POST /test-api/<session>/_world   { world }: the session's admin and viewer keys see this world
//        (the contract test seeds it with the real server's data)
//   GET /test-api/<session>/api/events, /test-api/<session>/_events…   the change-event stream and
//        the routes that push events into it, end it and count its connections (fake-channels.ts)
//
// The API key picks the scenario: admin, viewer (403 on /api/authorizations), empty (no
// tenants), error (500), slow (answers after 400 ms), reauth (tenants need re-authorization,
// data stale), long (EX226792 has a title, impact and post with long unbreakable tokens, for
// layout tests), purview (as admin, but the Microsoft 365 suite service says serviceDegradation
// while its only active issue is an advisory, as Purview's did), first-sync (connected tenants
// before their first sync: no services, no history), stale (the last sync is old), shared (EX226792 active in
// Contoso and Fabrikam), many (nine tenants, EX226792 in three; see fake-api.ts), healthy (every service healthy); another key → 401 (revoked), no
// key → 401. CORS as the server: for the dev server's own origins only.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/** @type {typeof import('./fake-api.ts')} */
const fake = await tsImport('./fake-api.ts', import.meta.url);
export const { LONG_TOKEN } = fake;

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const load = (name) => JSON.parse(readFileSync(dir + name, 'utf8'));
/** @type {import('./fake-api.ts').Fixtures} */
const fixtures = { tenants: load('tenants.json'), authorizations: load('authorizations.json'), posts: load('posts.json'), health: {}, issues: {}, history: {}, messages: {} };
for (const f of readdirSync(dir)) {
  const m = /^(health|issues|history|messages)-(.+)\.json$/.exec(f);
  if (m) fixtures[m[1]][m[2]] = load(f);
}

/** Key → the world it sees and its role. */
const SCENARIOS = {
  admin: { world: 'fixtures', role: 'admin' },
  viewer: { world: 'fixtures', role: 'viewer' },
  empty: { world: 'none', role: 'admin' },
  error: { world: 'fixtures', role: 'admin', fail: true },
  slow: { world: 'fixtures', role: 'admin', delayMs: 400 },
  reauth: { world: 'reauth', role: 'viewer' },
  long: { world: 'long', role: 'viewer' },
  purview: { world: 'purview', role: 'admin' },
  'first-sync': { world: 'firstSync', role: 'viewer' },
  stale: { world: 'stale', role: 'viewer' },
  shared: { world: 'shared', role: 'viewer' },
  many: { world: 'many', role: 'viewer' },
  healthy: { world: 'healthy', role: 'viewer' },
};

const sessions = new Map();
const session = (id) => {
  let s = sessions.get(id);
  if (!s) sessions.set(id, (s = { requests: [], worlds: new Map(), next: 1, syncAfterReads: new Map() }));
  return s;
};
/** The session's world of a name, made from the fixtures on first use. */
const worldOf = (s, name) => s.worlds.get(name) ?? s.worlds.set(name, fake.makeWorld(fixtures, name)).get(name);

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

/** The dev server's origins (the page's), as the integration server's ALLOWED_ORIGINS lists them. */
const ownOrigins = (ctx) => {
  const port = new URL(ctx.origin).port;
  return [ctx.origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
};

/** Koa middleware for @web/dev-server. */
export async function testApi(ctx, next) {
  if (!ctx.path.startsWith('/test-api/')) return next();
  if (ctx.path === '/test-api/_requests') {
    ctx.body = { requests: session(ctx.query.session ?? '').requests };
    return;
  }
  const m = /^\/test-api\/([^/]+)(\/.*)$/.exec(ctx.path);
  if (!m) return next();
  const [, id, path] = m;
  const s = session(id);
  // Live updates (fake-channels.ts): GET /api/events and the routes that drive it, /_events….
  if (path === '/api/events' || path.startsWith('/_events')) return fake.fakeEvents(s, path, ctx, (key) => SCENARIOS[key]);

  if (path === '/_world' && ctx.method === 'POST') {
    const { world } = await readBody(ctx.req);
    s.worlds.set('fixtures', world);
    ctx.status = 204;
    return;
  }
  if (path === '/_update' && ctx.method === 'POST' && ctx.query.message) {
    // A Message center post changes: its lastModifiedDateTime becomes now and its body grows.
    const now = new Date().toISOString();
    for (const name of new Set([...s.worlds.keys(), 'fixtures']))
      for (const list of Object.values(worldOf(s, name).messages ?? {}))
        for (const m of list) if (m.id === ctx.query.message) Object.assign(m, { lastModifiedDateTime: now, html: `${m.html}<p>Updated: the rollout has started.</p>` });
    ctx.body = { lastModifiedDateTime: now };
    return;
  }
  if (path === '/_update' && ctx.method === 'POST') {
    const issueId = String(ctx.query.issue ?? '');
    const now = new Date().toISOString();
    for (const name of new Set([...s.worlds.keys(), 'fixtures'])) {
      const w = worldOf(s, name);
      for (const list of Object.values(w.issues)) for (const i of list) if (i.id === issueId) i.lastModifiedDateTime = now;
      for (const h of Object.values(w.health)) for (const sv of h.services) for (const i of sv.issues) if (i.id === issueId) i.lastModifiedDateTime = now;
      const posts = (w.posts[issueId] ??= []);
      const n = posts.filter((p) => p.html.startsWith('<p>Update ')).length + 1;
      posts.push({ createdDateTime: now, postType: 'regular', html: `<p>Update ${n}: the fix is being deployed.</p>` });
    }
    ctx.body = { lastModifiedDateTime: now };
    return;
  }
  if (path === '/authorize') {
    const status = ctx.query.status === 'failed' ? 'failed' : 'active';
    const reason = 'AADSTS50020: User account from identity provider does not exist in tenant.';
    for (const w of s.worlds.values()) {
      const a = w.authorizations.find((x) => x.id === ctx.query.id);
      if (!a) continue;
      if (status === 'active') {
        Object.assign(a, { status, tenantId: '0d9f3c1b-2a4e-4c6d-8e0f-1a2b3c4d5e6f', consentedBy: 'admin@northwindtraders.onmicrosoft.com', nextSyncAt: new Date().toISOString() });
        s.syncAfterReads.set(a.id, 2);
      } else Object.assign(a, { status, lastError: reason });
    }
    const msg = JSON.stringify({ type: 'o365-health:authorization', status, authorizationId: ctx.query.id ?? null, error: status === 'failed' ? reason : null });
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Signed in</title><script>opener && opener.postMessage(${msg}, location.origin); window.close();</script>`;
    return;
  }
  if (!path.startsWith('/api/')) return next();

  const header = ctx.get('authorization');
  const key = /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];
  const scenario = key ? SCENARIOS[key] : undefined;
  // Logged on arrival; `aborted` becomes true when the browser gives up before the answer.
  const entry = { method: ctx.method, path: path + (ctx.querystring ? `?${ctx.querystring}` : ''), status: 0, aborted: false };
  if (ctx.method !== 'OPTIONS') s.requests.push(entry);
  const body = ctx.method === 'POST' || ctx.method === 'PATCH' ? await readBody(ctx.req).catch(() => undefined) : undefined;
  if (body !== undefined) entry.body = body;
  if (scenario?.delayMs) {
    let closed = false;
    ctx.req.socket.once('close', () => (closed = true));
    ctx.res.once('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, scenario.delayMs));
    if (closed || ctx.req.destroyed) entry.aborted = true;
  }
  const world = worldOf(s, scenario?.world ?? 'fixtures');
  const principal = !header ? 'missing' : !key ? 'malformed' : !scenario ? 'invalid' : { role: scenario.role, user: 'admin@contoso.onmicrosoft.com' };
  // An active authorization's first sync ends by the second read of the list after its callback.
  if (ctx.method === 'GET' && path === '/api/authorizations') {
    for (const [aid, left] of s.syncAfterReads) {
      if (left > 1) s.syncAfterReads.set(aid, left - 1);
      else {
        s.syncAfterReads.delete(aid);
        const a = world.authorizations.find((x) => x.id === aid);
        if (a?.status === 'active') a.lastSuccessAt = new Date().toISOString();
      }
    }
  }
  const request = { method: ctx.method, path, query: new URLSearchParams(ctx.querystring), headers: { get: (name) => ctx.get(name) || null }, body };
  const res = scenario?.fail && ctx.method !== 'OPTIONS'
    ? { status: 500, headers: { 'content-type': 'application/json' }, body: { error: { code: 'internal_error', message: 'Something went wrong on the server. The error has been logged.' } } }
    : fake.answer(request, {
        world,
        principal,
        allowedOrigins: ownOrigins(ctx),
        authorizeUrl: (a) => `${ctx.origin}/test-api/${id}/authorize?id=${encodeURIComponent(a.id)}`,
        now: () => new Date().toISOString(),
        newId: () => `auth_new_${s.next++}`,
      });
  entry.status = res.status;
  for (const [name, value] of Object.entries(res.headers)) ctx.set(name, value);
  ctx.status = res.status;
  if (res.body !== undefined) ctx.body = JSON.stringify(res.body);
  else ctx.body = null;
}
