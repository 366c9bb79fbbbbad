/**
 * Day-by-day history, availability and the issues export (DESIGN.md, "History").
 *
 * The computation is pure and lives here as exported functions (unit-tested on hand-made
 * timelines); {@link createHistoryCore} only reads the rows and hands them over. The rules, as
 * the README's "History and metrics" section states them:
 *
 * - **Issue interval** ({@link issueInterval}): from `startDateTime` to `endDateTime`; without an
 *   end, a resolved issue ends at its `lastModifiedDateTime`, an open one that Microsoft still
 *   lists runs until now, and an open one Microsoft stopped listing ends at the last sync that saw
 *   it. Intervals are half-open, `[start, end)`: an issue that ends at midnight does not touch the
 *   next day. A `falsePositive` issue has no interval (the service was not affected).
 * - **Issue level** ({@link issueLevel}): an `advisory` (or a classification this server does not
 *   know) is `advisory`; an `incident` is `interruption` when any sync saw it as
 *   `serviceInterruption` (or that is its status now), else `degradation`.
 * - **Known data** starts {@link MICROSOFT_LOOKBACK_DAYS} days before the tenant's first sync
 *   (Microsoft lists about that much at the first sync) and ends now.
 * - **Days** ({@link calendarDays}) are calendar days in the requested IANA zone, from local
 *   midnight to the next local midnight (23 or 25 hours across a DST change; when a zone skips
 *   midnight, the day starts at the first instant that exists). Today ends now.
 * - **Day level** ({@link bucketDays}): `nodata` when the day ends before the known data starts;
 *   otherwise the worst level of the issues of the service whose interval overlaps the known part
 *   of the day (`interruption` > `degradation` > `advisory` > `operational`), with their ids.
 * - **Availability** ({@link availability}): 1 − (time within the window and the known data that
 *   at least one incident of the service covered; overlapping incidents count once) ÷ (time within
 *   the window and the known data), measured in milliseconds and rounded *down* to 6 decimals, so
 *   any downtime shows below 1; `null` when the window holds no known data.
 */
import type { HistoryResponse } from '../../widgets/api/types.js';
import type { HistoryIssueRow } from '../store/history.js';
import type { Store } from '../store/index.js';
import type { IssueQuery, IssueSummary } from '../store/tenants.js';

/** A level of a service on a day, or of an issue (DESIGN.md, "History"), least severe first. */
export const HISTORY_LEVELS = ['operational', 'advisory', 'degradation', 'interruption'] as const;
export type HistoryLevel = (typeof HISTORY_LEVELS)[number];
/** A day's level: a {@link HistoryLevel}, or `nodata` before the tenant's earliest known data. */
export type DayLevel = HistoryLevel | 'nodata';

/** Microsoft lists about 30 days of issues: what the first sync knows of the time before it. */
export const MICROSOFT_LOOKBACK_DAYS = 30;
/** Longest history window (`days`). */
export const MAX_HISTORY_DAYS = 400;

const DAY_MS = 86_400_000;

const rankOf: Record<HistoryLevel, number> = { operational: 0, advisory: 1, degradation: 2, interruption: 3 };

/** The more severe of two levels. */
export function worseLevel(a: HistoryLevel, b: HistoryLevel): HistoryLevel {
  return rankOf[b] > rankOf[a] ? b : a;
}

/** The level an issue gives its service while it lasts (see the module comment). */
export function issueLevel(issue: { classification: string; status: string; interruptionSeen?: boolean }): HistoryLevel {
  if (issue.classification.toLowerCase() !== 'incident') return 'advisory';
  return issue.interruptionSeen || issue.status.toLowerCase() === 'serviceinterruption' ? 'interruption' : 'degradation';
}

/** Graph statuses that mean nothing is wrong (DESIGN.md, "Widgets"). */
const HEALTHY_STATUSES = new Set(['serviceoperational', 'servicerestored', 'falsepositive', 'postincidentreviewpublished']);

