/**
 * The waiting room of Graph requests that a `delay`, `hold` or `hang` fault caught. Tests see
 * what is waiting (`GET /_simulator/held`) and end it deterministically (`POST …/release`), so a
 * test of a time-out or of something happening "mid-request" needs no sleep and no race:
 *
 * - `delay`: answered normally after `delayMs` (real time), or at once when released.
 * - `hold`: answered normally (with the data as it is then) only when released, or when the
 *   tenant's faults are cleared.
 * - `hang`: never answered. Released, cleared or at close, its connection is closed without an
 *   answer, so a client without a time-out of its own sees a network error, never a response.
 *
 * Whatever the kind, closing the simulator closes every waiting connection without an answer, and
 * a request whose client gave up (closed the connection) leaves the room at once.
 */
import { randomUUID } from 'node:crypto';

/** Kinds of faults that make a request wait. */
export type WaitingKind = 'delay' | 'hold' | 'hang';

/** How a wait ended: answer normally, or close the connection without an answer. */
export type WaitOutcome = 'answer' | 'drop';

/** A waiting request as `GET /_simulator/held` lists it. */
export interface HeldRequest {
  /** Id to release this one request with (`POST …/release` `{ id }`). */
  id: string;
  kind: WaitingKind;
  tenantId: string;
  method: string;
  path: string;
  query: string;
  /** When it started waiting (simulator clock, ISO 8601). */
  at: string;
  /** For `delay`: how long it waits unless released first. */
  delayMs?: number;
}

interface Entry {
  info: HeldRequest;
  finish: (outcome: WaitOutcome) => void;
}

/** The requests currently waiting, oldest first. */
export class WaitingRoom {
  private readonly entries: Entry[] = [];
  private readonly watchers = new Set<() => void>();
  private closed = false;

  /**
   * Waits until the request is released, its delay passes, the tenant's faults are cleared, the
   * client goes away (`signal`) or the room closes.
   */
  wait(info: Omit<HeldRequest, 'id'>, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.closed || signal?.aborted) return Promise.resolve('drop');
    return new Promise<WaitOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const entry: Entry = {
        info: { ...info, id: randomUUID() },
        finish: (outcome) => {
          const index = this.entries.indexOf(entry);
          if (index < 0) return;
          this.entries.splice(index, 1);
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(outcome);
          this.notify();
        },
      };
      const onAbort = () => entry.finish('drop');
      signal?.addEventListener('abort', onAbort, { once: true });
      if (info.kind === 'delay') timer = setTimeout(() => entry.finish('answer'), info.delayMs ?? 0);
      this.entries.push(entry);
      this.notify();
    });
  }

  /** The waiting requests (of one tenant, or all), oldest first. */
  list(tenantId?: string): HeldRequest[] {
    return this.entries.filter((e) => !tenantId || e.info.tenantId === tenantId).map((e) => ({ ...e.info }));
  }

  /**
   * Ends waiting requests of a tenant, oldest first: all, the first `count`, or the one with `id`.
   * `delay` and `hold` are then answered, `hang` is closed without an answer.
   * @returns how many were released
   */
  release(tenantId: string, options: { count?: number; id?: string } = {}): number {
    let chosen = this.entries.filter((e) => e.info.tenantId === tenantId && (options.id === undefined || e.info.id === options.id));
    if (options.count !== undefined) chosen = chosen.slice(0, options.count);
    for (const entry of chosen) entry.finish(entry.info.kind === 'hang' ? 'drop' : 'answer');
    return chosen.length;
  }

  /**
   * Resolves once at least `count` requests (of the tenant, or in all) wait, or after `timeoutMs`,
   * or when the room closes or `signal` aborts.
   */
  waitFor(count: number, tenantId: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.closed || signal?.aborted || this.list(tenantId).length >= count) done();
      };
      const timer = setTimeout(() => done(), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
        signal?.removeEventListener('abort', check);
        resolve();
      };
      this.watchers.add(check);
      signal?.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /** Closes every waiting connection without an answer; later waits end at once. */
  close(): void {
    this.closed = true;
    for (const entry of [...this.entries]) entry.finish('drop');
    this.notify();
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
