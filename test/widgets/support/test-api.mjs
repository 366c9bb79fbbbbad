// A fake o365-health API for the widget tests, served by the test runner's dev server over real
// HTTP from the JSON under test/widgets/fixtures/ (no fetch stubbing in the page).
//
//   /test-api/<session>/api/...   the API; <session> isolates a test (state and request log)
//   /test-api/<session>/authorize?id=…&status=active|failed   stands in for Microsoft's sign-in:
//        a page that posts the OAuth callback message to its opener, like the server's callback
//        (the authorization becomes active, consented by admin@northwind…, or failed with a
//        reason). An active one has no `lastSuccessAt` until the second GET /api/authorizations
//        after it, as when the server's first sync ends a moment after the callback.
//   GET /test-api/_requests?session=<session>   → { requests: [{ method, path, status }] }
//
//   POST /test-api/<session>/_update?issue=<id>   the issue changes (its lastModifiedDateTime
//        becomes now) and gets one more post, like a Microsoft update (for auto-refresh tests)
//
// The API key picks the scenario: admin, viewer (403 on /api/authorizations), empty (no
// tenants), error (500), slow (answers after 400 ms), reauth (tenants need re-authorization,
// data stale), long (as admin, but EX226792 has a title, impact and post with long unbreakable
// tokens, for layout tests), purview (as admin, but the Microsoft 365 suite service says
// serviceDegradation while its only active issue is an advisory, as Purview's did);
// no key → 401.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const load = (name) => JSON.parse(readFileSync(dir + name, 'utf8'));
const data = {
  tenants: load('tenants.json').tenants,
  authorizations: load('authorizations.json').authorizations,
  posts: load('posts.json'),
  health: {},
  issues: {},
};
for (const f of readdirSync(dir)) {
  const m = /^(health|issues)-(.+)\.json$/.exec(f);
  if (m) data[m[1]][m[2]] = load(f);
}

const SCENARIOS = ['admin', 'viewer', 'empty', 'error', 'slow', 'reauth', 'long', 'purview'];

/** A title with an unbreakable token, as in a real Teams incident. */
export const LONG_TOKEN = 'ErrorCode=0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper';
const LONG = {
  title: `Teams desktop client fails to start with ${LONG_TOKEN}`,
  impactDescription: `Users may see ${LONG_TOKEN} when starting Teams.`,
  post: { createdDateTime: '2024-05-02T09:16:00.000Z', postType: 'regular', html: `<p>We are reviewing https://status.example.com/incidents/0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper/details to isolate the cause.</p>` },
};
const sessions = new Map();
const session = (id) => {
  let s = sessions.get(id);
  if (!s) sessions.set(id, (s = { requests: [], authorizations: structuredClone(data.authorizations), next: 1, updates: new Map() }));
  return s;
};
const error = (status, code, message) => ({ status, body: { error: { code, message } } });

/** An issue as this session and scenario see it (long title, updates). */
function issueView(s, scenario, issue) {
  let out = issue;
  if (scenario === 'long' && issue.id === 'EX226792') out = { ...out, title: LONG.title, impactDescription: LONG.impactDescription };
  if (scenario === 'purview' && issue.id === 'MO226784') out = { ...out, status: 'serviceDegradation' };
  const update = s.updates.get(issue.id);
  if (update) out = { ...out, lastModifiedDateTime: update.lastModifiedDateTime };
  return out;
}

function postsOf(s, scenario, issueId) {
  const posts = [...(data.posts[issueId] ?? [])];
  if (scenario === 'long' && issueId === 'EX226792') posts.push(LONG.post);
  return [...posts, ...(s.updates.get(issueId)?.posts ?? [])];
}

