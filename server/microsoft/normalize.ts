/**
 * Reads Graph service communications payloads into the server's model ({@link IssueRecord},
 * {@link ServiceRecord}). Tolerant by design: enums compared case-insensitively and stored in
 * camelCase, unknown enum values kept, unknown properties ignored, missing optional fields null.
 * Shapes: https://learn.microsoft.com/graph/api/resources/servicehealthissue
 */
import {
  BODY_TYPES,
  CLASSIFICATIONS,
  ORIGINS,
  POST_TYPES,
  SERVICE_HEALTH_STATUSES,
  normalizeEnum,
  type IssueRecord,
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
