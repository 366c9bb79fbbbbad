/**
 * A small Microsoft Graph client for the service communications API.
 *
 * - Follows `@odata.nextLink`, refusing links that leave the configured Graph base URL.
 * - Sends `Prefer: odata.maxpagesize`.
 * - Honours `Retry-After` on 429 and 503: a short wait (up to `maxInlineRetryAfterMs`) is waited
 *   out in place; a longer one ends the call with a {@link GraphThrottledError} carrying the whole
 *   wait, so the poller can make only this tenant due later instead of holding a worker.
 *   Backs off exponentially with full jitter on 5xx, network errors and timeouts (every request
 *   has a timeout).
 *   https://learn.microsoft.com/graph/throttling
 * - On 401 asks for a fresh token once and retries; a second 401 (or a 403) is a {@link GraphError}
 *   with `authFailure` set, which the poller treats as "needs re-authorization".
 */
import { collectionValue, readIssue, readMessage, readOrganization, readServiceHealth } from './normalize.js';
import type { IssueRecord, MessageRecord, ServiceRecord } from '../domain.js';

export const SERVICE_ANNOUNCEMENT = '/v1.0/admin/serviceAnnouncement';

/** An error answer from Graph, or a request that never got one. */
export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    message: string,
    /** HTTP status, or 0 when no response arrived (timeout, network). */
    readonly status: number,
    /** Graph's `error.code`, e.g. `InvalidAuthenticationToken`. */
    readonly code: string | null = null,
  ) {
    super(message);
  }
  /** True when the token, not the service, is the problem (401 after a refresh, 403). */
  get authFailure(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * Graph asked to wait longer than the client waits in place (`Retry-After` above
 * `maxInlineRetryAfterMs`): the caller reschedules the work after {@link retryAfterMs}.
 */
export class GraphThrottledError extends GraphError {
  override name = 'GraphThrottledError';
  constructor(
    message: string,
    status: number,
    code: string | null,
    /** What Graph asked for, uncapped, in milliseconds. */
    readonly retryAfterMs: number,
  ) {
    super(message, status, code);
  }
}

/** Supplies bearer tokens; `forceRefresh` asks for one that did not come from a cache. */
export type TokenSource = (forceRefresh: boolean) => Promise<string>;

export interface GraphClientOptions {
  /** Graph base URL, e.g. https://graph.microsoft.com (no trailing slash). */
  baseUrl: string;
  getToken: TokenSource;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Retries after the first attempt for throttling and transient failures. */
  maxRetries?: number;
  /** Base of the exponential backoff. */
  backoffBaseMs?: number;
  /** Longest single backoff wait between retries (exponential backoff is capped here). */
  maxDelayMs?: number;
  /**
   * Longest `Retry-After` waited out inside the call (default 5 s). A longer one throws
   * {@link GraphThrottledError} at once, so one throttled tenant never holds a worker.
   */
  maxInlineRetryAfterMs?: number;
  pageSize?: number;
  /** Aborts every request in flight (shutdown). */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Told the HTTP status of every answer (0 when none arrived), for the metrics. */
  onResponse?: (status: number) => void;
}

/** Counts what one client did, for logs and benchmarks. */
export interface GraphStats {
  requests: number;
  retries: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class GraphClient {
  readonly stats: GraphStats = { requests: 0, retries: 0 };
  readonly #o: Required<Omit<GraphClientOptions, 'signal' | 'onResponse'>> & Pick<GraphClientOptions, 'signal' | 'onResponse'>;
  readonly #origin: string;
  #token: string | null = null;

  constructor(options: GraphClientOptions) {
    this.#o = {
      timeoutMs: 15_000,
      maxRetries: 4,
      backoffBaseMs: 500,
      maxDelayMs: 60_000,
      maxInlineRetryAfterMs: 5_000,
      pageSize: 100,
      sleep: defaultSleep,
      random: Math.random,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
    this.#origin = new URL(this.#o.baseUrl).origin;
  }

  /** GET one JSON document (a path under the base URL, or an absolute URL on it). */
  async get(pathOrUrl: string): Promise<unknown> {
    const url = this.#resolve(pathOrUrl);
    let refreshed = false;
    for (let attempt = 0; ; attempt++) {
      if (this.#token === null) this.#token = await this.#o.getToken(false);
      let res: Response;
      try {
        res = await this.#fetch(url);
      } catch (err) {
        if (this.#o.signal?.aborted) throw err;
        if (attempt >= this.#o.maxRetries) {
          throw new GraphError(`Graph did not answer ${url.pathname}: ${(err as Error).message}`, 0);
        }
        await this.#backoff(attempt, null);
        continue;
      }
      if (res.ok) return res.json();
      const body = await res.text();
      const graphError = parseGraphError(body);
      if (res.status === 401 && !refreshed) {
        refreshed = true;
        this.#token = await this.#o.getToken(true);
        attempt--; // a token refresh is not a retry
        continue;
      }
      const retryable = res.status === 429 || res.status >= 500;
      const retryAfter = retryable ? retryAfterMs(res.headers.get('retry-after')) : null;
      if (retryAfter !== null && retryAfter > this.#o.maxInlineRetryAfterMs) {
        throw new GraphThrottledError(
          `Graph answered ${res.status} for ${url.pathname} and asked to wait ${Math.ceil(retryAfter / 1000)} s (Retry-After)`,
          res.status,
          graphError?.code ?? null,
          retryAfter,
        );
      }
      if (retryable && attempt < this.#o.maxRetries) {
        await this.#backoff(attempt, retryAfter);
        continue;
      }
      throw new GraphError(
        `Graph answered ${res.status} for ${url.pathname}${graphError ? `: ${graphError.code}: ${graphError.message}` : ''}`,
        res.status,
        graphError?.code ?? null,
      );
    }
  }

  /** GET every page of a collection, following `@odata.nextLink`. */
  async getAll(path: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let next: string | null = path;
    for (let pages = 0; next !== null; pages++) {
      if (pages >= 1000) throw new GraphError('Graph paging did not end after 1000 pages', 0);
      const page: unknown = await this.get(next);
      items.push(...collectionValue(page));
      const link = (page as Record<string, unknown>)['@odata.nextLink'];
      next = typeof link === 'string' && link !== '' ? link : null;
    }
    return items;
  }

  /** Every service's health, with each service's issues (`$expand=issues`). */
  async healthOverviews(): Promise<{ services: ServiceRecord[]; issues: IssueRecord[] }> {
    const raw = await this.getAll(`${SERVICE_ANNOUNCEMENT}/healthOverviews?$expand=issues`);
    const services: ServiceRecord[] = [];
    const issues: IssueRecord[] = [];
    for (const entry of raw) {
      const read = readServiceHealth(entry);
      services.push(read.service);
      issues.push(...read.issues);
    }
    return { services, issues };
  }

  /** Issues changed since `since` (ISO), or every issue when `since` is null. */
  async issues(since: string | null): Promise<IssueRecord[]> {
    const filter = since ? `?$filter=${encodeURIComponent(`lastModifiedDateTime ge ${since}`)}` : '';
    return (await this.getAll(`${SERVICE_ANNOUNCEMENT}/issues${filter}`)).map(readIssue);
  }

  /**
   * Message center posts changed since `since` (ISO), or every post when `since` is null, across
   * all pages. https://learn.microsoft.com/graph/api/serviceannouncement-list-messages
   */
  async messages(since: string | null): Promise<MessageRecord[]> {
    const filter = since ? `?$filter=${encodeURIComponent(`lastModifiedDateTime ge ${since}`)}` : '';
    return (await this.getAll(`${SERVICE_ANNOUNCEMENT}/messages${filter}`)).map(readMessage);
  }

  /** The tenant's display name and default domain. */
  async organization(): Promise<{ displayName: string | null; defaultDomain: string | null } | null> {
    return readOrganization(await this.get('/v1.0/organization?$select=displayName,verifiedDomains'));
  }

  #resolve(pathOrUrl: string): URL {
    const url = new URL(pathOrUrl, this.#o.baseUrl + '/');
    // A nextLink must stay on the configured Graph host: never send the token elsewhere.
    if (url.origin !== this.#origin) throw new GraphError(`Refusing to follow a link off ${this.#origin}: ${url.origin}`, 0);
    if (!pathOrUrl.startsWith('http')) return new URL(this.#o.baseUrl + pathOrUrl);
    return url;
  }

  async #fetch(url: URL): Promise<Response> {
    this.stats.requests++;
    const timeout = AbortSignal.timeout(this.#o.timeoutMs);
    const signal = this.#o.signal ? AbortSignal.any([this.#o.signal, timeout]) : timeout;
    try {
      const res = await fetch(url, {
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: 'application/json',
          prefer: `odata.maxpagesize=${this.#o.pageSize}`,
        },
        signal,
      });
      this.#o.onResponse?.(res.status);
      return res;
    } catch (err) {
      this.#o.onResponse?.(0);
      throw err;
    }
  }

  async #backoff(attempt: number, retryAfter: number | null) {
    this.stats.retries++;
    const exp = Math.min(this.#o.maxDelayMs, this.#o.backoffBaseMs * 2 ** attempt);
    // A Retry-After reaching here is at most maxInlineRetryAfterMs: wait exactly what Graph asked.
    const wait = retryAfter !== null ? retryAfter : Math.round(this.#o.random() * exp);
    await this.#o.sleep(wait, this.#o.signal);
  }
}

function parseGraphError(body: string): { code: string; message: string } | null {
  try {
    const e = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (e && typeof e.code === 'string') return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
  } catch {
    /* not JSON */
  }
  return null;
}
