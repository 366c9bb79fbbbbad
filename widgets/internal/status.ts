/**
 * Pure mapping of Graph's service health enums to what the widgets show: a severity level,
 * an icon shape and words. Status is never shown by colour alone.
 * Values are compared case-insensitively (Graph doc examples are PascalCase, the service
 * sends camelCase); a value we do not know is shown as "Unknown status (value)".
 */
import type { DayLevel } from '../api/types.js';

/** Graph `serviceHealthStatus` values known to the widgets. */
export type ServiceHealthStatus = 'serviceOperational' | 'investigating' | 'restoringService' | 'verifyingService' | 'serviceRestored' | 'postIncidentReviewPublished' | 'serviceDegradation' | 'serviceInterruption' | 'extendedRecovery' | 'falsePositive' | 'investigationSuspended' | 'resolved' | 'mitigatedExternal' | 'mitigated' | 'resolvedExternal' | 'confirmed' | 'reported';

/** Severity levels, least severe first. */
export const LEVELS = ['healthy', 'unknown', 'advisory', 'degraded', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** Graph `serviceHealthClassificationType`. */
export const CLASSIFICATIONS = ['incident', 'advisory'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/**
 * Words and base level of each status. `healthy` is exactly the four statuses DESIGN.md names;
 * `serviceInterruption` is critical; every other status is a degradation whose level then
 * follows the classification (see {@link issueLevel}).
 */
export const STATUS_INFO = {
  serviceOperational: { text: 'Healthy', level: 'healthy' },
  serviceRestored: { text: 'Service restored', level: 'healthy' },
  falsePositive: { text: 'False positive', level: 'healthy' },
  postIncidentReviewPublished: { text: 'Post-incident report published', level: 'healthy' },
  investigating: { text: 'Investigating', level: 'degraded' },
  restoringService: { text: 'Restoring service', level: 'degraded' },
  verifyingService: { text: 'Verifying service', level: 'degraded' },
  serviceDegradation: { text: 'Service degradation', level: 'degraded' },
  serviceInterruption: { text: 'Service interruption', level: 'critical' },
  extendedRecovery: { text: 'Extended recovery', level: 'degraded' },
  investigationSuspended: { text: 'Investigation suspended', level: 'advisory' },
  resolved: { text: 'Resolved', level: 'advisory' },
  mitigatedExternal: { text: 'Mitigated externally', level: 'advisory' },
  mitigated: { text: 'Mitigated', level: 'advisory' },
  resolvedExternal: { text: 'Resolved externally', level: 'advisory' },
  confirmed: { text: 'Confirmed', level: 'degraded' },
  reported: { text: 'Reported', level: 'degraded' },
} as const satisfies Record<ServiceHealthStatus, { text: string; level: Level }>;

/** Words of each level, for summaries and screen readers. */
export const LEVEL_TEXT = {
  healthy: 'Healthy',
  unknown: 'Unknown',
  advisory: 'Advisory',
  degraded: 'Degraded',
  critical: 'Interrupted',
} as const satisfies Record<Level, string>;

export const CLASSIFICATION_TEXT = {
  incident: 'Incident',
  advisory: 'Advisory',
} as const satisfies Record<Classification, string>;

/** Graph `serviceHealthStatus` values known to the widgets (the keys of {@link STATUS_INFO}). */
export const SERVICE_HEALTH_STATUSES = Object.keys(STATUS_INFO) as ServiceHealthStatus[];

const lower = new Map<string, ServiceHealthStatus>(SERVICE_HEALTH_STATUSES.map((s) => [s.toLowerCase(), s]));

/** The known status `raw` spells (any case), or `undefined`. */
export function knownStatus(raw: string | null | undefined): ServiceHealthStatus | undefined {
  return raw ? lower.get(raw.toLowerCase()) : undefined;
}

/** True for the four healthy statuses. */
export function isHealthy(raw: string): boolean {
  const known = knownStatus(raw);
  return known !== undefined && STATUS_INFO[known].level === 'healthy';
}

/** Words for a status; an unknown one keeps its raw value: "Unknown status (raw)". */
export function statusText(raw: string): string {
  const known = knownStatus(raw);
  return known ? STATUS_INFO[known].text : `Unknown status (${raw || 'empty'})`;
}

/** Words for a classification; an unknown one is shown as it came. */
export function classificationText(raw: string): string {
  const known = CLASSIFICATIONS.find((c) => c === raw?.toLowerCase());
  return known ? CLASSIFICATION_TEXT[known] : raw || 'Unclassified';
}

/** Level of a service's own status (no classification). Unknown statuses are `unknown`. */
export function statusLevel(raw: string): Level {
  const known = knownStatus(raw);
  return known ? STATUS_INFO[known].level : 'unknown';
}

/**
 * Level of an issue: healthy statuses stay healthy, an interruption is critical, an unknown
 * status is `unknown`; otherwise an incident is `degraded` and an advisory `advisory`
 * (incident outranks advisory).
 */
export function issueLevel(raw: string, classification: string): Level {
  const base = statusLevel(raw);
  if (base === 'healthy' || base === 'critical' || base === 'unknown') return base;
  return classification?.toLowerCase() === 'advisory' ? 'advisory' : 'degraded';
}

/**
 * Level of a service: its own status, read with the classification of its active issues (an
 * advisory-only service whose status says "degradation" is an advisory, as its issues are in
 * the feed), and never better than its worst active issue. The health tile and the feed thus
 * give one issue one level and one icon.
 */
export function serviceLevel(status: string, active: readonly { status: string; classification: string }[]): Level {
  const incident = !active.length || active.some((i) => i.classification?.toLowerCase() !== 'advisory');
  return worst([issueLevel(status, incident ? 'incident' : 'advisory'), ...active.map((i) => issueLevel(i.status, i.classification))]);
}

/** Sort rank of a level: higher is more severe. */
export const rank = (level: Level): number => LEVELS.indexOf(level);

/** The most severe of `levels` (healthy when empty). */
export function worst(levels: Iterable<Level>): Level {
  let out: Level = 'healthy';
  for (const l of levels) if (rank(l) > rank(out)) out = l;
  return out;
}

/**
 * The widget level (hence colour and icon shape) and the words of each day level of the history
 * (`GET …/history`): the uptime bars use the same mapping as every other status.
 */
export const DAY_LEVEL_INFO = {
  nodata: { level: 'unknown', text: 'no data' },
  operational: { level: 'healthy', text: 'operational' },
  advisory: { level: 'advisory', text: 'advisory' },
  degradation: { level: 'degraded', text: 'degradation' },
  interruption: { level: 'critical', text: 'interruption' },
} as const satisfies Record<DayLevel, { level: Level; text: string }>;

/** Level and words of a history day level; a value we do not know is `unknown`, with its raw value. */
export function dayLevel(raw: string): { level: Level; text: string } {
  return Object.hasOwn(DAY_LEVEL_INFO, raw) ? DAY_LEVEL_INFO[raw as DayLevel] : { level: 'unknown', text: raw || 'unknown' };
}
