/**
 * The o365-health JSON API, answered inside the Storybook page: a `fetch` interceptor for the
 * stories' API base, so the stories need no server.
 *
 * A story points its element at `${STORY_API}/<scenario>` (see {@link apiBase}); the first path
 * segment picks the {@link Scenario}. Everything else goes to the real `fetch`.
 *
 * The data is the widget tests' fixtures (test/widgets/fixtures/, JSON API contract shapes with
 * the real issue ids, titles and post texts of Microsoft's Graph examples), varied per scenario.
 */
import type {
  Authorization,
  AuthorizationsResponse,
  HealthResponse,
  IssuePost,
  IssueSummary,
  ServiceHealth,
  Tenant,
} from '../../widgets/api/types.js';
import authorizationsJson from '../../test/widgets/fixtures/authorizations.json';
import contosoHealth from '../../test/widgets/fixtures/health-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamHealth from '../../test/widgets/fixtures/health-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import contosoIssues from '../../test/widgets/fixtures/issues-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamIssues from '../../test/widgets/fixtures/issues-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import postsJson from '../../test/widgets/fixtures/posts.json';
import tenantsJson from '../../test/widgets/fixtures/tenants.json';

/** The origin the stories' elements talk to; `.invalid` can never resolve, so nothing leaks. */
export const STORY_API = 'https://api.o365-health.invalid';

export const CONTOSO = '4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10';
export const FABRIKAM = '9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63';

/**
 * What the fake API answers:
 * - `loaded`: two connected tenants, Contoso with an incident and an advisory.
 * - `healthy`: every service healthy, no active issue (resolved history only).
 * - `degraded`: several services with incidents and advisories at once.
 * - `loading`: never answers (until the element aborts).
 * - `empty`: a connected tenant whose first sync has not happened yet (no services, no issues).
 * - `error`: every call fails with 500; `unauthorized`: 401 (a revoked key); `unreachable`: network failure.
 * - `stale`: the last successful sync is old (`stale: true`).
 * - `no-tenancy`: no tenant connected, no authorization.
 * - `reauth`: Fabrikam's authorization needs re-authorization (consent removed in Entra).
 * - `viewer`: a viewer key (403 on `/api/authorizations`).
 * - `unknown-status`: Fabrikam's SharePoint advisory carries `plannedMaintenance`, a status the
 *   widgets do not know (the fixture's value; every other scenario shows it as the advisory's
 *   documented `serviceDegradation`, so only this story is about unknown values).
 */
