/**
 * The hot path: the read routes every widget on every dashboard calls on each refresh —
 * `GET /api/tenants/:tenantId/health`, `GET /api/tenants` (discovery) and the JSON pages of
 * `GET /api/tenants/:tenantId/issues` — answered in one step on @hono/node-server's fast path.
 *
 * `server.ts` asks it before Hono, for every request. It handles the common case completely — a
 * valid API key, a visible tenant — from the core's read model: the serialised body and its ETag are ready, the
 * headers are one plain object (the same ones the middleware chain sends: security headers, CORS
 * for allowed origins, `Cache-Control`, `Vary`), a matching `If-None-Match` is a 304 before any
 * body is touched, and the request log line is written. It reads the raw Node request, so no web
 * `Request`, `Headers` or stream is built.
 *
 * Anything else (no or bad key, a tenant this org cannot see, an odd path, HEAD, a CSV download)
 * gets `null` and goes to the app, whose middleware chain answers it exactly as before. The hot
 * path never waits for the store: it answers only from the read model (the core's `peek…`
 * reads) in one synchronous call. A miss — a key, an org or a tenant not read since the last
 * change — is answered asynchronously: a promise of the same answer read through the core (which
 * fills the model for the next request), or of null when the app must answer (an unknown key, a
 * tenant the org cannot see).
 */
import type { IncomingMessage } from 'node:http';
import type { Core } from '../core/index.js';
import type { IssueQuery, PreparedBody } from '../core/tenants.js';
import { issuesQuery } from './tenants.js';
import { escapeControl, type Log } from '../log.js';

const BEARER = /^Bearer[ ]+([^\s]+)\s*$/i;