/**
 * A service's current level (the `/metrics` gauge, the overview): its status read with the
 * classification of its active issues — healthy statuses are `operational`, `serviceInterruption`
 * is an `interruption`, any other status (an unknown one too) a `degradation`, or an `advisory`
 * when every active issue is one — and never better than its worst active issue.
 */
export function serviceLevel(status: string, active: ReadonlyArray<{ classification: string; status: string; interruptionSeen?: boolean }>): HistoryLevel {
  const lower = status.toLowerCase();
  let level: HistoryLevel = HEALTHY_STATUSES.has(lower)
    ? 'operational'
    : lower === 'serviceinterruption'
      ? 'interruption'
      : active.length > 0 && active.every((i) => i.classification.toLowerCase() !== 'incident')
        ? 'advisory'
        : 'degradation';
  for (const issue of active) level = worseLevel(level, issueLevel(issue));
  return level;
}

/** What {@link issueInterval} reads of a stored issue. */
export type IssueTimes = Pick<HistoryIssueRow, 'status' | 'isResolved' | 'startDateTime' | 'endDateTime' | 'lastModifiedDateTime' | 'listedByMicrosoft' | 'lastListedAt'>;

/** `[start, end)` of an issue in epoch milliseconds, or null when it has none (false positive). */
export function issueInterval(issue: IssueTimes, now: number): { start: number; end: number } | null {
  if (issue.status.toLowerCase() === 'falsepositive') return null;
  const modified = Date.parse(issue.lastModifiedDateTime);
  let end: number;
  if (issue.endDateTime) end = Date.parse(issue.endDateTime);
  else if (issue.isResolved) end = modified;
  else if (issue.listedByMicrosoft) end = now;
  else end = issue.lastListedAt?.getTime() ?? modified;
  const start = issue.startDateTime ? Date.parse(issue.startDateTime) : end;
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  return { start, end: Math.max(start, end) };
}

/** An issue placed in time, as the day bucketing and availability read it. */
export interface TimedIssue {
  id: string;
  level: HistoryLevel;
  start: number;
  end: number;
}

/** One day of one service. */
export interface HistoryDay {
  /** The calendar date in the requested zone, `YYYY-MM-DD`. */
  date: string;
  level: DayLevel;
  /** The issues that overlapped the day, earliest start first. */
  issueIds: string[];
}

