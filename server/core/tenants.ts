/**
 * What an org may read: its visible tenants, their health and issues. Every read goes through the
 * org-visibility rule (a tenant is visible while the org holds an authorization for it). Owns the
 * read path's prepared statements and the per-tenant health kept until the tenant's next sync.
 */
import type { Db } from '../db/index.js';
import { isStale } from '../freshness.js';
import {
  getIssue,
  getTenantHealth,
  listIssues,
  listVisibleTenants,
  prepareTenantReads,
  resolveVisibleTenant,
  tenantLastSyncAt,
  type IssueDetail,
  type IssueQuery,
  type IssueSummary,
  type TenantHealth,
  type VisibleTenant,
} from '../store/tenants.js';
import type { AuthorizationStatus } from '../db/schema.js';

export type { IssueDetail, IssueQuery, IssueSummary, TenantHealth, VisibleTenant } from '../store/tenants.js';

/** A tenant as the org named it: the path parameter resolved through visibility. */
export interface TenantRef {
  tenantId: string;
  label: string;
  status: AuthorizationStatus;
}

export interface TenantsCore {
  /** Every tenant the org may see, ordered by label. */
  visible(orgId: string): VisibleTenant[];
  /** A tenant id or one of the org's labels; null when nothing visible matches. */
  resolve(orgId: string, ref: string): TenantRef | null;
  /** Services with their active issues, as of the last sync. */
  health(tenantId: string): TenantHealth;
  issues(tenantId: string, query: IssueQuery): { issues: IssueSummary[]; nextCursor: string | null; syncedAt: Date | null };
  issue(tenantId: string, issueId: string): IssueDetail | null;
  /** True when `syncedAt` is older than two poll intervals (or null). */
  isStale(syncedAt: Date | null): boolean;
}

/** Health entries kept at most (one per tenant); beyond it the map starts again. */
const HEALTH_CACHE_LIMIT = 10_000;

export function createTenantsCore(deps: { db: Db; now: () => Date; pollIntervalMs: number }): TenantsCore {
  const { db, now, pollIntervalMs } = deps;
  const reads = prepareTenantReads(db);
  // Stored health changes only in a sync, and every sync moves lastSyncAt: one cheap lookup then
  // replaces the services and issues queries on the hot path.
  const healthCache = new Map<string, TenantHealth>();
  return {
    visible: (orgId) => listVisibleTenants(db, orgId, reads),
    resolve: (orgId, ref) => resolveVisibleTenant(db, orgId, ref, reads),
    health(tenantId) {
      const syncedAt = tenantLastSyncAt(db, tenantId, reads)?.getTime() ?? null;
      const cached = healthCache.get(tenantId);
      if (cached && (cached.syncedAt?.getTime() ?? null) === syncedAt) return cached;
      const fresh = getTenantHealth(db, tenantId, reads);
      if (healthCache.size >= HEALTH_CACHE_LIMIT) healthCache.clear();
      healthCache.set(tenantId, fresh);
      return fresh;
    },
    issues(tenantId, query) {
      return { ...listIssues(db, tenantId, query), syncedAt: tenantLastSyncAt(db, tenantId, reads) };
    },
    issue: (tenantId, issueId) => getIssue(db, tenantId, issueId),
    isStale: (syncedAt) => isStale(syncedAt, now(), pollIntervalMs),
  };
}
