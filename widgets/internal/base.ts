import { LitElement, html, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { ApiError } from '../api/client.js';
import { getStore, type HealthStore, type StoreUpdateEvent } from '../api/store.js';
import type { IssueSummary, Tenant } from '../api/types.js';
import { pickTenant, resolveConfig, type ResolvedConfig } from './config.js';
import { ClockController, LoadController, RefreshController } from './controllers.js';
import { emit } from './events.js';
import type { IssueDetailsController } from './details.js';
import { formatDateTime, formatRelative, isoString, zoneName } from './format.js';
import { externalIcon, LEVEL_ICONS } from './icons.js';

/** How old (ms) shared data may be and still count as "just refreshed" by another widget. */
export const REFRESH_WINDOW = 500;

/** The admin page of Microsoft 365 service health. */
export const ADMIN_HEALTH_URL = 'https://admin.microsoft.com/#/servicehealth';

/**
 * The default `admin-center-url`: Microsoft's documented deep link to one service health issue in
 * the Microsoft 365 admin center. The admin center has no documented tenant parameter: it opens
 * the issue in the tenant the browser is signed in to, so the link's text names the tenant, and a
 * portal that reaches several tenants another way (delegated admin, one browser profile per
 * tenant) sets its own template.
 */
export const ADMIN_ISSUE_URL = 'https://admin.microsoft.com/#/servicehealth/:/alerts/{issueId}';

/** Fills `{issueId}`, `{tenantId}` and `{tenant}` (the label) of an admin center URL template. */
export function adminIssueUrl(template: string, tenant: Tenant, issueId: string): string {
  const values: Record<string, string> = { issueId, tenantId: tenant.tenantId, tenant: tenant.label };
  return (template || ADMIN_ISSUE_URL).replace(/\{(issueId|tenantId|tenant)\}/g, (_m, k: string) => encodeURIComponent(values[k]!));
}

/** A label with a line-break opportunity after each dot and "@": a domain wraps between its parts, never mid-word. */
export const breakable = (text: string): unknown[] => text.split(/(?<=[.@])/).flatMap((p, i) => (i ? [html`<wbr>`, p] : [p]));

/**
 * Base of the o365-health elements: discovery (attributes, page defaults, script origin),
 * the shared store, loading with abort, auto-refresh, the live region and the shared states.
 * Not registered; the public elements extend it.
 */
export abstract class O365Element<T> extends LitElement {
  /** Lit's reactive properties (`attribute: false`: internal state). Declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip of its 20 KB budget. */
  static override properties: PropertyDeclarations = {
    apiBase: { attribute: 'api-base' },
    apiKey: { attribute: 'api-key' },
    locale: {},
    timeZone: { attribute: 'time-zone' },
    refreshInterval: { attribute: 'refresh-interval', type: Number },
    announcement: { attribute: false },
  };

  /** Base URL of the o365-health server; else the page default, else the script's origin. */
  apiBase = '';

  /** API key sent as a bearer token; else the page default. */
  apiKey = '';

  /** Locale (BCP 47) for dates; else the page default, else the page's language. */
  locale = '';

  /** IANA time zone for dates; else the page default, else the browser's. */
  timeZone = '';

  /** Seconds between refreshes; 0 (the default) turns auto-refresh off. Paused while the page is hidden. */
  refreshInterval = 0;

  protected announcement = '';

  protected readonly load = new LoadController<T>(
    this,
    (signal, maxAge) => {
      this.#keys.clear();
      return this.fetchData(signal, maxAge);
    },
    (ok, result) => this.#settled(ok, result),
  );

  #keys = new Set<string>();
  #store?: HealthStore;

  constructor() {
    super();
    new RefreshController(
      this,
      () => this.refreshInterval,
      () => void this.refresh(),
    );
    new ClockController(this);
  }

  /** Properties whose change means "load again". */
  protected static reloadOn = ['apiBase', 'apiKey', 'tenant'];

  /** The resolved discovery settings. */
  protected get config(): ResolvedConfig {
    return resolveConfig({
      apiBase: this.apiBase,
      apiKey: this.apiKey,
      tenant: (this as { tenant?: string }).tenant,
      locale: this.locale,
      timeZone: this.timeZone,
    });
  }

  /** The page-wide store for this element's API base and key. */
  protected get store(): HealthStore {
    const { apiBase, apiKey } = this.config;
    const store = getStore(apiBase, apiKey);
    if (store !== this.#store) {
      this.#unsubscribe();
      this.#store = store;
      store.addEventListener('update', this.#onUpdate);
      store.addEventListener('invalidate', this.#onInvalidate);
    }
    return store;
  }

  /** Loads what the element shows; use {@link shared} for every request. */
  protected abstract fetchData(signal: AbortSignal, maxAge: number): Promise<T>;

  /** The `o365-load` detail of a finished load. */
  protected abstract loadDetail(value: T): Parameters<typeof emit<'o365-load'>>[2];

  /** Called after each successful load, before `o365-load`. */
  protected loaded(_value: T): void {}

  /** A short text announced politely when it changes after a refresh. */
  protected summary(_value: T): string {
    return '';
  }

  /** Loads the data again, asking the shared store for fresh values. */
  refresh(): Promise<void> {
    return this.load.run(REFRESH_WINDOW);
  }

  /** A shared, de-duplicated request through the page store. */
  protected shared<R>(key: string, loader: (signal: AbortSignal) => Promise<R>, signal: AbortSignal, maxAge: number): Promise<R> {
    this.#keys.add(key);
    return this.store.get(key, loader, { signal, maxAge });
  }

  /** The tenants visible to the key and the one this element shows (by `tenant`, else the first active). */
  protected async resolveTenant(signal: AbortSignal, maxAge: number): Promise<Tenant | undefined> {
    const { tenants } = await this.shared('tenants', (s) => this.store.client.tenants(s), signal, maxAge);
    return pickTenant(tenants, this.config.tenant);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated && this.load.status === 'idle') void this.load.run();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unsubscribe();
  }

  protected override willUpdate(changed: PropertyValues): void {
    const keys = (this.constructor as typeof O365Element).reloadOn;
    if (!this.hasUpdated || keys.some((k) => changed.has(k as keyof this))) void this.load.run();
  }

  #unsubscribe(): void {
    this.#store?.removeEventListener('update', this.#onUpdate);
    this.#store?.removeEventListener('invalidate', this.#onInvalidate);
    this.#store = undefined;
  }

  /** Another widget refreshed data this one shows: take it from the cache (no request). */
  #onUpdate = (e: Event): void => {
    if (!this.load.busy && this.load.status === 'ready' && this.#keys.has((e as StoreUpdateEvent).detail.key)) void this.load.run();
  };

  /** Authorizations changed on the page: load everything again. */
  #onInvalidate = (): void => {
    void this.load.run();
  };

  #lastSummary?: string;

  #settled(ok: boolean, result: unknown): void {
    if (ok) {
      const value = result as T;
      const summary = this.summary(value);
      if (this.#lastSummary !== undefined && summary && summary !== this.#lastSummary) this.announcement = summary;
      this.#lastSummary = summary;
      this.loaded(value);
      emit(this, 'o365-load', this.loadDetail(value));
    } else {
      this.announcement = '';
      this.emitError(result);
    }
  }

  /** Fires `o365-error` for a failed request (finished async work). */
  protected emitError(result: unknown): void {
    const error = result instanceof Error ? result : new Error(String(result));
    const api = error instanceof ApiError ? error : undefined;
    emit(this, 'o365-error', { error, status: api?.status ?? 0, code: api?.code ?? 'error', message: error.message });
  }

  /** Formats a timestamp in the element's locale and time zone. */
  protected date(value: Parameters<typeof formatDateTime>[0]): TemplateResult {
    const { locale, timeZone } = this.config;
    return html`<time datetime=${isoString(value)}>${formatDateTime(value, { locale, timeZone })}</time>`;
  }

  /** "times in UTC": the one zone every time of this view is shown in. */
  protected renderZone(): TemplateResult {
    return html`<span part="time-zone">times in ${zoneName(this.config)}</span>`;
  }

  /** The post history of an opened issue (loading, error with Retry, or user impact and the posts newest first). */
  protected renderDetails(details: IssueDetailsController, issue: IssueSummary, tenantId: string): TemplateResult {
    const d = details.details.get(issue.id);
    if (!d || d.status === 'loading') return this.renderLoading('Loading the post history');
    if (d.status === 'error') return this.renderError('The post history could not be loaded.', () => void details.load(issue, tenantId), d.error);
    const posts = [...d.value.posts].sort((a, b) => String(b.createdDateTime).localeCompare(String(a.createdDateTime)));
    return html`
      ${issue.impactDescription ? html`<p><strong>User impact:</strong> ${issue.impactDescription}</p>` : nothing}
      <ol part="timeline" class="timeline" aria-label="Post history">
        ${posts.map(
          (p) => html`<li part="post" class="post">
            <p class="small muted">${this.date(p.createdDateTime)}</p>
            <div class="post-body" .innerHTML=${p.html}></div>
          </li>`,
        )}
      </ol>
    `;
  }

  /** An opened issue's link to it in the Microsoft 365 admin center (`template`: the `admin-center-url`). */
  protected renderAdminLink(template: string, tenant: Tenant, issueId: string): TemplateResult {
    return html`<p class="small">
      <a part="admin-link" href=${adminIssueUrl(template, tenant, issueId)} target="_blank" rel="noopener"
        >${issueId} in the Microsoft 365 admin center of ${breakable(tenant.label)} ${externalIcon}</a
      >
    </p>`;
  }

  /** The polite live region; present from the first render so screen readers track it. */
  protected renderLive(): TemplateResult {
    return html`<div class="sr-only" role="status" aria-live="polite">${this.announcement}</div>`;
  }

  protected renderLoading(label: string): TemplateResult {
    return html`<div part="loading" class="state">
      <div class="spinner" role="progressbar" aria-label=${label}></div>
      <span class="muted">${label}…</span>
    </div>`;
  }

  protected renderError(what: string, retry = () => void this.load.run(), error: unknown = this.load.error): TemplateResult {
    return html`<div part="error" class="state" role="alert">
      <p><strong>${what}</strong></p>
      <p class="muted">${errorText(error)}</p>
      <button part="retry" class="btn" type="button" @click=${retry}>Retry</button>
    </div>`;
  }

  protected renderNoTenant(): TemplateResult {
    const wanted = this.config.tenant;
    return html`<div part="empty no-tenant" class="state">
      ${wanted
        ? html`<p><strong>No connected Microsoft 365 tenant matches “${wanted}”.</strong></p>`
        : html`<p><strong>No Microsoft 365 tenant is connected yet</strong></p>`}
      <p class="muted">
        Admins: add an authorization with the <code>&lt;o365-oauth-settings&gt;</code> element (OAuth settings) to connect a
        tenant. Its service health appears here a minute later.
      </p>
    </div>`;
  }

  protected renderReauth(tenant: Tenant): TemplateResult | typeof nothing {
    if (tenant.status !== 'reauth_required') return nothing;
    return html`<div part="notice reauth" class="notice level-degraded">
      ${LEVEL_ICONS.degraded}
      <p>
        <strong>The authorization for ${breakable(tenant.label)} needs to be renewed.</strong>
        <span class="muted">Microsoft no longer accepts it, so this data is not being updated. An admin can re-authorize it in the OAuth settings.</span>
      </p>
    </div>`;
  }

  /** "as of 2 May 2024, 22:36 · 4 minutes ago · times in UTC", with a "Stale" badge when the server says the data is old. */
  protected renderAsOf(at: Parameters<typeof formatDateTime>[0], stale: boolean): TemplateResult {
    const age = formatRelative(at, Date.now(), this.config.locale);
    return html`<p part="as-of" class="muted small">
      as of ${this.date(at)}${age ? html` · <span class="age">${age}</span>` : nothing} · ${this.renderZone()}
      ${stale ? html`<span part="stale" class="badge">Stale: the last update failed or is late</span>` : nothing}
    </p>`;
  }
}

/** Words for a failed load, by status. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return 'The service health server could not be reached. Check the connection, then retry.';
    if (error.status === 401) return 'The API key was refused. Check the api-key attribute or the page default.';
    return error.message;
  }
  return 'Something went wrong.';
}
