/**
 * The server's log: one line per event on stdout, errors on stderr. Lines are gathered and written
 * together every {@link FLUSH_MS} (or at {@link FLUSH_BYTES}), so a busy server makes one write
 * for hundreds of requests instead of one per request (writes to pipes and terminals are
 * synchronous in Node on Linux). Errors are written at once, after what is pending; `flush()`
 * and process exit write the rest.
 */
import { inspect } from 'node:util';

/**
 * Makes text safe for one log line: C0 and C1 control characters (CR, LF, ESC, …), DEL and the
 * Unicode line and paragraph separators become `\xNN` / `\uNNNN` escapes, so text taken from a
 * request (a path such as `/nope%0d%0a…`) can neither forge a line nor drive a terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** An error's text for the log: each line escaped, continuation lines indented under the first. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? err.message) : inspect(err);
  return text
    .split(/\r?\n/)
    .map((line, i) => (i === 0 ? escapeControl(line) : `    ${escapeControl(line.trimStart())}`))
    .join('\n');
}

/** Writes one log line; `err` is set for failures. Never given secrets. */
export type Log = (message: string, err?: unknown) => void;

export interface LineLogger extends Log {
  /** Writes what is pending now (before exit). */
  flush(): void;
}

/** Every line logger's flush, run once when the process exits. */
const flushOnExit = new Set<() => void>();
process.once('exit', () => flushOnExit.forEach((flush) => flush()));

/** Longest a line waits before it is written. */
export const FLUSH_MS = 20;
/** Pending text that is written at once, whatever the time. */
export const FLUSH_BYTES = 64 * 1024;

export function createLineLogger(out: NodeJS.WritableStream = process.stdout, errOut: NodeJS.WritableStream = process.stderr, prefix = ''): LineLogger {
  let pending = '';
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending === '') return;
    const text = pending;
    pending = '';
    out.write(text);
  };
  flushOnExit.add(flush);
  const log = ((message: string, err?: unknown) => {
    if (err !== undefined) {
      flush();
      errOut.write(`${prefix}${escapeControl(message)} ${errorText(err)}\n`);
      return;
    }
    pending += prefix + escapeControl(message) + '\n';
    if (pending.length >= FLUSH_BYTES) flush();
    else if (!timer) {
      timer = setTimeout(flush, FLUSH_MS);
      timer.unref();
    }
  }) as LineLogger;
  log.flush = flush;
  return log;
}
