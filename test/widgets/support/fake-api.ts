/**
 * The one fake of the o365-health JSON API, shared by the element tests (served over real HTTP by
 * the test runner, test-api.mjs) and Storybook (a `fetch` interceptor in the page,
 * stories/support/mock-api.ts). Typed from the contract (widgets/api/types.ts, the types the
 * server's routes `satisfies`) and checked against the real server by
 * test/widgets/integration/contract.test.ts, which seeds a fake with the server's own data and
 * compares the answers to the same requests.
 *
 * It behaves like the server (server/app.ts, server/routes/*.ts) where a widget can tell:
 * - `GET /api/tenants/:t/issues` defaults to `state=all`, `limit=25` (1–100), newest
 *   `lastModifiedDateTime` first then by id, an opaque `nextCursor` (a cursor it did not make
 *   is a 400), `q` over id, title, impact, service, feature and feature group, `service` by
 *   name or service id, case-insensitively;
 * - `GET /api/tenants/:t/messages` (Message center) the same way: `limit=25` (1–100), newest
 *   `lastModifiedDateTime` first then by id, the same opaque cursor, `category`, `service`, `tag`
 *   (case-insensitive), `q` over id, title, services and tags, `major=true`, `actionRequired=true`;
 *   `…/messages/:id` with the body and details, 404 for an unknown post;
 * - `GET /api/overview` computed from the world's tenants, services and active issues as
 *   server/core/overview.ts computes it (levels, counts, worst first, each active
 *   issue with every tenant it reaches under its id);
 * - a tenant is named by its id or its label (case-insensitive); unknown → 404;
 * - every answer has an `ETag`, and `If-None-Match` with it answers `304` (no body);
 *   `Cache-Control: private, no-cache`;
 * - CORS for the allowed origins only (never `*`), preflights included, `ETag` exposed;
 * - errors are `{ error: { code, message } }` with the server's codes and messages
 *   (401 with `WWW-Authenticate`, 403 for a viewer on `/api/authorizations`, 404, 400).
 *
 * Environment-free: no Node or DOM APIs, so the same module runs in Node and in the page.
 */
import type {
  Authorization,
  AuthorizationsResponse,
  Channel,
  CreateAuthorizationResponse,
  ErrorBody,
  HealthResponse,
  HistoryDay,
  HistoryResponse,
  IssueDetail,
  IssuePost,
  IssuesResponse,
  IssueSummary,
  OverviewIssue,
  OverviewResponse,
  OverviewTenant,
  MessageDetail,
  MessagesResponse,
  MessageSummary,
  Tenant,
  TenantsResponse,
} from '../../../widgets/api/types.js';
import { issueLevel, serviceLevel } from '../../../server/core/history.js';
import { channelRoute } from './fake-channels.js';

export { CHANNEL_IDS, fakeEvents } from './fake-channels.js';

/** The fixture files of test/widgets/fixtures/, as their contract types. */
export interface Fixtures {
  tenants: TenantsResponse;
  authorizations: AuthorizationsResponse;
  /** `health-<tenantId>.json`, by tenant id. */
  health: Record<string, HealthResponse>;
  /** `issues-<tenantId>.json` (every issue of the tenant), by tenant id. */
  issues: Record<string, IssuesResponse>;
  /** `posts.json`: the posts of each issue, by issue id. */
  posts: Record<string, IssuePost[]>;
  /** `history-<tenantId>.json` (`GET …/history?days=90`, UTC), by tenant id. */
  history: Record<string, HistoryResponse>;
  /** `messages-<tenantId>.json` (every Message center post of the tenant, with body and details), by tenant id. */
  messages: Record<string, { messages: MessageDetail[] }>;
}

/** What one fake API holds; answers are computed from it, as the server computes them from its database. */
export interface World {
  tenants: Tenant[];
  health: Record<string, HealthResponse>;
  issues: Record<string, IssueSummary[]>;
  posts: Record<string, IssuePost[]>;
  authorizations: Authorization[];
  /** The history of each tenant (its longest window; shorter ones are its newest days). */
  history: Record<string, HistoryResponse>;
  /** The Message center posts of each tenant, with their bodies and details. */
  messages: Record<string, MessageDetail[]>;
  /** The notification channels; absent: the three of fake-channels.ts when the world has tenants. */
  channels?: Channel[];
}

export const CONTOSO = '4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10';
export const FABRIKAM = '9b1e7c42-6a0d-4e35-8f21-5d7c9e0a4b63';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The fixtures as a world (a deep copy: a session may change its world). */
export function worldFromFixtures(f: Fixtures): World {
  return {
    tenants: clone(f.tenants.tenants),
    health: clone(f.health),
    issues: Object.fromEntries(Object.entries(f.issues).map(([id, page]) => [id, clone(page.issues)])),
    posts: clone(f.posts),
    authorizations: clone(f.authorizations.authorizations),
    history: clone(f.history),
    messages: Object.fromEntries(Object.entries(f.messages ?? {}).map(([id, file]) => [id, clone(file.messages)])),
  };
}

