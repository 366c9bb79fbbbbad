/**
 * The outbox operations of the PostgreSQL store: reading change events (the event stream, its
 * resumption, the retention prunes) and the notification channels with their deliveries (the
 * channels API and the delivery worker's claims, safe across instances sharing one database).
 * Typed from {@link Store}, so this list fails to compile when the SQLite operations change.
 */
import type { PgDb } from '../../db/postgres.js';
import type { Store } from '../index.js';
import * as channels from './channels.js';
import * as events from './events.js';

/** The operations of {@link createOutboxOperations}. */
export type OutboxOperations = Pick<
  Store,
  | 'eventsAfter'
  | 'eventSeq'
  | 'latestEventSeq'
  | 'getEvent'
  | 'pruneEvents'
  | 'pruneDeliveries'
  | 'insertChannel'
  | 'listChannels'
  | 'getChannel'
  | 'updateChannel'
  | 'deleteChannel'
  | 'channelById'
  | 'orgTenantLabel'
  | 'listDeliveries'
  | 'claimDueDeliveries'
  | 'nextDeliveryDueAt'
  | 'deliveryEvent'
  | 'finishAttempt'
  | 'recordTestDelivery'
>;

/** The change event and channel operations over a database opened by `openPostgres`. */
export function createOutboxOperations(db: PgDb): OutboxOperations {
  return {
    eventsAfter: (p) => events.eventsAfter(db, p),
    eventSeq: (id, notBefore) => events.eventSeq(db, id, notBefore),
    latestEventSeq: () => events.latestEventSeq(db),
    getEvent: (id) => events.getEvent(db, id),
    pruneEvents: (before) => events.pruneEvents(db, before),
    pruneDeliveries: (before) => events.pruneDeliveries(db, before),
    insertChannel: (box, p) => channels.insertChannel(db, box, p),
    listChannels: (orgId) => channels.listChannels(db, orgId),
    getChannel: (orgId, id) => channels.getChannel(db, orgId, id),
    updateChannel: (orgId, id, p) => channels.updateChannel(db, orgId, id, p),
    deleteChannel: (orgId, id) => channels.deleteChannel(db, orgId, id),
    channelById: (id) => channels.channelById(db, id),
    orgTenantLabel: (orgId, tenantId) => channels.orgTenantLabel(db, orgId, tenantId),
    listDeliveries: (channelId, limit) => channels.listDeliveries(db, channelId, limit),
    claimDueDeliveries: (p) => channels.claimDueDeliveries(db, p),
    nextDeliveryDueAt: () => channels.nextDeliveryDueAt(db),
    deliveryEvent: (eventId, orgId) => channels.deliveryEvent(db, eventId, orgId),
    finishAttempt: (p) => channels.finishAttempt(db, p),
    recordTestDelivery: (p) => channels.recordTestDelivery(db, p),
  };
}
