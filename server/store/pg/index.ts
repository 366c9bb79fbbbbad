/**
 * The PostgreSQL store (`DATABASE_URL=postgres://…`): every operation of {@link Store} over
 * `schema.pg.ts`, written per engine where a statement runs differently (see `dialect.ts`), so the
 * same core runs over either engine. The parts: the org and API key operations (`keys.ts`), the
 * authorizations and OAuth requests (`authorizations.ts`), what a sync writes and the schedule
 * (`sync.ts`), the tenant leases that share the polling between instances (`leases.ts`), the
 * reads of tenants, health, issues, overview, history and the Message center (`reads.ts`), and
 * the change events, channels and deliveries (`outbox.ts`).
 */
import type { SecretBox } from '../../crypto.js';
import type { PgDb, PgTx } from '../../db/postgres.js';
import { tokenCacheOver } from '../authorizations.js';
import type { Store } from '../index.js';

export type { Store };
import * as authorizations from './authorizations.js';
import * as keys from './keys.js';
import * as leases from './leases.js';
import * as sync from './sync.js';
import { createOutboxOperations } from './outbox.js';
import { createReadOperations } from './reads.js';

/** The PostgreSQL store: the whole of {@link Store}. */
export type PostgresStore = Store;

/** The PostgreSQL store over a database opened by `openPostgres`. */
export function createPostgresStore(db: PgDb): PostgresStore {
  const store: PostgresStore = {
    engine: 'postgres',
    ...createReadOperations(db),
    ...createOutboxOperations(db),
    createOrg: (name) => keys.createOrg(db, name),
    findOrCreateOrg: (name) => keys.findOrCreateOrg(db, name),
    createApiKey: (options) => keys.createApiKey(db, options),
    listApiKeys: (orgName) => keys.listApiKeys(db, orgName),
    revokeApiKey: (idOrPrefix, now) => keys.revokeApiKey(db, idOrPrefix, now),
    revokeUserKeys: (orgId, userName, now) => keys.revokeUserKeys(db, orgId, userName, now),
    keyByHash: (keyHash) => keys.keyByHash(db, keyHash),
    recordKeyUses: (uses) => keys.recordKeyUses(db, uses),
    listAuthorizations: (orgId, now) => authorizations.listAuthorizations(db, orgId, now),
    authorizationsJson: (rows) => authorizations.authorizationsJson(db, rows),
    getAuthorization: (id) => authorizations.getAuthorization(db, id),
    authorizationOrg: (id) => authorizations.authorizationOrg(db, id),
    beginAuthorization: (box, p) => authorizations.beginAuthorization(db, box, p),
    consumeOAuthRequest: (box, state, now) => authorizations.consumeOAuthRequest(db, box, state, now),
    pruneOAuthRequests: (now) => authorizations.pruneOAuthRequests(db, now),
    activateAuthorization: (id, p) => authorizations.activateAuthorization(db, id, p),
    setAuthorizationStatus: (id, status, reason, now) => authorizations.setAuthorizationStatus(db, id, status, reason, now),
    activeAuthorizationsForTenant: (tenantId) => authorizations.activeAuthorizationsForTenant(db, tenantId),
    deleteAuthorization: (orgId, id) => authorizations.deleteAuthorization(db, orgId, id),
    discardPendingAuthorization: (id) => authorizations.discardPendingAuthorization(db, id),
    loadTokenCache: (id) => authorizations.loadTokenCache(db, id),
    saveTokenCache: (id, sealed, now) => authorizations.saveTokenCache(db, id, sealed, now),
    requireReauthorization: (id, reason, now) => authorizations.requireReauthorization(db, id, reason, now),
    applySync: (tenantId, snapshot, now) => sync.applySync(db, tenantId, snapshot, now),
    recordSyncSuccess: (p) => sync.recordSyncSuccess(db, p),
    recordSyncAttempt: (tenantId, p) => sync.recordSyncAttempt(db, tenantId, p),
    dueTenantIds: (now) => sync.dueTenantIds(db, now),
    earliestDueAt: () => sync.earliestDueAt(db),
    getTenantRow: (tenantId) => sync.getTenantRow(db, tenantId),
    pruneRetainedIssues: (now, retentionDays) => sync.pruneRetainedIssues(db, now, retentionDays),
    claimDueTenants: (claim) => leases.claimDueTenants(db, claim),
    claimTenant: (tenantId, claim) => leases.claimTenant(db, tenantId, claim),
    renewTenantLease: (tenantId, owner, until) => leases.renewTenantLease(db, tenantId, owner, until),
    releaseTenantLease: (tenantId, owner) => leases.releaseTenantLease(db, tenantId, owner),
    releaseLeases: (owner) => leases.releaseLeases(db, owner),
    tokenCache: (box: SecretBox, authorizationId: string, now: () => Date) => {
      // While a token request holds the row lock, the cache is read and written in its transaction.
      let locked: PgTx | null = null;
      const cache = tokenCacheOver(box, authorizationId, now, {
        load: () => authorizations.loadTokenCache(locked ?? db, authorizationId),
        save: (sealed, at) => authorizations.saveTokenCache(locked ?? db, authorizationId, sealed, at),
      });
      return {
        ...cache,
        exclusive: (work) =>
          authorizations.withTokenLock(db, authorizationId, async (tx) => {
            locked = tx;
            try {
              return await work();
            } finally {
              locked = null;
            }
          }),
      };
    },
  };
  return store;
}
