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
import { answer, makeWorld, type Fixtures, type World, type WorldName } from '../../test/widgets/support/fake-api.js';
import authorizationsJson from '../../test/widgets/fixtures/authorizations.json';
import contosoHealth from '../../test/widgets/fixtures/health-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamHealth from '../../test/widgets/fixtures/health-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import contosoHistory from '../../test/widgets/fixtures/history-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamHistory from '../../test/widgets/fixtures/history-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import contosoIssues from '../../test/widgets/fixtures/issues-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamIssues from '../../test/widgets/fixtures/issues-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import contosoMessages from '../../test/widgets/fixtures/messages-4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10.json';
import fabrikamMessages from '../../test/widgets/fixtures/messages-9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63.json';
import postsJson from '../../test/widgets/fixtures/posts.json';
import tenantsJson from '../../test/widgets/fixtures/tenants.json';

/** The origin the stories' elements talk to; `.invalid` can never resolve, so nothing leaks. */
export const STORY_API = 'https://api.o365-health.invalid';

export { CONTOSO, FABRIKAM } from '../../test/widgets/support/fake-api.js';

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
 * - `many-tenants`: nine tenants (the overview's search box), Contoso's Exchange incident in three
 *   of them, one needing re-authorization, one never synced.
 *
 * The answers are the shared fake's (test/widgets/support/fake-api.ts, the one the element tests
 * use and test/widgets/integration/contract.test.ts checks against the real server); a scenario
 * picks its world there, and the transport-level ones (`loading`, `error`, `unreachable`) are here.
 */
export const SCENARIOS = ['loaded', 'healthy', 'degraded', 'loading', 'empty', 'error', 'unauthorized', 'unreachable', 'stale', 'no-tenancy', 'reauth', 'viewer', 'unknown-status', 'many-tenants'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The world of the shared fake each scenario shows. */
const WORLD_OF: Record<Scenario, WorldName> = {
  loaded: 'loaded',
  healthy: 'healthy',
  degraded: 'degraded',
  loading: 'loaded',
  empty: 'firstSync',
  error: 'loaded',
  unauthorized: 'loaded',
  unreachable: 'loaded',
  stale: 'stale',
  'no-tenancy': 'none',
  reauth: 'storyReauth',
  viewer: 'loaded',
  'unknown-status': 'unknownStatus',
  'many-tenants': 'many',
};

/** The `api-base` of a scenario. */
export const apiBase = (scenario: Scenario): string => `${STORY_API}/${scenario}`;

/** The API key the stories use (any non-empty key is accepted, except in `unauthorized`). */
export const STORY_API_KEY = 'o365_storybook';

const FIXTURES: Fixtures = {
  tenants: tenantsJson,
  authorizations: authorizationsJson,
  health: { [contosoHealth.tenantId]: contosoHealth, [fabrikamHealth.tenantId]: fabrikamHealth },
  issues: { [contosoIssues.tenantId]: contosoIssues, [fabrikamIssues.tenantId]: fabrikamIssues },
  posts: postsJson,
  history: { [contosoHistory.tenantId]: contosoHistory, [fabrikamHistory.tenantId]: fabrikamHistory },
  messages: { [contosoMessages.tenantId]: contosoMessages, [fabrikamMessages.tenantId]: fabrikamMessages },
};

/** One world per scenario per page, so deleting an authorization in a story sticks until reload. */
const worlds = new Map<Scenario, World>();
const world = (s: Scenario) => worlds.get(s) ?? worlds.set(s, makeWorld(FIXTURES, WORLD_OF[s])).get(s)!;

/** Forgets what stories changed (authorizations added or deleted). */
export function resetMockApi(): void {
  worlds.clear();
}

let nextId = 1;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const fail = (status: number, code: string, message: string): Answer => ({ status, headers: { 'content-type': 'application/json' }, body: { error: { code, message } } });

/** The shared fake's answer to one request of a story. */
function answerFor(scenario: Scenario, method: string, url: URL, headers: Headers, body: unknown): Answer {
  if (scenario === 'error' && headers.get('authorization')) return fail(500, 'internal_error', 'Something went wrong on the server. The error has been logged.');
  const key = /^Bearer[ ]+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  const principal = !headers.get('authorization') ? 'missing' : !key ? 'malformed' : scenario === 'unauthorized' ? 'invalid' : { role: scenario === 'viewer' ? 'viewer' : 'admin', user: 'storybook@contoso.onmicrosoft.com' } as const;
  return answer(
    { method, path: url.pathname.replace(/^\/[^/]+/, ''), query: url.searchParams, headers, body },
    {
      world: world(scenario),
      principal,
      allowedOrigins: [location.origin],
      // No Microsoft here: the popup shows an empty page; close it to see the "closed" message.
      authorizeUrl: () => 'about:blank',
      now: () => new Date(FIXTURE_NOW).toISOString(), // shifted to now on the way out
      newId: () => `story-${nextId++}`,
    },
  );
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
    const text = typeof init?.body === 'string' ? init.body : undefined;
    const res = SCENARIOS.includes(scenario)
      ? answerFor(scenario, method, url, headers, text ? JSON.parse(text) : undefined)
      : fail(404, 'not_found', `No story scenario '${scenario}'. Use one of: ${SCENARIOS.join(', ')}.`);
    return new Response(res.body === undefined ? null : toJson(res.body), { status: res.status, headers: res.headers });
  };
}
