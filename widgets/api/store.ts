import { ApiClient, toQuery } from './client.js';
import { LiveEvents } from './events.js';
import { changedSince } from '../internal/details.js';
import type { AuthorizationsResponse, ChangeEvent, HealthResponse, HistoryQuery, HistoryResponse, IssueDetail, IssuesQuery, IssueSummary, IssuesResponse, OverviewResponse, TenantsResponse } from './types.js';

/** Fired by a {@link HealthStore} when a fetched value replaced the cached one (`detail.key` is opaque). */
export type StoreUpdateEvent = CustomEvent<{ key: string }>;

/** Fired by a {@link HealthStore} when change events made cached values out of date (`detail.keys`). */
export type StoreChangeEvent = CustomEvent<{ events: ChangeEvent[]; keys: string[] }>;

/**
 * How long (ms) change events are gathered before the widgets load again: one sync records
 * several at once (an issue and its service's status), and one load after them all is enough.
 */
export const CHANGE_WINDOW = 100;

/** Options of every read of a {@link HealthStore}. */
export interface ReadOptions {
  /** Aborts this caller's wait; the shared request is aborted once every caller gave up. */
  signal?: AbortSignal;
  /** Reuse a cached value at most this old (ms); `Infinity` (default) reuses any. */
  maxAge?: number;
  /** Collects the (opaque) keys read, so the caller can tell which `update` events concern it. */
  used?: Set<string>;
}

interface Pending {
  promise: Promise<unknown>;
  controller: AbortController;
  /** Callers still waiting; when the last one aborts, the request is aborted too. */
  waiters: number;
}

interface Entry {
  value?: unknown;
  at: number;
  pending?: Pending;
}

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');

/**
 * The data every widget on a page shares for one API base and key: one request per resource,
 * de-duplicated while in flight, cached until refreshed or invalidated. Failures are not cached.
 *
 * Events: `update` (`detail.key`) after a request replaced a value; `invalidate` after
 * {@link invalidate} dropped everything (for instance when an authorization changed); `change`
 * ({@link StoreChangeEvent}) when the server's event stream ({@link live}) said a tenant changed.
 */
export class HealthStore extends EventTarget {
  readonly client: ApiClient;
  #entries = new Map<string, Entry>();
  #live?: LiveEvents;
  /** Change events waiting for the end of the {@link CHANGE_WINDOW}. */
  #changes: ChangeEvent[] = [];

  constructor(apiBase: string, apiKey: string | undefined) {
    super();
    this.client = new ApiClient(apiBase, apiKey);
  }

  /**
   * Follows the server's change events (`GET /api/events`, one stream for every widget of this
   * store); returns the function that stops following. The events of a tenant make that tenant's
   * cached values (health, issues, history…) and the overview out of date and fire `change`
   * with their keys (once for the events of {@link CHANGE_WINDOW} ms), so the widgets showing
   * them load them again; an `authorization.*` event
   * invalidates everything (tenants and authorizations changed); a channel's `test` event changes nothing.
   */
  live(): () => void {
    if (!this.#live) {
      this.#live = new LiveEvents(this.client);
      this.#live.addEventListener('change', (e) => this.#changed((e as CustomEvent<ChangeEvent>).detail));
    }
    return this.#live.retain();
  }

  #changed(event: ChangeEvent): void {
    if (event.type === 'test') return;
    if (event.type.startsWith('authorization.')) return this.invalidate();
    if (!event.tenant?.tenantId) return;
    if (this.#changes.push(event) === 1) setTimeout(() => this.#expire(), CHANGE_WINDOW);
  }

  /** Marks the gathered events' tenants' values (and the overview) out of date, then tells the widgets. */
  #expire(): void {
    const events = this.#changes;
    this.#changes = [];
    const prefixes = events.map((e) => `/api/tenants/${encodeURIComponent(e.tenant.tenantId)}/`);
    const keys = [...this.#entries.keys()].filter((k) => k === '/api/overview' || prefixes.some((p) => k.startsWith(p)));
    for (const k of keys) {
      // Out of date, and so is a request in flight (it may have been answered before the change).
      const e = this.#entries.get(k)!;
      e.at = 0;
      e.pending = undefined;
    }
    this.dispatchEvent(new CustomEvent('change', { detail: { events, keys } }));
  }

  /** `GET /api/tenants`. */
  tenants(o?: ReadOptions): Promise<TenantsResponse> {
    return this.#get('/api/tenants', o);
  }

