/**
 * Writing what a sync learned from Graph, and purging a tenant.
 */
import { and, asc, eq, exists, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { authorizations, issuePosts, issues, services, serviceStatusHistory, tenants } from '../db/schema.js';
import type { IssueRecord, ServiceRecord, SyncSnapshot } from '../domain.js';
import { renderPostBody } from '../sanitize.js';
import { recordEventsIn, type EventDraft } from './events.js';
import { applyMessagesIn } from './messages.js';

/** Thrown when a snapshot holds a record the store cannot keep; the whole sync is rolled back. */
export class InvalidRecordError extends Error {
  override name = 'InvalidRecordError';
}

/** SQLite's bound-parameter limit is large, but chunks keep statements small and predictable. */
const CHUNK = 500;

/** `items` in slices of at most `size` (for `in (…)` lists and multi-row inserts). */
export function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Normalises an ISO date-time so text order is time order; `null` stays `null`. */
function isoOrNull(value: string | null, field: string, issueId: string): string | null {
  if (value === null || value === undefined) return null;
  return iso(value, field, issueId);
}

function iso(value: string, field: string, issueId: string): string {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new InvalidRecordError(`issue ${issueId}: ${field} is not a date-time`);
  return new Date(time).toISOString();
}

function requireText(value: unknown, field: string, issueId: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidRecordError(`issue ${issueId}: ${field} is missing`);
  return value;
}

/** Maps one issue to its row, checking what the database columns cannot check themselves. */
export function issueRow(tenantId: string, issue: IssueRecord) {
  const id = requireText(issue.id, 'id', String(issue.id));
  return {
    tenantId,
    id,
    title: requireText(issue.title, 'title', id),
    service: requireText(issue.service, 'service', id),
    feature: issue.feature ?? null,
    featureGroup: issue.featureGroup ?? null,
    classification: requireText(issue.classification, 'classification', id),
    status: requireText(issue.status, 'status', id),
    origin: issue.origin ?? null,
    isResolved: Boolean(issue.isResolved),
    startDateTime: isoOrNull(issue.startDateTime, 'startDateTime', id),
    endDateTime: isoOrNull(issue.endDateTime, 'endDateTime', id),
    lastModifiedDateTime: iso(issue.lastModifiedDateTime, 'lastModifiedDateTime', id),
    impactDescription: issue.impactDescription ?? null,
  };
}

/** True for Graph's `serviceInterruption`, in any case. */
export const isInterruption = (status: string) => status.toLowerCase() === 'serviceinterruption';

/**
 * Writes one successful sync of `tenantId` in a single transaction: services (with a history row
 * when a service appears or its status changes; services no longer reported are removed, since
 * healthOverviews is always read in full), the snapshot's issues with their posts (sanitised here),
 * on a full sync the marking of issues Graph no longer reports (kept, `listedByMicrosoft` false),
 * and the tenant's sync bookkeeping (`firstSyncAt` set by the first one).
 * Creates the tenant row when missing. Applying the same snapshot twice changes nothing more.
 *
 * @throws InvalidRecordError (or a database error) — and then nothing of the snapshot is written.
 */
export function applySync(db: Db, tenantId: string, snapshot: SyncSnapshot, now: Date): string[] {
  return db.transaction((tx) => applySyncIn(tx, tenantId, snapshot, now));
}

/** A transaction of {@link Db}. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** What an issue was before this sync: for its change events, and to skip rewriting it when nothing changed. */
export interface IssueBefore {
  status: string;
  isResolved: boolean;
  posts: number;
  lastModifiedDateTime: string;
  listedByMicrosoft: boolean;
}

/** {@link applySync} inside a transaction the caller holds; returns the ids of the events it recorded. */
function applySyncIn(tx: Tx, tenantId: string, snapshot: SyncSnapshot, now: Date): string[] {
  {
    tx.insert(tenants).values({ tenantId, nextPollAt: now }).onConflictDoNothing().run();
    const known = tx.select({ firstSyncAt: tenants.firstSyncAt, displayName: tenants.displayName }).from(tenants).where(eq(tenants.tenantId, tenantId)).get();
    // A tenant's first sync announces nothing: its backlog is not news.
    const announce = Boolean(known?.firstSyncAt);
    const drafts: EventDraft[] = [];
    const tenantRef = { tenantId, displayName: snapshot.organization?.displayName ?? known?.displayName ?? null, label: null };

    // Services.
    const existing = new Map(
      tx.select().from(services).where(eq(services.tenantId, tenantId)).all().map((s) => [s.serviceId, s]),
    );
    const seen = new Set<string>();
    for (const service of snapshot.services) {
      checkService(service);
      seen.add(service.id);
      const before = existing.get(service.id);
      if (!before || before.status !== service.status) {
        tx.insert(serviceStatusHistory)
          .values({ tenantId, serviceId: service.id, status: service.status, previousStatus: before?.status ?? null, changedAt: now })
          .run();
      }
      if (announce && before && before.status !== service.status) {
        // The n-th change of this service: a status that comes back later is a new change, with a new id.
        const nth = tx
          .select({ n: sql<number>`count(*)` })
          .from(serviceStatusHistory)
          .where(and(eq(serviceStatusHistory.tenantId, tenantId), eq(serviceStatusHistory.serviceId, service.id)))
          .get()!.n;
        drafts.push(serviceEvent(tenantRef, service, before.status, nth, now));
      }
      if (!before || before.status !== service.status || before.name !== service.name) {
        tx.insert(services)
          .values({ tenantId, serviceId: service.id, name: service.name, status: service.status, updatedAt: now })
          .onConflictDoUpdate({
            target: [services.tenantId, services.serviceId],
            set: { name: service.name, status: service.status, updatedAt: now },
          })
          .run();
      }
    }
    const gone = [...existing.keys()].filter((id) => !seen.has(id));
    for (const part of chunks(gone)) {
      tx.delete(services).where(and(eq(services.tenantId, tenantId), inArray(services.serviceId, part))).run();
    }

    // Issues and their posts.
    let watermark: string | null = null;
    const snapshotIds = new Set<string>();
    const before = issuesBefore(tx, tenantId, snapshot.issues);
    // Issues Graph sends again unchanged (healthOverviews repeats every active issue, an
    // incremental read overlaps the last one): only marked as seen, in one statement, instead of
    // being rewritten with their posts sanitised again. A full resync rewrites every issue.
    const unchanged: string[] = [];
    for (const issue of snapshot.issues) {
      const row = issueRow(tenantId, issue);
      snapshotIds.add(row.id);
      if (watermark === null || row.lastModifiedDateTime > watermark) watermark = row.lastModifiedDateTime;
      const stored = before.get(row.id);
      if (issueUnchanged(snapshot, issue, row, stored)) {
        unchanged.push(row.id);
        continue;
      }
      const { tenantId: _t, id: _i, ...changes } = row;
      const listed = { listedByMicrosoft: true, lastListedAt: now };
      tx.insert(issues)
        .values({ ...row, ...listed, interruptionSeen: isInterruption(row.status) })
        .onConflictDoUpdate({
          target: [issues.tenantId, issues.id],
          // An interruption once seen stays seen: the issue's later statuses do not undo it.
          set: { ...changes, ...listed, interruptionSeen: sql`max(${issues.interruptionSeen}, excluded.interruption_seen)` },
        })
        .run();
      tx.delete(issuePosts).where(and(eq(issuePosts.tenantId, tenantId), eq(issuePosts.issueId, row.id))).run();
      const posts = postRows(tenantId, row.id, issue);
      for (const part of chunks(posts)) tx.insert(issuePosts).values(part).run();
      if (announce) {
        const draft = issueEvent(tenantRef, row, posts, stored, now);
        if (draft) drafts.push(draft);
      }
    }
    for (const part of chunks(unchanged)) {
      tx.update(issues).set({ lastListedAt: now }).where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part))).run();
    }
    if (snapshot.fullIssueSync) {
      // Microsoft keeps about 30 days of issues. What it stopped returning is kept (for history)
      // and marked; pruneRetainedIssues removes it RETENTION_DAYS after its last change.
      const stored = tx
        .select({ id: issues.id })
        .from(issues)
        .where(and(eq(issues.tenantId, tenantId), eq(issues.listedByMicrosoft, true)))
        .all();
      const dropped = stored.map((r) => r.id).filter((id) => !snapshotIds.has(id));
      for (const part of chunks(dropped)) {
        tx.update(issues)
          .set({ listedByMicrosoft: false })
          .where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part)))
          .run();
      }
    }

    // Tenant bookkeeping.
    const tenant = tx.select({ issuesWatermark: tenants.issuesWatermark }).from(tenants).where(eq(tenants.tenantId, tenantId)).get();
    const nextWatermark = laterWatermark(tenant?.issuesWatermark ?? null, watermark);
    tx.update(tenants)
      .set({
        lastSyncAt: now,
        firstSyncAt: sql`coalesce(${tenants.firstSyncAt}, ${now.getTime()})`,
        issuesWatermark: nextWatermark,
        consecutiveFailures: 0,
        lastError: null,
        ...(snapshot.fullIssueSync ? { lastFullSyncAt: now } : {}),
        ...(snapshot.organization
          ? { displayName: snapshot.organization.displayName, defaultDomain: snapshot.organization.defaultDomain }
          : {}),
      })
      .where(eq(tenants.tenantId, tenantId))
      .run();
    if (snapshot.messages) applyMessagesIn(tx, tenantId, snapshot.messages.items, snapshot.messages.full, now);
    return recordEventsIn(tx, drafts, now);
  }
}

