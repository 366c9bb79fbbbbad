/**
 * Change events as their readers see them: the org's stream (`GET /api/events`) and the wake-up of
 * whoever delivers them. Events are recorded by the writes that observe the changes
 * (`store/sync.ts`, `store/authorizations.ts`), inside their transactions; this part tells the
 * listeners once such a write has committed, and reads the outbox for an org.
 */
import { withLabel } from '../store/events.js';
import type { Store } from '../store/index.js';
import type { ChangeEvent } from '../../widgets/api/types.js';
import type { TenantsCore } from './tenants.js';

export { matchesFilters, type ChannelFilters } from '../store/events.js';

/** How far back `Last-Event-ID` resumes (DESIGN.md: the last 24 hours). */
export const RESUME_WINDOW_MS = 24 * 3600_000;
/** How long the delivery log is kept. */
export const DELIVERY_LOG_MS = 30 * 24 * 3600_000;

export interface EventsCore {
  /** Calls `listener` with the ids of newly recorded events after each write that recorded some. */
  onRecorded(listener: (ids: readonly string[]) => void): () => void;
  /** Told by the core's writes once their transaction committed. */
  recorded(ids: readonly string[]): void;
  /**
   * The events after stream position `afterSeq` that `orgId` may see (its tenants; an
   * authorization event only for the org holding the authorization), with the org's labels, and
   * the position read up to (events the org may not see advance it too).
   */
  after(orgId: string, afterSeq: number, limit?: number): Promise<{ events: Array<{ seq: number; event: ChangeEvent }>; position: number }>;
  /** The stream position of an event id of the last 24 hours; null when unknown or older. */
  positionOf(eventId: string): Promise<number | null>;
  /** The newest stream position. */
  latest(): Promise<number>;
  /** Delivery log rows older than 30 days, then events older than the resumption window that no delivery row refers to. */
  prune(): Promise<{ events: number; deliveries: number }>;
  /** True once {@link close} was called: streams end, nothing reads the database any more. */
  readonly closed: boolean;
  /** Shutting down: wakes every listener one last time (streams see `closed` and end). */
  close(): void;
}

export function createEventsCore(deps: { store: Store; tenants: TenantsCore; now: () => Date; log: (line: string) => void }): EventsCore {
  const { store, tenants, now, log } = deps;
  const listeners = new Set<(ids: readonly string[]) => void>();
  let closed = false;
  return {
    onRecorded(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    recorded(ids) {
      if (ids.length === 0 || closed) return;
      for (const listener of listeners) {
        try {
          listener(ids);
        } catch (err) {
          log(`event listener failed: ${(err as Error).message}`);
        }
      }
    },
    async after(orgId, afterSeq, limit = 200) {
      const visible = await tenants.authorizationsByTenant(orgId);
      const out: Array<{ seq: number; event: ChangeEvent }> = [];
      let position = afterSeq;
      for (const stored of await store.eventsAfter({ afterSeq, orgId, limit })) {
        position = stored.seq;
        // Another org's authorization of a shared tenant is not this org's news.
        if (stored.event.type === 'authorization.reauth_required' && (await store.authorizationOrg(stored.event.authorization?.id ?? '')) !== orgId) continue;
        out.push({ seq: stored.seq, event: withLabel(stored.event, visible.get(stored.tenantId)?.label ?? null) });
      }
      return { events: out, position };
    },
    positionOf: (eventId) => store.eventSeq(eventId, new Date(now().getTime() - RESUME_WINDOW_MS)),
    latest: () => store.latestEventSeq(),
    get closed() {
      return closed;
    },
    close() {
      closed = true;
      for (const listener of listeners) listener([]);
    },
    async prune() {
      const at = now().getTime();
      const deliveries = await store.pruneDeliveries(new Date(at - DELIVERY_LOG_MS));
      return { events: await store.pruneEvents(new Date(at - RESUME_WINDOW_MS)), deliveries };
    },
  };
}
