import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { isAbortError } from '../api/client.js';

/** Phase of a {@link LoadController}. */
export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/**
 * Runs an async load for an element: passes an `AbortSignal`, aborts when the element
 * disconnects (and loads again when it reconnects), and ignores answers of superseded runs.
 * `maxAge` is handed to the task so a refresh can ask the shared store for fresh data.
 */
export class LoadController<T> implements ReactiveController {
  status: LoadStatus = 'idle';
  /** True while a run is in flight (also when it refreshes data already shown). */
  busy = false;
  value: T | undefined;
  error: unknown;
  #abort?: AbortController;
  #run = 0;
  #interrupted = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly task: (signal: AbortSignal, maxAge: number) => Promise<T>,
    private readonly done: (ok: boolean, result: unknown) => void,
  ) {
    host.addController(this);
  }

  /** Starts a run (superseding one in flight). Resolves when it settles; never rejects. */
  async run(maxAge = Infinity): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const id = ++this.#run;
    this.#interrupted = false;
    this.busy = true;
    if (this.status !== 'ready') this.status = 'loading';
    this.host.requestUpdate();
    try {
      const value = await this.task(abort.signal, maxAge);
      if (id !== this.#run) return;
      this.value = value;
      this.error = undefined;
      this.status = 'ready';
      this.done(true, value);
    } catch (e) {
      if (id !== this.#run || (isAbortError(e) && abort.signal.aborted)) return;
      this.error = e;
      this.status = 'error';
      this.done(false, e);
    } finally {
      if (id === this.#run) {
        this.busy = false;
        this.#abort = undefined;
        this.host.requestUpdate();
      }
    }
  }

  hostConnected(): void {
    if (this.#interrupted) void this.run();
  }

  hostDisconnected(): void {
    // Task-like loads do not stop by themselves: abort, and resume when connected again.
    if (this.#abort) {
      this.#abort.abort();
      this.#abort = undefined;
      this.#run++;
      this.#interrupted = true;
      this.busy = false;
    }
  }
}

/**
 * Calls `tick` every `seconds()` seconds while the element is connected and the page is
 * visible; when the page becomes visible again it ticks at once and starts over.
 * https://html.spec.whatwg.org/multipage/interaction.html#page-visibility
 */
export class RefreshController implements ReactiveController {
  #timer?: ReturnType<typeof setInterval>;
  #seconds = 0;

  constructor(
    host: ReactiveControllerHost,
    private readonly seconds: () => number,
    private readonly tick: () => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#schedule();
  }

  hostDisconnected(): void {
    document.removeEventListener('visibilitychange', this.#onVisibility);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  hostUpdated(): void {
    if (this.#seconds !== this.#interval()) this.#schedule();
  }

  #interval(): number {
    const s = this.seconds();
    return Number.isFinite(s) && s > 0 ? s : 0;
  }

  #schedule(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#seconds = this.#interval();
    if (this.#seconds && document.visibilityState !== 'hidden') this.#timer = setInterval(this.tick, this.#seconds * 1000);
  }

  #onVisibility = (): void => {
    if (document.visibilityState !== 'hidden' && this.#interval()) this.tick();
    this.#schedule();
  };
}

/**
 * Renders the host again every `ms` while it is connected and the page is visible, so relative
 * times ("4 minutes ago") stay true between loads.
 */
export class ClockController implements ReactiveController {
  #timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly ms = 30_000,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    clearInterval(this.#timer);
    this.#timer = setInterval(() => document.visibilityState !== 'hidden' && this.host.requestUpdate(), this.ms);
  }

  hostDisconnected(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