/** The calendar days of a window: `starts[i]` is day i's first instant, `starts[days]` the next day's. */
export interface CalendarDays {
  dates: string[];
  /** `dates.length + 1` instants (epoch ms), strictly increasing. */
  starts: number[];
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();
let supportedZones: Set<string> | null = null;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The canonical name of an IANA time zone (`europe/berlin` → `Europe/Berlin`), or null when
 * `Intl` does not know it. Only names of `Intl.supportedValuesOf('timeZone')` (and `UTC`) are
 * accepted, so offsets such as `+01:00` and made-up names are refused.
 */
export function canonicalTimeZone(name: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  supportedZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  return resolved === 'UTC' || supportedZones.has(resolved) ? resolved : null;
}

/** Local wall-clock time at instant `t` in `timeZone`, as if it were UTC (epoch ms, whole seconds). */
function wallClock(timeZone: string, t: number): number {
  if (timeZone === 'UTC') return Math.floor(t / 1000) * 1000;
  const parts = formatter(timeZone).formatToParts(t);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
}

/** Day starts already computed, per zone (they never change); bounded. */
const dayStartCache = new Map<string, Map<number, number>>();
const DAY_START_CACHE_LIMIT = 200_000;
let dayStartCacheSize = 0;

/**
 * The first instant of the local calendar day whose midnight is `wall` (a local midnight written
 * as if it were UTC). Midnight itself when it exists (the first one if it happens twice); the end
 * of the gap when the zone skips midnight.
 */
function dayStart(timeZone: string, wall: number, offsetAt: (t: number) => number): number {
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  if (before === after) return wall - before;
  const candidates = [wall - before, wall - after].filter((t) => wallClock(timeZone, t) === wall).sort((a, b) => a - b);
  if (candidates.length) return candidates[0]!;
  // Midnight does not exist (the clocks jump over it): the day starts at the jump, found by
  // bisection between the two readings (whole seconds).
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (wallClock(timeZone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The `days` calendar days in `timeZone` that end with the day holding `now`, oldest first, with
 * each day's first instant and the next day's.
 */
export function calendarDays(timeZone: string, days: number, now: number): CalendarDays {
  const today = new Date(wallClock(timeZone, now));
  const y = today.getUTCFullYear();
  const m = today.getUTCMonth();
  const d = today.getUTCDate();
  let cache = dayStartCache.get(timeZone);
  if (!cache) dayStartCache.set(timeZone, (cache = new Map()));
  if (dayStartCacheSize > DAY_START_CACHE_LIMIT) {
    dayStartCache.clear();
    dayStartCacheSize = 0;
    dayStartCache.set(timeZone, (cache = new Map()));
  }
  // Offsets read at local midnights taken as instants; neighbouring days share them.
  const offsets = new Map<number, number>();
  const offsetAt = (t: number) => {
    let o = offsets.get(t);
    if (o === undefined) offsets.set(t, (o = wallClock(timeZone, t) - Math.floor(t / 1000) * 1000));
    return o;
  };
  const dates: string[] = [];
  const starts: number[] = [];
  for (let i = days - 1; i >= -1; i--) {
    const wall = Date.UTC(y, m, d - i);
    let start = cache.get(wall);
    if (start === undefined) {
      start = dayStart(timeZone, wall, offsetAt);
      cache.set(wall, start);
      dayStartCacheSize++;
    }
    starts.push(start);
    if (i >= 0) dates.push(new Date(wall).toISOString().slice(0, 10));
  }
  return { dates, starts };
}

// ---------------------------------------------------------------------------------------------
// Days and availability

/** Index of the day holding instant `t` (−1 before the first day, `dates.length` after the last). */
function dayIndex(starts: number[], t: number): number {
  let lo = 0;
  let hi = starts.length; // first start > t
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Every day of `calendar` for one service: `nodata` for days that end at or before `dataFrom`,
 * else the worst level of the issues overlapping the day's known part, with their ids.
 * `issues` are the service's issues; each is clipped to `[dataFrom, now]` first.
 */
export function bucketDays(issues: readonly TimedIssue[], calendar: CalendarDays, dataFrom: number | null, now: number): HistoryDay[] {
  const { dates, starts } = calendar;
  const out: HistoryDay[] = dates.map((date, i) => ({
    date,
    level: dataFrom === null || dataFrom >= starts[i + 1]! || dataFrom > now ? 'nodata' : 'operational',
    issueIds: [],
  }));
  if (dataFrom === null || dataFrom > now) return out;
  const sorted = [...issues].sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const issue of sorted) {
    if (issue.start > now) continue; // not begun yet
    // Ended before the known data (an interval ending exactly there does not reach it).
    if (issue.end < dataFrom || (issue.end === dataFrom && issue.end > issue.start)) continue;
    const start = Math.max(issue.start, dataFrom);
    const end = Math.min(issue.end, now);
    // Half-open [start, end): the last day touched holds end − 1 ms (a point issue: its start).
    const first = Math.max(0, dayIndex(starts, start));
    const last = Math.min(dates.length - 1, dayIndex(starts, end > start ? end - 1 : start));
    for (let i = first; i <= last; i++) {
      const day = out[i]!;
      if (day.level === 'nodata') continue;
      day.level = worseLevel(day.level, issue.level);
      day.issueIds.push(issue.id);
    }
  }
  return out;
}

/**
 * 1 − (time in `[max(from, dataFrom), now]` covered by at least one incident) ÷ (the length of
 * that span), rounded down to 6 decimals; `null` when the span is empty. Incidents are the issues
 * of level `degradation` or `interruption`.
 */
export function availability(issues: readonly TimedIssue[], from: number, dataFrom: number | null, now: number): number | null {
  if (dataFrom === null) return null;
  const spanStart = Math.max(from, dataFrom);
  const total = now - spanStart;
  if (total <= 0) return null;
  const incidents = issues
    .filter((i) => i.level === 'degradation' || i.level === 'interruption')
    .map((i) => [Math.max(i.start, spanStart), Math.min(i.end, now)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let down = 0;
  let runStart = -Infinity;
  let runEnd = -Infinity;
  for (const [s, e] of incidents) {
    if (s > runEnd) {
      down += runEnd - runStart > 0 ? runEnd - runStart : 0;
      runStart = s;
      runEnd = e;
    } else if (e > runEnd) runEnd = e;
  }
  down += runEnd - runStart > 0 ? runEnd - runStart : 0;
  // Integer arithmetic: milliseconds × 10⁶ exceed 2⁵³ over long windows.
  return Number((BigInt(total - down) * 1_000_000n) / BigInt(total)) / 1_000_000;
}

// ---------------------------------------------------------------------------------------------
// The core

/** `GET /api/tenants/:tenant/history` (DESIGN.md, "History"): the contract shared with the widgets. */
export type { HistoryResponse } from '../../widgets/api/types.js';

export interface HistoryCore {
  /** The day-by-day history of every service of a tenant over the last `days` days in `timeZone` (canonical). */
  history(tenantId: string, p: { days: number; timeZone: string }): Promise<Omit<HistoryResponse, 'tenantId'>>;
  /** Every issue the query matches (all pages), newest change first. */
  exportIssues(tenantId: string, query: Omit<IssueQuery, 'limit' | 'cursor'>): Promise<IssueSummary[]>;
  /**
   * Removes (with their posts) the issues Microsoft no longer lists whose last change is more
   * than `retentionDays` old (RETENTION_DAYS); returns how many.
   */
  pruneRetained(retentionDays: number): Promise<number>;
}

/** Places stored issue rows in time; rows without an interval are left out. */
export function timedIssues(rows: readonly HistoryIssueRow[], now: number): Array<TimedIssue & { service: string }> {
  const out: Array<TimedIssue & { service: string }> = [];
  for (const row of rows) {
    const interval = issueInterval(row, now);
    if (interval) out.push({ id: row.id, service: row.service, level: issueLevel(row), ...interval });
  }
  return out;
}

export function createHistoryCore(deps: { store: Store; now: () => Date }): HistoryCore {
  const { store } = deps;
  return {
    async history(tenantId, { days, timeZone }) {
      const now = deps.now().getTime();
      const calendar = calendarDays(timeZone, days, now);
      const from = calendar.starts[0]!;
      const rows = await store.historyRows(tenantId, new Date(from));
      const dataFrom = rows.firstSyncAt ? rows.firstSyncAt.getTime() - MICROSOFT_LOOKBACK_DAYS * DAY_MS : null;
      const byService = new Map<string, TimedIssue[]>();
      for (const issue of timedIssues(rows.issues, now)) {
        const key = issue.service.toLowerCase();
        const list = byService.get(key);
        if (list) list.push(issue);
        else byService.set(key, [issue]);
      }
      return {
        from: new Date(from).toISOString(),
        to: new Date(now).toISOString(),
        timeZone,
        dataFrom: dataFrom === null ? null : new Date(dataFrom).toISOString(),
        services: rows.services.map((s) => {
          const issues = byService.get(s.name.toLowerCase()) ?? [];
          return { id: s.id, name: s.name, availability: availability(issues, from, dataFrom, now), days: bucketDays(issues, calendar, dataFrom, now) };
        }),
      };
    },
    pruneRetained: (retentionDays) => store.pruneRetainedIssues(deps.now(), retentionDays),
    async exportIssues(tenantId, query) {
      const out: IssueSummary[] = [];
      let cursor: IssueQuery['cursor'];
      for (;;) {
        const page = await store.listIssues(tenantId, { ...query, limit: 500, cursor });
        out.push(...page.issues);
        const last = page.issues.at(-1);
        if (!page.nextCursor || !last) return out;
        cursor = { lastModifiedDateTime: last.lastModifiedDateTime, id: last.id };
      }
    },
  };
}
