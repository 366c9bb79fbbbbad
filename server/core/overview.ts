/**
 * `GET /api/overview`: every tenant an org can see with its worst current level and counts, and
 * every active issue with the tenants it reaches (Microsoft gives an incident the same id in every
 * tenant it affects). Computed from stored data only — two statements for the whole org
 * (`store/overview.ts`) and the org's visible tenants from the read model — and kept serialised per
 * org until a tenant's data or the org's authorizations change, or a tenant turns stale.
 */
import type { Db } from '../db/index.js';
import { overviewRows, prepareOverviewReads, type OverviewIssueRow } from '../store/overview.js';
import type { OverviewIssue, OverviewResponse, OverviewTenant } from '../../widgets/api/types.js';
import { issueLevel, serviceLevel, worseLevel, type DayLevel, type HistoryLevel } from './history.js';
import type { ReadModel } from './read-model.js';
import { prepareBody, type PreparedBody, type TenantsCore } from './tenants.js';

export interface OverviewCore {
  /** The overview of the org's tenants, worst first. */
  get(orgId: string): OverviewResponse;
  /** The same, serialised, with its ETag. */
  body(orgId: string): PreparedBody;
}

/** Worst first; a tenant never synced (`nodata`) after the operational ones. */
const SEVERITY: Record<DayLevel, number> = { interruption: 4, degradation: 3, advisory: 2, operational: 1, nodata: 0 };

const key = (name: string) => name.toLowerCase();

/**
 * The overview from the org's visible tenants and their stored rows (pure; exported for tests).
 * A tenant's level is the worst of its services' levels (`serviceLevel`: the status read with the
 * service's active issues) and of its active issues (one whose service is not listed counts too);
 * `affectedServices` counts the services at another level than operational or with an active issue.
 */
export function buildOverview(
  visible: ReadonlyArray<{ tenantId: string; label: string; displayName: string | null; status: string; lastSyncAt: Date | null }>,
  rows: { services: ReadonlyArray<{ tenantId: string; name: string; status: string }>; issues: readonly OverviewIssueRow[] },
  isStale: (syncedAt: Date | null) => boolean,
): OverviewResponse {
  const issuesByTenant = new Map<string, OverviewIssueRow[]>();
  for (const issue of rows.issues) {
    const list = issuesByTenant.get(issue.tenantId);
    if (list) list.push(issue);
    else issuesByTenant.set(issue.tenantId, [issue]);
  }
  const servicesByTenant = new Map<string, Array<{ name: string; status: string }>>();
  for (const service of rows.services) {
    const list = servicesByTenant.get(service.tenantId);
    if (list) list.push(service);
    else servicesByTenant.set(service.tenantId, [service]);
  }

  const visibleIds = new Set<string>();
  const tenants: OverviewTenant[] = visible.map((t) => {
    visibleIds.add(t.tenantId);
    const active = issuesByTenant.get(t.tenantId) ?? [];
    const byService = new Map<string, OverviewIssueRow[]>();
    for (const issue of active) {
      const list = byService.get(key(issue.service));
      if (list) list.push(issue);
      else byService.set(key(issue.service), [issue]);
    }
    let level: HistoryLevel = 'operational';
    const affected = new Set<string>(byService.keys());
    for (const service of servicesByTenant.get(t.tenantId) ?? []) {
      const serviceLvl = serviceLevel(service.status, byService.get(key(service.name)) ?? []);
      if (serviceLvl !== 'operational') affected.add(key(service.name));
      level = worseLevel(level, serviceLvl);
    }
    let incidents = 0;
    let advisories = 0;
    for (const issue of active) {
      level = worseLevel(level, issueLevel(issue));
      const classification = issue.classification.toLowerCase();
      if (classification === 'incident') incidents++;
      else if (classification === 'advisory') advisories++;
    }
    return {
      tenantId: t.tenantId,
      label: t.label,
      displayName: t.displayName,
      authorizationStatus: t.status,
      syncedAt: t.lastSyncAt ? t.lastSyncAt.toISOString() : null,
      stale: isStale(t.lastSyncAt),
      level: t.lastSyncAt ? level : 'nodata',
      activeIncidents: incidents,
      activeAdvisories: advisories,
      affectedServices: affected.size,
    };
  });
  tenants.sort(
    (a, b) =>
      SEVERITY[b.level as DayLevel] - SEVERITY[a.level as DayLevel] ||
      a.label.localeCompare(b.label) ||
      a.tenantId.localeCompare(b.tenantId),
  );

  // One entry per issue id; the most recently modified copy names it.
  const shared = new Map<string, { latest: OverviewIssueRow; tenantIds: string[] }>();
  for (const issue of rows.issues) {
    if (!visibleIds.has(issue.tenantId)) continue;
    const entry = shared.get(issue.id);
    if (!entry) shared.set(issue.id, { latest: issue, tenantIds: [issue.tenantId] });
    else {
      if (!entry.tenantIds.includes(issue.tenantId)) entry.tenantIds.push(issue.tenantId);
      if (issue.lastModifiedDateTime > entry.latest.lastModifiedDateTime) entry.latest = issue;
    }
  }
  const order = new Map(tenants.map((t, i) => [t.tenantId, i]));
  const issues: OverviewIssue[] = [...shared.values()]
    .map(({ latest, tenantIds }) => ({
      id: latest.id,
      title: latest.title,
      service: latest.service,
      classification: latest.classification,
      status: latest.status,
      tenantIds: tenantIds.sort((a, b) => order.get(a)! - order.get(b)!),
    }))
    .sort(
      (a, b) =>
        b.tenantIds.length - a.tenantIds.length ||
        Number(b.classification.toLowerCase() === 'incident') - Number(a.classification.toLowerCase() === 'incident') ||
        a.id.localeCompare(b.id),
    );
  return { tenants, issues };
}

export function createOverviewCore(deps: { db: Db; tenants: TenantsCore; model: ReadModel; now: () => Date; pollIntervalMs: number }): OverviewCore {
  const { tenants, model, now, pollIntervalMs } = deps;
  const reads = prepareOverviewReads(deps.db);
  const byOrg = model.cache<string, { prepared: PreparedBody; validUntil: number }>(['authorizations', 'anyTenant']);
  const get = (orgId: string) => {
    const visible = tenants.visible(orgId);
    return { visible, overview: visible.length ? buildOverview(visible, overviewRows(reads, orgId), tenants.isStale) : { tenants: [], issues: [] } };
  };
  return {
    get: (orgId) => get(orgId).overview,
    body(orgId) {
      model.checkExternalWrites();
      const at = now().getTime();
      const cached = byOrg.get(orgId);
      if (cached && at < cached.validUntil) return cached.prepared;
      const { visible, overview } = get(orgId);
      // Good until the first tenant's data turns stale (or until a change clears it).
      const flips = visible.map((t) => (t.lastSyncAt ? t.lastSyncAt.getTime() + 2 * pollIntervalMs : Infinity)).filter((t) => t >= at);
      const entry = { prepared: prepareBody(JSON.stringify(overview)), validUntil: flips.length ? Math.min(...flips) : Infinity };
      byOrg.set(orgId, entry);
      return entry.prepared;
    },
  };
}