function answer(s, scenario, method, path, query, body) {
  if (!scenario) return error(401, 'unauthorized', 'A valid API key is required: send "Authorization: Bearer <key>".');
  if (scenario === 'error') return error(500, 'internal_error', 'Something went wrong on the server. The error has been logged.');
  const tenants =
    scenario === 'empty' ? [] : scenario === 'reauth' ? data.tenants.map((t) => ({ ...t, status: 'reauth_required', stale: true })) : data.tenants;
  let m;
  if (path === '/api/tenants' && method === 'GET') return { status: 200, body: { tenants } };
  if ((m = /^\/api\/tenants\/([^/]+)\/(health|issues)(?:\/([^/]+))?$/.exec(path)) && method === 'GET') {
    const [, tenantId, what, issueId] = m;
    if (!tenants.some((t) => t.tenantId === tenantId)) return error(404, 'not_found', 'Not found.');
    if (what === 'health') {
      const h = data.health[tenantId];
      const services = h.services.map((sv) => ({
        ...sv,
        ...(scenario === 'purview' && sv.id === 'OSDPPlatform' ? { status: 'serviceDegradation' } : {}),
        issues: sv.issues.map((i) => issueView(s, scenario, i)),
      }));
      return { status: 200, body: { ...h, services, ...(scenario === 'reauth' ? { stale: true } : {}) } };
    }
    const all = data.issues[tenantId].issues.map((i) => issueView(s, scenario, i));
    if (issueId) {
      const issue = all.find((i) => i.id === issueId);
      return issue ? { status: 200, body: { ...issue, posts: postsOf(s, scenario, issueId) } } : error(404, 'not_found', 'Not found.');
    }
    const state = query.get('state') ?? 'active';
    const q = (query.get('q') ?? '').toLowerCase();
    let list = all
      .filter((i) => state === 'all' || (state === 'resolved' ? i.isResolved : !i.isResolved))
      .filter((i) => !query.get('classification') || i.classification === query.get('classification'))
      .filter((i) => !query.get('service') || i.service === query.get('service'))
      .filter((i) => !q || `${i.title} ${i.impactDescription} ${i.id}`.toLowerCase().includes(q))
      .sort((a, b) => b.lastModifiedDateTime.localeCompare(a.lastModifiedDateTime));
    const start = Number(query.get('cursor') ?? 0);
    const limit = Number(query.get('limit') ?? 50);
    const page = list.slice(start, start + limit);
    return { status: 200, body: { issues: page, nextCursor: start + limit < list.length ? String(start + limit) : null } };
  }
  if (path.startsWith('/api/authorizations')) {
    if (!['admin', 'slow', 'empty', 'purview'].includes(scenario)) return error(403, 'forbidden', 'This API key does not have the admin role.');
    const list = scenario === 'empty' ? [] : s.authorizations;
    if (path === '/api/authorizations' && method === 'GET') {
      for (const a of list) if (a.status === 'active' && a.syncAfterReads !== undefined && --a.syncAfterReads <= 0) {
        a.lastSuccessAt = new Date().toISOString();
        delete a.syncAfterReads;
      }
      return { status: 200, body: { authorizations: list.map(({ syncAfterReads, ...a }) => a) } };
    }
    if (path === '/api/authorizations' && method === 'POST') {
      if (!body?.label) return error(400, 'validation_failed', 'label: Required');
      const authorization = {
        id: `auth_new_${s.next++}`, label: body.label, api: body.api ?? 'service-communications', tenantId: null, status: 'pending',
        createdBy: 'admin@contoso.onmicrosoft.com', createdAt: new Date().toISOString(), lastSuccessAt: null, lastError: null,
      };
      s.authorizations.push(authorization);
      return { status: 201, body: { authorization, authorizeUrl: `/authorize?id=${authorization.id}&returnTo=${encodeURIComponent(body.returnTo ?? '')}` } };
    }
    if ((m = /^\/api\/authorizations\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      const i = s.authorizations.findIndex((a) => a.id === m[1]);
      if (i < 0) return error(404, 'not_found', 'Not found.');
      s.authorizations.splice(i, 1);
      return { status: 204 };
    }
  }
  return error(404, 'not_found', 'Not found.');
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : undefined;
}

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
  ctx.set('access-control-allow-origin', '*');
  if (path === '/_update' && ctx.method === 'POST') {
    const issueId = String(ctx.query.issue ?? '');
    const update = s.updates.get(issueId) ?? { posts: [] };
    const now = new Date().toISOString();
    update.lastModifiedDateTime = now;
    update.posts.push({ createdDateTime: now, postType: 'regular', html: `<p>Update ${update.posts.length + 1}: the fix is being deployed.</p>` });
    s.updates.set(issueId, update);
    ctx.body = { lastModifiedDateTime: now };
    return;
  }
  if (path === '/authorize') {
    const a = s.authorizations.find((x) => x.id === ctx.query.id);
    const status = ctx.query.status === 'failed' ? 'failed' : 'active';
    const reason = 'AADSTS50020: User account from identity provider does not exist in tenant.';
    if (a)
      Object.assign(
        a,
        status === 'active'
          ? { status, tenantId: '0d9f3c1b-2a4e-4c6d-8e0f-1a2b3c4d5e6f', consentedBy: 'admin@northwindtraders.onmicrosoft.com', syncAfterReads: 2 }
          : { status, lastError: reason },
      );
    const msg = JSON.stringify({ type: 'o365-health:authorization', status, authorizationId: ctx.query.id, ...(status === 'failed' ? { error: reason } : {}) });
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Signed in</title><script>opener && opener.postMessage(${msg}, location.origin); window.close();</script>`;
    return;
  }
  const key = /^Bearer (.+)$/.exec(ctx.get('authorization') ?? '')?.[1];
  const scenario = SCENARIOS.includes(key) ? key : undefined;
  // Logged on arrival; `aborted` becomes true when the browser gives up before the answer.
  const entry = { method: ctx.method, path: path + (ctx.querystring ? `?${ctx.querystring}` : ''), status: 0, aborted: false };
  s.requests.push(entry);
  const body = ctx.method === 'POST' ? await readBody(ctx.req) : undefined;
  if (scenario === 'slow') {
    let closed = false;
    ctx.req.socket.once('close', () => (closed = true));
    ctx.res.once('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 400));
    if (closed || ctx.req.destroyed) entry.aborted = true;
  }
  const res = answer(s, scenario, ctx.method, path, new URLSearchParams(ctx.querystring), body);
  if (res.body?.authorizeUrl) res.body.authorizeUrl = `${ctx.origin}/test-api/${id}${res.body.authorizeUrl}`;
  entry.status = res.status;
  ctx.status = res.status;
  if (res.body !== undefined) ctx.body = res.body;
}
