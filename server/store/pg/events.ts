/**
 * Recording change events on PostgreSQL: the outbox rows and their deliveries, inside the
 * transaction of the data they announce — the semantics of `store/events.ts`'s `recordEventsIn`
 * (the same stable ids from `eventId`, insert-or-ignore, the same channel filters), awaited.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { PgTx } from '../../db/postgres.js';
import { authorizations, channels, deliveries, events } from '../../db/schema.pg.js';
import type { ChangeEvent } from '../../../widgets/api/types.js';
import { eventId, matchesFilters, parseFilters, type ChannelFilters, type EventDraft } from '../events.js';

/**
 * Records `drafts` inside `tx`: each event once (an id already stored is left alone, and gets no
 * new deliveries), and a pending delivery for every enabled channel of every org that can see the
 * event's tenant and whose filters match. Returns the ids newly recorded.
 */
export async function recordEventsIn(tx: PgTx, drafts: readonly EventDraft[], now: Date): Promise<string[]> {
  if (drafts.length === 0) return [];
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
