import type { HistoryDay } from '../api/types.js';
import { dayLevel } from '../internal/status.js';

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const percentFormats = new Map<string, Intl.NumberFormat>();

/** A formatter for `locale`, else the page's when the locale is not valid. */
function cached<T>(cache: Map<string, T>, locale: string | undefined, make: (locale: string | undefined) => T): T {
  let f = cache.get(locale ?? '');
  if (!f) {
    try {
      f = make(locale);
    } catch {
      f = make(undefined);
    }
    cache.set(locale ?? '', f);
  }
  return f;
}

/**
 * "3 Nov" (en-GB), "Nov 3" (en-US): a history date (`YYYY-MM-DD`, already a calendar day of the
 * requested zone) in `locale`, read as that calendar day whatever the browser's zone.
 */
export function dayLabel(date: string, locale?: string): string {
  const f = cached(dateFormats, locale, (l) => new Intl.DateTimeFormat(l, { day: 'numeric', month: 'short', timeZone: 'UTC' }));
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(t) ? date : f.format(t);
}

/**
 * Availability in `locale` with two decimals ("99.87%", "99,87 %"), rounded down so that any
 * downtime reads below 100; "no data" when the window holds no known data.
 */
export function availabilityText(value: number | null, locale?: string): string {
  if (value === null) return 'no data';
  const f = cached(percentFormats, locale, (l) => new Intl.NumberFormat(l, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2, roundingMode: 'floor' }));
  return f.format(value);
}

/** The accessible name (and tooltip) of a day: "Exchange Online, 3 Nov: degradation, EX123456". */
export function dayName(service: string, day: HistoryDay, locale?: string): string {
  const ids = day.issueIds.length ? `, ${day.issueIds.join(', ')}` : '';
  return `${service}, ${dayLabel(day.date, locale)}: ${dayLevel(day.level).text}${ids}`;
}

/** A zone the browser knows (`wanted`, else the browser's own), for the history's calendar days. */
export function validZone(wanted: string | undefined): string {
  const own = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (!wanted) return own();
  try {
    return new Intl.DateTimeFormat('en', { timeZone: wanted }).resolvedOptions().timeZone;
  } catch {
    return own();
  }
}
