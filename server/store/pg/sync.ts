/**
 * Writing what a sync learned from Graph, and the poller's scheduling reads, on PostgreSQL: the
 * operations of `store/sync.ts` over `schema.pg.ts`, in drizzle's asynchronous transactions. The
 * pure parts — row mapping and validation (`issueRow`, `postRows`, `checkService`), the
 * unchanged-issue shortcut (`issueUnchanged`), the watermark rule and the event drafts
 * (`serviceEvent`, `issueEvent`) — are SQLite's own, so both engines record the same events with
 * the same ids for the same change. What differs is SQL only: counts are cast to `int` (a
 * PostgreSQL `count(*)` is a `bigint`, which `pg` reads as a string), booleans combine with `or`
 * (SQLite's `max()` over 0/1), and ties in the due order are broken byte-wise by tenant id.
 */
import { and, asc, eq, exists, getTableColumns, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgDb, PgTx } from '../../db/postgres.js';
import { authorizations, issuePosts, issues, services, serviceStatusHistory, tenants } from '../../db/schema.pg.js';
import type { IssueRecord, SyncSnapshot } from '../../domain.js';
import type { EventDraft } from '../events.js';
import {
  attemptColumns,
  checkService,
  chunks,
  isInterruption,
  issueEvent,
  issueRow,
  issueUnchanged,
  laterWatermark,
  postRows,
  serviceEvent,
  syncFinished,
  type IssueBefore,
  type SyncAttempt,
  type SyncSuccess,
  type SyncWritten,
} from '../sync.js';
import { foldedIssueColumns, sqlC } from './dialect.js';
import { recordEventsIn } from './events.js';
import { applyMessagesIn } from './messages.js';

/** The tenant's polling row, as `store/sync.ts`'s (with the lease and throttle columns of this schema). */
export type TenantRow = typeof tenants.$inferSelect;

/**
 * Writes one successful sync of `tenantId` in a single transaction (see `store/sync.ts`'s
 * `applySync`); returns the ids of the events it recorded.
 * @throws InvalidRecordError (or a database error) — and then nothing of the snapshot is written.
 */
export async function applySync(db: PgDb, tenantId: string, snapshot: SyncSnapshot, now: Date): Promise<string[]> {
  return db.transaction((tx) => applySyncIn(tx, tenantId, snapshot, now));
}