/** Throws {@link InvalidRecordError} for a service without an id or a status. */
export function checkService(service: ServiceRecord): void {
  if (typeof service.id !== 'string' || service.id === '' || typeof service.status !== 'string' || service.status === '') {
    throw new InvalidRecordError(`service ${String(service.id)}: id and status are required`);
  }
}

/**
 * The `service.status_changed` event of a service whose status went from `previousStatus` to
 * `service.status`; `nth` is the count of its history rows including this change, so a status
 * that comes back later is a new change with a new id.
 */
export function serviceEvent(tenant: EventDraft['payload']['tenant'], service: ServiceRecord, previousStatus: string, nth: number, now: Date): EventDraft {
  return {
    type: 'service.status_changed',
    tenantId: tenant.tenantId,
    identity: [service.id, previousStatus, service.status, nth],
    payload: {
      type: 'service.status_changed',
      occurredAt: now.toISOString(),
      tenant,
      service: { id: service.id, name: service.name, status: service.status, previousStatus },
    },
  };
}

/**
 * True when an incremental sync sends an issue again exactly as stored (healthOverviews repeats
 * every active issue): it is then only marked as seen. A full resync rewrites every issue.
 */
export function issueUnchanged(snapshot: Pick<SyncSnapshot, 'fullIssueSync'>, issue: IssueRecord, row: ReturnType<typeof issueRow>, stored: IssueBefore | undefined): boolean {
  return (
    !snapshot.fullIssueSync &&
    stored !== undefined &&
    stored.listedByMicrosoft &&
    stored.lastModifiedDateTime === row.lastModifiedDateTime &&
    stored.status === row.status &&
    stored.isResolved === row.isResolved &&
    stored.posts === (issue.posts ?? []).length
  );
}

