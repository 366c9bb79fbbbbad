/**
 * The polling side of the domain: which tenants are due, which authorizations can read them, and
 * recording what a sync learned (one transaction) or why it did not succeed. The poller decides
 * when and talks to Microsoft; it writes nothing itself.
 */
import type { SecretBox } from '../crypto.js';
import type { SyncSnapshot } from '../domain.js';
import type { TokenCacheStore } from '../microsoft/identity.js';
import type { AuthorizationRow } from '../store/authorizations.js';
import type { Store, SyncStore } from '../store/index.js';
import type { getTenantRow } from '../store/sync.js';

/** A tenant's polling state. */
export type TenantSyncRow = NonNullable<ReturnType<typeof getTenantRow>>;

export interface SyncCore {
  /** Tenants due at `now` that an active authorization can read, earliest first. */
  due(now: Date): Promise<string[]>;
  /**
   * Leases up to `limit` due tenants to this instance (not leased elsewhere, not throttled) and
   * returns them: a tenant is synced by one instance at a time (docs/scale-out.md §2).
   */
  claim(now: Date, limit: number): Promise<string[]>;
  /** Leases one tenant whatever its next poll; false when another instance holds it or Graph asked to wait. */
  claimOne(tenantId: string): Promise<boolean>;
  /** Extends this instance's lease of the tenant while its sync runs; false when it was lost. */
  renew(tenantId: string): Promise<boolean>;
  /** Gives the tenant's lease up (a sync that ended without writing; a write releases it itself). */
  release(tenantId: string): Promise<void>;
  /** Frees the leases this instance held before it restarted (on SQLite, any: one process owns the file). */
  releaseStale(): Promise<number>;
  /** How long a lease lasts unless renewed. */
  readonly leaseMs: number;
  /** The earliest next poll of a readable tenant (for the poller's wake-up timer). */
  earliestDue(): Promise<Date | null>;
  tenant(tenantId: string): Promise<TenantSyncRow | undefined>;
  /** Active authorizations of the tenant, most recently successful first (the failover order). */
  candidates(tenantId: string): Promise<AuthorizationRow[]>;
  /** The sealed msal token cache of an authorization. */
  tokenStore(authorizationId: string): TokenCacheStore;
  /**
   * Writes a successful sync with the change events it observed (one transaction), then tells the
   * event listeners; false (nothing written) when the authorization was deleted meanwhile.
   */
  apply(p: { tenantId: string; authorizationId: string; snapshot: SyncSnapshot; nextPollAt: Date }): Promise<boolean | 'lease-lost'>;
  /** The grant behind this authorization is gone: it needs an administrator again (an event for its org). */
  requireReauthorization(authorizationId: string, reason: string): Promise<void>;
  /** A failed attempt: the reason, the next attempt, and optionally the failures in a row. */
  recordAttempt(tenantId: string, p: { lastError: string; nextPollAt: Date; consecutiveFailures?: number; throttledUntil?: Date }): Promise<void>;
}

/** How long a tenant's lease lasts unless its sync renews it (a third of it, each time). */
export const DEFAULT_LEASE_MS = 120_000;

/**
 * The store operations the sync core uses: the polling ones and the authorizations it reads
 * tokens through (every engine's store that has them, so the poller runs on PostgreSQL too).
 */
export type SyncCoreStore = SyncStore & Pick<Store, 'activeAuthorizationsForTenant' | 'tokenCache' | 'engine'>;

export function createSyncCore(deps: {
  store: SyncCoreStore;
  box: SecretBox;
  now: () => Date;
  eventsRecorded: (ids: readonly string[]) => void;
  /** This instance (`INSTANCE_ID`), written to the leases it holds. */
  owner: string;
  leaseMs?: number;
}): SyncCore {
  const { store, box, now, eventsRecorded, owner } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  return {
    leaseMs,
    due: (at) => store.dueTenantIds(at),
    claim: (at, limit) => store.claimDueTenants({ owner, now: at, leaseMs, limit }),
    claimOne: (tenantId) => store.claimTenant(tenantId, { owner, now: now(), leaseMs }),
    renew: (tenantId) => store.renewTenantLease(tenantId, owner, new Date(now().getTime() + leaseMs)),
    release: (tenantId) => store.releaseTenantLease(tenantId, owner),
    // SQLite: the instance lock makes this the file's only process, so every lease left is a dead one's.
    releaseStale: () => store.releaseLeases(store.engine === 'sqlite' ? null : owner),
    earliestDue: () => store.earliestDueAt(),
    tenant: (tenantId) => store.getTenantRow(tenantId),
    candidates: (tenantId) => store.activeAuthorizationsForTenant(tenantId),
    tokenStore: (authorizationId) => store.tokenCache(box, authorizationId, now),
    async apply(p) {
      const result = await store.recordSyncSuccess({ ...p, now: now(), owner });
      if (result?.leaseLost) return 'lease-lost';
      // After the caller has seen the write (the core clears its read model first), so a listener reads fresh data.
      if (result?.events.length) queueMicrotask(() => eventsRecorded(result.events));
      return result !== null;
    },
    async requireReauthorization(authorizationId, reason) {
      const ids = await store.requireReauthorization(authorizationId, reason, now());
      if (ids.length) queueMicrotask(() => eventsRecorded(ids));
    },
    recordAttempt: (tenantId, p) => store.recordSyncAttempt(tenantId, { ...p, owner }),
  };
}
