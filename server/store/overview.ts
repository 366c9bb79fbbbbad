/**
 * The rows behind `GET /api/overview`, one tenant at a time (the core keeps each tenant's summary
 * until that tenant's next sync, so an org's overview after one sync reads one tenant again):
 * its name and last sync, its services that are not healthy, and its active issues (unresolved
 * and still listed by Microsoft, as the health and issues routes count them).
 */
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { issues, services, tenants } from '../db/schema.js';
import { HEALTHY_STATUSES } from '../domain.js';

export interface OverviewIssueRow {
  id: string;
  title: string;
  service: string;
  classification: string;
  status: string;
  lastModifiedDateTime: string;
}

export interface OverviewTenantRows {
  displayName: string | null;
  lastSyncAt: Date | null;
  /** Services whose status is not a healthy one (a healthy service is operational whatever its issues). */
  services: Array<{ name: string; status: string }>;
  issues: OverviewIssueRow[];
}

const HEALTHY = HEALTHY_STATUSES.map((s) => s.toLowerCase());

/** Prepared once per core. */
export function prepareOverviewReads(db: Db) {
  const tenantId = sql.placeholder('tenantId');
  return {
    tenant: db.select({ displayName: tenants.displayName, lastSyncAt: tenants.lastSyncAt }).from(tenants).where(eq(tenants.tenantId, tenantId)).prepare(),
    services: db
      .select({ name: services.name, status: services.status })
      .from(services)
      .where(and(eq(services.tenantId, tenantId), notInArray(sql`lower(${services.status})`, HEALTHY)))
      .prepare(),
    activeIssues: db
      .select({
        id: issues.id,
        title: issues.title,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        lastModifiedDateTime: issues.lastModifiedDateTime,
      })
      .from(issues)
      .where(and(eq(issues.tenantId, tenantId), eq(issues.isResolved, false), eq(issues.listedByMicrosoft, true)))
      .prepare(),
  };
}

export type OverviewReads = ReturnType<typeof prepareOverviewReads>;

/** One tenant's rows (a tenant not synced yet has none). */
export function overviewTenantRows(reads: OverviewReads, tenantId: string): OverviewTenantRows {
  const row = reads.tenant.get({ tenantId });
  return {
    displayName: row?.displayName ?? null,
    lastSyncAt: row?.lastSyncAt ?? null,
    services: reads.services.all({ tenantId }),
    issues: reads.activeIssues.all({ tenantId }),
  };
}

const preparedReads = new WeakMap<Db, OverviewReads>();

/** One tenant's overview rows from `db` (its statements prepared on first use). */
export function overviewRowsOf(db: Db, tenantId: string): OverviewTenantRows {
  let reads = preparedReads.get(db);
  if (!reads) preparedReads.set(db, (reads = prepareOverviewReads(db)));
  return overviewTenantRows(reads, tenantId);
}
