/**
 * `GET /api/events` (viewer; DESIGN.md, "Change events"): the org's change events as Server-Sent
 * Events, with Hono's `streamSSE`. Each event is `id:` its stable id, `event:` its type and
 * `data:` its JSON (the org's own label of the tenant). `Last-Event-ID` resumes after an event of
 * the last 24 hours; without it (or with an unknown or older one) the stream starts with what
 * happens next. A comment line keeps the connection alive at least every 25 s, and the key is
 * checked again every few seconds: a revoked key ends its stream.
 *
 * The stream wakes when the core records events (this instance's syncs); it also reads the outbox
 * at every check, so events written by another process sharing the database arrive too.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../auth.js';
import type { Core } from '../core/index.js';

export interface EventStreamOptions {
  /** The longest silence before a comment line (default 25 s). */
  heartbeatMs?: number;
  /** How often the key is checked again and the outbox read without a wake-up (default 5 s). */
  checkMs?: number;
}

export function eventRoutes(deps: { core: Core; stream?: EventStreamOptions }) {
  const { core } = deps;
  const heartbeatMs = deps.stream?.heartbeatMs ?? 25_000;
  const checkMs = Math.min(deps.stream?.checkMs ?? 5_000, heartbeatMs);
  return new Hono<AppEnv>().get('/', async (c) => {
    const principal = c.var.principal;
    const key = /^Bearer[ ]+(\S+)/i.exec(c.req.header('Authorization') ?? '')?.[1] ?? '';
    const lastEventId = c.req.header('Last-Event-ID')?.trim();
    const resumed = lastEventId ? await core.events.positionOf(lastEventId) : null;
    let position = resumed ?? (await core.events.latest());
    return streamSSE(c, async (stream) => {
      let wake: (() => void) | null = null;
      // Set by a write that recorded events while this stream was reading: read again at once.
      let recorded = false;
      const unsubscribe = core.events.onRecorded(() => {
        recorded = true;
        wake?.();
      });
      stream.onAbort(() => wake?.());
      let lastWrite = Date.now();
      try {
        // Tell the client how soon to reconnect, and open the stream at once (proxies wait for bytes).
        await stream.write(`retry: 3000\n: o365-health events${lastEventId && resumed === null ? ' (Last-Event-ID unknown or older than 24 h: resuming from now)' : ''}\n\n`);
        while (!stream.aborted && !stream.closed && !core.events.closed) {
          const still = await core.keys.authenticate(key);
          if (!still || still.orgId !== principal.orgId) break;
          // Everything after the position, a page at a time, until it stops moving.
          for (;;) {
            recorded = false;
            const batch = await core.events.after(principal.orgId, position);
            const moved = batch.position !== position;
            position = batch.position;
            for (const { event } of batch.events) await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(event) });
            if (batch.events.length) lastWrite = Date.now();
            if (!moved && !recorded) break;
          }
          if (Date.now() - lastWrite >= heartbeatMs - checkMs / 2) {
            await stream.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, checkMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
