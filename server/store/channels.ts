/**
 * Notification channels and their deliveries: the rows behind `/api/channels` and the delivery
 * worker. Targets (URLs, which carry the webhook's credentials, or e-mail addresses) and signing
 * secrets are sealed with the {@link SecretBox}, bound to the channel's id, like token caches.
 *
 * A delivery is claimed by one worker at a time with a lease set in a single `UPDATE … WHERE`
 * (the row must still be pending, due and unleased when the update runs), so two workers — or two
 * instances — never send the same row at once; a lease that outlives a crashed worker expires.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto.js';
import type { Db } from '../db/index.js';
import { channels, deliveries, events, type ChannelKind, type DeliveryStatus } from '../db/schema.js';
import type { ChangeEvent, Channel, Delivery } from '../../widgets/api/types.js';
import { getEvent, parseFilters, withLabel, type ChannelFilters } from './events.js';
import { bestAuthorizationOf } from './tenants.js';

export type { ChannelFilters } from './events.js';

export type ChannelRow = typeof channels.$inferSelect;

/** The JSON of a channel (DESIGN.md; the widgets' `Channel`): the target masked, never the secret. */
export type ChannelJson = Channel;

/** One entry of a channel's delivery log (DESIGN.md; the widgets' `Delivery`). */
export type DeliveryJson = Delivery;

/** A channel with its target and secret opened, for a sender. */
export interface OpenChannel {
  id: string;
  orgId: string;
  kind: ChannelKind;
  name: string;
  target: string;
  secret: string | null;
  enabled: boolean;
}

/** Test sends have ids of their own shape, so the log can name their type without an events row. */
export const TEST_EVENT_PREFIX = 'evt_test_';

const targetContext = (id: string) => `channel-target:${id}`;
const secretContext = (id: string) => `channel-secret:${id}`;

export function channelJson(row: ChannelRow): ChannelJson {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    target: row.targetMasked,
    filters: parseFilters(row.filters) as Channel['filters'],
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    lastDeliveryAt: row.lastDeliveryAt?.toISOString() ?? null,
    lastError: row.lastError,
  };
}

/** What a new channel is stored with. */
export interface NewChannel {
  orgId: string;
  kind: ChannelKind;
  name: string;
  target: string;
  targetMasked: string;
  secret: string | null;
  filters: ChannelFilters;
  now: Date;
}

/** The row of a new channel (a fresh id), its target and secret sealed to that id; both engines insert it. */
export function newChannelRow(box: SecretBox, p: NewChannel): typeof channels.$inferInsert {
  const id = randomUUID();
  return {
    id,
    orgId: p.orgId,
    kind: p.kind,
    name: p.name,
    target: box.seal(p.target, targetContext(id)),
    targetMasked: p.targetMasked,
    secret: p.secret === null ? null : box.seal(p.secret, secretContext(id)),
    filters: JSON.stringify(p.filters),
    enabled: true,
    createdAt: p.now,
    updatedAt: p.now,
  };
}

/** Stores a new channel; `target` and `secret` are sealed here. */
export function insertChannel(db: Db, box: SecretBox, p: NewChannel): ChannelRow {
  return db.insert(channels).values(newChannelRow(box, p)).returning().get();
}

/** The org's channels, oldest first. */
export function listChannels(db: Db, orgId: string): ChannelRow[] {
  return db.select().from(channels).where(eq(channels.orgId, orgId)).orderBy(channels.createdAt, channels.id).all();
}

/** One channel of the org; null when it does not exist or belongs to another org. */
export function getChannel(db: Db, orgId: string, id: string): ChannelRow | null {
  return db.select().from(channels).where(and(eq(channels.id, id), eq(channels.orgId, orgId))).get() ?? null;
}

/**
 * Changes a channel's name, filters or enabled flag. Disabling it ends what it still owed:
 * pending deliveries fail with `reason` (a channel turned on again starts from new events, not
 * a backlog of stale ones).
 */
