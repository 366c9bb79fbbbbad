/**
 * One server process per SQLite file. Two `npm start`s on one database poll every tenant twice
 * and revoke each other's demo keys, so the second one refuses to start. The lock is a file next
 * to the database (`<DATABASE_PATH>.lock`) created with O_EXCL, holding the owner's pid, host
 * name and a random token, and touched every {@link HEARTBEAT_MS} while the server runs.
 *
 * A lock is stale, and taken over, when its owner is gone: on the same host its pid no longer
 * runs (or is this very process without the token, as after a container restart where every
 * process is pid 1); on another host (a shared folder) its heartbeat is older than
 * {@link STALE_AFTER_MS}. Several instances belong on PostgreSQL (README, "Running several
 * instances").
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** How often the owner refreshes the lock file's modification time. */
export const HEARTBEAT_MS = 30_000;
/** A lock from another host whose heartbeat is older than this is considered abandoned. */
export const STALE_AFTER_MS = 3 * HEARTBEAT_MS;

/** Thrown when another live server holds the database. */
export class InstanceLockError extends Error {
  override name = 'InstanceLockError';
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  startedAt: string;
}

/** Tokens of the locks this process holds (so an in-process second start is refused too). */
const held = new Set<string>();

export interface InstanceLock {
  /** The lock file. */
  path: string;
  /** Stops the heartbeat and removes the lock file (only when it is still ours). */
  release(): void;
}

function read(path: string): LockContent | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string' || typeof parsed.token !== 'string') return null;
    return { pid: parsed.pid, host: parsed.host, token: parsed.token, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner of `lock` (found at `path`) is still alive. */
function alive(lock: LockContent | null, path: string, now: number): boolean {
  if (!lock) {
    // Unreadable or half-written: trust it only while it is fresh (another start may be writing it).
    try {
      return now - statSync(path).mtimeMs < 5_000;
    } catch {
      return false;
    }
  }
  if (lock.host === hostname()) {
    if (lock.pid === process.pid) return held.has(lock.token);
    return running(lock.pid);
  }
  try {
    return now - statSync(path).mtimeMs < STALE_AFTER_MS;
  } catch {
    return false;
  }
}

/**
 * Takes the lock of the database at `databasePath`.
 * @throws InstanceLockError when a live server holds it.
 */
export function acquireInstanceLock(databasePath: string, now: () => number = Date.now): InstanceLock {
  const path = `${databasePath}.lock`;
  const mine: LockContent = { pid: process.pid, host: hostname(), token: randomUUID(), startedAt: new Date(now()).toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeFileSync(fd, JSON.stringify(mine) + '\n');
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw err;
      const other = read(path);
      if (alive(other, path, now())) {
        const who = other ? `process ${other.pid} on ${other.host}, started ${other.startedAt}` : 'another process';
        throw new InstanceLockError(
          [
            `Another o365-health server (${who}) is already using the database ${databasePath}.`,
            'Two servers on one SQLite file would poll every tenant twice and revoke each other\'s keys, so this one does not start.',
            'Stop the other server first. Several instances need a shared PostgreSQL database (DATABASE_URL), not one SQLite file: see "Running several instances" in the README.',
            `If you are sure no other server runs, delete ${path}.`,
          ].join('\n'),
        );
      }
      // Stale: move it aside atomically (only one contender wins the rename), then try again.
      try {
        renameSync(path, `${path}.stale-${process.pid}`);
        unlinkSync(`${path}.stale-${process.pid}`);
      } catch {
        /* someone else took it over first; the next attempt sees their lock */
      }
    }
  }
  held.add(mine.token);
  const heartbeat = setInterval(() => {
    try {
      const t = new Date(now());
      utimesSync(path, t, t);
    } catch {
      /* a read-only or vanished lock file must not stop the server */
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  const onExit = () => release();
  let released = false;
  function release() {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    held.delete(mine.token);
    process.off('exit', onExit);
    try {
      if (read(path)?.token === mine.token) unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
  // A crash path that still runs exit handlers (process.exit) leaves no lock behind.
  process.on('exit', onExit);
  return { path, release };
}
