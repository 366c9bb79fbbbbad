import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { isAbortError, toQuery } from '../api/client.js';
import type { MessageDetail, MessagesQuery, MessagesResponse, MessageSummary, Tenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { pickTenant, type ResolvedConfig } from '../internal/config.js';
import { DataController } from '../internal/data.js';
import { emit, emitError, type O365LoadDetail } from '../internal/events.js';
import { chevronIcon, externalIcon, LEVEL_ICONS, pendingIcon } from '../internal/icons.js';
import { elementTokens, hostStyles, postStyles } from '../internal/styles.js';
import { asOf, breakable, errorText, failure, loading, noTenant, reauthNotice, time } from '../internal/templates.js';
import { serviceMessagesStyles } from '../service-messages/service-messages.styles.js';
import { MessageDetailsController } from './message-center.details.js';
import { adminMessageUrl, categoryText, detailRows, severityText, urgency } from './message-center.mapping.js';
import { messageCenterStyles } from './message-center.styles.js';
import {
  CATEGORY_FILTERS,
  URGENCY_INFO,
  type MessageCenterData,
  type MessageCenterLoadDetail,
  type Urgency,
} from './message-center.types.js';

export type { MessageCenterLoadDetail, O365MessageSelectDetail } from './message-center.types.js';

/** The Message center of the Microsoft 365 admin center. */
const ADMIN_MESSAGE_CENTER_URL = 'https://admin.microsoft.com/#/MessageCenter';

/**
 * A tenant's Message center feed (planned changes, retirements, new features), newest change
 * first, with filters, paging and each post's body (the server's sanitised HTML) and details.
 * An "act by" date shows its urgency in words and by icon shape: overdue, due within 7 days, or
 * later. A refresh keeps what the reader is looking at: every page loaded with "Show more", the
 * opened posts and the focus. "Show more" moves the focus to the first new post.
 *
 * Discovery as for `<o365-service-health>`: attributes, else `window.O365Health` /
 * `<meta name="o365-health">`, else the script's origin and the first active tenant.
 * Themes and the `--o365-*` page tokens: as `<o365-service-messages>`.
 *
 * @summary Microsoft 365 Message center posts of a tenant, with their act-by dates.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title and "as of" line.
 * @csspart title - The heading.
 * @csspart as-of - The "as of" time line.
 * @csspart stale - The badge shown when the data is stale.
 * @csspart filters - The filter form.
 * @csspart list - The list of posts.
 * @csspart item - One post.
 * @csspart status - Icon and words of an act-by date (also `act-by`, and `act-by-overdue`, `act-by-soon` or `act-by-later`).
 * @csspart category - A post's category ("Plan for change").
 * @csspart major - The "Major change" badge.
 * @csspart tags - A post's tags.
 * @csspart tag - One tag.
 * @csspart details - The opened post.
 * @csspart facts - The opened post's details: summary, roadmap features, platforms and the others Microsoft gives.
 * @csspart body - The opened post's body.
 * @csspart admin-link - An opened post's link to it in the Microsoft 365 admin center.
 * @csspart more - The "Show more" button.
 * @csspart loading - The loading state.
 * @csspart empty - The empty and no-tenant states (`no-tenant` too).
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart notice - The re-authorization notice (`reauth` too).
 * @csspart clear - The "Clear filters" button of the empty state.
 * @csspart footer - Link to the Message center in the Microsoft 365 admin center.
 * @csspart time-zone - "times in …": the zone of every time shown.
 *
 * @cssprop --o365-message-center-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-message-center-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-message-center-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-message-center-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-message-center-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-message-center-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-message-center-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-message-center-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<MessageCenterLoadDetail>} o365-load - A page of posts loaded (first page, refresh or "Show more").
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365MessageSelectDetail>} o365-message-select - The user opened a post (`detail.message`); cancel it to keep the post closed.
 */
export class O365MessageCenter extends O365Element {
  /** Lit's reactive properties, declared without decorators (bundle budget, as the other elements). */
  static override properties: PropertyDeclarations = {
    tenant: {},
    category: {},
    service: {},
    tag: {},
    major: { type: Boolean },
    actionRequired: { attribute: 'action-required', type: Boolean },
    maxItems: { attribute: 'max-items', type: Number },
    adminCenterUrl: { attribute: 'admin-center-url' },
    query: { attribute: false },
    moreBusy: { attribute: false },
    moreError: { attribute: false },
  };

  static override styles = [elementTokens('message-center'), hostStyles, postStyles, serviceMessagesStyles, messageCenterStyles];

  /** Tenant id or label to show, or `selected`: the tenant selected in `<o365-tenant-overview>` on the page (the first active one until a tenant is selected); else the page default, else the first active tenant. */
  tenant = '';

  /** Initial category filter: `preventOrFixIssue`, `planForChange`, `stayInformed`, or empty for all. */
  category = '';

  /** Initial service filter (a service name such as `Microsoft Teams`); empty for all. */
  service = '';

  /** Only posts with this tag (such as `Retirement` or `Admin impact`); empty for all. */
  tag = '';

  /** Initially only major changes. */
  major = false;

  /** Initially only posts that ask admins to act by a date. */
  actionRequired = false;

  /** Posts per page, 1–100 ("Show more" loads the next page). */
  maxItems = 20;

  /**
   * Admin center link of an opened post: a URL template with `{messageId}`, `{tenantId}` and
   * `{tenant}` (the label); default the post in Microsoft's Message center.
   */
  adminCenterUrl = '';

  /** Text search (the search field). */
  private query = '';
  private moreBusy = false;
  private moreError: unknown;

  #side = new AbortController();
  #debounce?: ReturnType<typeof setTimeout>;
  /** Pages shown (1 + each "Show more") of the query last loaded; a refresh loads as many again. */
  #pages = 1;
  #query?: string;
  #focused?: string;
  readonly #details = new MessageDetailsController(
    this,
    () => this.data.store.client,
    (m) => this.data.say(`Updated post: ${m.title}`),
  );

  protected readonly data = new DataController<MessageCenterData>(this, {
    args: () => [this.category, this.service, this.tag, this.major, this.actionRequired, this.maxItems, this.query],
    load: async (store, read, config) => {
      const tenant = pickTenant((await store.tenants(read)).tenants, config.tenant);
      if (!tenant) return { tenant: undefined };
      const params = this.#params();
      // Another query (tenant, filters, page size): back to the first page; a refresh keeps the pages.
      const query = tenant.tenantId + toQuery(params);
      if (query !== this.#query) this.#pages = 1;
      this.#query = query;
      const { client } = store;
      const [health, page] = await Promise.all([store.health(tenant.tenantId, read), client.messages(tenant.tenantId, params, read.signal)]);
      // A refresh loads again every page the reader had.
      const more: MessageSummary[] = [];
      let cursor = page.nextCursor;
      for (let n = 1; n < this.#pages && cursor; n++) {
        const next = await client.messages(tenant.tenantId, { ...params, cursor }, read.signal);
        more.push(...next.messages);
        cursor = next.nextCursor;
      }
      this.moreError = undefined;
      const all = [...page.messages, ...more];
      this.#details.refresh(tenant.tenantId, all);
      // The services to filter by: the tenant's, and any other a post names (OneDrive for Business…).
      const services = [...new Set([...health.services.map((s) => s.name), ...all.flatMap((m) => m.services)])].sort((a, b) => a.localeCompare(b));
      return { tenant, services, page, more: unique(page.messages, more), cursor };
    },
    detail: (value) => loadDetail(value.tenant ?? null, value.tenant ? value.page : { messages: [], nextCursor: null }),
    summary: (value) => {
      if (!value.tenant) return '';
      const n = value.page.messages.length;
      return `Message center updated: ${n} ${n === 1 ? 'post' : 'posts'}${value.page.nextCursor ? ' and more' : ''}`;
    },
  });

  #params(): MessagesQuery {
    return {
      category: this.category,
      service: this.service,
      tag: this.tag,
      q: this.query,
      major: this.major || undefined,
      actionRequired: this.actionRequired || undefined,
      limit: this.maxItems > 0 ? Math.min(100, Math.floor(this.maxItems)) : 20,
    };
  }

  /** Which post title has the focus before a render (see {@link updated}). */
  protected override willUpdate(): void {
    this.#focused = (this.shadowRoot?.activeElement as HTMLElement | null)?.dataset.message;
  }

  /** The post whose title had the focus before a render keeps it, wherever a refresh moved it. */
  protected override updated(): void {
    const id = this.#focused;
    if (id && (this.shadowRoot!.activeElement as HTMLElement | null)?.dataset.message !== id) this.#title(id)?.focus({ preventScroll: true });
  }

  #title(id: string): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>(`.item-title[data-message="${CSS.escape(id)}"]`);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#side.abort();
    this.#side = new AbortController();
    clearTimeout(this.#debounce);
    this.moreBusy = false;
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.data.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { value } = this.data;
    const c = this.data.config;
    const header = (extra: unknown = nothing) =>
      html`<div part="header" class="header">
        <h2 part="title" id="title">Message center${value?.tenant ? html` <span class="muted">· ${breakable(value.tenant.label)}</span>` : nothing}</h2>
        ${extra}
      </div>`;
    if (this.data.failed) return html`${header()}${failure('The Message center could not be loaded.', () => this.data.run(), this.data.error)}`;
    if (!value) return html`${header()}${loading('Loading the Message center')}`;
    if (!value.tenant) return html`${header()}${noTenant(c.tenant)}`;
    const items = [...value.page.messages, ...value.more];
    const { cursor, tenant } = value;
    const now = Date.now();
    return html`
      ${header(asOf(tenant.lastSyncAt, tenant.stale, c))}
      ${reauthNotice(tenant)}
      ${this.#filters(value.services)}
      ${items.length
        ? html`<ul part="list" class="list" aria-busy=${this.data.busy}>${items.map((m) => this.#item(m, tenant, now, c))}</ul>`
        : this.#filtered()
          ? html`<div part="empty" class="state">
              <p>No posts match these filters.</p>
              <button part="clear" class="btn" type="button" @click=${this.#clear}>Clear filters</button>
            </div>`
          : html`<div part="empty" class="state"><p>No Message center posts have been retrieved for this tenant yet.</p></div>`}
      ${this.moreError
        ? html`<div part="error" class="state" role="alert">
            <p>More posts could not be loaded. ${errorText(this.moreError)}</p>
            <button part="retry" class="btn" type="button" @click=${() => this.#more(tenant, cursor)}>Retry</button>
          </div>`
        : nothing}
      ${cursor
        ? html`<button part="more" class="btn more" type="button" aria-disabled=${this.moreBusy} @click=${() => this.#more(tenant, cursor)}>
            ${this.moreBusy ? 'Loading more…' : 'Show more'}
          </button>`
        : nothing}
      <div part="footer" class="footer">
        <a href=${ADMIN_MESSAGE_CENTER_URL} target="_blank" rel="noopener">Message center in the Microsoft 365 admin center ${externalIcon}</a>
      </div>
    `;
  }

  #filtered(): boolean {
    return !!(this.category || this.service || this.tag || this.query || this.major || this.actionRequired);
  }

  /** "Clear filters": every post, no search; focus on the first filter. */
  #clear = (): void => {
    clearTimeout(this.#debounce);
    this.category = this.service = this.tag = this.query = '';
    this.major = this.actionRequired = false;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[part~="filters"] select')?.focus());
  };

  #filters(services: string[]): TemplateResult {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    // A category or service given by attribute that no option names is an option of its own.
    const categories: string[] = CATEGORY_FILTERS.some((v) => same(v, this.category)) ? [...CATEGORY_FILTERS] : [this.category, ...CATEGORY_FILTERS];
    const options = this.service && !services.some((s) => same(s, this.service)) ? [this.service, ...services] : services;
    const value = (e: Event) => (e.target as HTMLSelectElement).value;
    return html`<form part="filters" class="filters" role="search" aria-label="Filter posts" @submit=${(e: Event) => e.preventDefault()}>
      <label
        >Category
        <select @change=${(e: Event) => (this.category = value(e))}>
          ${categories.map((v) => html`<option value=${v} ?selected=${same(v, this.category)}>${v ? categoryText(v) : 'All categories'}</option>`)}
        </select>
      </label>
      <label
        >Service
        <select @change=${(e: Event) => (this.service = value(e))}>
          <option value="" ?selected=${!this.service}>All services</option>
          ${options.map((s) => html`<option value=${s} ?selected=${same(s, this.service)}>${s}</option>`)}
        </select>
      </label>
      <label class="search"
        >Search
        <input type="search" .value=${this.query} @input=${this.#onSearch} @keydown=${this.#onSearchKey} />
      </label>
      <label class="check"
        ><input type="checkbox" .checked=${this.major} @change=${(e: Event) => (this.major = (e.target as HTMLInputElement).checked)} /> Major changes</label
      >
      <label class="check"
        ><input type="checkbox" .checked=${this.actionRequired} @change=${(e: Event) => (this.actionRequired = (e.target as HTMLInputElement).checked)} /> Action
        required</label
      >
      ${this.tag ? html`<span class="badge small">Tagged ${this.tag}</span>` : nothing}
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

  #item(m: MessageSummary, tenant: Tenant, now: number, c: ResolvedConfig): TemplateResult {
    const open = this.#details.open.has(m.id);
    const id = `post-${m.id.replace(/[^\w-]/g, '_')}`;
    const due = urgency(m.actionRequiredByDateTime, now);
    const severity = severityText(m.severity);
    return html`<li part="item" class="item">
      <h3>
        <button class="item-title" type="button" data-message=${m.id} aria-expanded=${open} aria-controls=${id} @click=${() => this.#toggle(m, tenant.tenantId)}>
          ${chevronIcon}<span>${m.title}</span>
        </button>
      </h3>
      <div class="meta small">
        ${due ? actBy(due, m.actionRequiredByDateTime, c) : nothing}
        <span part="category" class="badge">${categoryText(m.category)}</span>
        ${m.isMajorChange ? html`<span part="major" class="badge">Major change</span>` : nothing}
        ${severity ? html`<span class="badge">${severity}</span>` : nothing}
        <span>${m.services.join(', ')}</span>
        <span class="muted">${m.id}</span>
      </div>
      ${m.tags.length ? html`<ul part="tags" class="tags" aria-label="Tags">${m.tags.map((t) => html`<li part="tag" class="chip">${t}</li>`)}</ul>` : nothing}
      <p class="meta small muted"><span>Updated ${time(m.lastModifiedDateTime, c)}</span></p>
      <div part="details" class="details" id=${id} ?hidden=${!open}>${open ? this.#post(m, tenant) : nothing}</div>
    </li>`;
  }

  /** An opened post: loading, error with Retry, or its details and body; then its admin center link. */
  #post(m: MessageSummary, tenant: Tenant): TemplateResult {
    const d = this.#details.details.get(m.id);
    const body =
      !d || d.status === 'loading'
        ? loading('Loading the post')
        : d.status === 'error'
          ? failure('The post could not be loaded.', () => this.#details.load(m, tenant.tenantId), d.error)
          : html`${facts(d.value)}
              <div part="body" class="post-body" .innerHTML=${d.value.html}></div>`;
    return html`${body}
      <p class="small admin">
        <a part="admin-link" href=${adminMessageUrl(this.adminCenterUrl, tenant, m.id)} target="_blank" rel="noopener"
          >${m.id} in the Microsoft 365 admin center of ${breakable(tenant.label)} ${externalIcon}</a
        >
      </p>`;
  }

  /** Opens a post unless a listener cancels `o365-message-select`; closes an open one. */
  #toggle(message: MessageSummary, tenantId: string): void {
    if (!this.#details.open.has(message.id) && !emit(this, 'o365-message-select', { tenantId, message }, true)) return;
    this.#details.toggle(message, tenantId);
  }

  async #more(tenant: Tenant, cursor: string | null): Promise<void> {
    if (!cursor || this.moreBusy) return;
    this.moreBusy = true;
    this.moreError = undefined;
    try {
      const page = await this.data.store.client.messages(tenant.tenantId, { ...this.#params(), cursor }, this.#side.signal);
      const value = this.data.value;
      if (!value?.tenant || value.tenant.tenantId !== tenant.tenantId) return;
      // Shown at once, and loaded again by every refresh from now on.
      this.#pages++;
      this.#details.refresh(tenant.tenantId, page.messages);
      this.data.value = { ...value, more: unique(value.page.messages, [...value.more, ...page.messages]), cursor: page.nextCursor };
      const n = page.messages.length;
      this.data.say(`${n} more ${n === 1 ? 'post' : 'posts'} loaded`);
      emit(this, 'o365-load', loadDetail(value.tenant, page));
      // The reader goes on where the new posts start (the button may be gone).
      this.requestUpdate();
      await this.updateComplete;
      if (page.messages[0]) this.#title(page.messages[0].id)?.focus();
    } catch (error) {
      if (isAbortError(error)) return;
      this.moreError = error;
      emitError(this, error);
    } finally {
      this.moreBusy = false;
    }
  }
}

/** The `o365-load` detail. */
const loadDetail = (tenant: Tenant | null, page: MessagesResponse): O365LoadDetail =>
  ({ element: 'message-center', tenant, messages: page.messages, nextCursor: page.nextCursor }) satisfies MessageCenterLoadDetail;

/** An act-by date with its urgency in words and by icon shape (a clock while it is not close). */
function actBy(due: Urgency, at: string | null, c: ResolvedConfig): TemplateResult {
  const { level, text } = URGENCY_INFO[due];
  return html`<span part="status act-by act-by-${due}" class="status act-by level-${level}">${due === 'later' ? pendingIcon : LEVEL_ICONS[level]}<span>${text} ${time(at, c)}</span></span>`;
}

/** A URL with a line-break opportunity after each `/`, `.`, `?`, `&` and `=`, so it wraps between its parts. */
const url = (text: string): unknown[] => text.split(/(?<=[/.?&=])/).flatMap((p, i) => (i ? [html`<wbr>`, p] : [p]));

/** The details of a post: summary, roadmap links, platforms, then the others as name and value. */
function facts(detail: MessageDetail): TemplateResult | typeof nothing {
  const rows = detailRows(detail.details);
  return rows.length
    ? html`<dl part="facts" class="facts small">
        ${rows.map(
          (r) =>
            html`<dt>${r.name}</dt>
              <dd>${r.links ? r.links.map((l) => html`<a href=${l.href} target="_blank" rel="noopener">${url(l.text)} ${externalIcon}</a>`) : r.value}</dd>`,
        )}
      </dl>`
    : nothing;
}

/** `more` without the posts already in `first` (a refresh can move a post between pages). */
function unique(first: readonly MessageSummary[], more: readonly MessageSummary[]): MessageSummary[] {
  const seen = new Set(first.map((m) => m.id));
  return more.filter((m) => !seen.has(m.id) && seen.add(m.id));
}

customElements.define('o365-message-center', O365MessageCenter);

declare global {
  interface HTMLElementTagNameMap {
    'o365-message-center': O365MessageCenter;
  }
}