/** A title with an unbreakable token, as in a real Teams incident. */
export const LONG_TOKEN = 'ErrorCode=0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper';

const isActive = (i: IssueSummary) => !i.isResolved;

/** Recomputes `activeIssueCount` and the active `issues` of every service from an issue list (as the server does). */
export function attachIssues(world: World, tenantId: string): void {
  const issues = world.issues[tenantId] ?? [];
  const h = world.health[tenantId];
  if (!h) return;
  h.services = h.services.map((s) => {
    const active = issues.filter((i) => isActive(i) && i.service.toLowerCase() === s.name.toLowerCase());
    return { ...s, issues: active, activeIssueCount: active.length };
  });
}

/** A status the widgets know in place of the fixture's unknown one (only the `unknown-status` story keeps it). */
const known = <T extends { status: string }>(x: T): T => (x.status === 'plannedMaintenance' ? { ...x, status: 'serviceDegradation' } : x);

/**
 * Variants of the fixture world, by name. Element tests pick one with the API key, stories with
 * the first path segment of the API base.
 */
export const WORLDS = {
  /** The fixtures as they are: Contoso with an incident and an advisory, Fabrikam with an unknown status and a consent to renew. */
  fixtures: (w: World) => w,
  /** No tenant, no authorization. */
  none: (w: World) => {
    w.tenants = [];
    w.authorizations = [];
    return w;
  },
  /** Every tenant needs re-authorization and its data is stale. */
  reauth: (w: World) => {
    for (const t of w.tenants) Object.assign(t, { status: 'reauth_required', stale: true });
    for (const h of Object.values(w.health)) Object.assign(h, { stale: true, authorizationStatus: 'reauth_required' });
    return w;
  },
  /** EX226792 has a title, impact and post with long unbreakable tokens (layout tests). */
  long: (w: World) => {
    const change = (i: IssueSummary) =>
      i.id === 'EX226792' ? { ...i, title: `Teams desktop client fails to start with ${LONG_TOKEN}`, impactDescription: `Users may see ${LONG_TOKEN} when starting Teams.` } : i;
    w.issues[CONTOSO] = w.issues[CONTOSO]!.map(change);
    w.posts.EX226792 = [
      ...(w.posts.EX226792 ?? []),
      {
        createdDateTime: '2024-05-02T09:16:00.000Z',
        postType: 'regular',
        html: '<p>We are reviewing https://status.example.com/incidents/0x80070005_CAA70004_Microsoft.Teams.Desktop.Client.Bootstrapper/details to isolate the cause.</p>',
      },
    ];
    attachIssues(w, CONTOSO);
    return w;
  },
  /** The Microsoft 365 suite service says serviceDegradation while its only active issue is an advisory, as Purview's did. */
  purview: (w: World) => {
    w.issues[CONTOSO] = w.issues[CONTOSO]!.map((i) => (i.id === 'MO226784' ? { ...i, status: 'serviceDegradation' } : i));
    attachIssues(w, CONTOSO);
    const h = w.health[CONTOSO]!;
    h.services = h.services.map((s) => (s.id === 'OSDPPlatform' ? { ...s, status: 'serviceDegradation' } : s));
    return w;
  },
  /** Stories: two connected tenants, every authorization active, statuses the widgets know. */
  loaded: (w: World) => {
    w.authorizations = w.authorizations.map((a) => ({ ...a, status: 'active', lastError: null }));
    w.issues[FABRIKAM] = w.issues[FABRIKAM]!.map(known);
    w.health[FABRIKAM]!.services = w.health[FABRIKAM]!.services.map((s) => ({ ...known(s), issues: s.issues.map(known) }));
    return w;
  },
  /** Stories: as `loaded`, but Fabrikam's SharePoint advisory keeps `plannedMaintenance`, a status the widgets do not know. */
  unknownStatus: (w: World) => {
    w.authorizations = w.authorizations.map((a) => ({ ...a, status: 'active', lastError: null }));
    return w;
  },
  /** Stories: every service healthy, no active issue (resolved history only). */
  healthy: (w: World) => {
    WORLDS.loaded(w);
    for (const id of [CONTOSO, FABRIKAM]) {
      w.issues[id] = w.issues[id]!.map((i) => (isActive(i) ? { ...i, isResolved: true, status: 'serviceRestored', endDateTime: '2024-05-02T09:40:00.000Z' } : i));
      w.health[id]!.services = w.health[id]!.services.map((s) => ({ ...s, status: 'serviceOperational' }));
      attachIssues(w, id);
    }
    return w;
  },
  /** Stories: several services with incidents and advisories at once (the same real issues, more of them active and worse). */
  degraded: (w: World) => {
    WORLDS.loaded(w);
    const changes: Record<string, Partial<IssueSummary>> = {
      EX226792: { status: 'serviceInterruption' },
      MO226784: { classification: 'incident', status: 'serviceDegradation' },
      CR384241: { isResolved: false, status: 'investigating', endDateTime: null, lastModifiedDateTime: '2024-05-02T09:05:00.000Z' },
      EX226574: { isResolved: false, status: 'extendedRecovery', endDateTime: null, lastModifiedDateTime: '2024-05-02T08:45:00.000Z' },
    };
    w.issues[CONTOSO] = w.issues[CONTOSO]!.map((i) => ({ ...i, ...changes[i.id] }));
    const status: Record<string, string> = { Exchange: 'serviceInterruption', OSDPPlatform: 'serviceDegradation', DynamicsCRM: 'investigating', OrgLiveID: 'restoringService' };
    w.health[CONTOSO]!.services = w.health[CONTOSO]!.services.map((s) => ({ ...s, status: status[s.id] ?? s.status }));
    attachIssues(w, CONTOSO);
    return w;
  },
  /** Stories: connected tenants whose first sync has not happened yet (no services, no issues). */
  firstSync: (w: World) => {
    WORLDS.loaded(w);
    for (const id of [CONTOSO, FABRIKAM]) {
      w.health[id] = { ...w.health[id]!, syncedAt: null, services: [] };
      w.issues[id] = [];
      w.history[id] = { ...w.history[id]!, dataFrom: null, services: [] };
      w.messages[id] = [];
    }
    for (const t of w.tenants) t.lastSyncAt = null;
    for (const a of w.authorizations) a.lastSuccessAt = null;
    return w;
  },
  /** Stories: the last successful sync is old. */
  stale: (w: World) => {
    WORLDS.loaded(w);
    for (const t of w.tenants) Object.assign(t, { stale: true, lastSyncAt: '2024-05-02T07:50:00.000Z' });
    for (const h of Object.values(w.health)) Object.assign(h, { stale: true, syncedAt: '2024-05-02T07:50:00.000Z' });
    return w;
  },
  /** Overview: as `loaded`, and Contoso's Exchange incident EX226792 reaches Fabrikam too (one id in both tenants, as Microsoft does). */
  shared: (w: World) => {
    WORLDS.loaded(w);
    w.issues[FABRIKAM] = [...w.issues[FABRIKAM]!, clone(w.issues[CONTOSO]!.find((i) => i.id === 'EX226792')!)];
    attachIssues(w, FABRIKAM);
    return w;
  },
  /**
   * Overview: as `shared`, with seven more tenants (nine: the search box shows), all healthy but
   * Litware (EX226792 as well: three tenants), Tailspin (needs re-authorization, stale) and
   * Wingtip (connected, never synced).
   */
  many: (w: World) => {
    WORLDS.shared(w);
    const names = ['Adatum', 'Litware', 'Proseware', 'Tailspin', 'Wingtip', 'Woodgrove', 'Northwind'];
    names.forEach((name, n) => {
      const tenantId = `00000000-0000-4000-8000-00000000000${n + 1}`;
      const label = `${name.toLowerCase()}.onmicrosoft.com`;
      const never = name === 'Wingtip';
      const reauth = name === 'Tailspin';
      const syncedAt = never ? null : reauth ? '2024-04-28T08:00:00.000Z' : '2024-05-02T09:15:00.000Z';
      w.tenants.push({ tenantId, label, displayName: never ? null : name, status: reauth ? 'reauth_required' : 'active', lastSyncAt: syncedAt, stale: reauth, lastSyncError: null, nextSyncAt: null });
      const services = never ? [] : w.health[FABRIKAM]!.services.map((s) => ({ ...s, status: 'serviceOperational', issues: [], activeIssueCount: 0 }));
      w.health[tenantId] = { tenantId, label, authorizationStatus: reauth ? 'reauth_required' : 'active', syncedAt, stale: reauth, services };
      w.issues[tenantId] = name === 'Litware' ? [clone(w.issues[CONTOSO]!.find((i) => i.id === 'EX226792')!)] : [];
      attachIssues(w, tenantId);
    });
    return w;
  },
  /** Stories: Fabrikam's authorization needs re-authorization (consent removed in Entra), as the fixtures have it. */
  storyReauth: (w: World) => {
    const fixture = clone(w.authorizations);
    WORLDS.loaded(w);
    w.authorizations = fixture;
    const t = w.tenants.find((x) => x.tenantId === FABRIKAM)!;
    Object.assign(t, { status: 'reauth_required', stale: true, lastSyncAt: '2024-04-28T08:00:00.000Z' });
    Object.assign(w.health[FABRIKAM]!, { stale: true, syncedAt: '2024-04-28T08:00:00.000Z', authorizationStatus: 'reauth_required' });
    return w;
  },
} satisfies Record<string, (w: World) => World>;

