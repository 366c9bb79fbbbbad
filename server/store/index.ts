/**
 * The store: every read and write the core makes, as one asynchronous interface ({@link Store}).
 *
 * The operations are the functions of this folder (`keys.ts`, `tenants.ts`, `sync.ts`, …), written
 * over better-sqlite3, whose first parameter is the connection. {@link Store} is their list with
 * the connection bound and every result a promise: the core awaits each operation, so it runs the
 * same over SQLite, where a call answers at once (one microtask), and over PostgreSQL, whose
 * driver is asynchronous only. Deriving the interface from the SQLite operations keeps one list:
 * a new operation is one function here, and every other engine fails to compile until it has it.
 *
 * Transactions stay inside operations (`recordSyncSuccess` writes data and events in one): no
 * caller holds a transaction across an `await`. better-sqlite3 refuses a transaction callback
 * that returns a promise, so the SQLite operations run their transactions synchronously inside
 * the call; a PostgreSQL operation awaits its own.
 */
import { sql } from 'drizzle-orm';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/index.js';
import type { TokenCacheStore } from '../microsoft/identity.js';
import * as authorizations from './authorizations.js';
import * as channels from './channels.js';
import * as events from './events.js';
import * as history from './history.js';
import * as keys from './keys.js';
import * as leases from './leases.js';
import * as messages from './messages.js';
import * as overview from './overview.js';
import * as sync from './sync.js';
import * as tenants from './tenants.js';

export * from './keys.js';
export * from './sync.js';
export * from './tenants.js';

/** The operations, as written over SQLite (connection first). */
const operations = {
  // Orgs and API keys.
  createOrg: keys.createOrg,
  findOrCreateOrg: keys.findOrCreateOrg,
  createApiKey: keys.createApiKey,
  listApiKeys: keys.listApiKeys,
  revokeApiKey: keys.revokeApiKey,
  revokeUserKeys: keys.revokeUserKeys,
  keyByHash: keys.keyByHash,
  recordKeyUses: keys.recordKeyUses,
  // Authorizations and the OAuth requests in flight.
  listAuthorizations: authorizations.listAuthorizations,
  authorizationsJson: authorizations.authorizationsJson,
  getAuthorization: authorizations.getAuthorization,
  authorizationOrg: authorizations.authorizationOrg,
  beginAuthorization: authorizations.beginAuthorization,
  consumeOAuthRequest: authorizations.consumeOAuthRequest,
  pruneOAuthRequests: authorizations.pruneOAuthRequests,
  activateAuthorization: authorizations.activateAuthorization,
  setAuthorizationStatus: authorizations.setAuthorizationStatus,
  requireReauthorization: authorizations.requireReauthorization,
  activeAuthorizationsForTenant: authorizations.activeAuthorizationsForTenant,
  deleteAuthorization: authorizations.deleteAuthorization,
  discardPendingAuthorization: authorizations.discardPendingAuthorization,
  loadTokenCache: authorizations.loadTokenCache,
  saveTokenCache: authorizations.saveTokenCache,
  // Polling and what a sync writes.
  applySync: sync.applySync,
  recordSyncSuccess: sync.recordSyncSuccess,
  recordSyncAttempt: sync.recordSyncAttempt,
  dueTenantIds: sync.dueTenantIds,
  earliestDueAt: sync.earliestDueAt,
  getTenantRow: sync.getTenantRow,
  pruneRetainedIssues: sync.pruneRetainedIssues,
  // Tenant leases: one instance syncs a tenant at a time.
  claimDueTenants: leases.claimDueTenants,
  claimTenant: leases.claimTenant,
  renewTenantLease: leases.renewTenantLease,
  releaseTenantLease: leases.releaseTenantLease,
  releaseLeases: leases.releaseLeases,
  // Reads of tenants, their health and issues.
  orgAuthorizationRefs: tenants.orgAuthorizationRefs,
  tenantLastSyncAt: (db: Db, tenantId: string) => tenants.tenantLastSyncAt(db, tenantId),
  tenantServices: tenants.tenantServices,
  tenantActiveIssues: tenants.tenantActiveIssues,
  tenantListRows: tenants.tenantListRows,
  listIssues: tenants.listIssues,
  getIssue: tenants.getIssue,
  overviewRows: overview.overviewRowsOf,
  historyRows: history.historyRows,
  metricsRows: history.metricsRows,
  // Message center.
  listMessages: messages.listMessages,
  getMessage: messages.getMessage,
  pruneRetainedMessages: messages.pruneRetainedMessages,
  // Change events.
  eventsAfter: events.eventsAfter,
  eventSeq: events.eventSeq,
  latestEventSeq: events.latestEventSeq,
  getEvent: events.getEvent,
  pruneEvents: events.pruneEvents,
  pruneDeliveries: events.pruneDeliveries,
  // Notification channels and deliveries.
  insertChannel: channels.insertChannel,
  listChannels: channels.listChannels,
  getChannel: channels.getChannel,
  updateChannel: channels.updateChannel,
  deleteChannel: channels.deleteChannel,
  channelById: channels.channelById,
  orgTenantLabel: channels.orgTenantLabel,
  listDeliveries: channels.listDeliveries,
  claimDueDeliveries: channels.claimDueDeliveries,
  nextDeliveryDueAt: channels.nextDeliveryDueAt,
  deliveryEvent: channels.deliveryEvent,
  finishAttempt: channels.finishAttempt,
  recordTestDelivery: channels.recordTestDelivery,
  /** Throws when the database does not answer. */
  ping: (db: Db) => void db.get(sql`select 1`),
};

