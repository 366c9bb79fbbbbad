/**
 * The server's model of what Microsoft Graph's service communications API reports, after
 * normalisation, plus the enum value sets it knows.
 *
 * Graph's enums are evolvable: documentation examples print them in PascalCase, the service
 * sends camelCase, and new values appear after `unknownFutureValue`. So values are compared
 * case-insensitively, stored in camelCase, and a value we do not know is kept unchanged.
 * https://learn.microsoft.com/graph/best-practices-concept#handling-future-members-in-evolvable-enumerations
 */

/** Graph `serviceHealthStatus` values. */
export const SERVICE_HEALTH_STATUSES = [
  'serviceOperational',
  'investigating',
  'restoringService',
  'verifyingService',
  'serviceRestored',
  'postIncidentReviewPublished',
  'serviceDegradation',
  'serviceInterruption',
  'extendedRecovery',
  'falsePositive',
  'investigationSuspended',
  'resolved',
  'mitigatedExternal',
  'mitigated',
  'resolvedExternal',
  'confirmed',
  'reported',
  'unknownFutureValue',
] as const;
export type ServiceHealthStatus = (typeof SERVICE_HEALTH_STATUSES)[number];

/** Statuses that mean "nothing is wrong" (DESIGN.md, Widgets). */
export const HEALTHY_STATUSES: readonly string[] = [
  'serviceOperational',
  'serviceRestored',
  'falsePositive',
  'postIncidentReviewPublished',
];

/** Graph `serviceHealthClassificationType`. */
export const CLASSIFICATIONS = ['advisory', 'incident', 'unknownFutureValue'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Graph `serviceHealthOrigin`. */
export const ORIGINS = ['microsoft', 'thirdParty', 'customer', 'unknownFutureValue'] as const;

/** Graph `postType`. */
export const POST_TYPES = ['regular', 'quick', 'strategic', 'unknownFutureValue'] as const;

/** Graph `bodyType`. */
export const BODY_TYPES = ['text', 'html'] as const;

/** Graph `serviceUpdateCategory` (Message center). */
export const MESSAGE_CATEGORIES = ['preventOrFixIssue', 'planForChange', 'stayInformed', 'unknownFutureValue'] as const;

/** Graph `serviceUpdateSeverity` (Message center). */
export const MESSAGE_SEVERITIES = ['normal', 'high', 'critical', 'unknownFutureValue'] as const;

/**
 * Returns the known camelCase spelling of `value` when it matches one of `known`
 * case-insensitively; otherwise `value` unchanged (never dropped, never an error).
 */
export function normalizeEnum(value: string, known: readonly string[]): string {
  const lower = value.toLowerCase();
  return known.find((k) => k.toLowerCase() === lower) ?? value;
}

/** One service's current health, as stored and served. */
export interface ServiceRecord {
  /** Graph's service id, e.g. `Exchange`. */
  id: string;
  /** Graph's service name, e.g. `Exchange Online`. */
  name: string;
  /** camelCase status (unknown values unchanged). */
  status: string;
}

/** One post of an issue, as received (the HTML is not trusted; the store sanitises it). */
export interface PostRecord {
  createdDateTime: string;
  postType: string;
  contentType: string;
  content: string;
}

/** One service health issue, normalised. Dates are ISO-8601 from `Date#toISOString()`. */
export interface IssueRecord {
  id: string;
  title: string;
  service: string;
  feature: string | null;
  featureGroup: string | null;
  classification: string;
  status: string;
  origin: string | null;
  isResolved: boolean;
  startDateTime: string | null;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  impactDescription: string | null;
  posts: PostRecord[];
}

/** A `name`/`value` pair of a Message center post's `details`, as Graph sent it (unknown names kept). */
export interface MessageDetailRecord {
  name: string;
  value: string;
}

/**
 * One Message center post (Graph `serviceUpdateMessage`), normalised. `category` and `severity`
 * are camelCase (unknown values unchanged); dates are ISO-8601 from `Date#toISOString()`; the
 * body is as received (the store sanitises it).
 */
export interface MessageRecord {
  /** `MC…` */
  id: string;
  title: string;
  category: string;
  severity: string;
  isMajorChange: boolean;
  /** Service names, e.g. `Microsoft Teams`. */
  services: string[];
  tags: string[];
  startDateTime: string | null;
  endDateTime: string | null;
  lastModifiedDateTime: string;
  actionRequiredByDateTime: string | null;
  details: MessageDetailRecord[];
  body: { contentType: string; content: string };
}

/** What one sync of a tenant learned from Graph; written by the store in one transaction. */
export interface SyncSnapshot {
  /** Every service of the tenant (healthOverviews is always read in full). */
  services: ServiceRecord[];
  /** Issues read in this sync: all of them when `fullIssueSync`, else those changed since the watermark. */
  issues: IssueRecord[];
  /** True when `issues` is the complete set, so stored issues missing from it may be removed. */
  fullIssueSync: boolean;
  /** Tenant details from `/v1.0/organization`, when read. */
  organization?: { displayName: string | null; defaultDomain: string | null };
  /**
   * Message center posts, when this sync read them (they are read less often than health):
   * every post Microsoft lists when `full`, else those changed since the messages watermark.
   */
  messages?: { items: MessageRecord[]; full: boolean };
}