export function updateChannel(db: Db, orgId: string, id: string, p: ChannelPatch): ChannelRow | null {
  return db.transaction((tx) => {
    const row = tx
      .update(channels)
      .set(channelChanges(p))
      .where(and(eq(channels.id, id), eq(channels.orgId, orgId)))
      .returning()
      .get();
    if (row && p.enabled === false) {
      tx.update(deliveries)
        .set(disabledDeliveryChanges(p.reason))
        .where(and(eq(deliveries.channelId, id), eq(deliveries.status, 'pending')))
        .run();
    }
    return row ?? null;
  });
}

/** A change to a channel (`updateChannel`). */
export interface ChannelPatch {
  name?: string;
  filters?: ChannelFilters;
  enabled?: boolean;
  now: Date;
  /** Why its pending deliveries fail when this disables it. */
  reason?: string;
  lastError?: string;
}

/** What `patch` sets on the channel row (pure): turning a channel on clears its last error. */
export function channelChanges(p: ChannelPatch) {
  return {
    ...(p.name !== undefined ? { name: p.name } : {}),
    ...(p.filters !== undefined ? { filters: JSON.stringify(p.filters) } : {}),
    ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
    ...(p.enabled === true ? { lastError: null } : {}),
    ...(p.lastError !== undefined ? { lastError: p.lastError } : {}),
    updatedAt: p.now,
  };
}

/** What disabling a channel sets on its pending deliveries (pure): failed, with the reason, unleased. */
export function disabledDeliveryChanges(reason: string | undefined) {
  return { status: 'failed' as const, error: reason ?? 'The channel was disabled.', leaseUntil: null, leaseOwner: null };
}

/** Deletes a channel (its deliveries go with it); false when the org has no such channel. */
export function deleteChannel(db: Db, orgId: string, id: string): boolean {
  return db.delete(channels).where(and(eq(channels.id, id), eq(channels.orgId, orgId))).run().changes > 0;
}

/** Opens a channel's sealed target and secret. */
export function openChannel(box: SecretBox, row: ChannelRow): OpenChannel {
  return {
    id: row.id,
    orgId: row.orgId,
    kind: row.kind,
    name: row.name,
    target: box.open(row.target, targetContext(row.id)),
    secret: row.secret === null ? null : box.open(row.secret, secretContext(row.id)),
    enabled: row.enabled,
  };
}

/** A channel by id, whatever its org (the worker's view). */
export function channelById(db: Db, id: string): ChannelRow | null {
  return db.select().from(channels).where(eq(channels.id, id)).get() ?? null;
}

/** The label the org gives a tenant (its best authorization's), for the events it receives. */
export function orgTenantLabel(db: Db, orgId: string, tenantId: string): string | null {
  return bestAuthorizationOf(db, orgId, tenantId)?.label ?? null;
}

/** A channel's delivery log, newest first, with each event's type. */
export function listDeliveries(db: Db, channelId: string, limit: number): DeliveryJson[] {
  return db
    .select({
      eventId: deliveries.eventId,
      type: events.type,
      attempts: deliveries.attempts,
      status: deliveries.status,
      responseStatus: deliveries.responseStatus,
      error: deliveries.error,
      lastAttemptAt: deliveries.lastAttemptAt,
    })
    .from(deliveries)
    .leftJoin(events, eq(events.id, deliveries.eventId))
    .where(eq(deliveries.channelId, channelId))
    .orderBy(desc(deliveries.createdAt), desc(deliveries.eventId))
    .limit(limit)
    .all()
    .map(deliveryJson);
}

/** One delivery log row (with its event's type, null when there is no events row) as the API shows it (pure). */
export function deliveryJson(d: {
  eventId: string;
  type: string | null;
  attempts: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  error: string | null;
  lastAttemptAt: Date | null;
}): DeliveryJson {
  return {
    eventId: d.eventId,
    // A test send has no events row; an event pruned before its log row is of unknown type.
    type: d.type ?? (d.eventId.startsWith(TEST_EVENT_PREFIX) ? 'test' : 'unknown'),
    attempts: d.attempts,
    status: d.status,
    responseStatus: d.responseStatus,
    error: d.error,
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
  };
}

