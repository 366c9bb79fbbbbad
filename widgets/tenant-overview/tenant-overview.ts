import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { OverviewResponse, OverviewTenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import type { ResolvedConfig } from '../internal/config.js';
import { DataController } from '../internal/data.js';
import { emit } from '../internal/events.js';
import { chevronIcon, LEVEL_ICONS, renderStatus } from '../internal/icons.js';
import { selectedTenant, selectTenant } from '../internal/selection.js';
import { classificationText, issueLevel, statusText } from '../internal/status.js';
import { elementTokens, hostStyles } from '../internal/styles.js';
import { breakable, failure, loading, noTenant, time, zone } from '../internal/templates.js';
import { countText } from '../service-health/service-health.mapping.js';
import { affectedText, authorizationText, overviewSummary, SEARCH_FROM, searchRows, servicesText, severity, sharedIssues, shownTenant, tenantRows } from './tenant-overview.mapping.js';
import { tenantOverviewStyles } from './tenant-overview.styles.js';
import type { SharedIssue, TenantRow } from './tenant-overview.types.js';

const STEP: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };

/**
 * Every Microsoft 365 tenant the API key's organisation sees, at once (`GET /api/overview`): one
 * row per tenant (a tile in a tile narrower than 36rem, or with `compact`) with its label and
 * name, its worst current level (icon shape and words, as the uptime bars name them), its active
 * incidents and advisories, how many services are affected, and marks for stale data and an
 * authorization to renew; worst first, then by label. Above six tenants a search box filters them
 * by label, name or id. Under the tenants, the active issues that reach several of them, each
 * with "N tenants affected", opening to the labels of those tenants.
 *
 * Selecting a tenant (click, Enter or Space) fires a cancelable `o365-tenant-select`. Unless a
 * listener cancels it, the tenant becomes the page's selected tenant for this API base, which
 * every widget with `tenant="selected"` shows (`<o365-service-health>`, `<o365-service-messages>`,
 * `<o365-service-uptime>`, `<o365-message-center>`), without host code. The selection lasts for
 * the browser tab's session (a reload keeps it); before one is made, those widgets show the first
 * active tenant, as discovery picks it, and the overview marks that one. The tenant they show is
 * marked `aria-current="true"` and "Selected".
 *
 * Keyboard: the tenants are one tab stop; arrow keys move between them, Home and End to the first
 * and last, Enter or Space selects.
 *
 * Discovery (`api-base`, `api-key`, page defaults, the script's origin), themes and the
 * `--o365-*` page tokens: as `<o365-service-health>`.
 *
 * @summary All Microsoft 365 tenants of the organisation at once; selecting one sets the page's tenant.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, summary and time zone.
 * @csspart title - The heading.
 * @csspart summary - "All tenants are healthy" / "N of M tenants have issues".
 * @csspart time-zone - "times in …": the zone of every time shown.
 * @csspart search - The search box and its count (more than six tenants).
 * @csspart search-input - The search field.
 * @csspart list - The list of tenants.
 * @csspart item - One tenant (also `item-healthy`, `item-advisory`, `item-degraded`, `item-critical`, `item-unknown`).
 * @csspart tenant - A tenant's button: selecting it selects the tenant.
 * @csspart label - A tenant's label.
 * @csspart name - A tenant's display name at Microsoft.
 * @csspart status - Icon and words of a level or status.
 * @csspart counts - A tenant's active incidents and advisories.
 * @csspart services - How many of a tenant's services are affected.
 * @csspart selected - The "Selected" mark of the tenant the following widgets show.
 * @csspart stale - The mark of a tenant whose data is stale.
 * @csspart reauth - The mark of a tenant whose authorization needs to be renewed.
 * @csspart shared - The issues that reach several tenants.
 * @csspart incidents - Their list.
 * @csspart incident - One of them.
 * @csspart affected - "N tenants affected".
 * @csspart affected-tenants - The labels of the tenants an opened issue reaches.
 * @csspart loading - The loading state.
 * @csspart empty - The no-tenant state (`no-tenant` too), and no search match (`no-match`).
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 *
 * @cssprop --o365-tenant-overview-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-tenant-overview-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-tenant-overview-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-tenant-overview-border-color - Borders (default `--o365-color-border`).
 * @cssprop --o365-tenant-overview-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-tenant-overview-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-tenant-overview-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-tenant-overview-font-size - Base font size (default `--o365-font-size`).
 *
 * @fires {CustomEvent<OverviewLoadDetail>} o365-load - The overview loaded (also after each refresh).
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365TenantSelectDetail>} o365-tenant-select - The user selected a tenant (`detail.tenantId`); cancel it to stop the default (making it the page's selected tenant, which widgets with `tenant="selected"` show).
 */