type Operations = typeof operations;

/** An operation with its connection bound and its result promised. */
type Bound<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

/** Every read and write of the core, whichever engine answers (see the module comment). */
export type Store = { readonly [K in keyof Operations]: Bound<Operations[K]> } & {
  /** Which engine answers. */
  readonly engine: 'sqlite' | 'postgres';
  /**
   * A number that changes whenever another connection commits to the database (SQLite's
   * `PRAGMA data_version`), read synchronously so the read model can check it on the hot path;
   * absent where the engine tells of other writers otherwise.
   */
  readonly externalWriteVersion?: () => number;
  /** The msal cache plugin store of one authorization (sealed with `box`). */
  tokenCache(box: SecretBox, authorizationId: string, now: () => Date): TokenCacheStore;
};

/** The org and API key operations of the store: all the keys core (and the keys CLI) needs. */
export type KeysStore = Pick<Store, 'createOrg' | 'findOrCreateOrg' | 'createApiKey' | 'listApiKeys' | 'revokeApiKey' | 'revokeUserKeys' | 'keyByHash' | 'recordKeyUses'> & {
  readonly engine: Store['engine'];
  readonly externalWriteVersion?: Store['externalWriteVersion'];
};

/**
 * The authorization and OAuth operations: all the authorizations core (the consent flow, the
 * settings element's list and delete) needs.
 */
export type AuthorizationsStore = Pick<
  Store,
  | 'listAuthorizations'
  | 'authorizationsJson'
  | 'getAuthorization'
  | 'authorizationOrg'
  | 'beginAuthorization'
  | 'consumeOAuthRequest'
  | 'pruneOAuthRequests'
  | 'activateAuthorization'
  | 'setAuthorizationStatus'
  | 'activeAuthorizationsForTenant'
  | 'deleteAuthorization'
  | 'discardPendingAuthorization'
  | 'loadTokenCache'
  | 'saveTokenCache'
  | 'tokenCache'
>;

/**
 * The polling operations: what the sync core (the poller's schedule, a sync's one transaction,
 * a failed attempt, a lost grant) and the retention prune of issues need.
 */
export type SyncStore = Pick<
  Store,
  | 'applySync'
  | 'recordSyncSuccess'
  | 'requireReauthorization'
  | 'recordSyncAttempt'
  | 'dueTenantIds'
  | 'earliestDueAt'
  | 'getTenantRow'
  | 'pruneRetainedIssues'
  | 'claimDueTenants'
  | 'claimTenant'
  | 'renewTenantLease'
  | 'releaseTenantLease'
  | 'releaseLeases'
>;

/** The store over a better-sqlite3 database opened by `openDatabase`. */
export function createSqliteStore(db: Db): Store {
  const bound: Record<string, unknown> = {};
  for (const [name, operation] of Object.entries(operations) as Array<[string, (db: Db, ...args: unknown[]) => unknown]>) {
    // A throw becomes a rejection, as it would from an asynchronous driver.
    bound[name] = (...args: unknown[]) => {
      try {
        return Promise.resolve(operation(db, ...args));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  const dataVersion = db.$client.prepare('PRAGMA data_version').pluck();
  return Object.assign(bound as { [K in keyof Operations]: Bound<Operations[K]> }, {
    engine: 'sqlite' as const,
    externalWriteVersion: () => dataVersion.get() as number,
    tokenCache: (box: SecretBox, authorizationId: string, now: () => Date) => authorizations.tokenCacheStore(db, box, authorizationId, now),
  });
}
