import { html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import type { HistoryDay, ServiceHistory, Tenant } from '../api/types.js';
import { O365Element } from '../internal/base.js';
import { pickTenant } from '../internal/config.js';
import { DataController } from '../internal/data.js';
import { emit } from '../internal/events.js';
import { externalIcon, LEVEL_ICONS } from '../internal/icons.js';
import { DAY_LEVEL_INFO, dayLevel } from '../internal/status.js';
import { elementTokens, hostStyles } from '../internal/styles.js';
import { adminIssueUrl, asOf, breakable, failure, loading, noTenant, reauthNotice } from '../internal/templates.js';
import { filterServices } from '../service-health/service-health.mapping.js';
import { availabilityText, dayLabel, dayName, validZone } from './service-uptime.mapping.js';
import { serviceUptimeStyles } from './service-uptime.styles.js';
import type { DayPosition, OpenedDay, ServiceUptimeData } from './service-uptime.types.js';

const KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End'];

/**
 * Day-by-day history of every Microsoft 365 service of a tenant, as on a status page: one row per
 * service with its availability over the window and one bar per calendar day (in `time-zone`),
 * the bar's level shown by colour and pattern (a legend names them) and in its tooltip and
 * accessible name. The server keeps issues after Microsoft drops them (about 30 days), so the
 * days before the tenant's earliest known data are honestly "no data".
 *
 * Keyboard: the bars are one tab stop; arrow keys move between days and services, Home and End
 * to the first and last day; Enter or Space on a day with issues fires `o365-issue-select`, and
 * unless a listener cancels it, lists that day's issues with their admin center links.
 * A tile narrower than 360 px shows the last 30 days.
 *
 * Discovery, themes and the `--o365-*` page tokens: as `<o365-service-health>`.
 *
 * @summary Day-by-day uptime bars and availability of a tenant's Microsoft 365 services.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, window and "as of" line.
 * @csspart title - The heading.
 * @csspart summary - "Last 90 days" (or "Last 30 days" in a narrow tile).
 * @csspart as-of - The "as of" time line.
 * @csspart stale - The badge shown when the data is stale.
 * @csspart list - The list of services.
 * @csspart item - One service: its name, availability and days.
 * @csspart name - A service's name.
 * @csspart availability - A service's availability over the window ("99.95%", "no data").
 * @csspart days - A service's bars.
 * @csspart day - One day's bar (also `day-operational`, `day-advisory`, `day-degradation`, `day-interruption`, `day-nodata`).
 * @csspart axis - The oldest and newest day under the bars.
 * @csspart tooltip - The words of the focused day.
 * @csspart legend - What each colour and pattern means.
 * @csspart issues - The issues of an opened day, with their admin center links.
 * @csspart time-zone - "times in …": the zone of every time and day shown.
 * @csspart loading - The loading state.
 * @csspart empty - The empty and no-tenant states (`no-tenant` too).
 * @csspart error - The error state.
 * @csspart retry - The Retry button.
 * @csspart notice - The re-authorization notice (`reauth` too).
 *
 * @cssprop --o365-service-uptime-background - Card background (default `--o365-color-surface`).
 * @cssprop --o365-service-uptime-color - Text colour (default `--o365-color-text`).
 * @cssprop --o365-service-uptime-muted-color - Secondary text (default `--o365-color-text-muted`).
 * @cssprop --o365-service-uptime-border-color - Borders and "no data" bars (default `--o365-color-border`).
 * @cssprop --o365-service-uptime-radius - Corner radius (default `--o365-radius`).
 * @cssprop --o365-service-uptime-padding - Card padding (default `--o365-space`).
 * @cssprop --o365-service-uptime-font-family - Font (default `--o365-font-family`).
 * @cssprop --o365-service-uptime-font-size - Base font size (default `--o365-font-size`).
 * @cssprop --o365-service-uptime-bar-height - Height of a day's bar (default `28px`).
 * @cssprop --o365-service-uptime-bar-gap - Space between bars (default `1px`).
 *
 * @fires {CustomEvent<UptimeLoadDetail>} o365-load - History loaded (also after each refresh).
 * @fires {CustomEvent<O365ErrorDetail>} o365-error - Loading failed; `detail.status` is the HTTP status (0: network).
 * @fires {CustomEvent<O365DayIssuesSelectDetail>} o365-issue-select - The user opened a day with issues (`detail.issueIds`); cancel it to stop the default (listing them under the bars).
 */
export class O365ServiceUptime extends O365Element {
  /** Lit's reactive properties, declared without decorators (bundle budget, as the other elements). */
  static override properties: PropertyDeclarations = {
    tenant: {},
    services: {},
    days: { type: Number },
    adminCenterUrl: { attribute: 'admin-center-url' },
  };

  static override styles = [elementTokens('service-uptime'), hostStyles, serviceUptimeStyles];

  /** Tenant id or label to show, or `selected`: the tenant selected in `<o365-tenant-overview>` on the page (the first active one until a tenant is selected); else the page default, else the first active tenant. */
  tenant = '';

  /** Comma-separated service ids or names to show (e.g. `Exchange, Microsoft Teams`); all when empty. */
  services = '';

  /** Calendar days to show, 1–400 (default 90); a tile narrower than 360 px shows the last 30. */
  days = 90;

  /** Admin center link of an opened day's issue: a URL template with `{issueId}`, `{tenantId}` and `{tenant}`. */
  adminCenterUrl = '';

  /** The roving tab stop: the bar that takes focus on Tab (default the newest day of the first service). */
  #active?: DayPosition;
  #opened?: OpenedDay;

  protected readonly data = new DataController<ServiceUptimeData>(this, {
    args: (): unknown[] => [this.#days(), validZone(this.data.config.timeZone)],
    load: async (store, read, config) => {
      const tenant = pickTenant((await store.tenants(read)).tenants, config.tenant);
      if (!tenant) return { tenant: undefined, history: undefined };
      const history = await store.history(tenant.tenantId, { days: this.#days(), timeZone: validZone(config.timeZone) }, read);
      return { tenant, history };
    },
    detail: (value) => ({ element: 'service-uptime', tenant: value.tenant ?? null, history: value.history ?? null }),
    // An opened day stays open across refreshes, not across tenants.
    loaded: (value) => {
      if (this.#opened?.tenantId !== value.tenant?.tenantId) this.#opened = undefined;
    },
  });

  /** `days` as the API takes it: a whole number from 1 to 400. */
  #days(): number {
    const n = Math.round(Number(this.days));
    return Number.isFinite(n) ? Math.min(400, Math.max(1, n)) : 90;
  }

  override render(): TemplateResult {
    return html`<section part="base" class="base" aria-labelledby="title">${this.#body()} ${this.data.renderLive()}</section>`;
  }

  #body(): TemplateResult {
    const { value } = this.data;
    const c = this.data.config;
    const title = html`<h2 part="title" id="title">Service uptime${value?.tenant ? html` <span class="muted">· ${breakable(value.tenant.label)}</span>` : nothing}</h2>`;
    const header = html`<div part="header" class="header">${title}</div>`;
    if (this.data.failed) return html`${header}${failure('Service uptime could not be loaded.', () => this.data.run(), this.data.error)}`;
    if (!value) return html`${header}${loading('Loading service uptime')}`;
    if (!value.tenant) return html`${header}${noTenant(c.tenant)}`;
    const rows = filterServices(value.history.services, this.services);
    const count = rows[0]?.days.length ?? this.#days();
    return html`
      <div part="header" class="header">
        ${title}
        <p part="summary" class="summary">
          <span class="wide">Last ${count} ${count === 1 ? 'day' : 'days'}</span><span class="narrow">Last ${Math.min(30, count)} days</span>
        </p>
        ${asOf(value.tenant.lastSyncAt, value.tenant.stale, c)}
      </div>
      ${reauthNotice(value.tenant)}
      ${rows.length ? this.#chart(rows, value.tenant) : html`<div part="empty" class="state"><p>${this.#emptyText(value.history.services.length)}</p></div>`}
    `;
  }

  #emptyText(total: number): string {
    return total
      ? 'None of the selected services was found.'
      : 'No service history has been retrieved for this tenant yet. It appears after the first sync.';
  }

  #chart(rows: ServiceHistory[], tenant: Tenant): TemplateResult {
    const locale = this.data.config.locale;
    const last = rows[0]!.days.length - 1;
    const row = Math.min(this.#active?.row ?? 0, rows.length - 1);
    const at: DayPosition = { row, day: Math.min(this.#active?.day ?? last, rows[row]!.days.length - 1) };
    const focused = rows[at.row]!.days[at.day];
    const first = rows[0]!.days;
    return html`
      <ul part="list" class="list" @keydown=${this.#onKey}>
        ${rows.map(
          (s, r) => html`<li part="item" class="item">
            <div class="row-head">
              <span part="name" class="name">${s.name}</span>
              <span part="availability" class="availability">${availabilityText(s.availability, locale)}</span>
            </div>
            <div part="days" class="days" role="group" aria-label=${`${s.name}, availability ${availabilityText(s.availability, locale)}`}>
              ${s.days.map((d, i) => this.#day(s, d, r, i, at, locale))}
            </div>
          </li>`,
        )}
      </ul>
      ${first.length
        ? html`<p part="axis" class="axis muted small" aria-hidden="true">
            <span class="wide">${dayLabel(first[0]!.date, locale)}</span><span class="narrow">${dayLabel(first[Math.max(0, first.length - 30)]!.date, locale)}</span>
            <span>${dayLabel(first.at(-1)!.date, locale)}</span>
          </p>`
        : nothing}
      <p part="tooltip" class="tip small" aria-hidden="true">${focused ? dayName(rows[at.row]!.name, focused, locale) : nothing}</p>
      ${this.#issues(tenant)}
      <ul part="legend" class="legend small" aria-label="Legend">
        ${Object.entries(DAY_LEVEL_INFO).map(([key, info]) => html`<li class="level-${info.level}"><span class="swatch d-${key}"></span>${LEVEL_ICONS[info.level]} ${info.text}</li>`)}
      </ul>
    `;
  }

  #day(s: ServiceHistory, d: HistoryDay, r: number, i: number, at: DayPosition, locale: string | undefined): TemplateResult {
    const name = dayName(s.name, d, locale);
    const known = Object.hasOwn(DAY_LEVEL_INFO, d.level) ? d.level : 'nodata';
    return html`<button
      part="day day-${known}"
      class="day d-${known} level-${dayLevel(d.level).level}"
      type="button"
      data-row=${r}
      data-day=${i}
      tabindex=${r === at.row && i === at.day ? 0 : -1}
      aria-label=${name}
      title=${name}
      @focus=${() => this.#moveTo({ row: r, day: i })}
      @click=${() => this.#open(s, d)}
    ></button>`;
  }

  /** The issues of the opened day, each with its link in the Microsoft 365 admin center. */
  #issues(tenant: Tenant): TemplateResult | typeof nothing {
    const o = this.#opened;
    if (!o) return nothing;
    return html`<div part="issues" class="issues small">
      <p><strong>${o.service.name}, ${dayLabel(o.day.date, this.data.config.locale)}</strong></p>
      <ul>
        ${o.day.issueIds.map(
          (id) => html`<li><a href=${adminIssueUrl(this.adminCenterUrl, tenant, id)} target="_blank" rel="noopener">${id} in the Microsoft 365 admin center ${externalIcon}</a></li>`,
        )}
      </ul>
    </div>`;
  }

  #moveTo(at: DayPosition): void {
    if (at.row === this.#active?.row && at.day === this.#active?.day) return;
    this.#active = at;
    this.requestUpdate();
  }

  /** Fires `o365-issue-select` for a day with issues; unless cancelled, lists them. */
  #open(service: ServiceHistory, day: HistoryDay): void {
    const tenantId = this.data.value?.tenant?.tenantId;
    if (!day.issueIds.length || !tenantId) return;
    if (emit(this, 'o365-issue-select', { tenantId, issueIds: [...day.issueIds], service: { id: service.id, name: service.name }, date: day.date }, true)) {
      this.#opened = { tenantId, service, day };
      this.requestUpdate();
    }
  }

  /** Roving tab stop over the bars the tile shows (a narrow tile hides the older ones). */
  #onKey = (e: KeyboardEvent): void => {
    const bar = (e.target as HTMLElement).closest<HTMLElement>('.day');
    if (!bar || !KEYS.includes(e.key)) return;
    e.preventDefault();
    const rows = [...this.renderRoot.querySelectorAll<HTMLElement>('.days')];
    let r = Number(bar.dataset.row);
    const visible = (row: number) => [...rows[row]!.querySelectorAll<HTMLElement>('.day')].filter((b) => b.checkVisibility());
    let list = visible(r);
    let i = list.indexOf(bar);
    if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
    else if (e.key === 'ArrowRight') i = Math.min(list.length - 1, i + 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = list.length - 1;
    else {
      r = Math.min(rows.length - 1, Math.max(0, r + (e.key === 'ArrowDown' ? 1 : -1)));
      const from = list.length - i;
      list = visible(r);
      i = Math.max(0, list.length - from);
    }
    list[i]?.focus();
  };
}

customElements.define('o365-service-uptime', O365ServiceUptime);

declare global {
  interface HTMLElementTagNameMap {
    'o365-service-uptime': O365ServiceUptime;
  }
}
