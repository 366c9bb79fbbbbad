/**
 * The delivery worker: sends what the outbox owes the notification channels, apart from polling
 * (a slow or dead target never holds up a sync). It wakes when a sync has recorded events, when
 * the next retry is due, and on a steady timer (deliveries another instance recorded, clocks
 * that jump); each round claims due deliveries under a lease (store/channels.ts) and keeps up to
 * 16 in flight, at most 4 of them to any one channel: a channel with a backlog (an incident that
 * reached thousands of tenants at once) or a slow target does not hold every slot while the other
 * channels wait, and a receiver (a Slack or Teams webhook with its rate limit) gets a few requests
 * at a time, not a burst of 16.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelsCore } from '../core/channels.js';

export interface DeliveryWorkerOptions {
  channels: Pick<ChannelsCore, 'claim' | 'deliver' | 'nextDueAt'>;
  now: () => Date;
  log?: (line: string) => void;
  /** Deliveries in flight at once (default 16). */
  concurrency?: number;
  /** Of those, at most this many to one channel (default 4). */
  perChannel?: number;
  /** How long a claim holds (default 2 min: well over a delivery's 10 s time-out). */
  leaseMs?: number;
  /** The steady wake-up (default 15 s). */
  intervalMs?: number;
  /** This worker's name in leases (default a random id). */
  owner?: string;
}

export class DeliveryWorker {
  readonly owner: string;
  readonly #o: Required<Omit<DeliveryWorkerOptions, 'log' | 'owner'>> & { log: (line: string) => void };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;
  #again = false;
  #started = false;

  constructor(options: DeliveryWorkerOptions) {
    this.owner = options.owner ?? `worker-${randomUUID()}`;
    this.#o = {
      channels: options.channels,
      now: options.now,
      log: options.log ?? (() => {}),
      concurrency: options.concurrency ?? 16,
      perChannel: options.perChannel ?? 4,
      leaseMs: options.leaseMs ?? 120_000,
      intervalMs: options.intervalMs ?? 15_000,
    };
  }

  /** Starts the timer and sends what is already due. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.wake();
  }

  /** Asks for a round now (events were recorded); a round in progress runs once more after it. */
  wake(): void {
    if (!this.#started) return;
    void this.runOnce().catch((err) => this.#o.log(`notifications: delivery round failed: ${(err as Error).message}`));
  }

  /**
   * Sends every delivery due now, a few at a time, until none is left; resolves with how many
   * attempts were made. Concurrent calls share the round in progress (and make it run again).
   */
  runOnce(): Promise<number> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#round().finally(() => {
      this.#running = null;
      this.#schedule();
    });
    return this.#running;
  }

  async #round(): Promise<number> {
    let attempts = 0;
    // A pool: up to `concurrency` deliveries in flight, a free slot claims the next due one, so a
    // slow target (up to its 10 s time-out) holds one slot, not a whole batch.
    const inFlight = new Set<Promise<void>>();
    /** Deliveries in flight by channel id (the per-channel cap of the claims). */
    const held = new Map<string, number>();
    do {
      this.#again = false;
      for (;;) {
        const free = this.#started ? this.#o.concurrency - inFlight.size : 0;
        const claimed = free > 0 ? await this.#o.channels.claim(this.owner, free, this.#o.leaseMs, { cap: this.#o.perChannel, held }) : [];
        for (const c of claimed) {
          held.set(c.channelId, (held.get(c.channelId) ?? 0) + 1);
          const sending: Promise<void> = this.#o.channels
            .deliver(c, this.owner)
            .then(
              () => {},
              (err: Error) => this.#o.log(`notifications: delivery ${c.eventId} to ${c.channelId} failed: ${err.message}`),
            )
            .finally(() => {
              inFlight.delete(sending);
              const n = (held.get(c.channelId) ?? 1) - 1;
              if (n > 0) held.set(c.channelId, n);
              else held.delete(c.channelId);
            });
          inFlight.add(sending);
        }
        attempts += claimed.length;
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
      }
    } while (this.#again && this.#started);
    return attempts;
  }

  /** The next wake-up: the next due retry, or the steady interval, whichever is sooner. */
  #schedule(): void {
    if (!this.#started) return;
    void this.#o.channels.nextDueAt().then(
      (next) => this.#scheduleAt(next),
      // The database is closing or unreadable: try again after the steady interval.
      () => this.#scheduleAt(null),
    );
  }

  #scheduleAt(next: Date | null): void {
    if (!this.#started) return;
    if (this.#timer) clearTimeout(this.#timer);
    const untilDue = next ? Math.max(0, next.getTime() - this.#o.now().getTime()) : Infinity;
    this.#timer = setTimeout(() => this.wake(), Math.min(this.#o.intervalMs, untilDue) + 10);
    this.#timer.unref();
  }

  /** Stops the timer and waits for the deliveries in flight (they finish or time out). */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => {});
  }
}