export type WorldName = keyof typeof WORLDS;

/** A world by name, from the fixtures. */
export function makeWorld(fixtures: Fixtures, name: WorldName): World {
  return WORLDS[name](worldFromFixtures(fixtures));
}

/** One request to the fake: the path below the API base (`/api/…`), its query, headers and parsed JSON body. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: { get(name: string): string | null };
  body?: unknown;
}

/** What the fake answers; `body` undefined means no body (204, 304). */
export interface FakeAnswer {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Who the request's API key is, as the adapter's scenario decides. */
export type Principal = { role: 'admin' | 'viewer'; user: string } | 'missing' | 'malformed' | 'invalid';

export interface FakeContext {
  world: World;
  principal: Principal;
  /** Origins answered with CORS headers (the server's `ALLOWED_ORIGINS`). */
  allowedOrigins: readonly string[];
  /** The `authorizeUrl` of a new authorization (where the fake's sign-in page is). */
  authorizeUrl: (authorization: Authorization) => string;
  /** Now, as ISO text (the `createdAt` of a new authorization). */
  now: () => string;
  /** A new authorization id. */
  newId: () => string;
}

const MESSAGES = {
  missingKey: 'A valid API key is required: send "Authorization: Bearer <key>".',
  malformedKey: 'The Authorization header must be "Bearer <key>".',
  invalidKey: 'This API key is not valid or has been revoked.',
  forbidden: 'This API key does not have the admin role.',
  noTenant: 'No tenant with this id or label is available to this API key.',
  noIssue: 'This tenant has no issue with this id.',
  noMessage: 'This tenant has no Message center post with this id.',
  noAuthorization: 'No such authorization in this organisation.',
} as const;

export { MESSAGES as FAKE_MESSAGES };

const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  headers,
  body: { error: { code, message } } satisfies ErrorBody,
});
const invalid = (what: string, name: string, message: string) => fail(400, 'validation_failed', `Invalid ${what} "${name}": ${message}`);

