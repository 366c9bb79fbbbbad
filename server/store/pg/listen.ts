/**
 * What other instances wrote, heard through PostgreSQL's `LISTEN` (docs/scale-out.md §4).
 *
 * Triggers of the schema (migration `0002_notify`) send, in the transaction of the write and so
 * only once it commits:
 *
 * - on `o365_events`, the id of every change event recorded (ids only: a notification's payload is
 *   limited to 8 000 bytes, and the event itself is read from the outbox by its position);
 * - on `o365_changes`, `tenant:<id>` when a tenant's data changed (not for a lease alone), `keys`
 *   when an API key was created or revoked, `authorizations` when an authorization changed.
 *
 * Each instance holds one dedicated connection (outside the pool) listening to both, so its read
 * model drops what another instance changed, its `/api/events` streams wake for every event
 * whichever instance recorded it, and its delivery worker wakes early. Nothing depends on a
 * notification for correctness: streams read the outbox by position and deliveries are claimed
 * from the table. When the connection breaks it is opened again with backoff, and the listener is
 * told that everything may have changed (what was sent while it was away is lost).
 */
import pg from 'pg';

/** What changed, as heard from the database. */
export type StoreChange =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'keys' }
  | { kind: 'authorizations' }
  | { kind: 'events'; ids: string[] }
  /** The connection was lost and opened again: any cache may be stale. */
  | { kind: 'everything' };

export const CHANGES_CHANNEL = 'o365_changes';
export const EVENTS_CHANNEL = 'o365_events';

/** Reads one notification; null for a payload this version does not know (a newer instance's). */
export function parseNotification(channel: string, payload: string | undefined): StoreChange | null {
  if (channel === EVENTS_CHANNEL) return payload ? { kind: 'events', ids: [payload] } : null;
  if (channel !== CHANGES_CHANNEL || !payload) return null;
  if (payload === 'keys' || payload === 'authorizations') return { kind: payload };
  if (payload.startsWith('tenant:') && payload.length > 7) return { kind: 'tenant', tenantId: payload.slice(7) };
  return null;
}

export interface ChangeListener {
  /** Resolves once the first `LISTEN` is in place (rejects when the database cannot be reached). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName?: string;
  log?: (line: string) => void;
  /** First wait before reconnecting (doubles up to 10 s). */
  retryMs?: number;
}

/** Listens on a connection of its own until {@link ChangeListener.close}. */
export function listenForChanges(url: string, onChange: (change: StoreChange) => void, options: ListenOptions = {}): ChangeListener {
  const log = options.log ?? (() => {});
  const firstRetryMs = options.retryMs ?? 250;
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = firstRetryMs;
  let timer: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: `${options.applicationName ?? 'o365-health'} listen` });
    next.on('notification', (message) => {
      const change = parseNotification(message.channel, message.payload);
      if (change) onChange(change);
    });
    next.on('error', (err) => {
      log(`postgres: the notification connection failed (${err.message}); opening it again`);
      void next.end().catch(() => {});
      if (client === next) {
        client = null;
        retry();
      }
    });
    await next.connect();
    await next.query(`listen ${CHANGES_CHANNEL}; listen ${EVENTS_CHANNEL}`);
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    retryMs = firstRetryMs;
  };

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect().then(
        // Whatever was sent while no connection listened is lost: everything may have changed.
        () => !closed && onChange({ kind: 'everything' }),
        (err: Error) => {
          log(`postgres: cannot listen for other instances' changes yet (${err.message}); trying again in ${retryMs} ms`);
          retryMs = Math.min(retryMs * 2, 10_000);
          retry();
        },
      );
    }, retryMs);
    timer.unref();
  };

  const ready = connect();
  ready.catch(() => {});
  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const current = client;
      client = null;
      await current?.end().catch(() => {});
    },
  };
}
