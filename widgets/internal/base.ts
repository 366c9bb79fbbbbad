import { LitElement, type PropertyDeclarations } from 'lit';

/**
 * Base of the o365-health elements: the public properties they all have and `refresh()`, nothing
 * else. Behaviour lives in the controllers an element opts into: discovery, data loading, the live
 * region (`DataController`, data.ts), auto-refresh and the clock (controllers.ts), post histories
 * (details.ts); the shared states are template functions (templates.ts).
 * Not registered; the public elements extend it.
 */
export abstract class O365Element extends LitElement {
  /** Lit's reactive properties, declared here rather than with decorators: the decorator helper cost the bundle ~0.5 KB gzip of its 20 KB budget. */
  static override properties: PropertyDeclarations = {
    apiBase: { attribute: 'api-base' },
    apiKey: { attribute: 'api-key' },
    locale: {},
    timeZone: { attribute: 'time-zone' },
    refreshInterval: { attribute: 'refresh-interval', type: Number },
    live: {},
  };

  /** Base URL of the o365-health server; else the page default, else the script's origin. */
  apiBase = '';

  /** API key sent as a bearer token; else the page default. */
  apiKey = '';

  /** Locale (BCP 47) for dates; else the page default, else the page's language. */
  locale = '';

  /** IANA time zone for dates; else the page default, else the browser's. */
  timeZone = '';

  /** Seconds between refreshes; 0 (the default) turns auto-refresh off. Paused while the page is hidden. */
  refreshInterval = 0;

  /**
   * `off`: no live updates. Otherwise (the default; else the page default `live`) the widget
   * follows the server's change events (`GET /api/events`, one stream shared by every widget of
   * the page with the same API base and key) and loads what an event changed at once;
   * `refresh-interval` stays the fallback.
   */
  live = '';

  /** The element's data loader (a `DataController`); {@link refresh} runs it again. */
  protected abstract readonly data: { refresh(): Promise<void> };

  /** Loads the data again, asking the shared store for fresh values. */
  refresh(): Promise<void> {
    return this.data.refresh();
  }
}