/** The visible tenant named by `ref` (id, else label; case-insensitive), as the server resolves it. */
function findTenant(w: World, ref: string): Tenant | undefined {
  const wanted = ref.trim().toLowerCase();
  if (!wanted) return undefined;
  return w.tenants.find((t) => t.tenantId === ref) ?? w.tenants.find((t) => t.tenantId.toLowerCase() === wanted) ?? w.tenants.find((t) => t.label.toLowerCase() === wanted);
}

/** Base64url of UTF-8 text, without Buffer or btoa's Latin-1 limit. */
function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += abc[(n >> 18) & 63]! + abc[(n >> 12) & 63]!;
    if (i + 1 < bytes.length) out += abc[(n >> 6) & 63]!;
    if (i + 2 < bytes.length) out += abc[n & 63]!;
  }
  return out;
}

function fromBase64url(value: string): string | null {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const c of value) {
    const v = abc.indexOf(c);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((acc >> bits) & 255);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}

/** The opaque `nextCursor`: the sort key of a page's last issue (the server's format, so either side reads the other's). */
export const encodeCursor = (issue: Pick<IssueSummary, 'lastModifiedDateTime' | 'id'>) => base64url(JSON.stringify([String(issue.lastModifiedDateTime), issue.id]));

function decodeCursor(value: string): { lastModifiedDateTime: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(value)) return null;
  try {
    const parsed: unknown = JSON.parse(fromBase64url(value) ?? '');
    if (!Array.isArray(parsed) || parsed.length !== 2) return null;
    const [lastModifiedDateTime, id] = parsed as unknown[];
    if (typeof lastModifiedDateTime !== 'string' || typeof id !== 'string' || id === '' || Number.isNaN(Date.parse(lastModifiedDateTime))) return null;
    return { lastModifiedDateTime, id };
  } catch {
    return null;
  }
}

/** The server's search key (server/db/functions.ts `foldForSearch`). */
const fold = (text: string) => text.normalize('NFKC').toUpperCase().toLowerCase();

