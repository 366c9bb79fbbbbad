/**
 * Reads behind history and metrics: a tenant's services, first sync and issue intervals
 * (`server/core/history.ts` does the computing), and the server-wide figures `/metrics` shows.
 */
import type Database from 'better-sqlite3';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { issues, services, tenants } from '../db/schema.js';

/** What history reads of one issue. */
export interface HistoryIssueRow {
  id: string;
  service: string;
  classification: string;
  status: string;
  isResolved: boolean;
  startDateTime: string | null;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  listedByMicrosoft: boolean;
  lastListedAt: Date | null;
  interruptionSeen: boolean;
}

type RawIssueRow = [string, string, string, string, number, string | null, string | null, string, number, number | null, number];

function prepare(db: Db) {
  return {
    firstSyncAt: db.select({ at: tenants.firstSyncAt }).from(tenants).where(eq(tenants.tenantId, sql.placeholder('tenantId'))).prepare(),
    services: db
      .select({ id: services.serviceId, name: services.name })
      .from(services)
      .where(eq(services.tenantId, sql.placeholder('tenantId')))
      .orderBy(asc(services.name), asc(services.serviceId))
      .prepare(),
    // An issue without an end may reach into the window whatever its start; one with an end
    // does when it ended after the window began (ISO text compares in time order). An issue that
    // is resolved without an end ends at its last change, which is never before its end.
    // Plain better-sqlite3 with raw rows: this read is the hot part of a 400-day history.
    issues: (db as unknown as { $client: Database.Database }).$client
      .prepare(
        `select id, service, classification, status, is_resolved, start_date_time, end_date_time, last_modified_date_time,
                listed_by_microsoft, last_listed_at, interruption_seen
           from issues
          where tenant_id = ?
            and (end_date_time >= ? or (end_date_time is null and (last_modified_date_time >= ? or is_resolved = 0)))`,
      )
      .raw(),
  };
}

const statements = new WeakMap<Db, ReturnType<typeof prepare>>();
const reads = (db: Db) => {
  let s = statements.get(db);
  if (!s) statements.set(db, (s = prepare(db)));
  return s;
};

/**
 * A tenant's services (by name), its first sync, and the issues that may overlap the time from
 * `from` on.
 */
export function historyRows(db: Db, tenantId: string, from: Date): { firstSyncAt: Date | null; services: Array<{ id: string; name: string }>; issues: HistoryIssueRow[] } {
  const r = reads(db);
  return {
    firstSyncAt: r.firstSyncAt.get({ tenantId })?.at ?? null,
    services: r.services.all({ tenantId }),
    issues: (r.issues.all(tenantId, from.toISOString(), from.toISOString()) as RawIssueRow[]).map((row) => ({
      id: row[0],
      service: row[1],
      classification: row[2],
      status: row[3],
      isResolved: row[4] === 1,
      startDateTime: row[5],
      endDateTime: row[6],
      lastModifiedDateTime: row[7],
      listedByMicrosoft: row[8] === 1,
      lastListedAt: row[9] === null ? null : new Date(row[9]),
      interruptionSeen: row[10] === 1,
    })),
  };
}

/** What `/metrics` computes its gauges from: every stored tenant's services, active issues and last sync. */
export interface MetricsRows {
  tenants: Array<{ tenantId: string; lastSyncAt: Date | null }>;
  services: Array<{ tenantId: string; name: string; status: string }>;
  /** Unresolved issues Microsoft still lists. */
  activeIssues: Array<{ tenantId: string; service: string; classification: string; status: string; interruptionSeen: boolean }>;
}

export function metricsRows(db: Db): MetricsRows {
  return {
    tenants: db.select({ tenantId: tenants.tenantId, lastSyncAt: tenants.lastSyncAt }).from(tenants).orderBy(asc(tenants.tenantId)).all(),
    services: db.select({ tenantId: services.tenantId, name: services.name, status: services.status }).from(services).all(),
    activeIssues: db
      .select({
        tenantId: issues.tenantId,
        service: issues.service,
        classification: issues.classification,
        status: issues.status,
        interruptionSeen: issues.interruptionSeen,
      })
      .from(issues)
      .where(and(eq(issues.isResolved, false), eq(issues.listedByMicrosoft, true)))
      .all(),
  };
}
