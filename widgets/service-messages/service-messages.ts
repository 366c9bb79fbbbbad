import { html, nothing, type TemplateResult, type PropertyDeclarations } from 'lit';
import { isAbortError, toQuery } from '../api/client.js';
import type { IssuesQuery, IssueSummary, Tenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { pickTenant } from '../internal/config.js';
import { DataController } from '../internal/data.js';
import { IssueDetailsController } from '../internal/details.js';
import { emit, emitError } from '../internal/events.js';
import { chevronIcon, externalIcon, renderStatus } from '../internal/icons.js';
import { classificationText, issueLevel, statusText } from '../internal/status.js';
import { elementTokens, hostStyles, postStyles } from '../internal/styles.js';
import { ADMIN_HEALTH_URL, asOf, breakable, errorText, failure, issueDetails, loading, noTenant, reauthNotice, time } from '../internal/templates.js';
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
 * @csspart download - The "Download CSV" button: every message the filters show, all pages, as the server's CSV.
 * @csspart download-link - The link to the downloaded file (saved at once; the link stays for a second save).
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
export class O365ServiceMessages extends O365Element {
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
    download: { attribute: false },
  };

  static override styles = [elementTokens('service-messages'), hostStyles, postStyles, serviceMessagesStyles];

  /** Tenant id or label to show, or `selected`: the tenant selected in `<o365-tenant-overview>` on the page (the first active one until a tenant is selected); else the page default, else the first active tenant. */
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
  /** The last CSV download: busy, failed, or its file (an object URL) and name. */
  private download?: { busy: true } | { error: unknown } | { url: string; filename: string; count: number };

  #side = new AbortController();
  #debounce?: ReturnType<typeof setTimeout>;
  /** Pages shown (1 + each "Show more") of the query last loaded; a refresh loads as many again. */
  #pages = 1;
  #query?: string;
  #focused?: string;
  readonly #details = new IssueDetailsController(
    this,
    () => this.data.store,
    (issue) => this.data.say(`New update: ${issue.title}`),
  );

  protected readonly data = new DataController<ServiceMessagesData>(this, {
    args: () => [this.state, this.classification, this.service, this.maxItems, this.query],
    load: async (store, read, config) => {
      const tenant = pickTenant((await store.tenants(read)).tenants, config.tenant);
      if (!tenant) return { tenant: undefined };
      const params = this.#params();
      // Another query (tenant, filters, page size): back to the first page; a refresh keeps the pages.
      const query = tenant.tenantId + toQuery(params);
      if (query !== this.#query) this.#pages = 1;
      this.#query = query;
      const [health, page] = await Promise.all([store.health(tenant.tenantId, read), store.issues(tenant.tenantId, params, read)]);
      // A refresh loads again every page the reader had (also one "Show more" added meanwhile);
      // untracked: a further page that arrives must not load the element again.
      const more: IssueSummary[] = [];
      let cursor = page.nextCursor;
      for (let n = 1; n < this.#pages && cursor; n++) {
        const next = await store.issues(tenant.tenantId, { ...params, cursor }, { ...read, used: undefined });
        more.push(...next.issues);
        cursor = next.nextCursor;
      }
      this.moreError = undefined;
      this.#details.refresh(tenant.tenantId, [...page.issues, ...more]);
      return { tenant, services: health.services.map((s) => s.name).sort((a, b) => a.localeCompare(b)), page, more: unique(page.issues, more), cursor };
    },
    detail: (value) =>
      value.tenant
        ? { element: 'service-messages', tenant: value.tenant, issues: value.page.issues, nextCursor: value.page.nextCursor }
        : { element: 'service-messages', tenant: null, issues: [], nextCursor: null },
    summary: (value) => {
      if (!value.tenant) return '';
      const n = value.page.issues.length;
      return `Messages updated: ${n} ${n === 1 ? 'message' : 'messages'}${value.page.nextCursor ? ' and more' : ''}`;
    },
  });

  #params(): IssuesQuery {
    return {
      state: MESSAGE_STATES.includes(this.state) ? this.state : 'active',
      classification: this.classification,
      service: this.service,
      q: this.query,
      limit: this.maxItems > 0 ? Math.floor(this.maxItems) : 20,
    };
  }

  /** Which message title has the focus before a render (see {@link updated}). */
  protected override willUpdate(): void {
    this.#focused = (this.shadowRoot?.activeElement as HTMLElement | null)?.dataset.issue;
  }

  /** The message whose title had the focus before a render keeps it, wherever a refresh moved it. */
  protected override updated(): void {
    const id = this.#focused;
    if (id && (this.shadowRoot!.activeElement as HTMLElement | null)?.dataset.issue !== id)
      this.renderRoot.querySelector<HTMLElement>(`.item-title[data-issue="${CSS.escape(id)}"]`)?.focus({ preventScroll: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#side.abort();
    this.#side = new AbortController();
    clearTimeout(this.#debounce);
    this.moreBusy = false;
    if (this.download && 'url' in this.download) URL.revokeObjectURL(this.download.url);
    this.download = undefined;
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.data.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { value } = this.data;
    const c = this.data.config;
    const header = (extra: unknown = nothing) =>
      html`<div part="header" class="header">
        <h2 part="title" id="title">Service messages${value?.tenant ? html` <span class="muted">· ${breakable(value.tenant.label)}</span>` : nothing}</h2>
        ${extra}
      </div>`;
    if (this.data.failed) return html`${header()}${failure('Service messages could not be loaded.', () => this.data.run(), this.data.error)}`;
    if (!value) return html`${header()}${loading('Loading service messages')}`;
    if (!value.tenant) return html`${header()}${noTenant(c.tenant)}`;
    const items = [...value.page.issues, ...value.more];
    const { cursor, tenant } = value;
    return html`
      ${header(asOf(tenant.lastSyncAt, tenant.stale, c))}
      ${reauthNotice(tenant)}
      ${this.#filters(value.services)}
      ${items.length
        ? html`<ul part="list" class="list" aria-busy=${this.data.busy}>${items.map((i) => this.#item(i, tenant))}</ul>`
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
      <button part="download" class="btn" type="button" aria-disabled=${!!this.download && 'busy' in this.download} @click=${this.#download}>
        ${this.download && 'busy' in this.download ? 'Preparing CSV…' : 'Download CSV'}
      </button>
      ${this.download && 'url' in this.download
        ? html`<a part="download-link" href=${this.download.url} download=${this.download.filename}>${this.download.filename}</a>`
        : this.download && 'error' in this.download
          ? html`<span part="error" role="alert">The CSV could not be prepared. ${errorText(this.download.error)}</span>`
          : nothing}
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
    const c = this.data.config;
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
        <span>Started ${time(issue.startDateTime, c)}</span>
        <span>Updated ${time(issue.lastModifiedDateTime, c)}</span>
        ${issue.endDateTime ? html`<span>Ended ${time(issue.endDateTime, c)}</span>` : nothing}
      </p>
      <div part="details" class="details" id=${id} ?hidden=${!open}>
        ${open ? issueDetails(this.#details, issue, tenant, this.adminCenterUrl, c) : nothing}
      </div>
    </li>`;
  }

  #toggle(issue: IssueSummary, tenantId: string): void {
    if (this.#details.toggle(issue, tenantId)) emit(this, 'o365-issue-select', { tenantId, issue });
  }

  /** "Download CSV": the server's export of what the filters show (all pages), saved as a file. */
  #download = async (): Promise<void> => {
    const tenant = this.data.value?.tenant;
    if (!tenant || (this.download && 'busy' in this.download)) return;
    if (this.download && 'url' in this.download) URL.revokeObjectURL(this.download.url);
    this.download = { busy: true };
    try {
      const { csv, filename } = await this.data.store.client.issuesCsv(tenant.tenantId, this.#params(), this.#side.signal);
      const count = csvRecords(csv) - 1; // less the header row
      this.download = { url: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), filename, count };
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLAnchorElement>('[part~="download-link"]')?.click();
      this.data.say(`Downloaded ${count} ${count === 1 ? 'message' : 'messages'} as ${filename}`);
    } catch (error) {
      if (!isAbortError(error)) this.download = { error };
    }
  };

  async #more(tenantId: string, cursor: string | null): Promise<void> {
    if (!cursor || this.moreBusy) return;
    this.moreBusy = true;
    this.moreError = undefined;
    try {
      const page = await this.data.store.issues(tenantId, { ...this.#params(), cursor }, { signal: this.#side.signal });
      const value = this.data.value;
      if (!value?.tenant || value.tenant.tenantId !== tenantId) return;
      // Shown at once, and loaded again by every refresh from now on.
      this.#pages++;
      this.data.value = { ...value, more: unique(value.page.issues, [...value.more, ...page.issues]), cursor: page.nextCursor };
      this.data.say(`${page.issues.length} more ${page.issues.length === 1 ? 'message' : 'messages'} loaded`);
      emit(this, 'o365-load', { element: 'service-messages', tenant: value.tenant, issues: page.issues, nextCursor: page.nextCursor });
      // The reader goes on where the new messages start (the button may be gone).
      const first = page.issues[0];
      this.requestUpdate();
      await this.updateComplete;
      if (first) this.renderRoot.querySelector<HTMLElement>(`.item-title[data-issue="${CSS.escape(first.id)}"]`)?.focus();
    } catch (error) {
      if (isAbortError(error)) return;
      this.moreError = error;
      emitError(this, error);
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

/** Records of an RFC 4180 text: line breaks outside quoted fields (a last line without one counts). */
function csvRecords(csv: string): number {
  let records = 0;
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    if (csv[i] === '"') quoted = !quoted;
    else if (csv[i] === '\n' && !quoted) records++;
  }
  return records + (csv.length > 0 && !csv.endsWith('\n') ? 1 : 0);
}
