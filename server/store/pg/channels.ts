/**
 * Notification channels and their deliveries on PostgreSQL: the operations of `store/channels.ts`
 * over `schema.pg.ts`, with its pure parts (the sealed new row, what a patch, a disabling, an
 * attempt or a test send writes, the log's JSON, the best authorization's label) shared, so both
 * engines store and answer the same.
 *
 * What differs is the claim. Several instances share one database here, so due deliveries are
 * selected `FOR UPDATE OF deliveries SKIP LOCKED` and leased in the same transaction: a concurrent
 * claimer skips the rows this one holds instead of waiting for them, and finds them leased once it
 * commits (a row whose lease changed under a waiting `FOR UPDATE` is re-checked against the
 * `WHERE`, so an expired lease is taken over by one claimer only). Finishing an attempt keeps
 * SQLite's contract: it writes only while the row is still pending and leased to the same owner,
 * so an owner whose lease lapsed and was taken over cannot overwrite the new owner's outcome.
 */
import { and, asc, desc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { SecretBox } from '../../crypto.js';
import type { PgDb } from '../../db/postgres.js';
import { authorizations, channels, deliveries, events } from '../../db/schema.pg.js';
import type { ChangeEvent } from '../../../widgets/api/types.js';
import {
  attemptChanges,
  channelChanges,
  channelQuota,
  channelOutcome,
  deliveryJson,
  disabledDeliveryChanges,
  newChannelRow,
  testDeliveryRow,
  type AttemptOutcome,
  type ChannelPatch,
  type ChannelRow,
  type ClaimedDelivery,
  type DeliveryClaim,
  type DeliveryJson,
  type NewChannel,
  type PerChannelCap,
  type TestDelivery,
} from '../channels.js';
import { withLabel } from '../events.js';
import { bestOf } from '../tenants.js';
import { laterOf, sqlC } from './dialect.js';
import { getEvent } from './events.js';

/** Stores a new channel; `target` and `secret` are sealed here. */
export async function insertChannel(db: PgDb, box: SecretBox, p: NewChannel): Promise<ChannelRow> {
  const [row] = await db.insert(channels).values(newChannelRow(box, p)).returning();
  return row!;
}

/** The org's channels, oldest first (ties byte-wise by id). */
export async function listChannels(db: PgDb, orgId: string): Promise<ChannelRow[]> {
  return db.select().from(channels).where(eq(channels.orgId, orgId)).orderBy(asc(channels.createdAt), asc(sqlC(channels.id)));
}

/** One channel of the org; null when it does not exist or belongs to another org. */
export async function getChannel(db: PgDb, orgId: string, id: string): Promise<ChannelRow | null> {
  const [row] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.orgId, orgId)));
  return row ?? null;
}

/** Changes a channel's name, filters or enabled flag; disabling it fails what it still owed with `reason`. */
export async function updateChannel(db: PgDb, orgId: string, id: string, p: ChannelPatch): Promise<ChannelRow | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(channels)
      .set(channelChanges(p))
      .where(and(eq(channels.id, id), eq(channels.orgId, orgId)))
      .returning();
    if (row && p.enabled === false) {
      await tx
        .update(deliveries)
        .set(disabledDeliveryChanges(p.reason))
        .where(and(eq(deliveries.channelId, id), eq(deliveries.status, 'pending')));
    }
    return row ?? null;
  });
}

/** Deletes a channel (its deliveries go with it); false when the org has no such channel. */
export async function deleteChannel(db: PgDb, orgId: string, id: string): Promise<boolean> {
  const result = await db.delete(channels).where(and(eq(channels.id, id), eq(channels.orgId, orgId)));
  return (result.rowCount ?? 0) > 0;
}

/** A channel by id, whatever its org (the worker's view). */
export async function channelById(db: PgDb, id: string): Promise<ChannelRow | null> {
  const [row] = await db.select().from(channels).where(eq(channels.id, id));
  return row ?? null;
}

/** The label the org gives a tenant (its best authorization's), for the events it receives. */
export async function orgTenantLabel(db: PgDb, orgId: string, tenantId: string): Promise<string | null> {
  const refs = await db
    .select({ tenantId: sql<string>`${authorizations.tenantId}`, label: authorizations.label, status: authorizations.status, createdAt: authorizations.createdAt })
    .from(authorizations)
    .where(and(eq(authorizations.orgId, orgId), eq(authorizations.tenantId, tenantId)))
    .orderBy(asc(sqlC(authorizations.id)));
  return bestOf(refs).get(tenantId)?.label ?? null;
}

/** A channel's delivery log, newest first (ties byte-wise by event id, descending), with each event's type. */
export async function listDeliveries(db: PgDb, channelId: string, limit: number): Promise<DeliveryJson[]> {
  const rows = await db
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
    .orderBy(desc(deliveries.createdAt), desc(sqlC(deliveries.eventId)))
    .limit(limit);
  return rows.map(deliveryJson);
}

/**
 * Leases up to `limit` due deliveries of enabled channels to `owner` until `leaseUntil`, oldest due
 * first, in one transaction: the due rows are locked `FOR UPDATE SKIP LOCKED` (rows another
 * claimer holds are skipped, not waited for) and leased before it commits.
 */