/** The rows of an issue's posts, in Graph's order, their bodies sanitised (`renderPostBody`). */
export function postRows(tenantId: string, issueId: string, issue: IssueRecord) {
  return (issue.posts ?? []).map((post, position) => ({
    tenantId,
    issueId,
    position,
    createdDateTime: iso(post.createdDateTime, 'post createdDateTime', issueId),
    postType: requireText(post.postType, 'postType', issueId),
    html: renderPostBody(String(post.contentType ?? 'text'), String(post.content ?? '')),
  }));
}

/** The watermark after a sync: the newest `lastModifiedDateTime` seen, never moving back. */
export function laterWatermark(previous: string | null, seen: string | null): string | null {
  return previous !== null && (seen === null || previous > seen) ? previous : seen;
}

/** Status, resolution, last change, listing and post count of the stored copies of `list`'s issues. */
function issuesBefore(tx: Tx, tenantId: string, list: readonly IssueRecord[]): Map<string, IssueBefore> {
  const out = new Map<string, IssueBefore>();
  const ids = list.map((i) => i.id).filter((id): id is string => typeof id === 'string');
  for (const part of chunks(ids)) {
    const rows = tx
      .select({
        id: issues.id,
        status: issues.status,
        isResolved: issues.isResolved,
        lastModifiedDateTime: issues.lastModifiedDateTime,
        listedByMicrosoft: issues.listedByMicrosoft,
        // Qualified by hand: in a one-table select drizzle writes columns unqualified, and there
        // "tenant_id" = "tenant_id" compared issue_posts with itself, counting (and scanning) every
        // tenant's posts of the issue id (one Microsoft incident has one id in every tenant).
        posts: sql<number>`(select count(*) from ${issuePosts} where ${issuePosts}.tenant_id = ${issues}.tenant_id and ${issuePosts}.issue_id = ${issues}.id)`,
      })
      .from(issues)
      .where(and(eq(issues.tenantId, tenantId), inArray(issues.id, part)))
      .all();
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

/**
 * The event an issue's new state makes, if any: `issue.created` for an issue not seen before
 * (`issue.resolved` when it is already resolved at first sight), `issue.resolved` when it becomes
 * resolved, `issue.updated` for a new status or a new post. Its identity is the issue's state, so
 * reading the same state again (an overlapping incremental read, a retry) records nothing new.
 */
export function issueEvent(
  tenant: EventDraft['payload']['tenant'],
  row: ReturnType<typeof issueRow>,
  posts: ReadonlyArray<{ createdDateTime: string; postType: string; html: string }>,
  before: IssueBefore | undefined,
  now: Date,
): EventDraft | null {
  let type: EventDraft['type'];
  if (!before) type = row.isResolved ? 'issue.resolved' : 'issue.created';
  else if (row.isResolved && !before.isResolved) type = 'issue.resolved';
  else if (row.status !== before.status || posts.length > before.posts) type = 'issue.updated';
  else return null;
  const { tenantId: _t, ...summary } = row;
  const latest = posts.at(-1);
  return {
    type,
    tenantId: tenant.tenantId,
    identity: [row.id, row.status, row.isResolved, posts.length, row.lastModifiedDateTime],
    payload: {
      type,
      occurredAt: now.toISOString(),
      tenant,
      issue: { ...summary, ...(latest ? { latestPost: { createdDateTime: latest.createdDateTime, postType: latest.postType, html: latest.html } } : {}) },
    },
  };
}

/**
 * Writes a successful sync of `tenantId` read through `authorizationId` in one transaction: the
 * snapshot ({@link applySync}), the authorization's `lastSuccessAt` and the tenant's next poll.
 * When the authorization was deleted while Graph answered (with the last one the tenant is
 * purged), nothing is written and `null` is returned; otherwise the ids of the events recorded.
 */
export function recordSyncSuccess(
  db: Db,
  p: SyncSuccess,
): SyncWritten | null {
  return db.transaction((tx) => {
    if (p.owner !== undefined) {
      const tenant = tx.select({ owner: tenants.leaseOwner }).from(tenants).where(eq(tenants.tenantId, p.tenantId)).get();
      if (tenant && tenant.owner !== null && tenant.owner !== p.owner) return { events: [], leaseLost: true };
    }
    const auth = tx.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.id, p.authorizationId)).get();
    if (!auth) return null;
    const recorded = applySyncIn(tx, p.tenantId, p.snapshot, p.now);
    tx.update(authorizations).set({ lastSuccessAt: p.now, lastError: null, updatedAt: p.now }).where(eq(authorizations.id, p.authorizationId)).run();
    tx.update(tenants).set(syncFinished(p.nextPollAt, p.owner !== undefined)).where(eq(tenants.tenantId, p.tenantId)).run();
    return { events: recorded };
  });
}

