/**
 * `GET /api/overview`: every tenant an org can see with its worst current level and counts, and
 * every active issue with the tenants it reaches (Microsoft gives an incident the same id in every
 * tenant it affects). Computed from stored data only. Each tenant's summary (level, counts, active
 * issues) is kept until that tenant's data changes, so after one tenant's sync the org's answer
 * reads that tenant again and assembles the rest from memory; the assembled answer is kept
 * serialised per org until a tenant's data or the org's authorizations change, or a tenant turns
 * stale.
 */
import type { AuthorizationStatus } from '../db/schema.js';
import type { Store } from '../store/index.js';
import type { OverviewIssueRow, OverviewTenantRows } from '../store/overview.js';
import type { OverviewIssue, OverviewResponse, OverviewTenant } from '../../widgets/api/types.js';
import { issueLevel, serviceLevel, worseLevel, type DayLevel, type HistoryLevel } from './history.js';
import type { ReadModel } from './read-model.js';
import { prepareBody, type PreparedBody, type TenantsCore } from './tenants.js';

export interface OverviewCore {
  /** The overview of the org's tenants, worst first. */
  get(orgId: string): Promise<OverviewResponse>;
  /** The same, serialised, with its ETag. */
  body(orgId: string): Promise<PreparedBody>;
}

/** What one tenant contributes, whichever org looks at it. */
export interface TenantSummary {
  displayName: string | null;
  lastSyncAt: Date | null;
  /** `nodata` before the first sync. */
  level: DayLevel;
  activeIncidents: number;
  activeAdvisories: number;
  affectedServices: number;
  issues: OverviewIssueRow[];
}

/** Worst first; a tenant never synced (`nodata`) after the operational ones. */
const SEVERITY: Record<DayLevel, number> = { interruption: 4, degradation: 3, advisory: 2, operational: 1, nodata: 0 };

const key = (name: string) => name.toLowerCase();
const collator = new Intl.Collator('en');
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A tenant's summary from its rows (pure). Its level is the worst of its services' levels
 * (`serviceLevel`: the status read with the service's active issues) and of its active issues (one
 * whose service is not listed counts too); `affectedServices` counts the services at another
 * level than operational or with an active issue.
 */
export function summarizeTenant(rows: OverviewTenantRows): TenantSummary {
  const byService = new Map<string, OverviewIssueRow[]>();
  for (const issue of rows.issues) {
    const list = byService.get(key(issue.service));
    if (list) list.push(issue);
    else byService.set(key(issue.service), [issue]);
  }
  let level: HistoryLevel = 'operational';
  const affected = new Set<string>(byService.keys());
  for (const service of rows.services) {
    const serviceLvl = serviceLevel(service.status, byService.get(key(service.name)) ?? []);
    if (serviceLvl !== 'operational') affected.add(key(service.name));
    level = worseLevel(level, serviceLvl);
  }
  let incidents = 0;
  let advisories = 0;
  for (const issue of rows.issues) {
    level = worseLevel(level, issueLevel(issue));
    const classification = issue.classification.toLowerCase();
    if (classification === 'incident') incidents++;
    else if (classification === 'advisory') advisories++;
  }
  return {
    displayName: rows.displayName,
    lastSyncAt: rows.lastSyncAt,
    level: rows.lastSyncAt ? level : 'nodata',
    activeIncidents: incidents,
    activeAdvisories: advisories,
    affectedServices: affected.size,
    issues: rows.issues,
  };
}

/** The org's overview from its visible tenants (label and authorization status) and their summaries (pure). */
export function assembleOverview(
  visible: ReadonlyArray<{ tenantId: string; label: string; status: AuthorizationStatus | string; summary: TenantSummary }>,
  isStale: (syncedAt: Date | null) => boolean,
): OverviewResponse {
  const tenants: OverviewTenant[] = visible.map(({ tenantId, label, status, summary }) => ({
    tenantId,
    label,
    displayName: summary.displayName,
    authorizationStatus: status,
    syncedAt: summary.lastSyncAt ? summary.lastSyncAt.toISOString() : null,
    stale: isStale(summary.lastSyncAt),
    level: summary.level,
    activeIncidents: summary.activeIncidents,
    activeAdvisories: summary.activeAdvisories,
    affectedServices: summary.affectedServices,
  }));
  tenants.sort(
    (a, b) => SEVERITY[b.level as DayLevel] - SEVERITY[a.level as DayLevel] || collator.compare(a.label, b.label) || byCodeUnits(a.tenantId, b.tenantId),
  );

  // One entry per issue id, its tenants in the tenants' order; the most recently modified copy names it.
  const summaries = new Map(visible.map((v) => [v.tenantId, v.summary]));
  const shared = new Map<string, { latest: OverviewIssueRow; tenantIds: string[] }>();
  for (const tenant of tenants) {
    for (const issue of summaries.get(tenant.tenantId)!.issues) {
      const entry = shared.get(issue.id);
      if (!entry) shared.set(issue.id, { latest: issue, tenantIds: [tenant.tenantId] });
      else {
        entry.tenantIds.push(tenant.tenantId);
        if (issue.lastModifiedDateTime > entry.latest.lastModifiedDateTime) entry.latest = issue;
      }
    }
  }
  const issues: OverviewIssue[] = [...shared.values()]
    .map(({ latest, tenantIds }) => ({ id: latest.id, title: latest.title, service: latest.service, classification: latest.classification, status: latest.status, tenantIds }))
    .sort(
      (a, b) =>
        b.tenantIds.length - a.tenantIds.length ||
        Number(b.classification.toLowerCase() === 'incident') - Number(a.classification.toLowerCase() === 'incident') ||
        byCodeUnits(a.id, b.id),
    );
  return { tenants, issues };
}

export function createOverviewCore(deps: { store: Store; tenants: TenantsCore; model: ReadModel; now: () => Date; pollIntervalMs: number }): OverviewCore {
  const { store, tenants, model, now, pollIntervalMs } = deps;
  const summaries = model.cache<string, TenantSummary>(['tenants']);
  const byOrg = model.cache<string, { prepared: PreparedBody; validUntil: number }>(['authorizations', 'anyTenant']);
  const summaryOf = async (tenantId: string) =>
    summaries.get(tenantId) ?? model.load(summaries, tenantId, async () => summarizeTenant(await store.overviewRows(tenantId)));
  const visibleOf = async (orgId: string) => {
    model.checkExternalWrites();
    const refs = [...(await tenants.authorizationsByTenant(orgId)).values()];
    const loaded = await Promise.all(refs.map((auth) => summaryOf(auth.tenantId)));
    return refs.map((auth, i) => ({ tenantId: auth.tenantId, label: auth.label, status: auth.status, summary: loaded[i]! }));
  };
  return {
    get: async (orgId) => assembleOverview(await visibleOf(orgId), tenants.isStale),
    async body(orgId) {
      model.checkExternalWrites();
      const cached = byOrg.get(orgId);
      if (cached && now().getTime() < cached.validUntil) return cached.prepared;
      const entry = await model.load(byOrg, orgId, async () => {
        const visible = await visibleOf(orgId);
        const overview = assembleOverview(visible, tenants.isStale);
        const at = now().getTime();
        // Good until the first tenant's data turns stale (or until a change clears it).
        const flips = visible
          .map(({ summary }) => (summary.lastSyncAt ? summary.lastSyncAt.getTime() + 2 * pollIntervalMs : Infinity))
          .filter((t) => t >= at);
        return { prepared: prepareBody(JSON.stringify(overview)), validUntil: flips.length ? Math.min(...flips) : Infinity };
      });
      return entry.prepared;
    },
  };
}
