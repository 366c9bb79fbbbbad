import type { OverviewIssue, OverviewTenant } from '../api/types.js';
import { pickTenant } from '../internal/config.js';
import { dayLevel } from '../internal/status.js';
import type { SharedIssue, TenantRow } from './tenant-overview.types.js';

/** More tenants than this: the overview offers a search box. */
export const SEARCH_FROM = 6;

/** Sort rank of an overview level, as the server orders them: worst first, a tenant never synced after the operational ones. */
const SEVERITY: Record<string, number> = { interruption: 4, degradation: 3, advisory: 2, operational: 1, nodata: 0 };

/** The rank of `level`; a value this contract does not know counts as a degradation (DESIGN.md: anything not healthy is). */
export const severity = (level: string): number => SEVERITY[level] ?? 3;

/** "Degradation", "No data": the words of the uptime bars, capitalised. */
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const byLabel = (a: OverviewTenant, b: OverviewTenant) => a.label.localeCompare(b.label) || a.tenantId.localeCompare(b.tenantId);

/** Tenant rows, worst level first, then by label. */
export function tenantRows(tenants: readonly OverviewTenant[]): TenantRow[] {
  return [...tenants]
    .sort((a, b) => severity(b.level) - severity(a.level) || byLabel(a, b))
    .map((tenant) => {
      const { level, text } = dayLevel(tenant.level);
      return { tenant, level, levelText: capital(text) };
    });
}

/** The rows whose label, name or id contains `query` (any case); all when it is blank. */
export function searchRows(rows: readonly TenantRow[], query: string): TenantRow[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...rows];
  return rows.filter(({ tenant: t }) => [t.label, t.displayName ?? '', t.tenantId].some((f) => f.toLowerCase().includes(q)));
}

/** "All tenants are healthy", "No tenant has active issues", "1 of 3 tenants has issues", "2 of 3 tenants have issues". */
export function overviewSummary(tenants: readonly OverviewTenant[]): string {
  const bad = tenants.filter((t) => severity(t.level) > 1).length;
  if (!bad) return tenants.every((t) => t.level === 'operational') ? 'All tenants are healthy' : 'No tenant has active issues';
  return `${bad} of ${tenants.length} ${tenants.length === 1 ? 'tenant' : 'tenants'} ${bad === 1 ? 'has' : 'have'} issues`;
}

/**
 * The tenant the widgets following the selection show: the selected one while the key sees it,
 * else the one discovery picks (`GET /api/tenants` order: by label; the first active one).
 */
export function shownTenant(tenants: readonly OverviewTenant[], selected: string | undefined): string | undefined {
  if (selected && tenants.some((t) => t.tenantId === selected)) return selected;
  return pickTenant([...tenants].sort(byLabel).map((t) => ({ ...t, status: String(t.authorizationStatus) })))?.tenantId;
}

/** The active issues that reach more than one tenant, with the labels of those tenants. */
export function sharedIssues(issues: readonly OverviewIssue[], tenants: readonly OverviewTenant[]): SharedIssue[] {
  const labels = new Map(tenants.map((t) => [t.tenantId, t.label]));
  return issues.filter((i) => i.tenantIds.length > 1).map((issue) => ({ issue, labels: issue.tenantIds.map((id) => labels.get(id) ?? id) }));
}

/** "1 tenant affected", "3 tenants affected". */
export const affectedText = (n: number): string => `${n} ${n === 1 ? 'tenant' : 'tenants'} affected`;

/** "1 service affected", "3 services affected" ('' when none). */
export const servicesText = (n: number): string => (n ? `${n} ${n === 1 ? 'service' : 'services'} affected` : '');

/** Words of an authorization status that needs attention ('' for an active one). */
export function authorizationText(status: string): string {
  if (status === 'active') return '';
  if (status === 'reauth_required') return 'Needs re-authorization';
  if (status === 'pending') return 'Waiting for consent';
  return status === 'failed' ? 'Authorization failed' : `Authorization ${status}`;
}
