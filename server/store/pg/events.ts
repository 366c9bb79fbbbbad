/**
 * Change events on PostgreSQL: recording the outbox rows and their deliveries inside the
 * transaction of the data they announce — the semantics of `store/events.ts`'s `recordEventsIn`
 * (the same stable ids from `eventId`, insert-or-ignore, the same channel filters), awaited — and
 * reading them back (the event stream by `seq`, `Last-Event-ID` resumption, the retention prunes),
 * as `store/events.ts` does. `seq` is a `bigint` identity read as a number; its `max()` is cast
 * back to one (`pg` reads an aggregate's `bigint` as a string).
 */
import { and, asc, eq, gt, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { PgDb, PgTx } from '../../db/postgres.js';
import { authorizations, channels, deliveries, events } from '../../db/schema.pg.js';
import type { ChangeEvent } from '../../../widgets/api/types.js';
import { eventId, matchesFilters, parseFilters, toStored, type ChannelFilters, type EventDraft, type StoredEvent } from '../events.js';

/**
 * The transaction-level advisory lock every transaction that records events holds from its first
 * event until it commits. `seq` comes from an identity, drawn at insert time: without the lock,
 * two instances' transactions could commit out of `seq` order, and a stream that had read past the
 * later number would never read the earlier one (`eventsAfter` reads `seq > position`). With it,
 * events commit in `seq` order, so a stream that has seen `seq` n has seen every event before it.
 * Transactions record their events last, just before committing, so the lock is held briefly.
 */
export const EVENT_ORDER_LOCK_KEY = 0x6f333635_657674n;

/**
 * Records `drafts` inside `tx`: each event once (an id already stored is left alone, and gets no
 * new deliveries), and a pending delivery for every enabled channel of every org that can see the
 * event's tenant and whose filters match. Returns the ids newly recorded. Takes
 * {@link EVENT_ORDER_LOCK_KEY} first.
 */
export async function recordEventsIn(tx: PgTx, drafts: readonly EventDraft[], now: Date): Promise<string[]> {
  if (drafts.length === 0) return [];
  await tx.execute(sql`select pg_advisory_xact_lock(${EVENT_ORDER_LOCK_KEY.toString()}::bigint)`);
  const recorded: string[] = [];
  const channelsByTenant = new Map<string, Array<{ id: string; orgId: string; filters: ChannelFilters }>>();
  for (const draft of drafts) {
    const id = eventId(draft);
    const event: ChangeEvent = { id, ...draft.payload };
    const inserted = await tx
      .insert(events)
      .values({ id, tenantId: draft.tenantId, type: draft.type, occurredAt: now, payload: JSON.stringify(event) })
      .onConflictDoNothing();
    if (inserted.rowCount === 0) continue;
    recorded.push(id);
    let candidates = channelsByTenant.get(draft.tenantId);
    if (!candidates) {
      const rows = await tx
        .select({ id: channels.id, orgId: channels.orgId, filters: channels.filters })
        .from(channels)
        .where(
          and(
            eq(channels.enabled, true),
            inArray(channels.orgId, tx.selectDistinct({ orgId: authorizations.orgId }).from(authorizations).where(eq(authorizations.tenantId, draft.tenantId))),
          ),
        );
      candidates = rows.map((c) => ({ id: c.id, orgId: c.orgId, filters: parseFilters(c.filters) }));
      channelsByTenant.set(draft.tenantId, candidates);
    }
    const targets = candidates.filter((c) => (draft.orgId === undefined || c.orgId === draft.orgId) && matchesFilters(c.filters, event));
    if (targets.length) {
      await tx
        .insert(deliveries)
        .values(targets.map((c) => ({ channelId: c.id, eventId: id, status: 'pending' as const, nextAttemptAt: now, createdAt: now })))
        .onConflictDoNothing();
    }
  }
  return recorded;
}

/** Events after stream position `afterSeq` of the tenants `orgId` holds an authorization for, oldest first, at most `limit`. */
export async function eventsAfter(db: PgDb, p: { afterSeq: number; orgId: string; limit: number }): Promise<StoredEvent[]> {
  const visible = db.selectDistinct({ tenantId: authorizations.tenantId }).from(authorizations).where(and(eq(authorizations.orgId, p.orgId), isNotNull(authorizations.tenantId)));
  const rows = await db
    .select()
    .from(events)
    .where(and(gt(events.seq, p.afterSeq), inArray(events.tenantId, visible)))
    .orderBy(asc(events.seq))
    .limit(p.limit);
  return rows.map(toStored);
}

/** The stream position of an event id that occurred at or after `notBefore`; null when unknown or older. */
export async function eventSeq(db: PgDb, id: string, notBefore: Date): Promise<number | null> {
  const [row] = await db.select({ seq: events.seq, occurredAt: events.occurredAt }).from(events).where(eq(events.id, id));
  return row && row.occurredAt.getTime() >= notBefore.getTime() ? row.seq : null;
}

/** The newest stream position (0 when there is no event). */
export async function latestEventSeq(db: PgDb): Promise<number> {
  const [row] = await db.select({ seq: sql<number>`coalesce(max(${events.seq}), 0)`.mapWith(Number) }).from(events);
  return row!.seq;
}

/** One stored event by id. */
export async function getEvent(db: PgDb, id: string): Promise<StoredEvent | null> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row ? toStored(row) : null;
}

/**
 * Removes events older than `before` that no delivery row refers to any more (a pending delivery
 * still needs its event, and the log shows each row's event type). Returns how many went.
 */
export async function pruneEvents(db: PgDb, before: Date): Promise<number> {
  const result = await db
    .delete(events)
    .where(and(lt(events.occurredAt, before), sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${events.id})`));
  return result.rowCount ?? 0;
}

/** Removes delivery log rows (not pending ones) older than `before`. */
export async function pruneDeliveries(db: PgDb, before: Date): Promise<number> {
  const result = await db.delete(deliveries).where(and(lt(deliveries.createdAt, before), sql`${deliveries.status} <> 'pending'`));
  return result.rowCount ?? 0;
}
