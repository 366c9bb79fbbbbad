import type { ApiClient } from './client.js';
import type { ChangeEvent } from './types.js';

/**
 * The server's change events (`GET /api/events`, DESIGN.md "Change events"), read as
 * Server-Sent Events with `fetch`, so the API key stays in the `Authorization` header (an
 * `EventSource` cannot send headers and would need the key in the URL).
 */

/** What {@link EventStreamParser} hands on: one dispatched event of the stream. */
export interface StreamMessage {
  /** The `event:` field, `message` when absent. */
  type: string;
  /** The `data:` lines joined with line feeds. */
  data: string;
  /** The last event ID after this event (the `id:` field, kept from earlier events when absent). */
  lastEventId: string;
}

/**
 * The event-stream interpretation of the WHATWG HTML standard
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
 * over decoded text chunks: lines end with CRLF, LF or CR (also when a CRLF is split between two
 * chunks); a blank line dispatches; `:` starts a comment; one space after the colon is dropped;
 * `id` with a NUL is ignored; `retry` counts only when it is all ASCII digits; an event without
 * data is not dispatched (its id still counts); what is pending when the stream ends is dropped.
 * (The UTF-8 decoding, BOM included, is `TextDecoderStream`'s.)
 */
export class EventStreamParser {
  #rest = '';
  #skipLf = false;
  #data = '';
  #type = '';
  /** The last event ID buffer (the `id:` fields read so far). */
  #id: string;
  /** The last event ID string: the buffer as of the last dispatch, what a reconnection sends as `Last-Event-ID`. */
  lastEventId: string;

  constructor(
    private readonly onMessage: (m: StreamMessage) => void,
    private readonly onRetry: (ms: number) => void = () => {},
    lastEventId = '',
  ) {
    this.#id = this.lastEventId = lastEventId;
  }

  /** Feeds the next decoded chunk. */
  push(chunk: string): void {
    if (this.#skipLf && chunk[0] === '\n') chunk = chunk.slice(1);
    if (chunk) this.#skipLf = false;
    const text = this.#rest + chunk;
    const eol = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = eol.exec(text); m; m = eol.exec(text)) {
      // A CR at the end of the chunk may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === text.length - 1) this.#skipLf = true;
      this.#line(text.slice(start, m.index));
      start = m.index + m[0].length;
    }
    this.#rest = text.slice(start);
  }

