/**
 * The rows behind `GET /api/overview` on PostgreSQL, one tenant at a time: `store/overview.ts`'s
 * `overviewRowsOf` over `schema.pg.ts` — the tenant's name and last sync, its services that are
 * not healthy (SQLite's ASCII-only `lower()` of the status, `asciiLower`), and its active issues.
 * SQLite declares no order for the lists (the core counts them, and orders the issues it shows);
 * it answers in its index order — services by id, issues oldest change first — and this store
 * orders them so explicitly.
 */
import { and, asc, notInArray } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres.js';
import { issues, services, tenants } from '../../db/schema.pg.js';
import { HEALTHY_STATUSES } from '../../domain.js';
import type { OverviewTenantRows } from '../overview.js';
import { asciiLower, sqlC, textEq } from './dialect.js';
import { activeIssue } from './tenants.js';

const HEALTHY = HEALTHY_STATUSES.map((s) => s.toLowerCase());

/** One tenant's overview rows (a tenant not synced yet has none). */
export async function overviewRows(db: PgDb, tenantId: string): Promise<OverviewTenantRows> {
  const [[row], serviceRows, issueRows] = await Promise.all([
    db.select({ displayName: tenants.displayName, lastSyncAt: tenants.lastSyncAt }).from(tenants).where(textEq(tenants.tenantId, tenantId)),
    db
      .select({ name: services.name, status: services.status })
      .from(services)
      .where(and(textEq(services.tenantId, tenantId), notInArray(asciiLower(services.status), HEALTHY)))
      .orderBy(asc(sqlC(services.serviceId))),
    db
      .select({
        id: issues.id,
        title: issues.title,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        lastModifiedDateTime: issues.lastModifiedDateTime,
      })
      .from(issues)
      .where(and(textEq(issues.tenantId, tenantId), activeIssue))
      .orderBy(asc(sqlC(issues.lastModifiedDateTime)), asc(sqlC(issues.id))),
  ]);
  return { displayName: row?.displayName ?? null, lastSyncAt: row?.lastSyncAt ?? null, services: serviceRows, issues: issueRows };
}
