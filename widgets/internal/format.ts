import type { Timestamp } from '../api/types.js';

/** Where to format for: a BCP 47 locale and an IANA time zone; undefined means the page's. */
export interface FormatOptions {
  locale?: string;
  timeZone?: string;
}

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(opts: FormatOptions, withDate: boolean): Intl.DateTimeFormat {
  const id = `${opts.locale ?? ''}|${opts.timeZone ?? ''}|${withDate}`;
  let f = cache.get(id);
  if (!f) {
    // No zone name on each time: a view names its one zone once (zoneName), so summer and winter
    // times of one zone ("GMT" / "BST") do not read as two zones.
    const options: Intl.DateTimeFormatOptions = {
      hour: 'numeric',
      minute: '2-digit',
      ...(withDate ? { year: 'numeric', month: 'short', day: 'numeric' } : {}),
    };
    try {
      f = new Intl.DateTimeFormat(opts.locale, { ...options, timeZone: opts.timeZone });
    } catch {
      // A bad locale or time zone attribute must not break the widget: fall back to the page's.
      f = new Intl.DateTimeFormat(undefined, options);
    }
    cache.set(id, f);
  }
  return f;
}

/** Parses an API timestamp; `undefined` when absent or invalid. */
export function toDate(value: Timestamp | undefined): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** "Nov 14, 2020, 11:06 AM" in the given locale and zone; `fallback` when absent. */
export function formatDateTime(value: Timestamp | undefined, opts: FormatOptions = {}, fallback = '—'): string {
  const d = toDate(value);
  return d ? formatter(opts, true).format(d) : fallback;
}

/** The zone times are shown in, for the one label of a view: "UTC", else its IANA id ("Europe/Berlin"). */
export function zoneName(opts: FormatOptions = {}): string {
  const tz = formatter(opts, false).resolvedOptions().timeZone ?? 'UTC';
  return /^(Etc\/)?(UTC|UCT|GMT|Universal|Zulu)$/i.test(tz) ? 'UTC' : tz;
}

/** ISO text for a `<time datetime>` attribute ('' when absent). */
export function isoString(value: Timestamp | undefined): string {
  return toDate(value)?.toISOString() ?? '';
}

const relativeCache = new Map<string, Intl.RelativeTimeFormat>();

/** The largest unit first: [unit, seconds in it, age (s) from which it is used]. */
const RELATIVE_UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number, number]> = [
  ['year', 31_536_000, 27_648_000],
  ['month', 2_592_000, 2_246_400],
  ['day', 86_400, 79_200],
  ['hour', 3_600, 2_700],
  ['minute', 60, 45],
];

/**
 * The age of `value` in words ("4 minutes ago", "yesterday", "now") in the given locale, with
 * `Intl.RelativeTimeFormat`; '' when absent. A time slightly in the future (clock skew) is "now".
 */
export function formatRelative(value: Timestamp | undefined, now: number = Date.now(), locale?: string): string {
  const d = toDate(value);
  if (!d) return '';
  let f = relativeCache.get(locale ?? '');
  if (!f) {
    try {
      f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    } catch {
      f = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    }
    relativeCache.set(locale ?? '', f);
  }
  const age = Math.max(0, (now - d.getTime()) / 1000);
  for (const [unit, size, from] of RELATIVE_UNITS) if (age >= from) return f.format(-Math.round(age / size), unit);
  return f.format(0, 'second');
}