export async function claimDueDeliveries(db: PgDb, p: DeliveryClaim): Promise<ClaimedDelivery[]> {
  if (p.limit <= 0) return [];
  if (p.perChannel) return claimPerChannel(db, p, p.perChannel);
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ channelId: deliveries.channelId, eventId: deliveries.eventId })
      .from(deliveries)
      .innerJoin(channels, eq(channels.id, deliveries.channelId))
      .where(
        and(
          eq(deliveries.status, 'pending'),
          lte(deliveries.nextAttemptAt, p.now),
          or(isNull(deliveries.leaseUntil), lte(deliveries.leaseUntil, p.now)),
          eq(channels.enabled, true),
        ),
      )
      .orderBy(asc(deliveries.nextAttemptAt), asc(deliveries.createdAt), asc(sqlC(deliveries.channelId)), asc(sqlC(deliveries.eventId)))
      .limit(p.limit)
      .for('update', { of: deliveries, skipLocked: true });
    if (due.length === 0) return [];
    const keys = sql.join(
      due.map((d) => sql`(${d.channelId}, ${d.eventId})`),
      sql`, `,
    );
    const leased = await tx
      .update(deliveries)
      .set({ leaseUntil: p.leaseUntil, leaseOwner: p.owner })
      .where(sql`(${deliveries.channelId}, ${deliveries.eventId}) in (${keys})`)
      .returning({ channelId: deliveries.channelId, eventId: deliveries.eventId, attempts: deliveries.attempts });
    const attempts = new Map(leased.map((d) => [`${d.channelId} ${d.eventId}`, d.attempts]));
    // In the order they were due (an update's `returning` keeps none).
    return due.map((d) => ({ channelId: d.channelId, eventId: d.eventId, attempts: attempts.get(`${d.channelId} ${d.eventId}`)! }));
  });
}

/**
 * {@link claimDueDeliveries} with a quota per channel: for each enabled channel (a `LATERAL` read
 * of `deliveries_channel_due_idx`), its oldest due rows up to its quota, locked `FOR UPDATE SKIP
 * LOCKED`; of those, the `limit` oldest are leased in the same transaction.
 */
async function claimPerChannel(db: PgDb, p: DeliveryClaim, perChannel: PerChannelCap): Promise<ClaimedDelivery[]> {
  const held = [...perChannel.held].filter(([, n]) => n > 0);
  const quota = held.length
    ? sql`(case ${sql.join(
        held.map(([id]) => sql`when c.id = ${id} then ${channelQuota(perChannel, id)}::int`),
        sql` `,
      )} else ${perChannel.cap}::int end)`
    : sql`${perChannel.cap}::int`;
  return db.transaction(async (tx) => {
    const due = await tx.execute<{ channel_id: string; event_id: string; attempts: number }>(sql`
      select d.channel_id, d.event_id, d.attempts from channels c
      cross join lateral (
        select x.channel_id, x.event_id, x.attempts, x.next_attempt_at, x.created_at from deliveries x
        where x.channel_id = c.id and x.status = 'pending' and x.next_attempt_at <= ${p.now}
          and (x.lease_until is null or x.lease_until <= ${p.now})
        order by x.next_attempt_at, x.created_at
        limit least(${quota}, ${p.limit}::int)
        for update of x skip locked
      ) d
      where c.enabled
      order by d.next_attempt_at, d.created_at, d.channel_id collate "C", d.event_id collate "C"
      limit ${p.limit}::int`);
    const rows = due.rows;
    if (rows.length === 0) return [];
    const keys = sql.join(
      rows.map((d) => sql`(${d.channel_id}, ${d.event_id})`),
      sql`, `,
    );
    await tx
      .update(deliveries)
      .set({ leaseUntil: p.leaseUntil, leaseOwner: p.owner })
      .where(sql`(${deliveries.channelId}, ${deliveries.eventId}) in (${keys})`);
    return rows.map((d) => ({ channelId: d.channel_id, eventId: d.event_id, attempts: Number(d.attempts) }));
  });
}

/** When the next pending delivery of an enabled channel can be claimed (due and unleased); null when none. */
export async function nextDeliveryDueAt(db: PgDb): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`min(${laterOf(deliveries.nextAttemptAt, deliveries.leaseUntil)})`.mapWith(deliveries.nextAttemptAt) })
    .from(deliveries)
    .innerJoin(channels, eq(channels.id, deliveries.channelId))
    .where(and(eq(deliveries.status, 'pending'), eq(channels.enabled, true)));
  return row?.at ?? null;
}

/** The stored event of a delivery, with the receiving org's label of its tenant. */
export async function deliveryEvent(db: PgDb, eventId: string, orgId: string): Promise<ChangeEvent | null> {
  const stored = await getEvent(db, eventId);
  return stored ? withLabel(stored.event, await orgTenantLabel(db, orgId, stored.tenantId)) : null;
}

/**
 * Records the outcome of an attempt by `owner`, only while the row is pending and still leased to
 * it: delivered, failed, or pending again at `nextAttemptAt`; and the channel's last delivery or
 * last error. Returns false when the lease was lost (another worker took the row over).
 */
export async function finishAttempt(db: PgDb, p: AttemptOutcome): Promise<boolean> {
  return db.transaction(async (tx) => {
    const done = await tx
      .update(deliveries)
      .set({ ...attemptChanges(p), attempts: sql`${deliveries.attempts} + 1` })
      .where(and(eq(deliveries.channelId, p.channelId), eq(deliveries.eventId, p.eventId), eq(deliveries.leaseOwner, p.owner), eq(deliveries.status, 'pending')));
    if (!done.rowCount) return false;
    await tx.update(channels).set(channelOutcome(p)).where(eq(channels.id, p.channelId));
    return true;
  });
}

/** Records a test send (delivered or failed, one attempt) in the channel's log. */
export async function recordTestDelivery(db: PgDb, p: TestDelivery): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(deliveries).values(testDeliveryRow(p));
    await tx.update(channels).set(channelOutcome(p)).where(eq(channels.id, p.channelId));
  });
}