/** Code-unit order, as SQLite compares text. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `GET /api/tenants/:t/issues`: validation, filters, order and paging of server/store/tenants.ts `listIssues`. */
function listIssues(w: World, tenant: Tenant, query: URLSearchParams): FakeAnswer {
  const text = (name: string) => (query.get(name) ?? '').trim();
  const state = query.get('state') ?? 'all';
  if (!['active', 'resolved', 'all'].includes(state)) return invalid('query parameter', 'state', 'Invalid option: expected one of "active"|"resolved"|"all"');
  const classification = query.get('classification');
  if (classification !== null && !['incident', 'advisory'].includes(classification))
    return invalid('query parameter', 'classification', 'Invalid option: expected one of "incident"|"advisory"');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 25 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return invalid('query parameter', 'limit', Number.isInteger(limit) ? (limit < 1 ? 'Too small: expected number to be >=1' : 'Too big: expected number to be <=100') : 'Invalid input: expected int, received number');
  const rawCursor = query.get('cursor');
  const cursor = rawCursor ? decodeCursor(rawCursor) : null;
  if (rawCursor && !cursor) return invalid('query parameter', 'cursor', 'is not a nextCursor value from this API');
  const rawSince = query.get('since');
  const since = rawSince ? Date.parse(rawSince) : NaN;
  if (rawSince && (Number.isNaN(since) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(rawSince)))
    return invalid('query parameter', 'since', 'must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z');
  const service = text('service').toLowerCase();
  const serviceNames = new Set(
    (w.health[tenant.tenantId]?.services ?? []).filter((s) => s.id.toLowerCase() === service).map((s) => s.name),
  );
  const needle = fold(text('q'));
  const sinceIso = Number.isNaN(since) ? '' : new Date(since).toISOString();
  const rows = (w.issues[tenant.tenantId] ?? [])
    .filter((i) => state === 'all' || (state === 'resolved' ? i.isResolved : !i.isResolved))
    .filter((i) => !classification || i.classification.toLowerCase() === classification)
    .filter((i) => !service || i.service.toLowerCase() === service || serviceNames.has(i.service))
    .filter((i) => !needle || [i.id, i.title, i.impactDescription, i.service, i.feature, i.featureGroup].some((f) => fold(f ?? '').includes(needle)))
    .filter((i) => !sinceIso || String(i.lastModifiedDateTime) >= sinceIso)
    .sort((a, b) => cmp(String(b.lastModifiedDateTime), String(a.lastModifiedDateTime)) || cmp(a.id, b.id))
    .filter((i) => {
      if (!cursor) return true;
      const lm = String(i.lastModifiedDateTime);
      return lm < cursor.lastModifiedDateTime || (lm === cursor.lastModifiedDateTime && i.id > cursor.id);
    });
  const page = rows.slice(0, limit);
  const health = w.health[tenant.tenantId];
  const body: IssuesResponse = {
    tenantId: tenant.tenantId,
    syncedAt: health?.syncedAt ?? tenant.lastSyncAt,
    stale: health?.stale ?? tenant.stale,
    issues: page,
    nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null,
  };
  return { status: 200, headers: {}, body };
}

const ISSUE_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** A post without its body and details, as the list answers it. */
const messageSummary = ({ html: _html, details: _details, ...summary }: MessageDetail): MessageSummary => summary;

/**
 * `GET /api/tenants/:t/messages`: the filters, order and paging of server/store/messages.ts
 * `listMessages` — `category`, `service` and `tag` equal (case-insensitive) to the category, one of
 * the services, one of the tags; `q` within the id, the title, a service or a tag; `major=true`,
 * `actionRequired=true` (an act-by date); newest `lastModifiedDateTime` first then by id; `limit`
 * 1–100 (default 25); the issues' opaque cursor.
 */
function listMessages(w: World, tenant: Tenant, query: URLSearchParams): FakeAnswer {
  const flag = (name: string) => query.get(name);
  for (const name of ['major', 'actionRequired'])
    if (flag(name) !== null && !['true', 'false'].includes(flag(name)!)) return invalid('query parameter', name, 'must be true or false');
  const rawCategory = (query.get('category') ?? '').trim();
  if (rawCategory.length > 50 || !/^([A-Za-z][A-Za-z0-9]*)?$/.test(rawCategory))
    return invalid('query parameter', 'category', 'must be a category such as planForChange, preventOrFixIssue or stayInformed');
  for (const name of ['service', 'tag']) if ((query.get(name) ?? '').trim().length > 100) return invalid('query parameter', name, 'Too big: expected string to have <=100 characters');
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 25 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return invalid('query parameter', 'limit', Number.isInteger(limit) ? (limit < 1 ? 'Too small: expected number to be >=1' : 'Too big: expected number to be <=100') : 'Invalid input: expected int, received number');
  const rawCursor = query.get('cursor');
  const cursor = rawCursor ? decodeCursor(rawCursor) : null;
  if (rawCursor && !cursor) return invalid('query parameter', 'cursor', 'is not a nextCursor value from this API');
  const [category, service, tag, needle] = ['category', 'service', 'tag', 'q'].map((name) => fold((query.get(name) ?? '').trim()));
  const rows = (w.messages?.[tenant.tenantId] ?? [])
    .filter((m) => !category || fold(m.category) === category)
    .filter((m) => !service || m.services.some((s) => fold(s) === service))
    .filter((m) => !tag || m.tags.some((t) => fold(t) === tag))
    .filter((m) => !needle || [m.id, m.title, ...m.services, ...m.tags].some((f) => fold(f).includes(needle)))
    .filter((m) => flag('major') !== 'true' || m.isMajorChange)
    .filter((m) => flag('actionRequired') !== 'true' || m.actionRequiredByDateTime !== null)
    .sort((a, b) => cmp(b.lastModifiedDateTime, a.lastModifiedDateTime) || cmp(a.id, b.id))
    .filter((m) => !cursor || m.lastModifiedDateTime < cursor.lastModifiedDateTime || (m.lastModifiedDateTime === cursor.lastModifiedDateTime && m.id > cursor.id));
  const page = rows.slice(0, limit).map(messageSummary);
  const body: MessagesResponse = { messages: page, nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null };
  return { status: 200, headers: {}, body };
}

