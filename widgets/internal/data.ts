import { html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { getStore, type HealthStore, type ReadOptions, type StoreChangeEvent, type StoreUpdateEvent } from '../api/store.js';
import { resolveConfig, type PageDefaults, type ResolvedConfig } from './config.js';
import { ClockController, RefreshController } from './controllers.js';
import { emit, emitError, type O365LoadDetail } from './events.js';
import { onSelection, selectionVersion, selectTenant } from './selection.js';

/** How old (ms) shared data may be and still count as "just refreshed" by another widget. */
export const REFRESH_WINDOW = 500;

/** What a {@link DataController} needs from its element. */
export interface DataOptions<T> {
  /** Inputs besides the discovered API base, key and tenant whose change means "load again". */
  args?: () => readonly unknown[];
  /** Loads what the element shows; every store read takes `read` (signal, maxAge, the keys read). */
  load: (store: HealthStore, read: ReadOptions, config: ResolvedConfig) => Promise<T>;
  /** The `o365-load` detail of a finished load. */
  detail: (value: T) => O365LoadDetail;
  /** Called after each successful load, before `o365-load`. */
  loaded?: (value: T) => void;
  /** A short text announced politely when it changes after a refresh. */
  summary?: (value: T) => string;
}

/** Phase of a {@link DataController}, as `@lit/task` names them. */
export const enum DataStatus {
  INITIAL,
  PENDING,
  COMPLETE,
  ERROR,
}

/**
 * Loads an element's data, shaped like `@lit/task` (whose ~2 KB did not fit the bundle budget):
 * again whenever the discovered API base, key or tenant (or `args`) change; on `refresh()` and
 * every `refresh-interval` seconds ({@link RefreshController}); from the cache when another widget
 * refreshed data it shows; and from scratch when the store was invalidated. Each run gets an
 * `AbortSignal` that reaches `fetch` through the store; a new run aborts the one in flight and
 * ignores its answer; disconnecting aborts the run, and reconnecting starts it again.
 * With `tenant="selected"` it loads again when the page's selected tenant changes (selection.ts),
 * and a selection this key cannot see (a tenant deleted since, a session restored) is forgotten,
 * so discovery picks the first active tenant instead.
 * Unless `live` is `off`, it follows the server's change events while connected (one stream per
 * API base and key, `HealthStore.live`) and loads again at once when an event made data it shows
 * out of date.
 * Fires `o365-load` and `o365-error`. It also keeps the element's polite live region, which
 * announces a changed summary after a refresh and whatever else the element {@link say}s, and the
 * clock that renders relative times ("4 minutes ago") again ({@link ClockController}).
 */
export class DataController<T> implements ReactiveController {
  status = DataStatus.INITIAL;
  /** The last loaded value: shown while a refresh runs. */
  value?: T;
  /** Why the last run failed. */
  error: unknown;
  /** What the live region says. */
  announcement = '';
  #summary?: string;
  #args?: string;
  #abort?: AbortController;
  #run = 0;
  #interrupted = false;
  /** The store keys the last run read: an `update` of one of them concerns this element. */
  #used = new Set<string>();
  #store?: HealthStore;
  #discovered?: string;
  #config?: ResolvedConfig;
  #unselect?: () => void;
  /** The store whose event stream is followed, and how to stop. */
  #live?: { store: HealthStore; stop: () => void };

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement & PageDefaults & { refreshInterval: number },
    private readonly o: DataOptions<T>,
  ) {
    host.addController(this);
    new RefreshController(host, () => host.refreshInterval, () => void this.refresh());
    new ClockController(host);
  }

  /** Announces `text` politely. */
  say(text: string): void {
    this.announcement = text;
    this.host.requestUpdate();
  }

  /** The polite live region; rendered from the first render so screen readers track it. */
  renderLive(): TemplateResult {
    return html`<div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>`;
  }

  /**
   * Discovery: the element's `api-base`, `api-key`, `tenant`, `locale` and `time-zone`, then the
   * page defaults, then the script's origin ({@link resolveConfig}), resolved again only when one
   * of those attributes or the page's selected tenant changed.
   */
  get config(): ResolvedConfig {
    const h = this.host;
    const inputs = [h.apiBase, h.apiKey, h.tenant, h.locale, h.timeZone, h.live, selectionVersion].join('\n');
    if (inputs !== this.#discovered) {
      this.#discovered = inputs;
      this.#config = resolveConfig(h);
    }
    return this.#config!;
  }

  /** The page-wide store of the discovered API base and key. */
  get store(): HealthStore {
    const { apiBase, apiKey } = this.config;
    return getStore(apiBase, apiKey);
  }

  /** True when the last run failed. */
  get failed(): boolean {
    return this.status === DataStatus.ERROR;
  }

  /** True while a run is in flight (also when it refreshes data already shown). */
  get busy(): boolean {
    return this.status === DataStatus.PENDING;
  }

  /** What a run depends on (Task's `args`): the discovered API base, key and tenant, and `args`. */
  #inputs(): string {
    const c = this.config;
    return [c.apiBase, c.apiKey, c.tenant, ...(this.o.args?.() ?? [])].join('\n');
  }

  /** Runs when the inputs changed, before the host renders. */
  hostUpdate(): void {
    this.#follow();
    if (this.#inputs() !== this.#args) void this.run();
  }

  /** Follows the event stream of the discovered store while connected, unless `live` is `off`. */
  #follow(): void {
    const store = this.host.isConnected && this.config.live ? this.store : undefined;
    if (store === this.#live?.store) return;
    this.#live?.stop();
    this.#live = store && { store, stop: store.live() };
  }

  /** Loads again, reusing shared data at most `maxAge` ms old. Resolves when the run settled; never rejects. */
  async run(maxAge = Infinity): Promise<void> {
    this.#args = this.#inputs();
    this.#abort?.abort();
    const { signal } = (this.#abort = new AbortController());
    const id = ++this.#run;
    const read = { signal, maxAge, used: (this.#used = new Set()) };
    this.status = DataStatus.PENDING;
    this.host.requestUpdate();
    try {
      const store = this.#listen();
      const c = this.config;
      // Following a selection this key cannot see: forget it (every follower then shows what discovery picks).
      if (c.selection && c.tenant) {
        const { tenants } = await store.tenants(read);
        if (id !== this.#run) return;
        if (!tenants.some((t) => t.tenantId === c.tenant)) {
          selectTenant(c.apiBase, null);
          this.#args = this.#inputs();
        }
      }
      const value = await this.o.load(store, read, this.config);
      if (id !== this.#run) return;
      this.status = DataStatus.COMPLETE;
      this.value = value;
      const summary = this.o.summary?.(value) ?? '';
      if (this.#summary !== undefined && summary && summary !== this.#summary) this.say(summary);
      this.#summary = summary;
      this.o.loaded?.(value);
      emit(this.host, 'o365-load', this.o.detail(value));
    } catch (e) {
      // Superseded, or aborted because the element disconnected: not an error.
      if (id !== this.#run || signal.aborted) return;
      this.status = DataStatus.ERROR;
      this.error = e;
      this.say('');
      emitError(this.host, e);
    } finally {
      if (id === this.#run) this.host.requestUpdate();
    }
  }

  /** Loads again, asking the shared store for fresh values. */
  refresh(): Promise<void> {
    return this.run(REFRESH_WINDOW);
  }

  hostConnected(): void {
    this.#listen();
    this.#follow();
    // The selected tenant changed: render again (hostUpdate loads again when this widget follows it).
    this.#unselect = onSelection((apiBase) => apiBase === this.config.apiBase && this.host.requestUpdate());
    if (this.#interrupted) {
      this.#interrupted = false;
      void this.run();
    }
  }

  hostDisconnected(): void {
    this.#unlisten();
    this.#follow();
    this.#unselect?.();
    if (this.busy) {
      this.#interrupted = true;
      this.#abort!.abort();
    }
  }

  /** The store of the discovered API base and key, listened to. */
  #listen(): HealthStore {
    const store = this.store;
    if (store !== this.#store) {
      this.#unlisten();
      this.#store = store;
      store.addEventListener('update', this.#onUpdate);
      store.addEventListener('invalidate', this.#onInvalidate);
      store.addEventListener('change', this.#onChange);
    }
    return store;
  }

  #unlisten(): void {
    this.#store?.removeEventListener('update', this.#onUpdate);
    this.#store?.removeEventListener('invalidate', this.#onInvalidate);
    this.#store?.removeEventListener('change', this.#onChange);
    this.#store = undefined;
  }

  /** Another widget refreshed data this one shows: take it from the cache (no request). */
  #onUpdate = (e: Event): void => {
    if (this.status === DataStatus.COMPLETE && this.#used.has((e as StoreUpdateEvent).detail.key)) void this.run();
  };

  /** The server said data this element shows changed: load it again now (other widgets share the requests). */
  #onChange = (e: Event): void => {
    if (this.status !== DataStatus.INITIAL && (e as StoreChangeEvent).detail.keys.some((k) => this.#used.has(k))) void this.refresh();
  };

  /** Authorizations changed on the page: load everything again. */
  #onInvalidate = (): void => void this.run();
}