/** What {@link recordSyncSuccess} is told. */
export interface SyncSuccess {
  tenantId: string;
  authorizationId: string;
  snapshot: SyncSnapshot;
  now: Date;
  nextPollAt: Date;
  /**
   * The instance holding the tenant's lease (leases.ts): nothing is written while another instance
   * holds it, and the write releases it. Absent for a write outside the poller's leases.
   */
  owner?: string;
}

/**
 * A written sync: the ids of the events recorded. `leaseLost` when nothing was written because
 * the lease had passed to another instance (this one was paused beyond it).
 */
export interface SyncWritten {
  events: string[];
  leaseLost?: true;
}

/** What a finished sync sets on its tenant: the next poll, the throttle passed, the lease released. */
export function syncFinished(nextPollAt: Date, leased: boolean) {
  return { nextPollAt, throttledUntil: null, ...(leased ? { leaseOwner: null, leaseUntil: null } : {}) };
}

/** What {@link recordSyncAttempt} is told. */
export interface SyncAttempt {
  lastError: string;
  nextPollAt: Date;
  consecutiveFailures?: number;
  /** Graph asked to wait until then (`Retry-After`): every instance holds off the tenant. */
  throttledUntil?: Date;
  /** The lease holder: nothing is written while another instance holds the lease; this one's is released. */
  owner?: string;
}