/** One delivery a worker holds a lease on. */
export interface ClaimedDelivery {
  channelId: string;
  eventId: string;
  /** Attempts made before this one. */
  attempts: number;
}

/**
 * At most `cap` deliveries of one channel in flight from one worker: `held` counts the ones it
 * has in flight now, by channel id (a channel at its cap gets none this time).
 */
export interface PerChannelCap {
  cap: number;
  held: ReadonlyMap<string, number>;
}

export interface DeliveryClaim {
  now: Date;
  owner: string;
  leaseUntil: Date;
  limit: number;
  /** Absent: no cap, the oldest due deliveries whatever their channel. */
  perChannel?: PerChannelCap;
}

/** How many more deliveries of channel `id` the claim may take (pure). */
export function channelQuota(perChannel: PerChannelCap, id: string): number {
  return Math.max(0, perChannel.cap - (perChannel.held.get(id) ?? 0));
}

/**
 * Leases up to `limit` due deliveries of enabled channels to `owner` until `leaseUntil`, oldest
 * due first: a row another worker leased in between no longer matches the `WHERE` and is not
 * returned. With `perChannel`, each channel's oldest due ones up to its quota are the candidates
 * (one indexed read per enabled channel, `deliveries_channel_due_idx`), so a channel with a
 * backlog cannot take every slot from the others.
 */
export function claimDueDeliveries(db: Db, p: DeliveryClaim): ClaimedDelivery[] {
  const now = p.now.getTime();
  const due = sql`${deliveries.status} = 'pending' and ${deliveries.nextAttemptAt} <= ${now} and (${deliveries.leaseUntil} is null or ${deliveries.leaseUntil} <= ${now})`;
  if (p.limit <= 0) return [];
  if (p.perChannel) {
    const perChannel = p.perChannel;
    return db.transaction((tx) => {
      const candidates: Array<{ rid: number; at: number; created: number }> = [];
      for (const { id } of tx.all<{ id: string }>(sql`select ${channels.id} as id from ${channels} where ${channels.enabled} = 1`)) {
        const quota = Math.min(channelQuota(perChannel, id), p.limit);
        if (quota === 0) continue;
        candidates.push(
          ...tx.all<{ rid: number; at: number; created: number }>(sql`
            select rowid as rid, ${deliveries.nextAttemptAt} as at, ${deliveries.createdAt} as created from ${deliveries}
            where ${deliveries.channelId} = ${id} and ${due}
            order by ${deliveries.nextAttemptAt}, ${deliveries.createdAt} limit ${quota}`),
        );
      }
      candidates.sort((a, b) => a.at - b.at || a.created - b.created || a.rid - b.rid);
      const chosen = candidates.slice(0, p.limit).map((c) => c.rid);
      if (!chosen.length) return [];
      const leased = tx
        .all<{ rid: number; channel_id: string; event_id: string; attempts: number }>(
          sql`update ${deliveries} set lease_until = ${p.leaseUntil.getTime()}, lease_owner = ${p.owner}
              where rowid in (${sql.join(chosen.map((r) => sql`${r}`), sql`, `)}) and ${due}
              returning rowid as rid, channel_id, event_id, attempts`,
        );
      // In the order they were due (an update's `returning` keeps none).
      const order = new Map(chosen.map((rid, i) => [rid, i]));
      return leased.sort((a, b) => order.get(a.rid)! - order.get(b.rid)!).map((r) => ({ channelId: r.channel_id, eventId: r.event_id, attempts: r.attempts }));
    });
  }
  return db.all<{ channel_id: string; event_id: string; attempts: number }>(sql`
    update ${deliveries} set lease_until = ${p.leaseUntil.getTime()}, lease_owner = ${p.owner}
    where rowid in (
      select ${deliveries}.rowid from ${deliveries} join ${channels} on ${channels.id} = ${deliveries.channelId}
      where ${due} and ${channels.enabled} = 1
      order by ${deliveries.nextAttemptAt} limit ${p.limit}
    ) and ${due}
    returning channel_id, event_id, attempts`).map((r) => ({ channelId: r.channel_id, eventId: r.event_id, attempts: r.attempts }));
}