  /** `GET /api/tenants/:tenantId/health`. */
  health(tenantId: string, o?: ReadOptions): Promise<HealthResponse> {
    return this.#get(`/api/tenants/${encodeURIComponent(tenantId)}/health`, o);
  }

  /** `GET /api/tenants/:tenantId/issues?…`: one page. */
  issues(tenantId: string, query: IssuesQuery, o?: ReadOptions): Promise<IssuesResponse> {
    return this.#get(`/api/tenants/${encodeURIComponent(tenantId)}/issues${toQuery(query)}`, o);
  }

  /** `GET /api/tenants/:tenantId/history?days=&timeZone=`: day-by-day levels and availability. */
  history(tenantId: string, query: HistoryQuery, o?: ReadOptions): Promise<HistoryResponse> {
    return this.#get(`/api/tenants/${encodeURIComponent(tenantId)}/history${toQuery(query)}`, o);
  }

  /** The post history of `issue`; a cached copy older than `issue` (the list moved on) is fetched again. */
  issue(tenantId: string, issue: IssueSummary, o: ReadOptions = {}): Promise<IssueDetail> {
    const path = `/api/tenants/${encodeURIComponent(tenantId)}/issues/${encodeURIComponent(issue.id)}`;
    const cached = this.#entries.get(path)?.value as IssueDetail | undefined;
    return this.#get(path, cached && changedSince(cached, issue) ? { ...o, maxAge: 0 } : o);
  }

  /** `GET /api/overview`: every tenant of the key's org with its worst level, and the active issues across them. */
  overview(o?: ReadOptions): Promise<OverviewResponse> {
    return this.#get('/api/overview', o);
  }

  /** `GET /api/authorizations` (admin keys). */
  authorizations(o?: ReadOptions): Promise<AuthorizationsResponse> {
    return this.#get('/api/authorizations', o);
  }

  /** Drops every cached value (requests in flight finish but are not cached) and tells the widgets. */
  invalidate(): void {
    this.#entries.clear();
    this.dispatchEvent(new Event('invalidate'));
  }

  /**
   * `GET path` (also the cache key): from the cache when fresh enough, else from the request in
   * flight, else from a new request.
   */
  #get<T>(key: string, { signal, maxAge = Infinity, used }: ReadOptions = {}): Promise<T> {
    used?.add(key);
    if (signal?.aborted) return Promise.reject(abortError());
    const e = this.#entries.get(key) ?? { at: 0 };
    this.#entries.set(key, e);
    if (!e.pending && 'value' in e && Date.now() - e.at <= maxAge) return Promise.resolve(e.value as T);
    const p = (e.pending ??= this.#fetch(key, e));
    p.waiters++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        // Nobody wants it any more: abort, and let the next caller start a fresh request.
        if (!--p.waiters) {
          p.controller.abort();
          if (e.pending === p) e.pending = undefined;
        }
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      (p.promise as Promise<T>).then(resolve, reject).finally(() => {
        // An aborted wait was counted off by onAbort.
        if (!signal?.aborted) p.waiters--;
        signal?.removeEventListener('abort', onAbort);
      });
    });
  }

  /** One request for `key`, cached when it succeeds and is still the entry's. */
  #fetch(key: string, e: Entry): Pending {
    const controller = new AbortController();
    const p: Pending = {
      controller,
      waiters: 0,
      promise: this.client.request('GET', key, controller.signal).then(
        (value) => {
          if (e.pending === p) {
            e.pending = undefined;
            e.value = value;
            e.at = Date.now();
            this.dispatchEvent(new CustomEvent('update', { detail: { key } }));
          }
          return value;
        },
        (error: unknown) => {
          if (e.pending === p) e.pending = undefined;
          throw error;
        },
      ),
    };
    // Nobody may be left to observe a rejection (all callers aborted).
    p.promise.catch(() => {});
    return p;
  }
}

const stores = new Map<string, HealthStore>();

/** The page-wide store of one API base and key. */
export function getStore(apiBase: string, apiKey: string | undefined): HealthStore {
  const id = `${apiBase}\n${apiKey ?? ''}`;
  let store = stores.get(id);
  if (!store) stores.set(id, (store = new HealthStore(apiBase, apiKey)));
  return store;
}

/** Invalidates every store of `apiBase` (all keys): authorizations changed on that server. */
export function invalidateStores(apiBase: string): void {
  for (const store of stores.values()) if (store.client.apiBase === apiBase) store.invalidate();
}
