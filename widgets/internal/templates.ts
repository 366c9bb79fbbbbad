import { html, nothing, type TemplateResult } from 'lit';
import { ApiError } from '../api/client.js';
import type { IssueSummary, Tenant, Timestamp } from '../api/types.js';
import type { ResolvedConfig } from './config.js';
import type { IssueDetailsController } from './details.js';
import { formatDateTime, formatRelative, isoString, zoneName } from './format.js';
import { externalIcon, LEVEL_ICONS } from './icons.js';

/**
 * The states and pieces every element renders the same way (loading, error with Retry, no tenant,
 * re-authorization, "as of", times, post history, admin center link): plain template functions.
 */

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

/** Words for a failed load, by status. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return 'The service health server could not be reached. Check the connection, then retry.';
    if (error.status === 401) return 'The API key was refused. Check the api-key attribute or the page default.';
    return error.message;
  }
  return 'Something went wrong.';
}

/** A timestamp in the element's locale and time zone. */
export const time = (value: Timestamp, c: ResolvedConfig): TemplateResult =>
  html`<time datetime=${isoString(value)}>${formatDateTime(value, c)}</time>`;

/** "times in UTC": the one zone every time of a view is shown in. */
export const zone = (c: ResolvedConfig): TemplateResult => html`<span part="time-zone">times in ${zoneName(c)}</span>`;

/** "as of 2 May 2024, 22:36 · 4 minutes ago · times in UTC", with a "Stale" badge when the server says the data is old. */
export function asOf(at: Timestamp, stale: boolean, c: ResolvedConfig): TemplateResult {
  const age = formatRelative(at, Date.now(), c.locale);
  return html`<p part="as-of" class="muted small">
    as of ${time(at, c)}${age ? html` · <span class="age">${age}</span>` : nothing} · ${zone(c)}
    ${stale ? html`<span part="stale" class="badge">Stale: the last update failed or is late</span>` : nothing}
  </p>`;
}

/** The loading state: a labelled progress indicator. */
export const loading = (label: string): TemplateResult => html`<div part="loading" class="state">
  <div class="spinner" role="progressbar" aria-label=${label}></div>
  <span class="muted">${label}…</span>
</div>`;

/** The error state (`role="alert"`) with its Retry button. */
export const failure = (what: string, retry: () => unknown, error: unknown): TemplateResult => html`<div part="error" class="state" role="alert">
  <p><strong>${what}</strong></p>
  <p class="muted">${errorText(error)}</p>
  <button part="retry" class="btn" type="button" @click=${retry}>Retry</button>
</div>`;

/** No tenant connected yet (or none matches `wanted`), with a hint for admins. */
export const noTenant = (wanted: string | undefined): TemplateResult => html`<div part="empty no-tenant" class="state">
  ${wanted
    ? html`<p><strong>No connected Microsoft 365 tenant matches “${wanted}”.</strong></p>`
    : html`<p><strong>No Microsoft 365 tenant is connected yet</strong></p>`}
  <p class="muted">
    Admins: add an authorization with the <code>&lt;o365-oauth-settings&gt;</code> element (OAuth settings) to connect a tenant.
    Its service health appears here a minute later.
  </p>
</div>`;

/** The notice of a tenant whose authorization needs to be renewed; nothing otherwise. */
export const reauthNotice = (tenant: Tenant): TemplateResult | typeof nothing =>
  tenant.status !== 'reauth_required'
    ? nothing
    : html`<div part="notice reauth" class="notice level-degraded">
        ${LEVEL_ICONS.degraded}
        <p>
          <strong>The authorization for ${breakable(tenant.label)} needs to be renewed.</strong>
          <span class="muted">Microsoft no longer accepts it, so this data is not being updated. An admin can re-authorize it in the OAuth settings.</span>
        </p>
      </div>`;

/**
 * An opened issue: its post history (loading, error with Retry, or user impact and the posts
 * newest first), then its link in the Microsoft 365 admin center (`template`: the `admin-center-url`).
 */
export function issueDetails(details: IssueDetailsController, issue: IssueSummary, tenant: Tenant, template: string, c: ResolvedConfig): TemplateResult {
  const d = details.details.get(issue.id);
  const history =
    !d || d.status === 'loading'
      ? loading('Loading the post history')
      : d.status === 'error'
        ? failure('The post history could not be loaded.', () => details.load(issue, tenant.tenantId), d.error)
        : html`
            ${issue.impactDescription ? html`<p><strong>User impact:</strong> ${issue.impactDescription}</p>` : nothing}
            <ol part="timeline" class="timeline" aria-label="Post history">
              ${[...d.value.posts]
                .sort((a, b) => String(b.createdDateTime).localeCompare(String(a.createdDateTime)))
                .map(
                  (p) => html`<li part="post" class="post">
                    <p class="small muted">${time(p.createdDateTime, c)}</p>
                    <div class="post-body" .innerHTML=${p.html}></div>
                  </li>`,
                )}
            </ol>
          `;
  return html`${history}
    <p class="small">
      <a part="admin-link" href=${adminIssueUrl(template, tenant, issue.id)} target="_blank" rel="noopener"
        >${issue.id} in the Microsoft 365 admin center of ${breakable(tenant.label)} ${externalIcon}</a
      >
    </p>`;
}