/** The same test as Hono's `etag()` middleware (strong comparison of the quoted tags listed). */
function etagMatches(etag: string, ifNoneMatch: string): boolean {
  return ifNoneMatch === '*' || (ifNoneMatch.match(/"[^"]*"/g)?.includes(etag) ?? false);
}

export interface HotPathDeps {
  core: Core;
  allowedOrigins: ReadonlySet<string>;
  log: Log;
  /**
   * The headers the middleware chain adds to every API answer (security headers, CORP), read
   * once from the chain itself; until they are known, requests take the ordinary chain.
   */
  baseHeaders: Promise<Record<string, string>>;
  /** The headers CORS exposes (`Access-Control-Expose-Headers`), as the chain's cors() sends them. */
  exposedHeaders: readonly string[];
}

/**
 * Answers one read from the raw Node request: a Response at once when the read model holds the
 * answer, a promise (of the Response, or of null for the chain) when it must be read first, or
 * null when the request is not the hot path's.
 */
export type HotPath = (incoming: Pick<IncomingMessage, 'method' | 'url' | 'headers'>) => Response | Promise<Response | null> | null;

const PREFIX = '/api/tenants/';
const SUFFIX = '/health';
const ISSUES = '/issues';

const tryDecode = (text: string, decode: (s: string) => string): string | null => {
  try {
    return decode(text);
  } catch {
    return null;
  }
};

/**
 * The hot path: `server.ts` calls it before Hono (so a hit is one synchronous call and
 * @hono/node-server writes the response at once). It answers `GET /api/tenants/:tenantId/health`, `GET /api/tenants` and
 * `GET /api/tenants/:tenantId/issues` (JSON pages; the CSV download is the route's).
 */
export function createReadHotPath(deps: HotPathDeps): HotPath {
  const { core, allowedOrigins, log } = deps;
  let base: Record<string, string> | null = null;
  void deps.baseHeaders.then((headers) => {
    base = { ...headers, 'Cache-Control': 'private, no-cache', 'Access-Control-Expose-Headers': deps.exposedHeaders.join(','), Vary: 'Origin' };
  });
  // The header objects of each prepared body, built once per (body, status, origin).
  const headerSets = new WeakMap<PreparedBody, Map<string, Record<string, string>>>();
  const headersFor = (prepared: PreparedBody, status: 200 | 304, origin: string | undefined, vary: string): Record<string, string> => {
    let sets = headerSets.get(prepared);
    if (!sets) headerSets.set(prepared, (sets = new Map()));
    const allowed = origin !== undefined && allowedOrigins.has(origin) ? origin : '';
    const key = `${status} ${allowed}`;
    let headers = sets.get(key);
    if (!headers) {
      headers = { ...base!, Vary: vary, ETag: prepared.etag };
      if (allowed) headers['Access-Control-Allow-Origin'] = allowed;
      if (status === 200) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = prepared.contentLength;
      }
      sets.set(key, headers);
    }
    return headers;
  };

  return (incoming) => {
    if (!base || incoming.method !== 'GET') return null;
    const started = performance.now();
    const url = incoming.url ?? '';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (!path.startsWith(PREFIX.slice(0, -1))) return null;
    // Which read: the tenants list, a tenant's health, or a page of its issues.
    let kind: 'tenants' | 'health' | 'issues' = 'tenants';
    let ref: string | null = null;
    if (path !== '/api/tenants') {
      const suffix = path.endsWith(SUFFIX) ? SUFFIX : path.endsWith(ISSUES) ? ISSUES : null;
      if (!path.startsWith(PREFIX) || suffix === null) return null;
      kind = suffix === SUFFIX ? 'health' : 'issues';
      const segment = path.slice(PREFIX.length, -suffix.length);
      if (segment === '' || segment.includes('/')) return null;
      // Decoded as Hono decodes a path parameter.
      ref = segment.includes('%') ? tryDecode(segment, decodeURIComponent) : segment;
      if (!ref || ref.length > 200 || ref.trim() === '') return null;
    } else if (query >= 0) return null;
    let issuesQueryValue: IssueQuery | null = null;
    if (kind === 'issues') {
      // A CSV download, a repeated or invalid parameter: the route answers those.
      if (/text\/csv/i.test(incoming.headers.accept ?? '')) return null;
      const params: Record<string, string> = {};
      if (query >= 0) {
        for (const [name, value] of new URLSearchParams(url.slice(query + 1))) {
          if (name in params) return null;
          params[name] = value;
        }
      }
      const parsed = issuesQuery.safeParse(params);
      if (!parsed.success || parsed.data.format === 'csv') return null;
      issuesQueryValue = parsed.data;
    }
    const match = BEARER.exec(incoming.headers.authorization ?? '');
    if (!match) return null;
    const key = match[1]!;
    const principal = core.keys.peek(key);
    let prepared: PreparedBody | undefined;
    if (principal) {
      if (kind === 'tenants') prepared = core.tenants.peekTenantsBody(principal.orgId);
      else if (kind === 'health') prepared = core.tenants.peekHealthBody(principal.orgId, ref!.trim());
      else {
        const tenant = core.tenants.peekResolve(principal.orgId, ref!.trim());
        prepared = tenant ? core.tenants.peekIssuesBody(tenant.tenantId, issuesQueryValue!) : undefined;
      }
    }
    if (prepared) return respond(prepared);
    // Not in memory: read it (never blocking the event loop), or leave it to the chain.
    return (async () => {
      const found = principal ?? (await core.keys.authenticate(key));
      if (!found) return null;
      let body: PreparedBody | null;
      if (kind === 'tenants') body = await core.tenants.tenantsBody(found.orgId);
      else if (kind === 'health') body = await core.tenants.healthBody(found.orgId, ref!.trim());
      else {
        const tenant = await core.tenants.resolve(found.orgId, ref!.trim());
        body = tenant ? await core.tenants.issuesBody(tenant.tenantId, issuesQueryValue!) : null;
      }
      return body ? respond(body) : null;
    })();

    function respond(prepared: PreparedBody): Response {
      const ifNoneMatch = incoming.headers['if-none-match'];
      const status = ifNoneMatch !== undefined && etagMatches(prepared.etag, ifNoneMatch) ? 304 : 200;
      // The path as Hono's request log shows it: decoded, control characters escaped (they can only
      // come from %-escapes; Node refuses them raw).
      const shown = path.includes('%') ? escapeControl(tryDecode(path, decodeURI) ?? path) : path;
      log(`GET ${shown} ${status} ${Math.round(performance.now() - started)}ms`);
      // The issues route varies with Accept too (its CSV download).
      const vary = kind === 'issues' ? 'Accept, Origin' : 'Origin';
      return new Response(status === 304 ? null : prepared.bytes, { status, headers: headersFor(prepared, status, incoming.headers.origin, vary) });
    }
  };
}