/** The columns a failed attempt sets. */
export function attemptColumns(p: SyncAttempt) {
  return {
    lastError: p.lastError,
    nextPollAt: p.nextPollAt,
    ...(p.consecutiveFailures === undefined ? {} : { consecutiveFailures: p.consecutiveFailures }),
    ...(p.throttledUntil === undefined ? {} : { throttledUntil: p.throttledUntil }),
    ...(p.owner === undefined ? {} : { leaseOwner: null, leaseUntil: null }),
  };
}

/**
 * Records a sync that did not succeed: the reason shown as `lastSyncError`, the next attempt, and
 * (for failures that count towards the backoff) the new number of failures in a row.
 */
export function recordSyncAttempt(db: Db, tenantId: string, p: SyncAttempt): void {
  db.update(tenants)
    .set(attemptColumns(p))
    .where(and(eq(tenants.tenantId, tenantId), p.owner === undefined ? undefined : or(isNull(tenants.leaseOwner), eq(tenants.leaseOwner, p.owner))))
    .run();
}

/** Tenants whose `nextPollAt` has passed and that hold an active authorization, earliest first. */
export function dueTenantIds(db: Db, now: Date): string[] {
  return db
    .select({ tenantId: tenants.tenantId })
    .from(tenants)
    .where(and(lte(tenants.nextPollAt, now), hasActiveAuthorization(db)))
    .orderBy(asc(tenants.nextPollAt))
    .all()
    .map((r) => r.tenantId);
}

/** The earliest `nextPollAt` of the tenants that hold an active authorization; null when none. */
export function earliestDueAt(db: Db): Date | null {
  return (
    db
      .select({ at: tenants.nextPollAt })
      .from(tenants)
      .where(hasActiveAuthorization(db))
      .orderBy(asc(tenants.nextPollAt))
      .limit(1)
      .get()?.at ?? null
  );
}

/** `exists (an active authorization for tenants.tenant_id)`. */
function hasActiveAuthorization(db: Db) {
  return exists(
    db
      .select({ one: authorizations.id })
      .from(authorizations)
      .where(and(eq(authorizations.tenantId, tenants.tenantId), eq(authorizations.status, 'active'))),
  );
}

/** The tenant's polling row, or undefined. */
export function getTenantRow(db: Db, tenantId: string) {
  return db.select().from(tenants).where(eq(tenants.tenantId, tenantId)).get();
}

/**
 * Removes, with their posts, the issues Microsoft no longer lists whose last change
 * (`lastModifiedDateTime`) is older than `retentionDays` before `now` (the scheduled prune; see
 * RETENTION_DAYS). Issues Microsoft still lists are never pruned. Returns how many went.
 */
export function pruneRetainedIssues(db: Db, now: Date, retentionDays: number): number {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  return db
    .delete(issues)
    .where(and(eq(issues.listedByMicrosoft, false), lt(issues.lastModifiedDateTime, cutoff)))
    .run().changes;
}
