/**
 * The history computation (server/core/history.ts) on hand-made timelines: calendar days in IANA
 * zones (DST days of 23 and 25 hours, a zone that skips midnight), issues spanning midnight,
 * open incidents, overlaps, the `nodata` edge and the rounding of availability. Every expected
 * value is written out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  availability,
  bucketDays,
  calendarDays,
  canonicalTimeZone,
  issueInterval,
  issueLevel,
  type IssueTimes,
  type TimedIssue,
} from '../../server/core/history.js';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const H = 3_600_000;

describe('calendarDays', () => {
  it('gives UTC days ending with today', () => {
    const days = calendarDays('UTC', 3, t('2024-03-10T12:00:00Z'));
    expect(days.dates).toEqual(['2024-03-08', '2024-03-09', '2024-03-10']);
    expect(days.starts.map(iso)).toEqual(['2024-03-08T00:00:00.000Z', '2024-03-09T00:00:00.000Z', '2024-03-10T00:00:00.000Z', '2024-03-11T00:00:00.000Z']);
  });

  it('has a 23-hour day when the clocks spring forward (America/New_York, 10 March 2024)', () => {
    const days = calendarDays('America/New_York', 3, t('2024-03-11T12:00:00Z'));
    expect(days.dates).toEqual(['2024-03-09', '2024-03-10', '2024-03-11']);
    // Midnight EST is 05:00Z; from 11 March midnight EDT is 04:00Z.
    expect(days.starts.map(iso)).toEqual(['2024-03-09T05:00:00.000Z', '2024-03-10T05:00:00.000Z', '2024-03-11T04:00:00.000Z', '2024-03-12T04:00:00.000Z']);
    expect((days.starts[2]! - days.starts[1]!) / H).toBe(23);
  });

  it('has a 25-hour day when the clocks fall back (Europe/Berlin, 27 October 2024)', () => {
    const days = calendarDays('Europe/Berlin', 2, t('2024-10-28T11:00:00Z'));
    expect(days.dates).toEqual(['2024-10-27', '2024-10-28']);
    expect(days.starts.map(iso)).toEqual(['2024-10-26T22:00:00.000Z', '2024-10-27T23:00:00.000Z', '2024-10-28T23:00:00.000Z']);
    expect((days.starts[1]! - days.starts[0]!) / H).toBe(25);
  });

  it('starts a day at the first instant that exists when the zone skips midnight (America/Santiago, 8 September 2024)', () => {
    // 00:00 on 8 September never happens in Santiago: 23:59:59 -04 is followed by 01:00 -03.
    const days = calendarDays('America/Santiago', 3, t('2024-09-09T15:00:00Z'));
    expect(days.dates).toEqual(['2024-09-07', '2024-09-08', '2024-09-09']);
    expect(days.starts.map(iso)).toEqual(['2024-09-07T04:00:00.000Z', '2024-09-08T04:00:00.000Z', '2024-09-09T03:00:00.000Z', '2024-09-10T03:00:00.000Z']);
  });

  it('crosses a leap day and a year end', () => {
    expect(calendarDays('UTC', 3, t('2024-03-01T00:00:00Z')).dates).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect(calendarDays('Pacific/Auckland', 2, t('2024-12-31T12:00:00Z')).dates).toEqual(['2024-12-31', '2025-01-01']);
  });
});

describe('canonicalTimeZone', () => {
  it('accepts IANA names in any case and UTC, and refuses offsets and made-up names', () => {
    expect(canonicalTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('+01:00')).toBeNull();
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });
});

describe('issueLevel', () => {
  it('ranks incidents by whether an interruption was seen, and everything else as an advisory', () => {
    expect(issueLevel({ classification: 'advisory', status: 'serviceInterruption' })).toBe('advisory');
    expect(issueLevel({ classification: 'incident', status: 'serviceDegradation' })).toBe('degradation');
    expect(issueLevel({ classification: 'Incident', status: 'ServiceInterruption' })).toBe('interruption');
    expect(issueLevel({ classification: 'incident', status: 'serviceRestored', interruptionSeen: true })).toBe('interruption');
    expect(issueLevel({ classification: 'incident', status: 'serviceRestored', interruptionSeen: false })).toBe('degradation');
    expect(issueLevel({ classification: 'unknownFutureValue', status: 'serviceDegradation' })).toBe('advisory');
  });
});

describe('issueInterval', () => {
  const now = t('2024-03-10T12:00:00Z');
  const base: IssueTimes = {
    status: 'serviceDegradation',
    isResolved: false,
    startDateTime: '2024-03-10T08:00:00Z',
    endDateTime: null,
    lastModifiedDateTime: '2024-03-10T09:00:00.000Z',
    listedByMicrosoft: true,
    lastListedAt: new Date('2024-03-10T10:00:00Z'),
  };
  it('runs from start to end; an open issue until now, or until it was last listed once Microsoft dropped it', () => {
    expect(issueInterval({ ...base, isResolved: true, endDateTime: '2024-03-10T09:30:00Z' }, now)).toEqual({ start: t('2024-03-10T08:00:00Z'), end: t('2024-03-10T09:30:00Z') });
    expect(issueInterval({ ...base, isResolved: true }, now)).toEqual({ start: t('2024-03-10T08:00:00Z'), end: t('2024-03-10T09:00:00Z') });
    expect(issueInterval(base, now)).toEqual({ start: t('2024-03-10T08:00:00Z'), end: now });
    expect(issueInterval({ ...base, listedByMicrosoft: false }, now)).toEqual({ start: t('2024-03-10T08:00:00Z'), end: t('2024-03-10T10:00:00Z') });
  });
  it('gives a false positive no interval and never ends an issue before it starts', () => {
    expect(issueInterval({ ...base, status: 'falsePositive', isResolved: true }, now)).toBeNull();
    expect(issueInterval({ ...base, isResolved: true, endDateTime: '2024-03-10T07:00:00Z' }, now)).toEqual({ start: t('2024-03-10T08:00:00Z'), end: t('2024-03-10T08:00:00Z') });
  });
});

describe('bucketDays and availability on a hand-made UTC timeline', () => {
  // Known data from 8 March 06:00; now is 10 March 12:00.
  const now = t('2024-03-10T12:00:00Z');
  const dataFrom = t('2024-03-08T06:00:00Z');
  const calendar = calendarDays('UTC', 3, now);
  const issues: TimedIssue[] = [
    // Reaches back before the known data: counts from 06:00 (60 minutes).
    { id: 'E', level: 'degradation', start: t('2024-03-07T20:00:00Z'), end: t('2024-03-08T07:00:00Z') },
    // Spans midnight: 22:00–02:00, on both days (240 minutes).
    { id: 'A', level: 'degradation', start: t('2024-03-08T22:00:00Z'), end: t('2024-03-09T02:00:00Z') },
    { id: 'B', level: 'advisory', start: t('2024-03-09T10:00:00Z'), end: t('2024-03-09T11:00:00Z') },
    // Ends exactly at midnight: the next day is not touched.
    { id: 'F', level: 'advisory', start: t('2024-03-09T23:00:00Z'), end: t('2024-03-10T00:00:00Z') },
    // Open since midnight (until now, 720 minutes), and one inside it (counted once).
    { id: 'C', level: 'interruption', start: t('2024-03-10T00:00:00Z'), end: now },
    { id: 'G', level: 'degradation', start: t('2024-03-10T06:00:00Z'), end: t('2024-03-10T08:00:00Z') },
    // Ended before the known data began; and one that has not begun.
    { id: 'D', level: 'interruption', start: t('2024-03-07T00:00:00Z'), end: t('2024-03-08T06:00:00Z') },
    { id: 'Z', level: 'interruption', start: t('2024-03-10T13:00:00Z'), end: t('2024-03-10T14:00:00Z') },
  ];

  it('gives each day its worst level and the ids of the issues overlapping it', () => {
    expect(bucketDays(issues, calendar, dataFrom, now)).toEqual([
      { date: '2024-03-08', level: 'degradation', issueIds: ['E', 'A'] },
      { date: '2024-03-09', level: 'degradation', issueIds: ['A', 'B', 'F'] },
      { date: '2024-03-10', level: 'interruption', issueIds: ['C', 'G'] },
    ]);
  });

  it('computes availability over the known part of the window: 1 − 1020 / 3240 minutes', () => {
    // Known: 8 March 06:00 → 10 March 12:00 = 54 h = 3240 min. Under an incident: E 60 + A 240 +
    // C∪G 720 = 1020 min (advisories B and F do not count). 2220 / 3240 = 0.6851851… → 0.685185.
    expect(availability(issues, calendar.starts[0]!, dataFrom, now)).toBe(0.685185);
  });

  it('marks days before the known data nodata and lists nothing for them', () => {
    const later = t('2024-03-09T00:00:00Z');
    expect(bucketDays(issues, calendar, later, now)).toEqual([
      { date: '2024-03-08', level: 'nodata', issueIds: [] },
      { date: '2024-03-09', level: 'degradation', issueIds: ['A', 'B', 'F'] },
      { date: '2024-03-10', level: 'interruption', issueIds: ['C', 'G'] },
    ]);
    // Known: 9 March 00:00 → 10 March 12:00 = 2160 min; incidents A (02:00 of it: 120) + 720 = 840.
    // 1320 / 2160 = 0.6111… → 0.611111.
    expect(availability(issues, calendar.starts[0]!, later, now)).toBe(0.611111);
  });

  it('has no data at all before the first sync', () => {
    expect(bucketDays(issues, calendar, null, now).map((d) => d.level)).toEqual(['nodata', 'nodata', 'nodata']);
    expect(availability(issues, calendar.starts[0]!, null, now)).toBeNull();
    expect(availability([], calendar.starts[0]!, now, now)).toBeNull();
  });

  it('is operational and exactly 1 without incidents, and below 1 after a single millisecond of one', () => {
    expect(bucketDays([], calendar, dataFrom, now).map((d) => d.level)).toEqual(['operational', 'operational', 'operational']);
    expect(availability([issues[2]!], calendar.starts[0]!, dataFrom, now)).toBe(1);
    const from = now - 400 * 24 * H;
    expect(availability([{ id: 'X', level: 'degradation', start: now - 1, end: now }], from, from, now)).toBe(0.999999);
  });
});

describe('DST days in the availability', () => {
  it('counts a 23-hour day as 23 hours (America/New_York, 10 March 2024)', () => {
    const now = t('2024-03-11T16:00:00Z'); // 12:00 EDT
    const calendar = calendarDays('America/New_York', 2, now);
    // The whole local day of 10 March: 05:00Z → 04:00Z next day.
    const day: TimedIssue = { id: 'N', level: 'interruption', start: t('2024-03-10T05:00:00Z'), end: t('2024-03-11T04:00:00Z') };
    expect(bucketDays([day], calendar, calendar.starts[0]! - 1, now)).toEqual([
      { date: '2024-03-10', level: 'interruption', issueIds: ['N'] },
      { date: '2024-03-11', level: 'operational', issueIds: [] },
    ]);
    // Window: 23 h + 12 h = 35 h; 23 h down. 12 / 35 = 0.342857142… → 0.342857.
    expect(availability([day], calendar.starts[0]!, calendar.starts[0]!, now)).toBe(0.342857);
  });

  it('counts a 25-hour day as 25 hours and places an issue by local time (Europe/Berlin, 27 October 2024)', () => {
    const now = t('2024-10-28T11:00:00Z'); // 12:00 CET
    const calendar = calendarDays('Europe/Berlin', 2, now);
    const day: TimedIssue = { id: 'B1', level: 'degradation', start: t('2024-10-26T22:00:00Z'), end: t('2024-10-27T23:00:00Z') };
    // 23:30 CET on 27 October is 22:30Z: still the 27th in Berlin, though UTC says the same day too;
    // 00:30 CET on the 28th is 23:30Z on the 27th in UTC, but the 28th in Berlin.
    const late: TimedIssue = { id: 'B2', level: 'advisory', start: t('2024-10-27T23:30:00Z'), end: t('2024-10-27T23:45:00Z') };
    expect(bucketDays([day, late], calendar, calendar.starts[0]!, now)).toEqual([
      { date: '2024-10-27', level: 'degradation', issueIds: ['B1'] },
      { date: '2024-10-28', level: 'advisory', issueIds: ['B2'] },
    ]);
    // Window: 25 h + 12 h = 37 h; 25 h down. 12 / 37 = 0.324324… → 0.324324.
    expect(availability([day, late], calendar.starts[0]!, calendar.starts[0]!, now)).toBe(0.324324);
  });
});