const OVERVIEW_RANK: Record<string, number> = { nodata: 0, operational: 1, advisory: 2, degradation: 3, interruption: 4 };
const worse = (a: string, b: string) => (OVERVIEW_RANK[b]! > OVERVIEW_RANK[a]! ? b : a);

/**
 * `GET /api/overview`: server/core/overview.ts `summarizeTenant` and `assembleOverview` over the
 * world's tenants, services and active issues, with the server's own level rules
 * (server/core/history.ts `serviceLevel`, `issueLevel`: pure functions, no Node API).
 */
function overview(w: World): OverviewResponse {
  const tenants: OverviewTenant[] = w.tenants.map((t) => {
    const active = (w.issues[t.tenantId] ?? []).filter(isActive);
    const affected = new Set(active.map((i) => i.service.toLowerCase()));
    let level = 'operational';
    for (const s of w.health[t.tenantId]?.services ?? []) {
      const lvl = serviceLevel(s.status, active.filter((i) => i.service.toLowerCase() === s.name.toLowerCase()));
      if (lvl !== 'operational') affected.add(s.name.toLowerCase());
      level = worse(level, lvl);
    }
    for (const i of active) level = worse(level, issueLevel(i));
    return {
      tenantId: t.tenantId,
      label: t.label,
      displayName: t.displayName,
      authorizationStatus: t.status,
      syncedAt: t.lastSyncAt,
      stale: t.stale,
      level: t.lastSyncAt ? level : 'nodata',
      activeIncidents: active.filter((i) => i.classification.toLowerCase() === 'incident').length,
      activeAdvisories: active.filter((i) => i.classification.toLowerCase() === 'advisory').length,
      affectedServices: affected.size,
    };
  });
  tenants.sort((a, b) => OVERVIEW_RANK[b.level]! - OVERVIEW_RANK[a.level]! || a.label.localeCompare(b.label) || a.tenantId.localeCompare(b.tenantId));
  const order = new Map(tenants.map((t, i) => [t.tenantId, i]));
  const byId = new Map<string, { latest: IssueSummary; tenantIds: string[] }>();
  for (const t of w.tenants)
    for (const i of (w.issues[t.tenantId] ?? []).filter(isActive)) {
      const entry = byId.get(i.id);
      if (!entry) byId.set(i.id, { latest: i, tenantIds: [t.tenantId] });
      else {
        if (!entry.tenantIds.includes(t.tenantId)) entry.tenantIds.push(t.tenantId);
        if (String(i.lastModifiedDateTime) > String(entry.latest.lastModifiedDateTime)) entry.latest = i;
      }
    }
  const issues: OverviewIssue[] = [...byId.values()]
    .map(({ latest: i, tenantIds }) => ({ id: i.id, title: i.title, service: i.service, classification: i.classification, status: i.status, tenantIds: tenantIds.sort((a, b) => order.get(a)! - order.get(b)!) }))
    .sort((a, b) => b.tenantIds.length - a.tenantIds.length || Number(b.classification.toLowerCase() === 'incident') - Number(a.classification.toLowerCase() === 'incident') || a.id.localeCompare(b.id));
  return { tenants, issues };
}

/** The server's canonical IANA zone for `name` (server/core/history.ts `canonicalTimeZone`), or null. */
function canonicalZone(name: string): string | null {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved === 'UTC' || Intl.supportedValuesOf('timeZone').includes(resolved) ? resolved : null;
  } catch {
    return null;
  }
}

