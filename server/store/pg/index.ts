/**
 * The PostgreSQL store (`DATABASE_URL=postgres://…`): the operations of {@link Store} over
 * `schema.pg.ts`, written per engine where a statement runs differently (see `dialect.ts`).
 *
 * So far it holds the org and API key operations ({@link KeysStore}: the keys CLI and API key
 * authentication) and the authorization and OAuth operations ({@link AuthorizationsStore}: the
 * consent flow, so one started on one instance completes on another), and the polling operations
 * ({@link SyncStore}: the schedule, a sync's one transaction with its events, a failed attempt, a
 * lost grant, the issue prune); the cores are typed against those parts of {@link Store}. The
 * remaining operations (reads, events, channels) follow the same pattern.
 */
import type { SecretBox } from '../../crypto.js';
import type { PgDb } from '../../db/postgres.js';
import { tokenCacheOver } from '../authorizations.js';
import type { AuthorizationsStore, KeysStore, Store, SyncStore } from '../index.js';

export type { Store };
import * as authorizations from './authorizations.js';
import * as keys from './keys.js';
import * as sync from './sync.js';

/** What the PostgreSQL store holds so far. */
export type PostgresStore = KeysStore & AuthorizationsStore & SyncStore;

/** The PostgreSQL store over a database opened by `openPostgres`. */
export function createPostgresStore(db: PgDb): PostgresStore {
  const store: PostgresStore = {
    engine: 'postgres',
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
    tokenCache: (box: SecretBox, authorizationId: string, now: () => Date) =>
      tokenCacheOver(box, authorizationId, now, {
        load: () => authorizations.loadTokenCache(db, authorizationId),
        save: (sealed, at) => authorizations.saveTokenCache(db, authorizationId, sealed, at),
      }),
  };
  return store;
}
