/**
 * A reader of `GET /api/events` for tests: `fetch` with the key in the header, the body parsed as
 * Server-Sent Events (WHATWG rules: `field: value` lines, a blank line ends an event, `:` starts a
 * comment), each event or comment waited for with a deadline.
 */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

export interface SseReader {
  status: number;
  /** The next event (comments skipped); throws after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** The next comment line's text; throws after `timeoutMs`. */
  nextComment(timeoutMs?: number): Promise<string>;
  /** Resolves when the server ends the stream; throws after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openEvents(url: string, key: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const items: Array<{ kind: 'event'; message: SseMessage } | { kind: 'comment'; text: string }> = [];
  let done = false;
  let notify: (() => void) | null = null;
  const pump = async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: SseMessage = { data: '' };
    let hasData = false;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.search(/\r\n|\n|\r/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (hasData || current.event || current.id) items.push({ kind: 'event', message: current });
            current = { data: '' };
            hasData = false;
          } else if (line.startsWith(':')) items.push({ kind: 'comment', text: line.slice(1).trim() });
          else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') {
              current.data = hasData ? `${current.data}\n${value}` : value;
              hasData = true;
            } else if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
          }
          notify?.();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      notify?.();
    }
  };
  void pump();
  const waitFor = async <T>(pick: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pick();
      if (found !== undefined) return found;
      if (done) throw new Error(`the event stream ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      notify = null;
    }
  };
  const take = <K extends 'event' | 'comment'>(kind: K) => {
    const i = items.findIndex((x) => x.kind === kind);
    return i < 0 ? undefined : items.splice(i, 1)[0];
  };
  return {
    status: res.status,
    next: async (timeoutMs = 10_000) => {
      const item = await waitFor(() => take('event'), timeoutMs, 'event');
      return (item as { message: SseMessage }).message;
    },
    nextComment: async (timeoutMs = 10_000) => {
      const item = await waitFor(() => take('comment'), timeoutMs, 'comment');
      return (item as { text: string }).text;
    },
    ended: async (timeoutMs = 10_000) => {
      await waitFor(() => (done ? true : undefined), timeoutMs, 'end of the stream');
    },
    close: () => abort.abort(),
  };
}
