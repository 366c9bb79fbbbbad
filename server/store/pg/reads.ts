/**
 * The read operations of the PostgreSQL store: tenants, health and issues (`tenants.ts`), the
 * overview (`overview.ts`), history and metrics (`history.ts`), the Message center list, detail
 * and prune (`messages.ts`), and `ping`. Typed from {@link Store}, so this fails to compile when
 * the interface (the SQLite operations) changes and this store does not.
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres.js';
import type { Store } from '../index.js';
import * as history from './history.js';
import * as messages from './messages.js';
import * as overview from './overview.js';
import * as tenants from './tenants.js';

/** The operations {@link createReadOperations} provides. */
export type ReadOperations = Pick<
  Store,
  | 'orgAuthorizationRefs'
  | 'tenantLastSyncAt'
  | 'tenantServices'
  | 'tenantActiveIssues'
  | 'tenantListRows'
  | 'listIssues'
  | 'getIssue'
  | 'overviewRows'
  | 'historyRows'
  | 'metricsRows'
  | 'listMessages'
  | 'getMessage'
  | 'pruneRetainedMessages'
  | 'ping'
>;

/** The read operations over a database opened by `openPostgres`. */
export function createReadOperations(db: PgDb): ReadOperations {
  return {
    orgAuthorizationRefs: (orgId) => tenants.orgAuthorizationRefs(db, orgId),
    tenantLastSyncAt: (tenantId) => tenants.tenantLastSyncAt(db, tenantId),
    tenantServices: (tenantId) => tenants.tenantServices(db, tenantId),
    tenantActiveIssues: (tenantId) => tenants.tenantActiveIssues(db, tenantId),
    tenantListRows: (tenantIds) => tenants.tenantListRows(db, tenantIds),
    listIssues: (tenantId, query) => tenants.listIssues(db, tenantId, query),
    getIssue: (tenantId, issueId) => tenants.getIssue(db, tenantId, issueId),
    overviewRows: (tenantId) => overview.overviewRows(db, tenantId),
    historyRows: (tenantId, from) => history.historyRows(db, tenantId, from),
    metricsRows: () => history.metricsRows(db),
    listMessages: (tenantId, query) => messages.listMessages(db, tenantId, query),
    getMessage: (tenantId, messageId) => messages.getMessage(db, tenantId, messageId),
    pruneRetainedMessages: (now, retentionDays) => messages.pruneRetainedMessages(db, now, retentionDays),
    /** Rejects when the database does not answer. */
    ping: async () => {
      await db.execute(sql`select 1`);
    },
  };
}