export const SCENARIOS = ['loaded', 'healthy', 'degraded', 'loading', 'empty', 'error', 'unauthorized', 'unreachable', 'stale', 'no-tenancy', 'reauth', 'viewer', 'unknown-status'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The `api-base` of a scenario. */
export const apiBase = (scenario: Scenario): string => `${STORY_API}/${scenario}`;

/** The API key the stories use (any non-empty key is accepted, except in `unauthorized`). */
export const STORY_API_KEY = 'o365_storybook';

interface World {
  tenants: Tenant[];
  health: Record<string, HealthResponse>;
  issues: Record<string, IssueSummary[]>;
  authorizations: Authorization[];
}

const clone = <T>(v: T): T => structuredClone(v);
const posts = postsJson as Record<string, IssuePost[]>;

function baseWorld(): World {
  const tenants = clone(tenantsJson.tenants) as Tenant[];
  return {
    tenants,
    health: { [CONTOSO]: clone(contosoHealth) as HealthResponse, [FABRIKAM]: clone(fabrikamHealth) as HealthResponse },
    issues: { [CONTOSO]: clone(contosoIssues.issues) as IssueSummary[], [FABRIKAM]: clone(fabrikamIssues.issues) as IssueSummary[] },
    // Both authorizations active in the base world; `reauth` puts the fixture's failure back.
    authorizations: (clone(authorizationsJson.authorizations) as Authorization[]).map((a) => ({ ...a, status: 'active', lastError: null })),
  };
}

const isActive = (i: IssueSummary) => !i.isResolved;

/** Recomputes `activeIssueCount` and the active `issues` of every service from an issue list. */
function attachIssues(services: ServiceHealth[], issues: IssueSummary[]): ServiceHealth[] {
  return services.map((s) => {
    const active = issues.filter((i) => isActive(i) && i.service === s.name);
    return { ...s, issues: active, activeIssueCount: active.length };
  });
}

/** A status the widgets know in place of the fixture's unknown one (see `unknown-status`). */
const known = <T extends { status: string }>(x: T): T => (x.status === 'plannedMaintenance' ? { ...x, status: 'serviceDegradation' } : x);

function makeWorld(scenario: Scenario): World {
  const w = baseWorld();
  if (scenario !== 'unknown-status') {
    w.issues[FABRIKAM] = w.issues[FABRIKAM].map(known);
    w.health[FABRIKAM].services = w.health[FABRIKAM].services.map((s) => ({ ...known(s), issues: s.issues.map(known) }));
  }
  switch (scenario) {
    case 'healthy': {
      for (const id of [CONTOSO, FABRIKAM]) {
        w.issues[id] = w.issues[id].map((i) => (isActive(i) ? { ...i, isResolved: true, status: 'serviceRestored', endDateTime: '2024-05-02T09:40:00.000Z' } : i));
        w.health[id].services = attachIssues(
          w.health[id].services.map((s) => ({ ...s, status: 'serviceOperational' })),
          w.issues[id],
        );
      }
      break;
    }
    case 'degraded': {
      // The same real issues, more of them active and worse (incident outranks advisory).
      const changes: Record<string, Partial<IssueSummary>> = {
        EX226792: { status: 'serviceInterruption' },
        MO226784: { classification: 'incident', status: 'serviceDegradation' },
        CR384241: { isResolved: false, status: 'investigating', endDateTime: null, lastModifiedDateTime: '2024-05-02T09:05:00.000Z' },
        EX226574: { isResolved: false, status: 'extendedRecovery', endDateTime: null, lastModifiedDateTime: '2024-05-02T08:45:00.000Z' },
      };
      w.issues[CONTOSO] = w.issues[CONTOSO].map((i) => ({ ...i, ...changes[i.id] }));
      const status: Record<string, string> = {
        Exchange: 'serviceInterruption',
        OSDPPlatform: 'serviceDegradation',
        DynamicsCRM: 'investigating',
        OrgLiveID: 'restoringService',
      };
      w.health[CONTOSO].services = attachIssues(
        w.health[CONTOSO].services.map((s) => ({ ...s, status: status[s.id] ?? s.status })),
        w.issues[CONTOSO],
      );
      break;
    }
    case 'empty':
      for (const id of [CONTOSO, FABRIKAM]) {
        w.health[id] = { ...w.health[id], syncedAt: null, services: [] };
        w.issues[id] = [];
      }
      for (const t of w.tenants) t.lastSyncAt = null;
      for (const a of w.authorizations) a.lastSuccessAt = null;
      break;
    case 'stale':
      for (const t of w.tenants) Object.assign(t, { stale: true, lastSyncAt: '2024-05-02T07:50:00.000Z' });
      for (const id of [CONTOSO, FABRIKAM]) Object.assign(w.health[id], { stale: true, syncedAt: '2024-05-02T07:50:00.000Z' });
      break;
    case 'no-tenancy':
      w.tenants = [];
      w.authorizations = [];
      break;
    case 'reauth': {
      const fixture = clone(authorizationsJson.authorizations) as Authorization[];
      w.authorizations = fixture;
      const t = w.tenants.find((x) => x.tenantId === FABRIKAM)!;
      Object.assign(t, { status: 'reauth_required', stale: true, lastSyncAt: '2024-04-28T08:00:00.000Z' });
      Object.assign(w.health[FABRIKAM], { stale: true, syncedAt: '2024-04-28T08:00:00.000Z' });
      break;
    }
    default:
      break;
  }
  return w;
}

/** One world per scenario per page, so deleting an authorization in a story sticks until reload. */
const worlds = new Map<Scenario, World>();
const world = (s: Scenario) => worlds.get(s) ?? worlds.set(s, makeWorld(s)).get(s)!;

/** Forgets what stories changed (authorizations added or deleted). */
export function resetMockApi(): void {
  worlds.clear();
}

interface Answer {
  status: number;
  body?: unknown;
}

const fail = (status: number, code: string, message: string): Answer => ({ status, body: { error: { code, message } } });
const notFound = () => fail(404, 'not_found', 'No tenant with this id or label is available to this API key.');

/** The visible tenant named by `ref` (id or label, case-insensitive), as the server resolves it. */
const findTenant = (w: World, ref: string) => {
  const r = ref.toLowerCase();
  return w.tenants.find((t) => t.tenantId === r || t.label.toLowerCase() === r);
};

let nextId = 1;

/** The server's answer to one request, per DESIGN.md "JSON API" and server/routes/*.ts. */
function answer(scenario: Scenario, method: string, url: URL, key: string | undefined, body: unknown): Answer {
  if (!key) return fail(401, 'unauthorized', 'A valid API key is required: send "Authorization: Bearer <key>".');
  if (scenario === 'unauthorized') return fail(401, 'unauthorized', 'This API key is not valid or has been revoked.');
  if (scenario === 'error') return fail(500, 'internal_error', 'Something went wrong on the server. The error has been logged.');
  const w = world(scenario);
  const path = url.pathname.replace(/^\/[^/]+/, '');
  let m: RegExpExecArray | null;

  if (path === '/api/tenants' && method === 'GET') return { status: 200, body: { tenants: w.tenants } };
  if ((m = /^\/api\/tenants\/([^/]+)\/health$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]));
    if (!t) return notFound();
    return { status: 200, body: { ...w.health[t.tenantId], tenantId: t.tenantId, label: t.label, authorizationStatus: t.status } };
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/issues$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]));
    if (!t) return notFound();
    const q = url.searchParams;
    const state = q.get('state') || 'all';
    const text = (q.get('q') ?? '').toLowerCase();
    const list = w.issues[t.tenantId]
      .filter((i) => state === 'all' || (state === 'resolved' ? i.isResolved : !i.isResolved))
      .filter((i) => !q.get('classification') || i.classification === q.get('classification'))
      .filter((i) => !q.get('service') || i.service.toLowerCase() === q.get('service')!.toLowerCase())
      .filter((i) => !text || `${i.id} ${i.title} ${i.impactDescription ?? ''}`.toLowerCase().includes(text))
      .sort((a, b) => String(b.lastModifiedDateTime).localeCompare(String(a.lastModifiedDateTime)));
    const start = Number(q.get('cursor') || 0);
    const limit = Math.min(100, Math.max(1, Number(q.get('limit') || 25)));
    const health = w.health[t.tenantId];
    return {
      status: 200,
      body: {
        tenantId: t.tenantId,
        syncedAt: health.syncedAt,
        stale: health.stale,
        issues: list.slice(start, start + limit),
        nextCursor: start + limit < list.length ? String(start + limit) : null,
      },
    };
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/issues\/([^/]+)$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]));
    const issue = t && w.issues[t.tenantId].find((i) => i.id === decodeURIComponent(m![2]));
    if (!issue) return fail(404, 'not_found', 'This tenant has no issue with this id.');
    return { status: 200, body: { ...issue, posts: posts[issue.id] ?? [] } };
  }
  if (path === '/api/authorizations' || path.startsWith('/api/authorizations/')) {
    if (scenario === 'viewer') return fail(403, 'forbidden', 'This API key does not have the admin role.');
    if (path === '/api/authorizations' && method === 'GET') return { status: 200, body: { authorizations: w.authorizations } satisfies AuthorizationsResponse };
    if (path === '/api/authorizations' && method === 'POST') {
      const label = String((body as { label?: unknown })?.label ?? '').trim();
      if (!label) return fail(400, 'validation_failed', 'label: label must not be empty');
      const authorization: Authorization = {
        id: `story-${nextId++}`,
        label,
        api: 'service-communications',
        tenantId: null,
        status: 'pending',
        createdBy: 'storybook@contoso.onmicrosoft.com',
        consentedBy: null,
        lastSyncError: null,
        nextSyncAt: null,
        createdAt: new Date(FIXTURE_NOW).toISOString(), // shifted to now on the way out
        lastSuccessAt: null,
        lastError: null,
      };
      w.authorizations = [...w.authorizations, authorization];
      // No Microsoft here: the popup shows an empty page; close it to see the "closed" message.
      return { status: 201, body: { authorization, authorizeUrl: 'about:blank' } };
    }
    if ((m = /^\/api\/authorizations\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      const id = decodeURIComponent(m[1]);
      if (!w.authorizations.some((a) => a.id === id)) return fail(404, 'not_found', 'No such authorization in this organisation.');
      w.authorizations = w.authorizations.filter((a) => a.id !== id);
      return { status: 204 };
    }
  }
  return fail(404, 'not_found', `No route for ${method} ${path}.`);
}

