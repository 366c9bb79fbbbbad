/**
 * Reads Graph service communications payloads into the server's model ({@link IssueRecord},
 * {@link ServiceRecord}, {@link MessageRecord}). Tolerant by design: enums compared case-insensitively and stored in
 * camelCase, unknown enum values kept, unknown properties ignored, missing optional fields null.
 * Shapes: https://learn.microsoft.com/graph/api/resources/servicehealthissue and
 * https://learn.microsoft.com/graph/api/resources/serviceupdatemessage
 */
import {
  BODY_TYPES,
  CLASSIFICATIONS,
  MESSAGE_CATEGORIES,
  MESSAGE_SEVERITIES,
  ORIGINS,
  POST_TYPES,
  SERVICE_HEALTH_STATUSES,
  normalizeEnum,
  type IssueRecord,
  type MessageDetailRecord,
  type MessageRecord,
  type PostRecord,
  type ServiceRecord,
} from '../domain.js';

/** Raised when a payload lacks what we cannot do without (an id, a status). */
export class GraphPayloadError extends Error {
  override name = 'GraphPayloadError';
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Json, key: string): string | null {
  const v = o[key];
  return typeof v === 'string' ? v : null;
}

function required(o: Json, key: string, what: string): string {
  const v = str(o, key);
  if (v === null || v === '') throw new GraphPayloadError(`${what} has no ${key}`);
  return v;
}

/** ISO date normalised with toISOString (fixed width, so text order is time order); null when absent or unparseable. */
export function isoDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function readPost(p: unknown): PostRecord | null {
  if (!isObject(p)) return null;
  const description = isObject(p.description) ? p.description : {};
  const created = isoDate(p.createdDateTime);
  if (!created) return null;
  return {
    createdDateTime: created,
    postType: normalizeEnum(str(p, 'postType') ?? 'regular', POST_TYPES),
    contentType: normalizeEnum(str(description, 'contentType') ?? 'text', BODY_TYPES),
    content: str(description, 'content') ?? '',
  };
}

/** Reads one Graph `serviceHealthIssue`. */
export function readIssue(raw: unknown): IssueRecord {
  if (!isObject(raw)) throw new GraphPayloadError('issue is not an object');
  const id = required(raw, 'id', 'issue');
  const lastModified = isoDate(raw.lastModifiedDateTime) ?? isoDate(raw.startDateTime);
  if (!lastModified) throw new GraphPayloadError(`issue ${id} has no lastModifiedDateTime`);
  const posts = Array.isArray(raw.posts) ? raw.posts.map(readPost).filter((p): p is PostRecord => p !== null) : [];
  return {
    id,
    title: str(raw, 'title') ?? id,
    service: str(raw, 'service') ?? '',
    feature: str(raw, 'feature'),
    featureGroup: str(raw, 'featureGroup'),
    classification: normalizeEnum(str(raw, 'classification') ?? 'unknownFutureValue', CLASSIFICATIONS),
    status: normalizeEnum(required(raw, 'status', `issue ${id}`), SERVICE_HEALTH_STATUSES),
    origin: str(raw, 'origin') === null ? null : normalizeEnum(str(raw, 'origin')!, ORIGINS),
    isResolved: raw.isResolved === true,
    startDateTime: isoDate(raw.startDateTime),
    endDateTime: isoDate(raw.endDateTime),
    lastModifiedDateTime: lastModified,
    impactDescription: str(raw, 'impactDescription'),
    posts,
  };
}

/** The strings of an array property (anything else in it is ignored); `[]` when absent. */
function strings(o: Json, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * A `details` entry as Graph sent it: any name (Summary, RoadmapIds, Platforms, ExternalLink, and
 * names this server has never seen) with its value as text; entries without a name are skipped.
 */
function readDetail(d: unknown): MessageDetailRecord | null {
  if (!isObject(d) || typeof d.name !== 'string' || d.name === '') return null;
  const value = d.value;
  return { name: d.name, value: typeof value === 'string' ? value : value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value) };
}

/** Reads one Graph `serviceUpdateMessage` (a Message center post). */
export function readMessage(raw: unknown): MessageRecord {
  if (!isObject(raw)) throw new GraphPayloadError('message is not an object');
  const id = required(raw, 'id', 'message');
  const lastModified = isoDate(raw.lastModifiedDateTime) ?? isoDate(raw.startDateTime);
  if (!lastModified) throw new GraphPayloadError(`message ${id} has no lastModifiedDateTime`);
  const body = isObject(raw.body) ? raw.body : {};
  return {
    id,
    title: str(raw, 'title') ?? id,
    category: normalizeEnum(str(raw, 'category') || 'unknownFutureValue', MESSAGE_CATEGORIES),
    severity: normalizeEnum(str(raw, 'severity') || 'normal', MESSAGE_SEVERITIES),
    isMajorChange: raw.isMajorChange === true,
    services: strings(raw, 'services'),
    tags: strings(raw, 'tags'),
    startDateTime: isoDate(raw.startDateTime),
    endDateTime: isoDate(raw.endDateTime),
    lastModifiedDateTime: lastModified,
    actionRequiredByDateTime: isoDate(raw.actionRequiredByDateTime),
    details: Array.isArray(raw.details) ? raw.details.map(readDetail).filter((d): d is MessageDetailRecord => d !== null) : [],
    body: { contentType: normalizeEnum(str(body, 'contentType') ?? 'text', BODY_TYPES), content: str(body, 'content') ?? '' },
  };
}

/** Reads one Graph `serviceHealth` (a healthOverviews entry), with its expanded issues if any. */
export function readServiceHealth(raw: unknown): { service: ServiceRecord; issues: IssueRecord[] } {
  if (!isObject(raw)) throw new GraphPayloadError('service health is not an object');
  const name = required(raw, 'service', 'service health');
  const service: ServiceRecord = {
    id: str(raw, 'id') || name,
    name,
    status: normalizeEnum(required(raw, 'status', `service ${name}`), SERVICE_HEALTH_STATUSES),
  };
  const issues = Array.isArray(raw.issues) ? raw.issues.map(readIssue) : [];
  return { service, issues };
}

/** Reads a Graph `organization` entity (or the first of a collection). */
export function readOrganization(raw: unknown): { displayName: string | null; defaultDomain: string | null } | null {
  const org = isObject(raw) && Array.isArray(raw.value) ? raw.value[0] : raw;
  if (!isObject(org)) return null;
  const domains = Array.isArray(org.verifiedDomains) ? org.verifiedDomains.filter(isObject) : [];
  const def = domains.find((d) => d.isDefault === true) ?? domains[0];
  return {
    displayName: str(org, 'displayName'),
    defaultDomain: def ? str(def, 'name')?.toLowerCase() ?? null : null,
  };
}

/** The `value` array of a Graph collection page (a bare array is accepted too). */
export function collectionValue(page: unknown): unknown[] {
  if (Array.isArray(page)) return page;
  if (isObject(page) && Array.isArray(page.value)) return page.value;
  throw new GraphPayloadError('collection response has no value array');
}
