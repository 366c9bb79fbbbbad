/**
 * The outbox of change events (DESIGN.md, "Change events"): written in the same transaction as
 * the data whose change they announce, with one `deliveries` row per notification channel that
 * must receive them, so a crash between a sync and its deliveries loses nothing and a restart
 * announces nothing twice.
 *
 * An event's id is derived from the change itself (tenant, kind, subject and the state it changed
 * to), never from a counter: the same change gets the same id in every retry and on every
 * instance, and recording it twice keeps the first. `seq` orders the stream (`Last-Event-ID`).
 * Stored payloads carry `tenant.label: null`: a label belongs to an org's authorization and is
 * filled in for each reader (`withLabel`).
 */
import { createHash } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { authorizations, channels, deliveries, events, type EventType } from '../db/schema.js';
import type { ChangeEvent } from '../../widgets/api/types.js';
import type { Tx } from './sync.js';

/** What a channel wants (DESIGN.md, "Notification channels"); an absent list means all. */
export interface ChannelFilters {
  tenants?: string[];
  services?: string[];
  classifications?: string[];
  events?: string[];
}

/** A change to record: its event JSON without `id`, and the parts its id is derived from. */
export interface EventDraft {
  type: Exclude<EventType, 'test'>;
  tenantId: string;
  /** What makes this change this change (e.g. issue id, status and `lastModifiedDateTime`). */
  identity: ReadonlyArray<string | number | boolean | null>;
  payload: Omit<ChangeEvent, 'id'>;
  /** Only this org's channels receive it (an authorization event concerns the org that holds it). */
  orgId?: string;
}

/** The stable id of a change: `evt_` and 26 base64url characters of a SHA-256 over its identity. */
export function eventId(draft: Pick<EventDraft, 'type' | 'tenantId' | 'identity'>): string {
  const digest = createHash('sha256').update(JSON.stringify([draft.type, draft.tenantId, ...draft.identity])).digest('base64url');
  return `evt_${digest.slice(0, 26)}`;
}

const lower = (values: readonly string[] | undefined) => values?.map((v) => v.toLowerCase());

/**
 * True when a channel with `filters` should receive `event`. Each filter applies to the part of
 * the event it names: `services` to the issue's or service's name, `classifications` to the
 * issue's; an event without that part (an authorization event) is not held back by it. `test`
 * events always pass (a test send goes to the channel it tests).
 */
export function matchesFilters(filters: ChannelFilters, event: Pick<ChangeEvent, 'type' | 'tenant' | 'issue' | 'service'>): boolean {
  if (event.type === 'test') return true;
  if (filters.events?.length && !filters.events.includes(event.type)) return false;
  if (filters.tenants?.length && !filters.tenants.some((t) => t.toLowerCase() === event.tenant.tenantId.toLowerCase())) return false;
  const services = lower(filters.services);
  const serviceName = event.issue?.service ?? event.service?.name;
  if (services?.length && serviceName !== undefined && !services.includes(serviceName.toLowerCase())) {
    // A service may be named by its Graph id too (`Exchange`).
    if (!(event.service && services.includes(event.service.id.toLowerCase()))) return false;
  }
  const classifications = lower(filters.classifications);
  if (classifications?.length && event.issue && !classifications.includes(event.issue.classification.toLowerCase())) return false;
  return true;
}

/** Parses a stored `filters` column; a damaged one means "no filters" rather than a crash. */
export function parseFilters(text: string): ChannelFilters {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as ChannelFilters) : {};
  } catch {
    return {};
  }
}

/**
 * Records `drafts` inside `tx`: each event once (an id already stored is left alone, and gets no
 * new deliveries), and a pending delivery for every enabled channel of every org that can see the
 * event's tenant and whose filters match. Returns the ids newly recorded.
 */