/**
 * The fixtures' "now" (Contoso's last sync, plus a few minutes). Answers move every timestamp by
 * the time since then, so a story reads "as of 4 minutes ago" rather than a date years back.
 */
const FIXTURE_NOW = Date.parse('2024-05-02T09:24:00.000Z');
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;
const toJson = (body: unknown): string => {
  const shift = Date.now() - FIXTURE_NOW;
  return JSON.stringify(body, (_key, value: unknown) =>
    typeof value === 'string' && ISO_DATE.test(value) ? new Date(Date.parse(value) + shift).toISOString() : value,
  );
};

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');

/** Resolves never; rejects with an AbortError when `signal` aborts (as `fetch` does). */
function forever(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise((_resolve, reject) => {
    if (signal?.aborted) reject(abortError());
    signal?.addEventListener('abort', () => reject(abortError()), { once: true });
  });
}

/** Installs the interceptor once per page (idempotent). */
export function installMockApi(): void {
  const w = window as Window & { __o365StoryFetch?: boolean };
  if (w.__o365StoryFetch) return;
  w.__o365StoryFetch = true;
  const realFetch = window.fetch.bind(window);
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input), location.href);
    if (url.origin !== STORY_API) return realFetch(input, init);
    const signal = init?.signal ?? request?.signal;
    if (signal?.aborted) throw abortError();
    const scenario = url.pathname.split('/')[1] as Scenario;
    if (scenario === 'loading') return forever(signal);
    // A real answer never arrives in the same task.
    await new Promise((r) => setTimeout(r, 0));
    if (signal?.aborted) throw abortError();
    if (scenario === 'unreachable') throw new TypeError('Failed to fetch');
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers ?? request?.headers);
    const key = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1];
    const text = typeof init?.body === 'string' ? init.body : undefined;
    const res = SCENARIOS.includes(scenario)
      ? answer(scenario, method, url, key, text ? JSON.parse(text) : undefined)
      : fail(404, 'not_found', `No story scenario '${scenario}'. Use one of: ${SCENARIOS.join(', ')}.`);
    return new Response(res.body === undefined ? null : toJson(res.body), {
      status: res.status,
      headers: res.body === undefined ? {} : { 'content-type': 'application/json' },
    });
  };
}
