/**
 * The server's log: one line per event on stdout, errors on stderr. Lines are gathered and written
 * once per turn of the event loop, so a busy server makes one write instead of one per request
 * (writes to pipes and terminals are synchronous in Node on Linux).
 */
import { inspect } from 'node:util';

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
      errOut.write(`${message} ${err instanceof Error ? (err.stack ?? err.message) : inspect(err)}\n`);
      return;
    }
    pending.push(message);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }) as LineLogger;
  log.flush = flush;
  return log;
}
