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
  apply(p: { tenantId: string; authorizationId: string; snapshot: SyncSnapshot; nextPollAt: Date }): Promise<boolean>;
  /** The grant behind this authorization is gone: it needs an administrator again (an event for its org). */
  requireReauthorization(authorizationId: string, reason: string): Promise<void>;
  /** A failed attempt: the reason, the next attempt, and optionally the failures in a row. */
  recordAttempt(tenantId: string, p: { lastError: string; nextPollAt: Date; consecutiveFailures?: number }): Promise<void>;
}

/**
 * The store operations the sync core uses: the polling ones and the authorizations it reads
 * tokens through (every engine's store that has them, so the poller runs on PostgreSQL too).
 */
export type SyncCoreStore = SyncStore & Pick<Store, 'activeAuthorizationsForTenant' | 'tokenCache'>;

export function createSyncCore(deps: { store: SyncCoreStore; box: SecretBox; now: () => Date; eventsRecorded: (ids: readonly string[]) => void }): SyncCore {
  const { store, box, now, eventsRecorded } = deps;
  return {
    due: (at) => store.dueTenantIds(at),
    earliestDue: () => store.earliestDueAt(),
    tenant: (tenantId) => store.getTenantRow(tenantId),
    candidates: (tenantId) => store.activeAuthorizationsForTenant(tenantId),
    tokenStore: (authorizationId) => store.tokenCache(box, authorizationId, now),
    async apply(p) {
      const result = await store.recordSyncSuccess({ ...p, now: now() });
      // After the caller has seen the write (the core clears its read model first), so a listener reads fresh data.
      if (result?.events.length) queueMicrotask(() => eventsRecorded(result.events));
      return result !== null;
    },
    async requireReauthorization(authorizationId, reason) {
      const ids = await store.requireReauthorization(authorizationId, reason, now());
      if (ids.length) queueMicrotask(() => eventsRecorded(ids));
    },
    recordAttempt: (tenantId, p) => store.recordSyncAttempt(tenantId, p),
  };
}