async function applySyncIn(tx: PgTx, tenantId: string, snapshot: SyncSnapshot, now: Date): Promise<string[]> {
  await tx.insert(tenants).values({ tenantId, nextPollAt: now }).onConflictDoNothing();
  const [known] = await tx.select({ firstSyncAt: tenants.firstSyncAt, displayName: tenants.displayName }).from(tenants).where(eq(tenants.tenantId, tenantId));
  // A tenant's first sync announces nothing: its backlog is not news.
  const announce = Boolean(known?.firstSyncAt);
  const drafts: EventDraft[] = [];
  const tenantRef = { tenantId, displayName: snapshot.organization?.displayName ?? known?.displayName ?? null, label: null };

  // Services.
  const existing = new Map((await tx.select().from(services).where(eq(services.tenantId, tenantId))).map((s) => [s.serviceId, s]));
  const seen = new Set<string>();
  // Written a statement per kind, not per service (one round trip each); rows keep the snapshot's order.
  const historyRows: Array<typeof serviceStatusHistory.$inferInsert> = [];
  const changedServices = new Map<string, typeof services.$inferInsert>();
  const announced: Array<{ service: (typeof snapshot.services)[number]; previous: string }> = [];
  for (const service of snapshot.services) {
    checkService(service);
    seen.add(service.id);
    const before = existing.get(service.id);
    if (!before || before.status !== service.status) {
      historyRows.push({ tenantId, serviceId: service.id, status: service.status, previousStatus: before?.status ?? null, changedAt: now });
    }
    if (announce && before && before.status !== service.status) announced.push({ service, previous: before.status });
    if (!before || before.status !== service.status || before.name !== service.name) {
      // A service listed twice is written as its last listing says.
      changedServices.delete(service.id);
      changedServices.set(service.id, { tenantId, serviceId: service.id, name: service.name, status: service.status, updatedAt: now });
    }
  }
  for (const part of chunks(historyRows)) await tx.insert(serviceStatusHistory).values(part);
  for (const { service, previous } of announced) {
    const [counted] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(serviceStatusHistory)
      .where(and(eq(serviceStatusHistory.tenantId, tenantId), eq(serviceStatusHistory.serviceId, service.id)));
    drafts.push(serviceEvent(tenantRef, service, previous, counted!.n, now));
  }
  for (const part of chunks([...changedServices.values()])) {
    await tx
      .insert(services)
      .values(part)
      .onConflictDoUpdate({ target: [services.tenantId, services.serviceId], set: { name: sql`excluded.name`, status: sql`excluded.status`, updatedAt: sql`excluded.updated_at` } });
  }
  for (const part of chunks([...existing.keys()].filter((id) => !seen.has(id)))) {
    await tx.delete(services).where(and(eq(services.tenantId, tenantId), inArray(services.serviceId, part)));
  }

  // Issues and their posts.
  let watermark: string | null = null;
  const snapshotIds = new Set<string>();
  const before = await issuesBefore(tx, tenantId, snapshot.issues);
  const unchanged: string[] = [];
  // The changed issues are written together: one upsert, one delete of their posts, one insert of
  // the new posts (a statement per kind, not per issue). An issue listed twice counts as its last listing.
  const changed = new Map<string, { row: ReturnType<typeof issueRow>; posts: ReturnType<typeof postRows> }>();
  for (const issue of snapshot.issues) {
    const row = issueRow(tenantId, issue);
    snapshotIds.add(row.id);
    if (watermark === null || row.lastModifiedDateTime > watermark) watermark = row.lastModifiedDateTime;
    const stored = before.get(row.id);
    if (issueUnchanged(snapshot, issue, row, stored)) {
      unchanged.push(row.id);
      continue;
    }
    const posts = postRows(tenantId, row.id, issue);
    changed.delete(row.id);
    changed.set(row.id, { row, posts });
    if (announce) {
      const draft = issueEvent(tenantRef, row, posts, stored, now);
      if (draft) drafts.push(draft);
    }
  }
  const listed = { listedByMicrosoft: true, lastListedAt: now };
  const changedIds = [...changed.keys()];
  for (const part of chunks([...changed.values()])) {
    const values = part.map(({ row }) => ({ ...row, ...foldedIssueColumns(row), ...listed, interruptionSeen: isInterruption(row.status) }));
    await tx
      .insert(issues)
      .values(values)
      .onConflictDoUpdate({
        target: [issues.tenantId, issues.id],
        // What the row says, column by column (`excluded`: the row proposed for insertion); an
        // interruption once seen stays seen (the issue's later statuses do not undo it).
        set: {
          ...excludedColumns(Object.keys(values[0]!).filter((key) => key !== 'tenantId' && key !== 'id' && key !== 'interruptionSeen')),
          interruptionSeen: sql`${issues.interruptionSeen} or excluded.interruption_seen`,
        },
      });
  }
  for (const part of chunks(changedIds)) await tx.delete(issuePosts).where(and(eq(issuePosts.tenantId, tenantId), inArray(issuePosts.issueId, part)));
  for (const part of chunks([...changed.values()].flatMap(({ posts }) => posts))) await tx.insert(issuePosts).values(part);
  for (const part of chunks(unchanged)) {
    await tx.update(issues).set({ lastListedAt: now }).where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part)));
  }
  if (snapshot.fullIssueSync) {
    // What Microsoft stopped returning is kept (for history) and marked; pruneRetainedIssues removes it later.
    const stored = await tx.select({ id: issues.id }).from(issues).where(and(eq(issues.tenantId, tenantId), eq(issues.listedByMicrosoft, true)));
    for (const part of chunks(stored.map((r) => r.id).filter((id) => !snapshotIds.has(id)))) {
      await tx
        .update(issues)
        .set({ listedByMicrosoft: false })
        .where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part)));
    }
  }

  // Tenant bookkeeping.
  const [tenant] = await tx.select({ issuesWatermark: tenants.issuesWatermark }).from(tenants).where(eq(tenants.tenantId, tenantId));
  await tx
    .update(tenants)
    .set({
      lastSyncAt: now,
      firstSyncAt: sql`coalesce(${tenants.firstSyncAt}, ${now.toISOString()}::timestamptz)`,
      issuesWatermark: laterWatermark(tenant?.issuesWatermark ?? null, watermark),
      consecutiveFailures: 0,
      lastError: null,
      ...(snapshot.fullIssueSync ? { lastFullSyncAt: now } : {}),
      ...(snapshot.organization ? { displayName: snapshot.organization.displayName, defaultDomain: snapshot.organization.defaultDomain } : {}),
    })
    .where(eq(tenants.tenantId, tenantId));
  if (snapshot.messages) await applyMessagesIn(tx, tenantId, snapshot.messages.items, snapshot.messages.full, now);
  return recordEventsIn(tx, drafts, now);
}

/** `{ column: excluded.column }` for the issue columns named (by property): an upsert setting what was proposed. */
function excludedColumns(keys: readonly string[]): Record<string, SQL> {
  const columns = getTableColumns(issues) as Record<string, { name: string }>;
  return Object.fromEntries(keys.map((key) => [key, sql.raw(`excluded."${columns[key]!.name}"`)]));
}

