/**
 * Freshness of a tenant's data: how often it is polled and when what we serve is stale
 * (issue 3: stale when the last success is older than two poll intervals).
 */
import { Cron } from 'croner';

/** Used when a pattern does not yield two future runs (e.g. a one-off date). */
const FALLBACK_INTERVAL_MS = 5 * 60_000;

/**
 * The poll interval of a croner pattern: the distance between its next two runs after `from`.
 * Patterns such as `0 3 * * 1` have uneven gaps; the next gap is a fair estimate.
 */
export function pollIntervalMs(cronPattern: string, from: Date = new Date()): number {
  const job = new Cron(cronPattern, { paused: true });
  try {
    const [first, second] = job.nextRuns(2, from);
    if (!first || !second) return FALLBACK_INTERVAL_MS;
    return second.getTime() - first.getTime();
  } finally {
    job.stop();
  }
}

/** True when the tenant never synced, or its last successful sync is older than two intervals. */
export function isStale(lastSyncAt: Date | number | null | undefined, now: Date, intervalMs: number): boolean {
  if (lastSyncAt === null || lastSyncAt === undefined) return true;
  const last = typeof lastSyncAt === 'number' ? lastSyncAt : lastSyncAt.getTime();
  return now.getTime() - last > 2 * intervalMs;
}
