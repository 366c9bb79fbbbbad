import { html, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { isAbortError, toQuery } from '../api/client.js';
import type { IssueDetail, IssuesQuery, IssueSummary, IssuesResponse } from '../api/types.js';
import { ADMIN_HEALTH_URL, errorText, O365Element } from '../internal/base.js';
import { emit, type MessagesLoadDetail } from '../internal/events.js';
import { toDate } from '../internal/format.js';
import { chevronIcon, externalIcon, LEVEL_ICONS } from '../internal/icons.js';
import { classificationText, issueLevel, statusText } from '../internal/status.js';
import { elementTokens, hostStyles } from '../internal/styles.js';
import { serviceMessagesStyles } from './service-messages.styles.js';
import {
  CLASSIFICATION_FILTER_TEXT,
  MESSAGE_CLASSIFICATIONS,
  MESSAGE_STATES,
  STATE_TEXT,
  type MessageClassification,
  type MessageState,
  type ServiceMessagesData,
} from './service-messages.types.js';

type Detail = { status: 'loading' } | { status: 'ready'; value: IssueDetail } | { status: 'error'; error: unknown };

/**
 * A feed of a tenant's incidents and advisories, newest change first, with filters, paging and
 * the full post history of each (the server's sanitised HTML) as a timeline.
 *
 * Discovery as for `<o365-service-health>`: attributes, else `window.O365Health` /
 * `<meta name="o365-health">`, else the script's origin and the first active tenant.
 *
 * Themes: the light and dark theme files set the `--o365-*` page tokens. The server serves them
 * next to the bundle, `<link rel="stylesheet" href="https://health.example.com/widgets/light.css">`
 * (or `…/widgets/dark.css`); bundler users import `o365-health/themes/light.css` (or `dark.css`).
 * Each `--o365-<element>-*` property below overrides a token for this element alone.
 *
 * @summary Microsoft 365 incidents and advisories of a tenant.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title and "as of" line.
 * @csspart title - The heading.
 * @csspart as-of - The "as of" time line.
 * @csspart stale - The badge shown when the data is stale.
 * @csspart filters - The filter form.
 * @csspart list - The list of messages.
 * @csspart item - One message.
 * @csspart status - Icon and words of a status.
 * @csspart details - The opened message (its post history).
 * @csspart timeline - The list of posts.
 * @csspart post - One post.
 * @csspart more - The "Show more" button.
 * @csspart loading - The loading state.
 * @csspart empty - The empty and no-tenant states (`no-tenant` too).
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart notice - The re-authorization notice (`reauth` too).
 * @csspart footer - Link to the Microsoft 365 admin center.
 *
 * @cssprop --o365-service-messages-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-service-messages-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-service-messages-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-service-messages-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-service-messages-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-service-messages-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-service-messages-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-service-messages-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<MessagesLoadDetail>} o365-load - A page of messages loaded (first page, refresh or "Show more").
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365IssueSelectDetail>} o365-issue-select - The user opened a message.
 */
@customElement('o365-service-messages')
export class O365ServiceMessages extends O365Element<ServiceMessagesData> {
  static override styles = [elementTokens('service-messages'), hostStyles, serviceMessagesStyles];
  protected static override reloadOn = ['apiBase', 'apiKey', 'tenant', 'state', 'classification', 'service', 'maxItems', 'query'];

  /** Tenant id or label to show; else the page default, else the first active tenant. */
  @property() tenant = '';

  /** Initial state filter: `active` (default), `resolved` or `all`. */
  @property() state: MessageState = 'active';

  /** Initial classification filter: `incident`, `advisory`, or empty for both. */
  @property() classification: MessageClassification = '';

  /** Initial service filter (a service name such as `Exchange Online`); empty for all. */
  @property() service = '';

  /** Messages per page ("Show more" loads the next page). */
  @property({ attribute: 'max-items', type: Number }) maxItems = 20;

  /** Text search (the search field). */
  @state() private query = '';
  @state() private extra: IssueSummary[] = [];
  @state() private cursor: string | null | undefined;
  @state() private moreBusy = false;
  @state() private moreError: unknown;
  @state() private open = new Set<string>();
  @state() private details = new Map<string, Detail>();

  #side = new AbortController();
  #debounce?: ReturnType<typeof setTimeout>;

  #params(): IssuesQuery {
    return {
      state: MESSAGE_STATES.includes(this.state) ? this.state : 'active',
      classification: this.classification,
      service: this.service,
      q: this.query,
      limit: this.maxItems > 0 ? Math.floor(this.maxItems) : 20,
    };
  }

  /** A page of issues; `track` false for "Show more" pages, which must not reload the element when they arrive. */
  #page(tenantId: string, query: IssuesQuery, signal: AbortSignal, maxAge: number, track = true): Promise<IssuesResponse> {
    if (!track) return this.store.get(`issues/${tenantId}${toQuery(query)}`, (s) => this.store.client.issues(tenantId, query, s), { signal, maxAge });
    return this.shared(`issues/${tenantId}${toQuery(query)}`, (s) => this.store.client.issues(tenantId, query, s), signal, maxAge);
  }

  protected override async fetchData(signal: AbortSignal, maxAge: number): Promise<ServiceMessagesData> {
    const tenant = await this.resolveTenant(signal, maxAge);
    if (!tenant) return { tenant: undefined };
    const [health, page] = await Promise.all([
      this.shared(`health/${tenant.tenantId}`, (s) => this.store.client.health(tenant.tenantId, s), signal, maxAge),
      this.#page(tenant.tenantId, this.#params(), signal, maxAge),
    ]);
    this.extra = [];
    this.cursor = undefined;
    this.moreError = undefined;
    this.#refreshDetails(tenant.tenantId, page.issues);
    return { tenant, services: health.services.map((s) => s.name).sort((a, b) => a.localeCompare(b)), page };
  }

  protected override loadDetail(value: ServiceMessagesData): MessagesLoadDetail {
    return value.tenant
      ? { element: 'service-messages', tenant: value.tenant, issues: value.page.issues, nextCursor: value.page.nextCursor }
      : { element: 'service-messages', tenant: null, issues: [], nextCursor: null };
  }

  protected override summary(value: ServiceMessagesData): string {
    if (!value.tenant) return '';
    const n = value.page.issues.length;
    return `Messages updated: ${n} ${n === 1 ? 'message' : 'messages'}${value.page.nextCursor ? ' and more' : ''}`;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#side.abort();
    this.#side = new AbortController();
    clearTimeout(this.#debounce);
    this.moreBusy = false;
    // An opened message whose posts were loading loads again when opened again.
    for (const [id, d] of this.details) if (d.status === 'loading') this.details.delete(id);
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { status, value } = this.load;
    const header = (extra: unknown = nothing) =>
      html`<div part="header" class="header">
        <h2 part="title" id="title">Service messages${value?.tenant ? html` <span class="muted">· ${value.tenant.label}</span>` : nothing}</h2>
        ${extra}
      </div>`;
    if (status === 'error') return html`${header()}${this.renderError('Service messages could not be loaded.')}`;
    if (!value) return html`${header()}${this.renderLoading('Loading service messages')}`;
    if (!value.tenant) return html`${header()}${this.renderNoTenant()}`;
    const items = [...value.page.issues, ...this.extra];
    const cursor = this.cursor === undefined ? value.page.nextCursor : this.cursor;
    return html`
      ${header(this.renderAsOf(value.tenant.lastSyncAt, value.tenant.stale))}
      ${this.renderReauth(value.tenant)}
      ${this.#filters(value.services)}
      ${items.length
        ? html`<ul part="list" class="list" aria-busy=${this.load.busy}>${items.map((i) => this.#item(i, value.tenant.tenantId))}</ul>`
        : html`<div part="empty" class="state"><p>${this.#filtered() ? 'No messages match these filters.' : 'No active incidents or advisories.'}</p></div>`}
      ${this.moreError
        ? html`<div part="error" class="state" role="alert">
            <p>More messages could not be loaded. ${errorText(this.moreError)}</p>
            <button part="retry" class="btn" type="button" @click=${() => this.#more(value.tenant.tenantId, cursor)}>Retry</button>
          </div>`
        : nothing}
      ${cursor
        ? html`<button part="more" class="btn more" type="button" ?disabled=${this.moreBusy} @click=${() => this.#more(value.tenant.tenantId, cursor)}>
            ${this.moreBusy ? 'Loading more…' : 'Show more'}
          </button>`
        : nothing}
      <div part="footer" class="footer">
        <a href="${ADMIN_HEALTH_URL}/history" target="_blank" rel="noopener">Issue history in the Microsoft 365 admin center ${externalIcon}</a>
      </div>
    `;
  }

  #filtered(): boolean {
    return this.state !== 'active' || !!this.classification || !!this.service || !!this.query;
  }

  #filters(services: string[]): TemplateResult {
    const options = this.service && !services.includes(this.service) ? [this.service, ...services] : services;
    return html`<form part="filters" class="filters" role="search" aria-label="Filter messages" @submit=${(e: Event) => e.preventDefault()}>
      <label
        >State
        <select @change=${(e: Event) => (this.state = (e.target as HTMLSelectElement).value as MessageState)}>
          ${MESSAGE_STATES.map((s) => html`<option value=${s} ?selected=${s === this.state}>${STATE_TEXT[s]}</option>`)}
        </select>
      </label>
      <label
        >Type
        <select @change=${(e: Event) => (this.classification = (e.target as HTMLSelectElement).value as MessageClassification)}>
          ${MESSAGE_CLASSIFICATIONS.map((c) => html`<option value=${c} ?selected=${c === this.classification}>${CLASSIFICATION_FILTER_TEXT[c]}</option>`)}
        </select>
      </label>
      <label
        >Service
        <select @change=${(e: Event) => (this.service = (e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${!this.service}>All services</option>
          ${options.map((s) => html`<option value=${s} ?selected=${s === this.service}>${s}</option>`)}
        </select>
      </label>
      <label class="search"
        >Search
        <input type="search" .value=${this.query} @input=${this.#onSearch} @keydown=${this.#onSearchKey} />
      </label>
    </form>`;
  }

  #onSearch = (e: Event): void => {
    const value = (e.target as HTMLInputElement).value;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => (this.query = value.trim()), 300);
  };

  #onSearchKey = (e: KeyboardEvent): void => {
    if (e.key !== 'Enter') return;
    clearTimeout(this.#debounce);
    this.query = (e.target as HTMLInputElement).value.trim();
  };

  #item(issue: IssueSummary, tenantId: string): TemplateResult {
    const level = issueLevel(issue.status, issue.classification);
    const open = this.open.has(issue.id);
    const id = `details-${issue.id.replace(/[^\w-]/g, '_')}`;
    return html`<li part="item" class="item">
      <h3>
        <button class="item-title" type="button" aria-expanded=${open} aria-controls=${id} @click=${() => this.#toggle(issue, tenantId)}>
          ${chevronIcon}<span>${issue.title}</span>
        </button>
      </h3>
      <div class="meta small">
        <span part="status" class="status level-${level}">${LEVEL_ICONS[level]} ${statusText(issue.status)}</span>
        <span class="badge">${classificationText(issue.classification)}</span>
        <span>${issue.service}</span>
        <span class="muted">${issue.id}</span>
      </div>
      <p class="meta small muted">
        <span>Started ${this.date(issue.startDateTime)}</span>
        <span>Updated ${this.date(issue.lastModifiedDateTime)}</span>
        ${issue.endDateTime ? html`<span>Ended ${this.date(issue.endDateTime)}</span>` : nothing}
      </p>
      <div part="details" class="details" id=${id} ?hidden=${!open}>${open ? this.#details(issue, tenantId) : nothing}</div>
    </li>`;
  }

  #details(issue: IssueSummary, tenantId: string): TemplateResult {
    const d = this.details.get(issue.id);
    if (!d || d.status === 'loading') return this.renderLoading('Loading the post history');
    if (d.status === 'error')
      return html`<div part="error" class="state" role="alert">
        <p>The post history could not be loaded. ${errorText(d.error)}</p>
        <button part="retry" class="btn" type="button" @click=${() => this.#loadDetail(issue, tenantId)}>Retry</button>
      </div>`;
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

  #toggle(issue: IssueSummary, tenantId: string): void {
    const open = new Set(this.open);
    if (open.delete(issue.id)) {
      this.open = open;
      return;
    }
    open.add(issue.id);
    this.open = open;
    emit(this, 'o365-issue-select', { tenantId, issue });
    if (this.details.get(issue.id)?.status !== 'ready') void this.#loadDetail(issue, tenantId);
  }

  /**
   * After a load (auto-refresh included): a message whose `lastModifiedDateTime` moved on since its
   * posts were loaded gets them again, at once when it is open (the old posts stay on screen
   * meanwhile), else when it is next opened.
   */
  #refreshDetails(tenantId: string, issues: IssueSummary[]): void {
    let details: Map<string, Detail> | undefined;
    for (const issue of issues) {
      const d = this.details.get(issue.id);
      if (d?.status !== 'ready' || !changedSince(d.value, issue)) continue;
      if (this.open.has(issue.id)) void this.#loadDetail(issue, tenantId, true);
      else (details ??= new Map(this.details)).delete(issue.id);
    }
    if (details) this.details = details;
  }

  /** Loads the posts of `issue`; `quiet` keeps what is shown until the new posts arrive. */
  async #loadDetail(issue: IssueSummary, tenantId: string, quiet = false): Promise<void> {
    const set = (d: Detail) => (this.details = new Map(this.details).set(issue.id, d));
    const key = `issue/${tenantId}/${issue.id}`;
    const cached = this.store.peek<IssueDetail>(key);
    const before = this.details.get(issue.id);
    if (!quiet) set({ status: 'loading' });
    try {
      // The HTML of posts was sanitised by the server (allow-list; DESIGN.md, JSON API).
      const value = await this.store.get(key, (s) => this.store.client.issue(tenantId, issue.id, s), {
        signal: this.#side.signal,
        // A cached copy older than the list's entry is not good enough.
        maxAge: cached && changedSince(cached, issue) ? 0 : Infinity,
      });
      set({ status: 'ready', value });
      if (quiet && before?.status === 'ready' && value.posts.length !== before.value.posts.length) this.announcement = `New update: ${issue.title}`;
    } catch (error) {
      if (!isAbortError(error) && !quiet) set({ status: 'error', error });
    }
  }

  async #more(tenantId: string, cursor: string | null): Promise<void> {
    if (!cursor) return;
    this.moreBusy = true;
    this.moreError = undefined;
    try {
      const page = await this.#page(tenantId, { ...this.#params(), cursor }, this.#side.signal, Infinity, false);
      this.extra = [...this.extra, ...page.issues];
      this.cursor = page.nextCursor;
      this.announcement = `${page.issues.length} more ${page.issues.length === 1 ? 'message' : 'messages'} loaded`;
      emit(this, 'o365-load', { element: 'service-messages', tenant: this.load.value?.tenant ?? null, issues: page.issues, nextCursor: page.nextCursor });
    } catch (error) {
      if (isAbortError(error)) return;
      this.moreError = error;
      this.emitError(error);
    } finally {
      this.moreBusy = false;
    }
  }
}

/** True when the list says `issue` changed after `detail` was loaded. */
function changedSince(detail: IssueSummary, issue: IssueSummary): boolean {
  return toDate(detail.lastModifiedDateTime)?.getTime() !== toDate(issue.lastModifiedDateTime)?.getTime();
}

declare global {
  interface HTMLElementTagNameMap {
    'o365-service-messages': O365ServiceMessages;
  }
}