export function recordEventsIn(tx: Tx, drafts: readonly EventDraft[], now: Date): string[] {
  if (drafts.length === 0) return [];
  const recorded: string[] = [];
  const channelsByTenant = new Map<string, Array<{ id: string; orgId: string; filters: ChannelFilters }>>();
  for (const draft of drafts) {
    const id = eventId(draft);
    const event: ChangeEvent = { id, ...draft.payload };
    const inserted = tx
      .insert(events)
      .values({ id, tenantId: draft.tenantId, type: draft.type, occurredAt: now, payload: JSON.stringify(event) })
      .onConflictDoNothing()
      .run();
    if (inserted.changes === 0) continue;
    recorded.push(id);
    let candidates = channelsByTenant.get(draft.tenantId);
    if (!candidates) {
      candidates = tx
        .select({ id: channels.id, orgId: channels.orgId, filters: channels.filters })
        .from(channels)
        .where(
          and(
            eq(channels.enabled, true),
            inArray(channels.orgId, tx.selectDistinct({ orgId: authorizations.orgId }).from(authorizations).where(eq(authorizations.tenantId, draft.tenantId))),
          ),
        )
        .all()
        .map((c) => ({ id: c.id, orgId: c.orgId, filters: parseFilters(c.filters) }));
      channelsByTenant.set(draft.tenantId, candidates);
    }
    const targets = candidates.filter((c) => (draft.orgId === undefined || c.orgId === draft.orgId) && matchesFilters(c.filters, event));
    if (targets.length) {
      tx.insert(deliveries)
        .values(targets.map((c) => ({ channelId: c.id, eventId: id, status: 'pending' as const, nextAttemptAt: now, createdAt: now })))
        .onConflictDoNothing()
        .run();
    }
  }
  return recorded;
}

/** One stored event with its stream position. */
export interface StoredEvent {
  seq: number;
  id: string;
  tenantId: string;
  type: string;
  occurredAt: Date;
  event: ChangeEvent;
}

/** A stored `events` row as a {@link StoredEvent} (pure; the row type is the same on both engines). */
export const toStored = (row: typeof events.$inferSelect): StoredEvent => ({
  seq: row.seq,
  id: row.id,
  tenantId: row.tenantId,
  type: row.type,
  occurredAt: row.occurredAt,
  event: JSON.parse(row.payload) as ChangeEvent,
});

/** Events after stream position `afterSeq` of the tenants `orgId` holds an authorization for, oldest first, at most `limit`. */
export function eventsAfter(db: Db, p: { afterSeq: number; orgId: string; limit: number }): StoredEvent[] {
  const visible = db.selectDistinct({ tenantId: authorizations.tenantId }).from(authorizations).where(and(eq(authorizations.orgId, p.orgId), isNotNull(authorizations.tenantId)));
  return db
    .select()
    .from(events)
    .where(and(gt(events.seq, p.afterSeq), inArray(events.tenantId, visible)))
    .orderBy(asc(events.seq))
    .limit(p.limit)
    .all()
    .map(toStored);
}

/** The stream position of an event id that occurred at or after `notBefore`; null when unknown or older. */
export function eventSeq(db: Db, id: string, notBefore: Date): number | null {
  const row = db.select({ seq: events.seq, occurredAt: events.occurredAt }).from(events).where(eq(events.id, id)).get();
  return row && row.occurredAt.getTime() >= notBefore.getTime() ? row.seq : null;
}

/** The newest stream position (0 when there is no event). */
export function latestEventSeq(db: Db): number {
  return db.select({ seq: sql<number>`coalesce(max(${events.seq}), 0)` }).from(events).get()!.seq;
}

/** One stored event by id. */
export function getEvent(db: Db, id: string): StoredEvent | null {
  const row = db.select().from(events).where(eq(events.id, id)).get();
  return row ? toStored(row) : null;
}

/** The event as an org sees it: its own label of the tenant (the authorization it shows). */
export function withLabel(event: ChangeEvent, label: string | null): ChangeEvent {
  return { ...event, tenant: { ...event.tenant, label } };
}

/**
 * Removes events older than `before` that no delivery row refers to any more: a pending delivery
 * still needs its event, and the delivery log shows each row's event type until the log row
 * itself is pruned. Returns how many went.
 */
export function pruneEvents(db: Db, before: Date): number {
  return db
    .delete(events)
    .where(and(lt(events.occurredAt, before), sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${events.id})`))
    .run().changes;
}

/** Removes delivery log rows (not pending ones) older than `before`. */
export function pruneDeliveries(db: Db, before: Date): number {
  return db
    .delete(deliveries)
    .where(and(lt(deliveries.createdAt, before), sql`${deliveries.status} <> 'pending'`))
    .run().changes;
}

/** A purged tenant's events and their deliveries (inside the purge's transaction). */
export function deleteTenantEventsIn(tx: Tx, tenantId: string): void {
  tx.delete(deliveries).where(inArray(deliveries.eventId, tx.select({ id: events.id }).from(events).where(eq(events.tenantId, tenantId)))).run();
  tx.delete(events).where(eq(events.tenantId, tenantId)).run();
}