/** When the next pending delivery of an enabled channel can be claimed (due and unleased); null when none. */
export function nextDeliveryDueAt(db: Db): Date | null {
  const row = db.get<{ at: number | null }>(sql`
    select min(max(${deliveries.nextAttemptAt}, coalesce(${deliveries.leaseUntil}, 0))) as at
    from ${deliveries} join ${channels} on ${channels.id} = ${deliveries.channelId}
    where ${deliveries.status} = 'pending' and ${channels.enabled} = 1`);
  return row?.at == null ? null : new Date(row.at);
}

/** The stored event of a delivery, with the receiving org's label of its tenant. */
export function deliveryEvent(db: Db, eventId: string, orgId: string): ChangeEvent | null {
  const stored = getEvent(db, eventId);
  return stored ? withLabel(stored.event, orgTenantLabel(db, orgId, stored.tenantId)) : null;
}

/**
 * Records the outcome of an attempt by `owner` (only while it still holds the lease): delivered,
 * failed, or pending again at `nextAttemptAt`; and the channel's last delivery or last error.
 * Returns false when the lease was lost (another worker took the row over).
 */
export function finishAttempt(db: Db, p: AttemptOutcome): boolean {
  return db.transaction((tx) => {
    const done = tx
      .update(deliveries)
      .set({ ...attemptChanges(p), attempts: sql`${deliveries.attempts} + 1` })
      .where(and(eq(deliveries.channelId, p.channelId), eq(deliveries.eventId, p.eventId), eq(deliveries.leaseOwner, p.owner), eq(deliveries.status, 'pending')))
      .run();
    if (done.changes === 0) return false;
    tx.update(channels).set(channelOutcome(p)).where(eq(channels.id, p.channelId)).run();
    return true;
  });
}

/** The outcome of one attempt (`finishAttempt`). */
export interface AttemptOutcome {
  channelId: string;
  eventId: string;
  owner: string;
  status: DeliveryStatus;
  nextAttemptAt?: Date;
  responseStatus: number | null;
  error: string | null;
  now: Date;
}

/** What an attempt's outcome sets on its delivery, but the attempt count the statement increments (pure): the lease ends. */
export function attemptChanges(p: AttemptOutcome) {
  return {
    status: p.status,
    lastAttemptAt: p.now,
    responseStatus: p.responseStatus,
    error: p.error,
    leaseUntil: null,
    leaseOwner: null,
    ...(p.nextAttemptAt ? { nextAttemptAt: p.nextAttemptAt } : {}),
  };
}

/** What an attempt (or a test send) sets on its channel (pure): its last delivery, or its last error. */
export function channelOutcome(p: { status: DeliveryStatus; error: string | null; now: Date }) {
  return p.status === 'delivered' ? { lastDeliveryAt: p.now, lastError: null } : { lastError: p.error };
}

/** Records a test send (delivered or failed, one attempt) in the channel's log. */
export function recordTestDelivery(db: Db, p: TestDelivery): void {
  db.transaction((tx) => {
    tx.insert(deliveries).values(testDeliveryRow(p)).run();
    tx.update(channels).set(channelOutcome(p)).where(eq(channels.id, p.channelId)).run();
  });
}

/** A test send's outcome (`recordTestDelivery`). */
export interface TestDelivery {
  channelId: string;
  eventId: string;
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  error: string | null;
  now: Date;
}

/** The log row of a test send (pure): one attempt, already finished. */
export function testDeliveryRow(p: TestDelivery): typeof deliveries.$inferInsert {
  return {
    channelId: p.channelId,
    eventId: p.eventId,
    status: p.status,
    attempts: 1,
    createdAt: p.now,
    nextAttemptAt: p.now,
    lastAttemptAt: p.now,
    responseStatus: p.responseStatus,
    error: p.error,
  };
}
