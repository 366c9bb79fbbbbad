/**
 * The rows behind `GET /api/overview`: the services and the active issues of every tenant an org
 * can see, read in two statements whatever the number of tenants (the visibility rule is a
 * sub-select on the org's authorizations, as in `listVisibleTenants`).
 */
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { authorizations, issues, services } from '../db/schema.js';

export interface OverviewServiceRow {
  tenantId: string;
  name: string;
  status: string;
}

export interface OverviewIssueRow {
  tenantId: string;
  id: string;
  title: string;
  service: string;
  classification: string;
  status: string;
  lastModifiedDateTime: string;
}

/** Prepared once per core: the org id is the only parameter. */
export function prepareOverviewReads(db: Db) {
  const visible = () =>
    db
      .selectDistinct({ tenantId: authorizations.tenantId })
      .from(authorizations)
      .where(and(eq(authorizations.orgId, sql.placeholder('orgId')), isNotNull(authorizations.tenantId)));
  return {
    services: db
      .select({ tenantId: services.tenantId, name: services.name, status: services.status })
      .from(services)
      .where(inArray(services.tenantId, visible()))
      .prepare(),
    activeIssues: db
      .select({
        tenantId: issues.tenantId,
        id: issues.id,
        title: issues.title,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        lastModifiedDateTime: issues.lastModifiedDateTime,
      })
      .from(issues)
      .where(and(eq(issues.isResolved, false), inArray(issues.tenantId, visible())))
      .prepare(),
  };
}

export type OverviewReads = ReturnType<typeof prepareOverviewReads>;

/** Every service and every active issue of the tenants `orgId` can see. */
export function overviewRows(reads: OverviewReads, orgId: string): { services: OverviewServiceRow[]; issues: OverviewIssueRow[] } {
  return { services: reads.services.all({ orgId }), issues: reads.activeIssues.all({ orgId }) };
}
