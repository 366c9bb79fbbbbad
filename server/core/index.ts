/**
 * The core: the domain operations every edge calls — HTTP routes, the poller, the keys CLI and
 * simulator mode. It is created once at start-up from the database, the secret box, the
 * Microsoft identity client and the clock, and owns the per-process caches of the read path
 * (the read model). Every operation is asynchronous over the {@link Store}, whichever engine
 * answers; only the `peek…` reads of the hot path are synchronous, and they answer from memory.
 * Nothing outside `store/` writes SQL.
 */
import { defaultInstanceId, type Config } from '../config.js';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/index.js';
import { pollIntervalMs } from '../freshness.js';
import type { IdentityClient } from '../microsoft/identity.js';
import { createSqliteStore, type Store } from '../store/index.js';
import type { StoreChange } from '../store/pg/listen.js';
import { createAuthorizationsCore, type AuthorizationsCore } from './authorizations.js';
import { createChannelsCore, type ChannelsCore } from './channels.js';
import { createHistoryCore, type HistoryCore } from './history.js';
import { createMetrics, type Metrics } from '../metrics.js';
import { createKeysCore, type KeysCore } from './keys.js';
import { createMessagesCore, type MessagesCore } from './messages.js';
import { createEventsCore, type EventsCore } from './events.js';
import { createOverviewCore, type OverviewCore } from './overview.js';
import { createReadModel } from './read-model.js';
import { createSyncCore, type SyncCore } from './sync.js';
import { createTenantsCore, type TenantsCore } from './tenants.js';

export type { AuthorizationsCore, EventsCore, HistoryCore, KeysCore, OverviewCore, SyncCore, TenantsCore };
export type { MessagesCore };

export interface CoreDeps {
  /** The store; with only `db`, the SQLite store over it. */
  store?: Store;
  /** A SQLite database, when no `store` is given. */
  db?: Db;
  box: SecretBox;
  identity: IdentityClient;
  config: Pick<Config, 'allowedOrigins' | 'publicUrl' | 'pollCron'> & Partial<Pick<Config, 'allowPrivateTargets' | 'smtpUrl' | 'smtpFrom' | 'instanceId' | 'leaseMs'>>;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface Core {
  keys: KeysCore;
  authorizations: AuthorizationsCore;
  tenants: TenantsCore;
  /** Every tenant of an org at once (`GET /api/overview`). */
  overview: OverviewCore;
  /** Change events: the org's stream and the listeners told after each write that recorded some. */
  events: EventsCore;
  sync: SyncCore;
  /** Day-by-day history, availability and the issues export. */
  history: HistoryCore;
  /** Message center posts of a tenant (list, detail, retention). */
  messages: MessagesCore;
  /** Notification channels and their deliveries. */
  channels: ChannelsCore;
  /** This server's Prometheus registry: gauges read from the database at scrape time, counters the poller bumps. */
  metrics: Metrics;
  /** The clock every operation uses. */
  now(): Date;
  /** The store every operation goes through. */
  store: Store;
  /** Rejects when the database does not answer (`/healthz`). */
  ping(): Promise<void>;
  /** Registers what happens when a tenant gets an active authorization (the poller's first sync). */
  onTenantActivated(listener: (tenantId: string) => void): void;
  /** Start-up housekeeping: OAuth requests that expired more than a day ago. */
  prune(): Promise<void>;
  /**
   * Another instance on the same database changed something (PostgreSQL notifications): the
   * read model drops it, and event listeners (streams, the delivery worker) wake.
   */
  externalChange(change: StoreChange): void;
}

export function createCore(deps: CoreDeps): Core {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => {});
  const listeners: Array<(tenantId: string) => void> = [];
  const store = deps.store ?? (deps.db ? createSqliteStore(deps.db) : null);
  if (!store) throw new TypeError('createCore needs a store (or a SQLite db)');
  const model = createReadModel(store.externalWriteVersion);
  const metrics = createMetrics(() => store.metricsRows());
  const authorizations = createAuthorizationsCore({
    store,
    box: deps.box,
    identity: deps.identity,
    config: deps.config,
    now,
    log,
    onActivated: (tenantId) => listeners.forEach((listener) => listener(tenantId)),
  });
  const intervalMs = pollIntervalMs(deps.config.pollCron, now());
  const tenants = createTenantsCore({ store, now, pollIntervalMs: intervalMs, model });
  const events = createEventsCore({ store, tenants, now, log });
  const sync = createSyncCore({
    store,
    box: deps.box,
    now,
    eventsRecorded: (ids) => events.recorded(ids),
    owner: deps.config.instanceId ?? defaultInstanceId(),
    ...(deps.config.leaseMs ? { leaseMs: deps.config.leaseMs } : {}),
  });
  return {
    keys: createKeysCore({ store, now, log, model }),
    // Every write tells the read model what it changed (read-model.ts).
    authorizations: {
      ...authorizations,
      begin: (principal, p) => authorizations.begin(principal, p).finally(() => model.authorizationsChanged()),
      complete: (query) => authorizations.complete(query).finally(() => model.authorizationsChanged()),
      async delete(orgId, id) {
        const result = await authorizations.delete(orgId, id).finally(() => model.authorizationsChanged());
        if (result?.purgedTenant) model.tenantChanged(result.purgedTenant);
        return result;
      },
    },
    tenants,
    overview: createOverviewCore({ store, tenants, model, now, pollIntervalMs: intervalMs }),
    events,
    sync: {
      ...sync,
      apply: (p) => sync.apply(p).finally(() => model.tenantChanged(p.tenantId)),
      requireReauthorization: (authorizationId, reason) => sync.requireReauthorization(authorizationId, reason).finally(() => model.authorizationsChanged()),
      recordAttempt: (tenantId, p) => sync.recordAttempt(tenantId, p).finally(() => model.tenantChanged(tenantId)),
    },
    history: createHistoryCore({ store, now }),
    messages: createMessagesCore({ store, now }),
    channels: createChannelsCore({ store, box: deps.box, config: deps.config, now, metrics, log }),
    metrics,
    now,
    store,
    ping: () => store.ping(),
    onTenantActivated: (listener) => void listeners.push(listener),
    prune: async () => void (await store.pruneOAuthRequests(now())),
    externalChange(change) {
      switch (change.kind) {
        case 'tenant':
          return model.tenantChanged(change.tenantId);
        case 'keys':
          return model.keysChanged();
        case 'authorizations':
          return model.authorizationsChanged();
        case 'events':
          return events.recorded(change.ids);
        case 'everything':
          model.everythingChanged();
          // Events may have been recorded unheard: listeners read the outbox from their position.
          return events.recorded(['*']);
      }
    },
  };
}
