import { html, nothing, type TemplateResult, type PropertyDeclarations } from 'lit';
import type { IssueSummary, Tenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { pickTenant } from '../internal/config.js';
import { DataController } from '../internal/data.js';
import { IssueDetailsController } from '../internal/details.js';
import { emit } from '../internal/events.js';
import { chevronIcon, externalIcon, renderStatus } from '../internal/icons.js';
import { classificationText, isHealthy, issueLevel, rank, statusText, type Level } from '../internal/status.js';
import { elementTokens, hostStyles, postStyles } from '../internal/styles.js';
import { ADMIN_HEALTH_URL, asOf, breakable, failure, issueDetails, loading, noTenant, reauthNotice, time } from '../internal/templates.js';
import { countText, filterServices, healthSummary, serviceRows } from './service-health.mapping.js';
import { serviceHealthStyles } from './service-health.styles.js';
import type { ServiceHealthData, ServiceRow } from './service-health.types.js';

/**
 * Current health of every Microsoft 365 service of a tenant, worst first, each row expanding to
 * its active issues; an issue opens in place to its post history, with a link to it in the
 * Microsoft 365 admin center (`admin-center-url`). Status levels and icons are the ones
 * `<o365-service-messages>` shows for the same issue.
 *
 * Discovery: `api-base`, `api-key` and `tenant` attributes, else the page-level default
 * (`window.O365Health = { apiBase, apiKey, tenant }` or `<meta name="o365-health"
 * content="api-base=…; api-key=…; tenant=…">`), else the origin this script was loaded from and
 * the first active tenant of `GET /api/tenants`.
 *
 * Themes: the light and dark theme files set the `--o365-*` page tokens. The server serves them
 * next to the bundle, `<link rel="stylesheet" href="https://health.example.com/widgets/light.css">`
 * (or `…/widgets/dark.css`); bundler users import `@o365-health/widgets/themes/light.css` (or `dark.css`).
 * Each `--o365-<element>-*` property below overrides a token for this element alone.
 *
 * @summary Microsoft 365 service health of a tenant.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, summary and "as of" line.
 * @csspart title - The heading.
 * @csspart summary - "All services are healthy" / "N services have issues".
 * @csspart as-of - The "as of" time line.
 * @csspart stale - The badge shown when the data is stale.
 * @csspart list - The list of services.
 * @csspart item - One service (also `item-healthy`, `item-advisory`, `item-degraded`, `item-critical`, `item-unknown`).
 * @csspart status - Icon and words of a status.
 * @csspart issues - The active issues of an expanded service.
 * @csspart issue - One active issue.
 * @csspart details - An opened issue: its post history and admin center link.
 * @csspart timeline - The posts of an opened issue.
 * @csspart post - One post.
 * @csspart admin-link - An opened issue's link to it in the Microsoft 365 admin center.
 * @csspart time-zone - "times in …": the zone of every time shown.
 * @csspart loading - The loading state.
 * @csspart empty - The empty and no-tenant states (`no-tenant` too).
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart notice - The re-authorization notice (`reauth` too).
 * @csspart footer - Links to the Microsoft 365 admin center.
 *
 * @cssprop --o365-service-health-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-service-health-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-service-health-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-service-health-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-service-health-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-service-health-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-service-health-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-service-health-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<HealthLoadDetail>} o365-load - Health data loaded (also after each refresh).
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365IssueSelectDetail>} o365-issue-select - The user opened an active issue; cancel it to stop the default (showing its post history in place).
 */
export class O365ServiceHealth extends O365Element {
  /** Lit's reactive properties (`attribute: false`: internal state). Declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip of its 20 KB budget. */
  static override properties: PropertyDeclarations = {
    tenant: {},
    services: {},
    hideHealthy: { attribute: 'hide-healthy', type: Boolean, reflect: true },
    compact: { type: Boolean, reflect: true },
    adminCenterUrl: { attribute: 'admin-center-url' },
    expanded: { attribute: false },
  };

  static override styles = [elementTokens('service-health'), hostStyles, postStyles, serviceHealthStyles];

  /** Tenant id or label to show, or `selected`: the tenant selected in `<o365-tenant-overview>` on the page (the first active one until a tenant is selected); else the page default, else the first active tenant. */
  tenant = '';

  /** Comma-separated service ids or names to show (e.g. `Exchange, Microsoft Teams`); all when empty. */
  services = '';

  /** Leaves healthy services out of the list. */
  hideHealthy = false;

  /** A dense single-column list, whatever the width. */
  compact = false;

  /**
   * Admin center link of an opened issue: a URL template with `{issueId}`, `{tenantId}` and
   * `{tenant}` (the label); default Microsoft's service health issue link.
   */
  adminCenterUrl = '';

  private expanded = new Set<string>();

  readonly #details = new IssueDetailsController(
    this,
    () => this.data.store,
    (issue) => this.data.say(`New update: ${issue.title}`),
  );

  protected readonly data = new DataController<ServiceHealthData>(this, {
    load: async (store, read, config) => {
      const tenant = pickTenant((await store.tenants(read)).tenants, config.tenant);
      if (!tenant) return { tenant: undefined, health: undefined };
      const health = await store.health(tenant.tenantId, read);
      this.#details.refresh(tenant.tenantId, health.services.flatMap((sv) => sv.issues));
      return { tenant, health };
    },
    detail: (value) => ({ element: 'service-health', tenant: value.tenant ?? null, health: value.health ?? null }),
    summary: (value) => (value.health ? `Service health updated: ${healthSummary(this.#rows(value))}` : ''),
  });

  #rows(value: ServiceHealthData): ServiceRow[] {
    return value.health ? serviceRows(filterServices(value.health.services, this.services)) : [];
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.data.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { value } = this.data;
    const c = this.data.config;
    const title = html`<h2 part="title" id="title">Microsoft 365 service health${value?.tenant ? html` <span class="muted">· ${breakable(value.tenant.label)}</span>` : nothing}</h2>`;
    const header = html`<div part="header" class="header">${title}</div>`;
    if (this.data.failed) return html`${header}${failure('Service health could not be loaded.', () => this.data.run(), this.data.error)}`;
    if (!value) return html`${header}${loading('Loading service health')}`;
    if (!value.tenant) return html`${header}${noTenant(c.tenant)}`;
    const all = this.#rows(value);
    const rows = this.hideHealthy ? all.filter((r) => r.level !== 'healthy') : all;
    const summaryLevel: Level = all.find((r) => r.level !== 'healthy')?.level ?? 'healthy';
    return html`
      <div part="header" class="header">
        ${title}
        <p part="summary" class="summary">${renderStatus(summaryLevel, healthSummary(all))}</p>
        ${asOf(value.health.syncedAt ?? value.tenant.lastSyncAt, value.health.stale || value.tenant.stale, c)}
      </div>
      ${reauthNotice(value.tenant)}
      ${rows.length
        ? html`<ul part="list" class="list">${rows.map((r) => this.#row(r, value.tenant))}</ul>`
        : html`<div part="empty" class="state"><p>${this.#emptyText(all.length, value.health.services.length)}</p></div>`}
      <div part="footer" class="footer">
        <a href=${ADMIN_HEALTH_URL} target="_blank" rel="noopener">Service health in the Microsoft 365 admin center ${externalIcon}</a>
        <a href="https://admin.microsoft.com/#/healthoverview" target="_blank" rel="noopener">Health overview ${externalIcon}</a>
      </div>
    `;
  }

  #emptyText(shown: number, total: number): string {
    if (!total) return 'No service health has been retrieved for this tenant yet. It appears after the first sync.';
    if (!shown) return 'None of the selected services was found.';
    return 'All services are healthy';
  }

  #row(row: ServiceRow, tenant: Tenant): TemplateResult {
    const { service, level } = row;
    const open = this.expanded.has(service.id);
    const id = `issues-${service.id.replace(/[^\w-]/g, '_')}`;
    const active = service.issues.filter((i) => !i.isResolved);
    const content = html`
      <span class="name">${service.name}</span>
      ${renderStatus(level, this.#statusWords(row))}
      ${row.incidents || row.advisories ? html`<span class="counts muted small">${countText(row.incidents, row.advisories)}</span>` : nothing}
    `;
    return html`<li part="item item-${level}" class="item ${open ? 'open' : ''}">
      ${active.length
        ? html`<button class="row" type="button" aria-expanded=${open} aria-controls=${id} @click=${() => this.#toggle(service.id)}>
              ${chevronIcon} ${content}
            </button>
            <ul part="issues" class="issues" id=${id} ?hidden=${!open}>
              ${open ? active.map((i) => this.#issue(i, tenant)) : nothing}
            </ul>`
        : html`<div class="row">${content}</div>`}
    </li>`;
  }

  /** The service's own status words; when it says healthy but has active issues, the worst issue's. */
  #statusWords(row: ServiceRow): string {
    const { service } = row;
    if (!isHealthy(service.status) || row.level === 'healthy') return statusText(service.status);
    const worstIssue = service.issues
      .filter((i) => !i.isResolved)
      .sort((a, b) => rank(issueLevel(b.status, b.classification)) - rank(issueLevel(a.status, a.classification)))[0];
    return statusText(worstIssue?.status ?? service.status);
  }

  #issue(issue: IssueSummary, tenant: Tenant): TemplateResult {
    const open = this.#details.open.has(issue.id);
    const id = `posts-${issue.id.replace(/[^\w-]/g, '_')}`;
    return html`<li part="issue" class="issue">
      <button class="issue-title" type="button" aria-expanded=${open} aria-controls=${id} @click=${() => this.#select(tenant.tenantId, issue)}>
        ${issue.title}
      </button>
      <div class="issue-meta small">
        ${renderStatus(issueLevel(issue.status, issue.classification), statusText(issue.status))}
        <span class="badge">${classificationText(issue.classification)}</span>
        <span class="muted">${issue.id} · Updated ${time(issue.lastModifiedDateTime, this.data.config)}</span>
      </div>
      <div part="details" class="details small" id=${id} ?hidden=${!open}>
        ${open ? issueDetails(this.#details, issue, tenant, this.adminCenterUrl, this.data.config) : nothing}
      </div>
    </li>`;
  }

  /** Fires `o365-issue-select` when opening; unless a listener cancels it, the issue opens in place to its post history. */
  #select(tenantId: string, issue: IssueSummary): void {
    if (this.#details.open.has(issue.id) || emit(this, 'o365-issue-select', { tenantId, issue }, true)) this.#details.toggle(issue, tenantId);
  }

  #toggle(id: string): void {
    const next = new Set(this.expanded);
    if (!next.delete(id)) next.add(id);
    this.expanded = next;
  }
}

customElements.define('o365-service-health', O365ServiceHealth);

declare global {
  interface HTMLElementTagNameMap {
    'o365-service-health': O365ServiceHealth;
  }
}
