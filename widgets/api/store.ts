import { ApiClient } from './client.js';

/** Fired by a {@link HealthStore} when a fetched value replaced the cached one. */
export type StoreUpdateEvent = CustomEvent<{ key: string }>;

interface Pending<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting; when the last one aborts, the request is aborted too. */
  waiters: number;
}

interface Entry<T> {
  value?: T;
  at: number;
  pending?: Pending<T>;
}

/** Options of {@link HealthStore.get}. */
export interface GetOptions {
  /** Aborts this caller's wait; the shared request is aborted once every caller gave up. */
  signal?: AbortSignal;
  /** Reuse a cached value at most this old (ms); `Infinity` (default) reuses any. */
  maxAge?: number;
}

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');

/**
 * The data every widget on a page shares for one API base and key: one request per resource,
 * de-duplicated while in flight, cached until refreshed or invalidated.
 *
 * Events: `update` (`detail.key`) after a request replaced a value; `invalidate` after
 * {@link invalidate} dropped everything (for instance when an authorization changed).
 */
export class HealthStore extends EventTarget {
  readonly client: ApiClient;
  #entries = new Map<string, Entry<unknown>>();

  constructor(apiBase: string, apiKey: string | undefined) {
    super();
    this.client = new ApiClient(apiBase, apiKey);
  }

  /**
   * The value under `key`: from the cache when fresh enough, else from the request in flight,
   * else from a new `load(signal)`. Failures are not cached.
   */
  get<T>(key: string, load: (signal: AbortSignal) => Promise<T>, { signal, maxAge = Infinity }: GetOptions = {}): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortError());
    let entry = this.#entries.get(key) as Entry<T> | undefined;
    if (!entry) this.#entries.set(key, (entry = { at: 0 }));
    if (!entry.pending && 'value' in entry && Date.now() - entry.at <= maxAge) return Promise.resolve(entry.value as T);
    if (!entry.pending) {
      const controller = new AbortController();
      const e = entry;
      const pending: Pending<T> = {
        controller,
        waiters: 0,
        promise: load(controller.signal).then(
          (value) => {
            if (e.pending === pending) {
              e.pending = undefined;
              e.value = value;
              e.at = Date.now();
              this.dispatchEvent(new CustomEvent('update', { detail: { key } }));
            }
            return value;
          },
          (error: unknown) => {
            if (e.pending === pending) e.pending = undefined;
            throw error;
          },
        ),
      };
      // Nobody may be left to observe a rejection (all callers aborted).
      pending.promise.catch(() => {});
      entry.pending = pending;
    }
    const pending = entry.pending;
    const e = entry;
    pending.waiters++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        if (--pending.waiters === 0) {
          // Nobody wants it any more: abort, and let the next caller start a fresh request.
          pending.controller.abort();
          if (e.pending === pending) e.pending = undefined;
        }
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.promise.then(
        (v) => {
          if (settled) return;
          settled = true;
          pending.waiters--;
          signal?.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          pending.waiters--;
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /** The cached value under `key`, if any (no request). */
  peek<T>(key: string): T | undefined {
    return this.#entries.get(key)?.value as T | undefined;
  }

  /** Drops every cached value (requests in flight finish but are not cached) and tells the widgets. */
  invalidate(): void {
    this.#entries.clear();
    this.dispatchEvent(new Event('invalidate'));
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