const DAY_MS = 86_400_000;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * `GET /api/tenants/:t/history`: the validation of server/routes/history.ts (`days` 1–400,
 * default 90; `timeZone` an IANA zone, default UTC), then the newest `days` days of the world's
 * history, padded with `nodata` days before it. The fake does not recompute levels or
 * availability, nor move the days to another zone (it only names the zone asked for).
 */
function history(w: World, tenant: Tenant, query: URLSearchParams): FakeAnswer {
  const rawDays = query.get('days');
  const days = rawDays === null ? 90 : rawDays.trim() === '' ? NaN : Number(rawDays);
  if (!Number.isInteger(days) || days < 1 || days > 400) return invalid('query parameter', 'days', 'must be a whole number from 1 to 400');
  const rawZone = (query.get('timeZone') ?? '').trim();
  const timeZone = rawZone ? canonicalZone(rawZone) : 'UTC';
  if (!timeZone) return invalid('query parameter', 'timeZone', 'must be an IANA time zone such as Europe/Berlin or UTC');
  const base: HistoryResponse = w.history[tenant.tenantId] ?? {
    tenantId: tenant.tenantId,
    from: '',
    to: String(w.health[tenant.tenantId]?.syncedAt ?? new Date().toISOString()),
    timeZone: 'UTC',
    dataFrom: null,
    services: (w.health[tenant.tenantId]?.services ?? []).map((s) => ({ id: s.id, name: s.name, availability: null, days: [] })),
  };
  const last = Date.parse(`${base.services[0]?.days.at(-1)?.date ?? base.to.slice(0, 10)}T00:00:00Z`);
  const dates = Array.from({ length: days }, (_, i) => isoDate(last - (days - 1 - i) * DAY_MS));
  const body: HistoryResponse = {
    tenantId: tenant.tenantId,
    from: `${dates[0]}T00:00:00.000Z`,
    to: base.to,
    timeZone,
    dataFrom: base.dataFrom,
    services: base.services.map((s) => {
      const byDate = new Map(s.days.map((d) => [d.date, d]));
      const out: HistoryDay[] = dates.map((date) => byDate.get(date) ?? { date, level: 'nodata', issueIds: [] });
      return { ...s, days: out };
    }),
  };
  return { status: 200, headers: {}, body };
}

