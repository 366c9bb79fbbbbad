import { html, nothing, type PropertyValues, type TemplateResult, type PropertyDeclarations } from 'lit';
import { isAbortError, toQuery } from '../api/client.js';
import type { IssuesQuery, IssueSummary, IssuesResponse, Tenant } from '../api/types.js';
import { ADMIN_HEALTH_URL, breakable, errorText, O365Element } from '../internal/base.js';
import { IssueDetailsController } from '../internal/details.js';
import { emit, type MessagesLoadDetail } from '../internal/events.js';
import { chevronIcon, externalIcon, renderStatus } from '../internal/icons.js';
import { classificationText, issueLevel, statusText } from '../internal/status.js';
import { elementTokens, hostStyles, postStyles } from '../internal/styles.js';
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

/**
 * A feed of a tenant's incidents and advisories, newest change first, with filters, paging and
 * the full post history of each (the server's sanitised HTML) as a timeline. A refresh keeps
 * what the reader is looking at: every page loaded with "Show more", the opened messages, the
 * focus and the scroll position. "Show more" moves the focus to the first new message.
 *
 * Discovery as for `<o365-service-health>`: attributes, else `window.O365Health` /
 * `<meta name="o365-health">`, else the script's origin and the first active tenant.
 *
 * Themes: the light and dark theme files set the `--o365-*` page tokens. The server serves them
 * next to the bundle, `<link rel="stylesheet" href="https://health.example.com/widgets/light.css">`
 * (or `…/widgets/dark.css`); bundler users import `@o365-health/widgets/themes/light.css` (or `dark.css`).
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
 * @csspart admin-link - An opened message's link to it in the Microsoft 365 admin center.
 * @csspart clear - The "Clear filters" button of the empty state.
 * @csspart time-zone - "times in …": the zone of every time shown.
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
export class O365ServiceMessages extends O365Element<ServiceMessagesData> {
  /** Lit's reactive properties (`attribute: false`: internal state). Declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip of its 20 KB budget. */
  static override properties: PropertyDeclarations = {
    tenant: {},
    state: {},
    classification: {},
    service: {},
    maxItems: { attribute: 'max-items', type: Number },
    adminCenterUrl: { attribute: 'admin-center-url' },
    query: { attribute: false },
    moreBusy: { attribute: false },
    moreError: { attribute: false },
  };

  static override styles = [elementTokens('service-messages'), hostStyles, postStyles, serviceMessagesStyles];
  protected static override reloadOn = ['apiBase', 'apiKey', 'tenant', 'state', 'classification', 'service', 'maxItems', 'query'];

  /** Tenant id or label to show; else the page default, else the first active tenant. */
  tenant = '';

  /** Initial state filter: `active` (default), `resolved` or `all`. */
  state: MessageState = 'active';

  /** Initial classification filter: `incident`, `advisory`, or empty for both. */
  classification: MessageClassification = '';

  /** Initial service filter (a service name such as `Exchange Online`); empty for all. */
  service = '';

  /** Messages per page ("Show more" loads the next page). */
  maxItems = 20;

  /**
   * Admin center link of an opened message: a URL template with `{issueId}`, `{tenantId}` and
   * `{tenant}` (the label); default Microsoft's service health issue link.
   */
  adminCenterUrl = '';

  /** Text search (the search field). */
  private query = '';
  private moreBusy = false;
  private moreError: unknown;

  #side = new AbortController();
  #debounce?: ReturnType<typeof setTimeout>;
  /** Pages shown (1 + each "Show more"); a refresh loads as many again. */
  #pages = 1;
  #focused?: string;
  readonly #details = new IssueDetailsController(
    this,
    () => this.store,
    (issue) => (this.announcement = `New update: ${issue.title}`),
  );

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
    const params = this.#params();
    const [health, page] = await Promise.all([
      this.shared(`health/${tenant.tenantId}`, (s) => this.store.client.health(tenant.tenantId, s), signal, maxAge),
      this.#page(tenant.tenantId, params, signal, maxAge),
    ]);
    // A refresh loads again every page the reader had (also one "Show more" added meanwhile).
    const more: IssueSummary[] = [];
    let cursor = page.nextCursor;
    for (let n = 1; n < this.#pages && cursor; n++) {
      const next = await this.#page(tenant.tenantId, { ...params, cursor }, signal, maxAge, false);
      more.push(...next.issues);
      cursor = next.nextCursor;
    }
    this.moreError = undefined;
    const data = { tenant, services: health.services.map((s) => s.name).sort((a, b) => a.localeCompare(b)), page, more: unique(page.issues, more), cursor };
    this.#details.refresh(tenant.tenantId, [...page.issues, ...more]);
    return data;
  }

  protected override willUpdate(changed: PropertyValues): void {
    // Other filters, or another tenant: back to the first page (a refresh keeps the pages).
    if (O365ServiceMessages.reloadOn.some((k) => changed.has(k))) this.#pages = 1;
    this.#focused = (this.shadowRoot?.activeElement as HTMLElement | null)?.dataset.issue;
    super.willUpdate(changed);
  }

  /** The message whose title had the focus before a render keeps it, wherever a refresh moved it. */
  protected override updated(): void {
    const id = this.#focused;
    if (id && (this.shadowRoot!.activeElement as HTMLElement | null)?.dataset.issue !== id)
      this.renderRoot.querySelector<HTMLElement>(`.item-title[data-issue="${CSS.escape(id)}"]`)?.focus({ preventScroll: true });
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
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { status, value } = this.load;
    const header = (extra: unknown = nothing) =>
      html`<div part="header" class="header">
        <h2 part="title" id="title">Service messages${value?.tenant ? html` <span class="muted">· ${breakable(value.tenant.label)}</span>` : nothing}</h2>
        ${extra}
      </div>`;
    if (status === 'error') return html`${header()}${this.renderError('Service messages could not be loaded.')}`;
    if (!value) return html`${header()}${this.renderLoading('Loading service messages')}`;
    if (!value.tenant) return html`${header()}${this.renderNoTenant()}`;
    const items = [...value.page.issues, ...value.more];
    const { cursor, tenant } = value;
    return html`
      ${header(this.renderAsOf(tenant.lastSyncAt, tenant.stale))}
      ${this.renderReauth(tenant)}
      ${this.#filters(value.services)}
      ${items.length
        ? html`<ul part="list" class="list" aria-busy=${this.load.busy}>${items.map((i) => this.#item(i, tenant))}</ul>`
        : this.#filtered()
          ? html`<div part="empty" class="state">
              <p>No messages match these filters.</p>
              <button part="clear" class="btn" type="button" @click=${this.#clear}>Clear filters</button>
            </div>`
          : html`<div part="empty" class="state"><p>No active incidents or advisories.</p></div>`}
      ${this.moreError
        ? html`<div part="error" class="state" role="alert">
            <p>More messages could not be loaded. ${errorText(this.moreError)}</p>
            <button part="retry" class="btn" type="button" @click=${() => this.#more(tenant.tenantId, cursor)}>Retry</button>
          </div>`
        : nothing}
      ${cursor
        ? html`<button part="more" class="btn more" type="button" aria-disabled=${this.moreBusy} @click=${() => this.#more(tenant.tenantId, cursor)}>
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

  /** "Clear filters": back to the active messages of every kind and service, no search; focus on the first filter. */
  #clear = (): void => {
    clearTimeout(this.#debounce);
    this.state = 'active';
    this.classification = '';
    this.service = '';
    this.query = '';
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part~="filters"] select')?.focus());
  };

  #filters(services: string[]): TemplateResult {
    const options = this.service && !services.includes(this.service) ? [this.service, ...services] : services;
    return html`<form part="filters" class="filters" role="search" aria-label="Filter messages" @submit=${(e: Event) => e.preventDefault()}>
      <label
        >State
        <select .value=${this.state} @change=${(e: Event) => (this.state = (e.target as HTMLSelectElement).value as MessageState)}>
          ${MESSAGE_STATES.map((s) => html`<option value=${s} ?selected=${s === this.state}>${STATE_TEXT[s]}</option>`)}
        </select>
      </label>
      <label
        >Type
        <select .value=${this.classification} @change=${(e: Event) => (this.classification = (e.target as HTMLSelectElement).value as MessageClassification)}>
          ${MESSAGE_CLASSIFICATIONS.map((c) => html`<option value=${c} ?selected=${c === this.classification}>${CLASSIFICATION_FILTER_TEXT[c]}</option>`)}
        </select>
      </label>
      <label
        >Service
        <select .value=${this.service} @change=${(e: Event) => (this.service = (e.target as HTMLSelectElement).value)}>
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

  #item(issue: IssueSummary, tenant: Tenant): TemplateResult {
    const open = this.#details.open.has(issue.id);
    const id = `details-${issue.id.replace(/[^\w-]/g, '_')}`;
    return html`<li part="item" class="item">
      <h3>
        <button class="item-title" type="button" data-issue=${issue.id} aria-expanded=${open} aria-controls=${id} @click=${() => this.#toggle(issue, tenant.tenantId)}>
          ${chevronIcon}<span>${issue.title}</span>
        </button>
      </h3>
      <div class="meta small">
        ${renderStatus(issueLevel(issue.status, issue.classification), statusText(issue.status))}
        <span class="badge">${classificationText(issue.classification)}</span>
        <span>${issue.service}</span>
        <span class="muted">${issue.id}</span>
      </div>
      <p class="meta small muted">
        <span>Started ${this.date(issue.startDateTime)}</span>
        <span>Updated ${this.date(issue.lastModifiedDateTime)}</span>
        ${issue.endDateTime ? html`<span>Ended ${this.date(issue.endDateTime)}</span>` : nothing}
      </p>
      <div part="details" class="details" id=${id} ?hidden=${!open}>
        ${open
          ? html`${this.renderDetails(this.#details, issue, tenant.tenantId)}
              ${this.renderAdminLink(this.adminCenterUrl, tenant, issue.id)}`
          : nothing}
      </div>
    </li>`;
  }

  #toggle(issue: IssueSummary, tenantId: string): void {
    if (this.#details.toggle(issue, tenantId)) emit(this, 'o365-issue-select', { tenantId, issue });
  }

  async #more(tenantId: string, cursor: string | null): Promise<void> {
    if (!cursor || this.moreBusy) return;
    this.moreBusy = true;
    this.moreError = undefined;
    try {
      const page = await this.#page(tenantId, { ...this.#params(), cursor }, this.#side.signal, Infinity, false);
      const value = this.load.value;
      if (!value?.tenant || value.tenant.tenantId !== tenantId) return;
      // Shown at once, and loaded again by every refresh from now on.
      this.#pages++;
      this.load.value = { ...value, more: unique(value.page.issues, [...value.more, ...page.issues]), cursor: page.nextCursor };
      this.announcement = `${page.issues.length} more ${page.issues.length === 1 ? 'message' : 'messages'} loaded`;
      emit(this, 'o365-load', { element: 'service-messages', tenant: value.tenant, issues: page.issues, nextCursor: page.nextCursor });
      // The reader goes on where the new messages start (the button may be gone).
      const first = page.issues[0];
      this.requestUpdate();
      await this.updateComplete;
      if (first) this.renderRoot.querySelector<HTMLElement>(`.item-title[data-issue="${CSS.escape(first.id)}"]`)?.focus();
    } catch (error) {
      if (isAbortError(error)) return;
      this.moreError = error;
      this.emitError(error);
    } finally {
      this.moreBusy = false;
    }
  }
}

/** `more` without the issues already in `first` (a refresh can move an issue between pages). */
function unique(first: readonly IssueSummary[], more: readonly IssueSummary[]): IssueSummary[] {
  const seen = new Set(first.map((i) => i.id));
  return more.filter((i) => !seen.has(i.id) && seen.add(i.id));
}

customElements.define('o365-service-messages', O365ServiceMessages);

declare global {
  interface HTMLElementTagNameMap {
    'o365-service-messages': O365ServiceMessages;
  }
}
