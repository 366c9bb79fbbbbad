/**
 * Reads behind history and metrics on PostgreSQL: `store/history.ts`'s `historyRows` and
 * `metricsRows` over `schema.pg.ts`, the same rows with the same types (booleans, `Date`s). The
 * lists SQLite reads without a declared order (a tenant's issues, every service and active issue
 * of `/metrics`) are grouped and counted by the core; this store orders them explicitly
 * (byte-wise), so its answers are stable.
 */
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres.js';
import { issues, services, tenants } from '../../db/schema.pg.js';
import type { HistoryIssueRow, MetricsRows } from '../history.js';
import { sqlC, textCompare, textEq } from './dialect.js';
import { activeIssue } from './tenants.js';

/**
 * A tenant's services (by name), its first sync, and the issues that may overlap the time from
 * `from` on: one without an end may reach into it whatever its start; one with an end does when
 * it ended after `from` (ISO text compares in time order, byte-wise).
 */
export async function historyRows(
  db: PgDb,
  tenantId: string,
  from: Date,
): Promise<{ firstSyncAt: Date | null; services: Array<{ id: string; name: string }>; issues: HistoryIssueRow[] }> {
  const since = from.toISOString();
  const [[tenant], serviceRows, issueRows] = await Promise.all([
    db.select({ at: tenants.firstSyncAt }).from(tenants).where(textEq(tenants.tenantId, tenantId)),
    db
      .select({ id: services.serviceId, name: services.name })
      .from(services)
      .where(textEq(services.tenantId, tenantId))
      .orderBy(asc(sqlC(services.name)), asc(sqlC(services.serviceId))),
    db
      .select({
        id: issues.id,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        isResolved: issues.isResolved,
        startDateTime: issues.startDateTime,
        endDateTime: issues.endDateTime,
        lastModifiedDateTime: issues.lastModifiedDateTime,
        listedByMicrosoft: issues.listedByMicrosoft,
        lastListedAt: issues.lastListedAt,
        interruptionSeen: issues.interruptionSeen,
      })
      .from(issues)
      .where(
        and(
          textEq(issues.tenantId, tenantId),
          or(
            textCompare(issues.endDateTime, '>=', since),
            and(isNull(issues.endDateTime), or(textCompare(issues.lastModifiedDateTime, '>=', since), eq(issues.isResolved, false))),
          ),
        ),
      )
      .orderBy(asc(sqlC(issues.lastModifiedDateTime)), asc(sqlC(issues.id))),
  ]);
  return { firstSyncAt: tenant?.at ?? null, services: serviceRows, issues: issueRows };
}

/** What `/metrics` computes its gauges from: every stored tenant's services, active issues and last sync. */
export async function metricsRows(db: PgDb): Promise<MetricsRows> {
  const [tenantRows, serviceRows, activeIssues] = await Promise.all([
    db.select({ tenantId: tenants.tenantId, lastSyncAt: tenants.lastSyncAt }).from(tenants).orderBy(asc(sqlC(tenants.tenantId))),
    db
      .select({ tenantId: services.tenantId, name: services.name, status: services.status })
      .from(services)
      .orderBy(asc(sqlC(services.tenantId)), asc(sqlC(services.serviceId))),
    db
      .select({
        tenantId: issues.tenantId,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        interruptionSeen: issues.interruptionSeen,
      })
      .from(issues)
      .where(activeIssue)
      .orderBy(asc(sqlC(issues.tenantId)), asc(sqlC(issues.id))),
  ]);
  return { tenants: tenantRows, services: serviceRows, activeIssues };
}
