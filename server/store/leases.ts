/**
 * Tenant leases (docs/scale-out.md §2): which instance syncs a tenant now, so a tenant is synced
 * by one instance at a time. A poller claims due tenants a few at a time (as its sync slots free
 * up), renews each lease while the sync runs, and the sync's own transaction releases it. A lease
 * whose holder died lapses at `lease_until`, and the tenant is claimable again.
 *
 * On SQLite one process owns the file (instance-lock.ts), so a claim is one `UPDATE … RETURNING`
 * (SQLite has one writer: two claims cannot interleave) and, at start-up, the process frees the
 * leases of a process that died before it. The PostgreSQL versions (`pg/leases.ts`) lock the due
 * rows `FOR UPDATE SKIP LOCKED`, so concurrent claimers skip each other's rows.
 */
import { and, asc, eq, exists, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { authorizations, tenants } from '../db/schema.js';

export interface LeaseClaim {
  /** The claiming instance (`INSTANCE_ID`). */
  owner: string;
  now: Date;
  /** How long the lease lasts unless renewed. */
  leaseMs: number;
}

/** True for a row nobody holds: no lease, or one that has lapsed. */
function leaseFree(now: Date) {
  return or(isNull(tenants.leaseUntil), lte(tenants.leaseUntil, now));
}

/** Graph's `Retry-After` for the tenant has passed (or there is none). */
function notThrottled(now: Date) {
  return or(isNull(tenants.throttledUntil), lte(tenants.throttledUntil, now));
}

/** `exists (an active authorization for tenants.tenant_id)`. */
function readable(db: Db) {
  return exists(
    db
      .select({ one: authorizations.id })
      .from(authorizations)
      .where(and(eq(authorizations.tenantId, tenants.tenantId), eq(authorizations.status, 'active'))),
  );
}

/**
 * Leases up to `limit` tenants that are due at `now`, readable by an active authorization, not
 * leased and not throttled, earliest due first; returns their ids.
 */
export function claimDueTenants(db: Db, claim: LeaseClaim & { limit: number }): string[] {
  if (claim.limit <= 0) return [];
  const due = db
    .select({ tenantId: tenants.tenantId })
    .from(tenants)
    .where(and(lte(tenants.nextPollAt, claim.now), leaseFree(claim.now), notThrottled(claim.now), readable(db)))
    // Next poll only, so the due rows are walked in the order of tenants_next_poll_idx and the scan
    // stops at the first claimable one (a tie-breaker would sort every due row on every claim: at
    // 10 000 due tenants that made each claim 120 ms on PostgreSQL instead of 0.2 ms).
    .orderBy(asc(tenants.nextPollAt))
    .limit(claim.limit);
  return db
    .update(tenants)
    .set({ leaseOwner: claim.owner, leaseUntil: new Date(claim.now.getTime() + claim.leaseMs) })
    .where(sql`${tenants.tenantId} in ${due}`)
    .returning({ tenantId: tenants.tenantId })
    .all()
    .map((r) => r.tenantId)
    .sort();
}

/**
 * Leases one tenant whatever its next poll (a sync asked for now: a new authorization's first).
 * False when another instance holds it or Graph asked to wait.
 */
export function claimTenant(db: Db, tenantId: string, claim: LeaseClaim): boolean {
  return (
    db
      .update(tenants)
      .set({ leaseOwner: claim.owner, leaseUntil: new Date(claim.now.getTime() + claim.leaseMs) })
      .where(and(eq(tenants.tenantId, tenantId), or(leaseFree(claim.now), eq(tenants.leaseOwner, claim.owner)), notThrottled(claim.now)))
      .run().changes === 1
  );
}

/** Extends a lease this owner still holds; false when it has lost it (lapsed and claimed elsewhere). */
export function renewTenantLease(db: Db, tenantId: string, owner: string, until: Date): boolean {
  return db.update(tenants).set({ leaseUntil: until }).where(and(eq(tenants.tenantId, tenantId), eq(tenants.leaseOwner, owner))).run().changes === 1;
}

/** Gives up a lease this owner holds (a sync that ended without writing, a shutdown). */
export function releaseTenantLease(db: Db, tenantId: string, owner: string): void {
  db.update(tenants).set({ leaseOwner: null, leaseUntil: null }).where(and(eq(tenants.tenantId, tenantId), eq(tenants.leaseOwner, owner))).run();
}

/**
 * Frees every lease of `owner`, or every lease at all when `owner` is null (SQLite at start-up:
 * the file's previous process is gone, and its leases with it). Returns how many.
 */
export function releaseLeases(db: Db, owner: string | null): number {
  return db
    .update(tenants)
    .set({ leaseOwner: null, leaseUntil: null })
    .where(owner === null ? isNotNull(tenants.leaseOwner) : eq(tenants.leaseOwner, owner))
    .run().changes;
}
