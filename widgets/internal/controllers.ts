import type { ReactiveController, ReactiveControllerHost } from 'lit';

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