/** Status, resolution, last change, listing and post count of the stored copies of `list`'s issues. */
async function issuesBefore(tx: PgTx, tenantId: string, list: readonly IssueRecord[]): Promise<Map<string, IssueBefore>> {
  const out = new Map<string, IssueBefore>();
  const ids = list.map((i) => i.id).filter((id): id is string => typeof id === 'string');
  for (const part of chunks(ids)) {
    const rows = await tx
      .select({
        id: issues.id,
        status: issues.status,
        isResolved: issues.isResolved,
        lastModifiedDateTime: issues.lastModifiedDateTime,
        listedByMicrosoft: issues.listedByMicrosoft,
        // Qualified by hand: in a one-table select drizzle writes columns unqualified, and there
        // "tenant_id" = "tenant_id" compared issue_posts with itself, counting (and scanning) every
        // tenant's posts of the issue id (one Microsoft incident has one id in every tenant).
        posts: sql<number>`(select count(*)::int from ${issuePosts} where ${issuePosts}.tenant_id = ${issues}.tenant_id and ${issuePosts}.issue_id = ${issues}.id)`,
      })
      .from(issues)
      .where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part)));
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/**
 * Writes a successful sync read through `authorizationId` in one transaction: the snapshot, the
 * authorization's `lastSuccessAt` and the tenant's next poll. `null` (nothing written) when the
 * authorization was deleted meanwhile; otherwise the ids of the events recorded.
 */
export async function recordSyncSuccess(
  db: PgDb,
  p: SyncSuccess,
): Promise<SyncWritten | null> {
  return db.transaction(async (tx) => {
    if (p.owner !== undefined) {
      // The tenant row locked first: a claim elsewhere waits for this commit, and sees the lease released.
      const [tenant] = await tx.select({ owner: tenants.leaseOwner }).from(tenants).where(eq(tenants.tenantId, p.tenantId)).for('update');
      if (tenant && tenant.owner !== null && tenant.owner !== p.owner) return { events: [], leaseLost: true };
    }
    // Locked, so a delete of the authorization waits for this sync or comes before it, never between.
    const [auth] = await tx.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.id, p.authorizationId)).for('update');
    if (!auth) return null;
    const recorded = await applySyncIn(tx, p.tenantId, p.snapshot, p.now);
    await tx.update(authorizations).set({ lastSuccessAt: p.now, lastError: null, updatedAt: p.now }).where(eq(authorizations.id, p.authorizationId));
    await tx.update(tenants).set(syncFinished(p.nextPollAt, p.owner !== undefined)).where(eq(tenants.tenantId, p.tenantId));
    return { events: recorded };
  });
}

/**
 * Records a sync that did not succeed: the reason, the next attempt, optionally the failures in a
 * row and Graph's `Retry-After`; with an owner, only while it holds the lease, which it releases.
 */
export async function recordSyncAttempt(db: PgDb, tenantId: string, p: SyncAttempt): Promise<void> {
  await db
    .update(tenants)
    .set(attemptColumns(p))
    .where(and(eq(tenants.tenantId, tenantId), p.owner === undefined ? undefined : or(isNull(tenants.leaseOwner), eq(tenants.leaseOwner, p.owner))));
}

/** Tenants whose `nextPollAt` has passed and that hold an active authorization, earliest first. */
export async function dueTenantIds(db: PgDb, now: Date): Promise<string[]> {
  const rows = await db
    .select({ tenantId: tenants.tenantId })
    .from(tenants)
    .where(and(lte(tenants.nextPollAt, now), hasActiveAuthorization(db)))
    .orderBy(asc(tenants.nextPollAt), asc(sqlC(tenants.tenantId)));
  return rows.map((r) => r.tenantId);
}

/** The earliest `nextPollAt` of the tenants that hold an active authorization; null when none. */
export async function earliestDueAt(db: PgDb): Promise<Date | null> {
  const [row] = await db.select({ at: tenants.nextPollAt }).from(tenants).where(hasActiveAuthorization(db)).orderBy(asc(tenants.nextPollAt)).limit(1);
  return row?.at ?? null;
}

/** `exists (an active authorization for tenants.tenant_id)`. */
function hasActiveAuthorization(db: PgDb) {
  return exists(
    db
      .select({ one: authorizations.id })
      .from(authorizations)
      .where(and(eq(authorizations.tenantId, tenants.tenantId), eq(authorizations.status, 'active'))),
  );
}

/** The tenant's polling row, or undefined. */
export async function getTenantRow(db: PgDb, tenantId: string): Promise<TenantRow | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.tenantId, tenantId));
  return row;
}

/**
 * Removes, with their posts, the issues Microsoft no longer lists whose last change is older than
 * `retentionDays` before `now`. Issues Microsoft still lists are never pruned. Returns how many went.
 */
export async function pruneRetainedIssues(db: PgDb, now: Date, retentionDays: number): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  const result = await db.delete(issues).where(and(eq(issues.listedByMicrosoft, false), lt(issues.lastModifiedDateTime, cutoff)));
  return result.rowCount ?? 0;
}