/** The route's answer, before the API-wide headers (CORS, ETag, Cache-Control). */
function route(req: FakeRequest, ctx: FakeContext): FakeAnswer {
  const { world: w, principal } = ctx;
  if (principal === 'missing') return fail(401, 'unauthorized', MESSAGES.missingKey, { 'www-authenticate': 'Bearer realm="o365-health"' });
  if (principal === 'malformed') return fail(401, 'unauthorized', MESSAGES.malformedKey, { 'www-authenticate': 'Bearer realm="o365-health", error="invalid_token"' });
  if (principal === 'invalid') return fail(401, 'unauthorized', MESSAGES.invalidKey, { 'www-authenticate': 'Bearer realm="o365-health", error="invalid_token"' });
  const { method, path } = req;
  let m: RegExpExecArray | null;

  if (path === '/api/overview' && method === 'GET') return { status: 200, headers: {}, body: overview(w) };
  if (path === '/api/tenants' && method === 'GET') return { status: 200, headers: {}, body: { tenants: [...w.tenants].sort((a, b) => cmp(a.label, b.label)) } satisfies TenantsResponse };
  if ((m = /^\/api\/tenants\/([^/]+)\/health$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    const h = w.health[t.tenantId];
    const body: HealthResponse = {
      tenantId: t.tenantId,
      label: t.label,
      authorizationStatus: t.status,
      syncedAt: h?.syncedAt ?? null,
      stale: h?.stale ?? t.stale,
      services: h?.services ?? [],
    };
    return { status: 200, headers: {}, body };
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/issues$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    return listIssues(w, t, req.query);
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/history$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    return history(w, t, req.query);
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/issues\/([^/]+)$/.exec(path)) && method === 'GET') {
    const issueId = decodeURIComponent(m[2]!);
    if (!ISSUE_ID.test(issueId)) return invalid('path parameter', 'issueId', 'must be a Microsoft issue id such as EX123456');
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    const issue = (w.issues[t.tenantId] ?? []).find((i) => i.id === issueId);
    if (!issue) return fail(404, 'not_found', MESSAGES.noIssue);
    return { status: 200, headers: {}, body: { ...issue, posts: w.posts[issue.id] ?? [] } satisfies IssueDetail };
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/messages$/.exec(path)) && method === 'GET') {
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    return listMessages(w, t, req.query);
  }
  if ((m = /^\/api\/tenants\/([^/]+)\/messages\/([^/]+)$/.exec(path)) && method === 'GET') {
    const messageId = decodeURIComponent(m[2]!);
    if (!ISSUE_ID.test(messageId)) return invalid('path parameter', 'messageId', 'must be a Message center id such as MC123456');
    const t = findTenant(w, decodeURIComponent(m[1]!));
    if (!t) return fail(404, 'not_found', MESSAGES.noTenant);
    const message = (w.messages?.[t.tenantId] ?? []).find((x) => x.id === messageId);
    if (!message) return fail(404, 'not_found', MESSAGES.noMessage);
    return { status: 200, headers: {}, body: message satisfies MessageDetail };
  }
  if (path === '/api/authorizations' || path.startsWith('/api/authorizations/')) {
    if (principal.role !== 'admin') return fail(403, 'forbidden', MESSAGES.forbidden);
    if (path === '/api/authorizations' && method === 'GET') return { status: 200, headers: {}, body: { authorizations: w.authorizations } satisfies AuthorizationsResponse };
    if (path === '/api/authorizations' && method === 'POST') {
      const body = (req.body ?? {}) as { label?: unknown; api?: unknown };
      if (typeof body.label !== 'string') return invalid('body field', 'label', 'label is required');
      const label = body.label.trim();
      if (!label) return invalid('body field', 'label', 'label must not be empty');
      if (body.api !== undefined && body.api !== 'service-communications') return invalid('body field', 'api', 'api must be "service-communications"');
      const authorization: Authorization = {
        id: ctx.newId(),
        label,
        api: 'service-communications',
        tenantId: null,
        status: 'pending',
        createdBy: principal.user,
        consentedBy: null,
        createdAt: ctx.now(),
        lastSuccessAt: null,
        lastError: null,
        lastSyncError: null,
        nextSyncAt: null,
      };
      w.authorizations.push(authorization);
      return { status: 201, headers: {}, body: { authorization, authorizeUrl: ctx.authorizeUrl(authorization) } satisfies CreateAuthorizationResponse };
    }
    if ((m = /^\/api\/authorizations\/([^/]+)$/.exec(path)) && (method === 'GET' || method === 'DELETE')) {
      const id = decodeURIComponent(m[1]!);
      const i = w.authorizations.findIndex((a) => a.id === id);
      if (i < 0) return fail(404, 'not_found', MESSAGES.noAuthorization);
      if (method === 'GET') return { status: 200, headers: {}, body: { authorization: w.authorizations[i]! } };
      w.authorizations.splice(i, 1);
      return { status: 204, headers: {} };
    }
  }
  // Notification channels (fake-channels.ts).
  const channels = channelRoute(req, ctx);
  if (channels) return channels;
  return fail(404, 'not_found', `No route for ${method} ${path}.`);
}

/** FNV-1a over the body text: a stable validator for `ETag` without a crypto API. */
function etagOf(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x811c9dc5) >>> 0;
  }
  return `"${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}"`;
}

/** The CORS headers of server/app.ts (hono/cors with the allowed origins; never `*`). */
export const CORS = {
  allowMethods: 'GET,HEAD,POST,PATCH,DELETE,OPTIONS',
  allowHeaders: 'Authorization,Content-Type,If-None-Match,Last-Event-ID',
  exposeHeaders: 'ETag,Content-Disposition',
  maxAge: '600',
} as const;

/** The fake's answer to one `/api/*` request, headers included. */
export function answer(req: FakeRequest, ctx: FakeContext): FakeAnswer {
  const origin = req.headers.get('origin');
  const cors: Record<string, string> = {};
  if (origin && ctx.allowedOrigins.includes(origin)) cors['access-control-allow-origin'] = origin;
  // hono/cors names the exposed headers on every answer, preflights and foreign origins included.
  cors['access-control-expose-headers'] = CORS.exposeHeaders;
  cors.vary = 'Origin';
  if (req.method === 'OPTIONS' && req.headers.get('access-control-request-method')) {
    return {
      status: 204,
      headers: {
        ...cors,
        'access-control-max-age': CORS.maxAge,
        'access-control-allow-methods': CORS.allowMethods,
        'access-control-allow-headers': CORS.allowHeaders,
      },
    };
  }
  const res = route(req, ctx);
  const headers: Record<string, string> = { ...cors, ...res.headers, 'cache-control': 'private, no-cache' };
  if (res.body === undefined) return { ...res, headers };
  headers['content-type'] = 'application/json';
  const text = JSON.stringify(res.body);
  if (res.status === 200) {
    const etag = etagOf(text);
    headers.etag = etag;
    const ifNoneMatch = req.headers.get('if-none-match');
    if (ifNoneMatch && ifNoneMatch.split(',').some((v) => v.trim().replace(/^W\//, '') === etag || v.trim() === '*')) {
      delete headers['content-type'];
      return { status: 304, headers };
    }
  }
  return { ...res, headers };
}