export class O365TenantOverview extends O365Element {
  /** Lit's reactive properties, declared without decorators (bundle budget, as the other elements). */
  static override properties: PropertyDeclarations = {
    compact: { type: Boolean, reflect: true },
    query: { attribute: false },
    expanded: { attribute: false },
  };

  static override styles = [elementTokens('tenant-overview'), hostStyles, tenantOverviewStyles];

  /** Tenants as tiles of a grid, whatever the width. */
  compact = false;

  private query = '';
  private expanded = new Set<string>();
  /** The roving tab stop: the tenant that takes focus on Tab (default the selected one). */
  #focus?: string;

  protected readonly data = new DataController<OverviewResponse>(this, {
    load: (store, read) => store.overview(read),
    detail: (overview) => ({ element: 'tenant-overview', overview }),
    summary: (o) => (o.tenants.length ? `Tenant overview updated: ${overviewSummary(o.tenants)}` : ''),
  });

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.data.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { value } = this.data;
    const c = this.data.config;
    const title = html`<h2 part="title" id="title">Microsoft 365 tenants</h2>`;
    const header = html`<div part="header" class="header">${title}</div>`;
    if (this.data.failed) return html`${header}${failure('The tenant overview could not be loaded.', () => this.data.run(), this.data.error)}`;
    if (!value) return html`${header}${loading('Loading the tenant overview')}`;
    if (!value.tenants.length) return html`${header}${noTenant(undefined)}`;
    const rows = tenantRows(value.tenants);
    const shown = searchRows(rows, this.query);
    const current = shownTenant(value.tenants, selectedTenant(c.apiBase));
    const stop = shown.find((r) => r.tenant.tenantId === this.#focus) ?? shown.find((r) => r.tenant.tenantId === current) ?? shown[0];
    return html`
      <div part="header" class="header">
        ${title}
        <p part="summary" class="summary">${renderStatus(severity(rows[0]!.tenant.level) > 1 ? rows[0]!.level : 'healthy', overviewSummary(value.tenants))}</p>
        <p class="muted small">${zone(c)}</p>
      </div>
      ${rows.length > SEARCH_FROM
        ? html`<div part="search" class="search">
            <label for="search">Search tenants</label>
            <input part="search-input" id="search" type="search" autocomplete="off" aria-describedby="found" .value=${this.query} @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)} />
            <p id="found" class="muted small">${shown.length === rows.length ? `${rows.length} tenants` : `${shown.length} of ${rows.length} tenants`}</p>
          </div>`
        : nothing}
      ${shown.length
        ? html`<ul part="list" class="list" aria-label="Tenants" @keydown=${this.#onKey}>${shown.map((r) => this.#row(r, r.tenant.tenantId === current, r === stop, c))}</ul>`
        : html`<div part="empty no-match" class="state"><p>No tenant matches “${this.query.trim()}”.</p></div>`}
      ${this.#shared(sharedIssues(value.issues, value.tenants))}
    `;
  }

  #row(r: TenantRow, selected: boolean, stop: boolean, c: ResolvedConfig): TemplateResult {
    const t = r.tenant;
    const auth = authorizationText(String(t.authorizationStatus));
    const services = servicesText(t.affectedServices);
    return html`<li part="item item-${r.level}" class="item">
      <button
        part="tenant"
        class="tenant"
        type="button"
        tabindex=${stop ? 0 : -1}
        aria-current=${selected ? 'true' : nothing}
        @focus=${() => this.#moveTo(t.tenantId)}
        @click=${() => this.#select(t)}
      >
        <span class="who"><span part="label" class="label">${breakable(t.label)}</span> ${t.displayName && t.displayName !== t.label ? html`<span part="name" class="muted small">${t.displayName}</span>` : nothing}</span>
        ${renderStatus(r.level, r.levelText)}
        <span class="facts small">
          <span part="counts">${countText(t.activeIncidents, t.activeAdvisories) || 'No active issues'}</span>
          ${services ? html`<span part="services">${services}</span>` : nothing}
          <span class="muted">${t.syncedAt ? html`synced ${time(t.syncedAt, c)}` : 'not synced yet'}</span>
          <span class="marks">${selected ? html`<span part="selected" class="badge" aria-hidden="true">Selected</span>` : nothing}${t.stale ? html`<span part="stale" class="badge">Stale</span>` : nothing}${auth ? html`<span part="reauth" class="badge level-degraded">${LEVEL_ICONS.degraded} ${auth}</span>` : nothing}</span>
        </span>
      </button>
    </li>`;
  }

  /** The active issues reaching several tenants, each opening to their labels. */
  #shared(list: SharedIssue[]): TemplateResult | typeof nothing {
    if (!list.length) return nothing;
    return html`<section part="shared" class="shared" aria-labelledby="shared-title">
      <h3 id="shared-title">Issues in several tenants</h3>
      <ul part="incidents">
        ${list.map(({ issue, labels }) => {
          const open = this.expanded.has(issue.id);
          const id = `tenants-${issue.id.replace(/[^\w-]/g, '_')}`;
          return html`<li part="incident" class="issue">
            <button class="issue-row" type="button" aria-expanded=${open} aria-controls=${id} @click=${() => this.#toggle(issue.id)}>
              ${chevronIcon}<span class="issue-title">${issue.title}</span>
              <span class="issue-meta small">
                <span class="muted">${issue.id} · ${issue.service} · ${classificationText(issue.classification)}</span>
                ${renderStatus(issueLevel(issue.status, issue.classification), statusText(issue.status))}
                <strong part="affected">${affectedText(issue.tenantIds.length)}</strong>
              </span>
            </button>
            ${open
              ? html`<ul part="affected-tenants" id=${id} class="affected-tenants small" aria-label=${`Tenants affected by ${issue.id}`}>
                  ${labels.map((l) => html`<li class="badge">${breakable(l)}</li>`)}
                </ul>`
              : nothing}
          </li>`;
        })}
      </ul>
    </section>`;
  }

  /** Fires `o365-tenant-select`; unless cancelled, makes the tenant the page's selected tenant. */
  #select(t: OverviewTenant): void {
    if (!emit(this, 'o365-tenant-select', { tenantId: t.tenantId }, true)) return;
    selectTenant(this.data.config.apiBase, t.tenantId);
    this.data.say(`${t.label} selected`);
  }

  #toggle(id: string): void {
    const next = new Set(this.expanded);
    if (!next.delete(id)) next.add(id);
    this.expanded = next;
  }

  #moveTo(tenantId: string): void {
    if (tenantId === this.#focus) return;
    this.#focus = tenantId;
    this.requestUpdate();
  }

  /** Roving tab stop over the tenants shown. */
  #onKey = (e: KeyboardEvent): void => {
    const from = (e.target as HTMLElement).closest<HTMLElement>('.tenant');
    if (!from || !(e.key in STEP || e.key === 'Home' || e.key === 'End')) return;
    e.preventDefault();
    const all = [...this.renderRoot.querySelectorAll<HTMLElement>('.tenant')];
    const i = e.key === 'Home' ? 0 : e.key === 'End' ? all.length - 1 : all.indexOf(from) + STEP[e.key]!;
    all[Math.min(all.length - 1, Math.max(0, i))]?.focus();
  };
}

customElements.define('o365-tenant-overview', O365TenantOverview);

declare global {
  interface HTMLElementTagNameMap {
    'o365-tenant-overview': O365TenantOverview;
  }
}
