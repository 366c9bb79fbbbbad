/**
 * The server's log: one line per event on stdout, errors on stderr. Lines are gathered and written
 * once per turn of the event loop, so a busy server makes one write instead of one per request
 * (writes to pipes and terminals are synchronous in Node on Linux).
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

export function createLineLogger(out: NodeJS.WritableStream = process.stdout, errOut: NodeJS.WritableStream = process.stderr): LineLogger {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('\n') + '\n';
    pending = [];
    out.write(text);
  };
  const log = ((message: string, err?: unknown) => {
    if (err !== undefined) {
      flush();
      errOut.write(`${escapeControl(message)} ${errorText(err)}\n`);
      return;
    }
    pending.push(escapeControl(message));
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }) as LineLogger;
  log.flush = flush;
  return log;
}