  #line(line: string): void {
    if (!line) return this.#dispatch();
    if (line[0] === ':') return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data += `${value}\n`;
    else if (field === 'id') {
      if (!value.includes('\0')) this.#id = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }

  #dispatch(): void {
    const data = this.#data;
    const type = this.#type || 'message';
    this.#data = this.#type = '';
    this.lastEventId = this.#id;
    if (data) this.onMessage({ type, data: data.slice(0, -1), lastEventId: this.#id });
  }
}

/** The reconnection time before the server sets one with `retry:` (the server's own value). */
export const DEFAULT_RETRY_MS = 3_000;
/** The longest wait between two attempts after errors (5xx, network). */
export const MAX_RETRY_MS = 60_000;
/** The wait when the server has no event stream (404 or another answer than `text/event-stream`). */
export const UNAVAILABLE_RETRY_MS = 300_000;

/** `ms` plus up to half of it again, so many pages do not reconnect at the same instant. */
const jitter = (ms: number): number => ms * (1 + Math.random() / 2);

/**
 * One `GET /api/events` stream of one API base and key, shared by every widget of the page that
 * follows it ({@link retain}), and by the page's other tabs and frames of the same origin:
 * browsers allow six HTTP/1.1 connections per host, so a stream per widget, or per tab, would
 * starve the other requests. The tab holding a Web Lock named after the API base and key reads the
 * stream and relays each event (with its id) to the others over a `BroadcastChannel`; when it
 * closes or is hidden, the next tab takes the lock and resumes with the last id relayed (browsers
 * without Web Locks read one stream per tab). A tab follows the stream while at least one widget
 * follows it and the page is visible (a hidden page needs no updates; coming back reconnects with
 * `Last-Event-ID`, and the server replays what was missed), and reconnects after the stream ends
 * after the server's `retry:` time, after errors with an exponential backoff (jittered, up to a
 * minute, or the server's `Retry-After`), after a 404 or a non-event-stream answer (a server
 * without live updates) only every five minutes. A refused key (401/403) stops it: the widgets
 * show that error from their own requests.
 *
 * Dispatches `change` (`CustomEvent<ChangeEvent>`) for each event whose data is a JSON object.
 */
export class LiveEvents extends EventTarget {
  /** The key was refused (401/403): no reconnection until every follower left. */
  refused = false;
  /** The id of the last event received: sent as `Last-Event-ID` when reconnecting. */
  lastEventId = '';
  #users = 0;
  #retry = DEFAULT_RETRY_MS;
  #failures = 0;
  /** When the next connection may start (epoch ms): a backoff outlasts hiding the page and widgets coming and going. */
  #due = 0;
  #abort?: AbortController;
  #timer?: ReturnType<typeof setTimeout>;
  /** The other tabs' events (none without Web Locks: then every tab reads its own stream). */
  #channel?: BroadcastChannel;
  /** Aborts waiting for the lock; ends holding it. */
  #wait?: AbortController;
  #unlock?: () => void;

  constructor(private readonly client: Pick<ApiClient, 'apiBase' | 'apiKey'>) {
    super();
  }

  /** The lock's and the channel's name (visible to same-origin pages only, which can read the key anyway). */
  get #name(): string {
    return `o365-health:events ${this.client.apiBase} ${this.client.apiKey ?? ''}`;
  }

  /** When the next connection is due (epoch ms) while waiting to reconnect. */
  get nextAttemptAt(): number {
    return this.#due;
  }

  /** Follows the stream; call the function returned to stop. The last one to stop closes it. */
  retain(): () => void {
    if (!this.#users++) {
      if (navigator.locks && typeof BroadcastChannel === 'function') {
        this.#channel = new BroadcastChannel(this.#name);
        this.#channel.onmessage = (e: MessageEvent<{ event: ChangeEvent; lastEventId: string }>) => {
          this.lastEventId = e.data.lastEventId;
          this.dispatchEvent(new CustomEvent('change', { detail: e.data.event }));
        };
      }
      document.addEventListener('visibilitychange', this.#resume);
      this.#resume();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#users) return;
      document.removeEventListener('visibilitychange', this.#resume);
      this.#stop();
      this.#channel?.close();
      this.#channel = undefined;
      this.refused = false;
    };
  }

  /** Disconnects, and lets another tab read the stream. */
  #stop(): void {
    clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#abort = undefined;
    this.#wait?.abort();
    this.#unlock?.();
    this.#unlock = undefined;
  }

  /** Reads the stream when due and this tab holds the lock, unless the page is hidden (then it only disconnects) or the key was refused. */
  #resume = (): void => {
    this.#stop();
    if (this.refused || document.visibilityState === 'hidden') return;
    if (!this.#channel) return this.#schedule();
    const wait = (this.#wait = new AbortController());
    navigator.locks
      .request(this.#name, { signal: wait.signal }, () => new Promise<void>((unlock) => ((this.#unlock = unlock), this.#schedule())))
      .catch(() => {});
  };

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#connect(), this.#due - Date.now());
  }

  /** Connects again in `ms` (jittered), keeping the lock: the backoff holds for every tab. */
  #later(ms: number): void {
    this.#abort = undefined;
    this.#due = Date.now() + jitter(ms);
    this.#schedule();
  }

  async #connect(): Promise<void> {
    const abort = (this.#abort = new AbortController());
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.client.apiKey) headers.authorization = `Bearer ${this.client.apiKey}`;
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    let wait: number;
    try {
      const res = await fetch(`${this.client.apiBase.replace(/\/+$/, '')}/api/events`, { headers, signal: abort.signal, credentials: 'omit', cache: 'no-store' });
      const stream = res.ok && /^text\/event-stream/i.test(res.headers.get('content-type') ?? '') ? res.body : null;
      if (!stream || this.#abort !== abort) {
        void res.body?.cancel();
        if (this.#abort !== abort) return;
        if (res.status === 401 || res.status === 403) {
          this.#abort = undefined;
          this.refused = true;
          return;
        }
        const after = Number(res.headers.get('retry-after')) * 1000 || 0;
        // A server error is retried with the backoff; a server without the stream (404, an HTML page) rarely.
        return this.#later(res.status >= 500 || res.status === 408 || res.status === 429 ? Math.max(after, this.#backoff()) : UNAVAILABLE_RETRY_MS);
      }
      this.#failures = 0;
      const parser = new EventStreamParser((m) => this.#message(m), (ms) => (this.#retry = ms), this.lastEventId);
      const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        parser.push(r.value);
        this.lastEventId = parser.lastEventId;
      }
      // The server ended the stream (a restart, a revoked key): reconnect after its retry time.
      wait = this.#retry;
    } catch {
      if (abort.signal.aborted) return;
      // Unreachable, or the connection broke.
      wait = this.#backoff();
    }
    if (this.#abort === abort) this.#later(wait);
  }

  /** The retry time doubled for each failure in a row, up to {@link MAX_RETRY_MS}. */
  #backoff(): number {
    return Math.min(MAX_RETRY_MS, this.#retry * 2 ** this.#failures++);
  }

  #message(m: StreamMessage): void {
    this.lastEventId = m.lastEventId;
    let event: ChangeEvent | null = null;
    try {
      event = JSON.parse(m.data) as ChangeEvent;
    } catch {
      /* not JSON: not an event of ours */
    }
    if (!event || typeof event !== 'object') return;
    event.type ||= m.type;
    this.dispatchEvent(new CustomEvent('change', { detail: event }));
    this.#channel?.postMessage({ event, lastEventId: this.lastEventId });
  }
}
