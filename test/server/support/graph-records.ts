/**
 * A deliberately tiny mapping from Microsoft's example payloads (../shared/fixtures/graph) to the
 * store's records, so store and API tests run on real-shaped data. The server's own Graph
 * normaliser (server/microsoft/normalize.ts) is what production uses; this only feeds tests.
 */
import { readFileSync } from 'node:fs';
import {
  CLASSIFICATIONS,
  ORIGINS,
  POST_TYPES,
  SERVICE_HEALTH_STATUSES,
  normalizeEnum,
  type IssueRecord,
  type ServiceRecord,
  type SyncSnapshot,
} from '../../../server/domain.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = any;

const GRAPH = new URL('../../../../shared/fixtures/graph/', import.meta.url);

export function readGraphFixture(name: string): Raw {
  return JSON.parse(readFileSync(new URL(name, GRAPH), 'utf8'));
}

const iso = (v: string | null | undefined) => (v ? new Date(v).toISOString() : null);

export function toService(raw: Raw): ServiceRecord {
  return { id: raw.id, name: raw.service, status: normalizeEnum(raw.status, SERVICE_HEALTH_STATUSES) };
}

export function toIssue(raw: Raw): IssueRecord {
  return {
    id: raw.id,
    title: raw.title,
    service: raw.service,
    feature: raw.feature ?? null,
    featureGroup: raw.featureGroup ?? null,
    classification: normalizeEnum(raw.classification, CLASSIFICATIONS),
    status: normalizeEnum(raw.status, SERVICE_HEALTH_STATUSES),
    origin: raw.origin ? normalizeEnum(raw.origin, ORIGINS) : null,
    isResolved: Boolean(raw.isResolved),
    startDateTime: iso(raw.startDateTime),
    endDateTime: iso(raw.endDateTime),
    lastModifiedDateTime: iso(raw.lastModifiedDateTime)!,
    impactDescription: raw.impactDescription ?? null,
    posts: (raw.posts ?? []).map((p: Raw) => ({
      createdDateTime: iso(p.createdDateTime)!,
      postType: normalizeEnum(p.postType, POST_TYPES),
      contentType: String(p.description?.contentType ?? 'text').toLowerCase(),
      content: p.description?.content ?? '',
    })),
  };
}

/** Every issue found in the fixtures, once each (first occurrence wins). */
export function fixtureIssues(): IssueRecord[] {
  const raws: Raw[] = [
    ...readGraphFixture('serviceannouncement-list-healthoverviews-expand-issues.json').value.flatMap((s: Raw) => s.issues),
    ...readGraphFixture('servicehealth-get-expand-issues.json').issues,
    ...readGraphFixture('serviceannouncement-list-issues.json').value,
    readGraphFixture('servicehealthissue-get.json'),
    ...readGraphFixture('cli-microsoft365-serviceannouncement-health-get-issues.json').issues,
    ...readGraphFixture('cli-microsoft365-serviceannouncement-healthissue-list.json'),
  ];
  const byId = new Map<string, IssueRecord>();
  for (const raw of raws) if (!byId.has(raw.id)) byId.set(raw.id, toIssue(raw));
  return [...byId.values()];
}

/** The services of the healthOverviews fixture (Exchange, Identity Service, Microsoft 365 suite). */
export function fixtureServices(): ServiceRecord[] {
  return readGraphFixture('serviceannouncement-list-healthoverviews.json').value.map(toService);
}

export function fixtureOrganization(): NonNullable<SyncSnapshot['organization']> {
  const org = readGraphFixture('organization-get.json');
  const domains: Raw[] = org.verifiedDomains ?? [];
  return { displayName: org.displayName ?? null, defaultDomain: domains.find((d) => d.isDefault)?.name ?? null };
}

/** A full snapshot made of every fixture. */
export function fixtureSnapshot(): SyncSnapshot {
  return { services: fixtureServices(), issues: fixtureIssues(), fullIssueSync: true, organization: fixtureOrganization() };
}

/**
 * `count` unresolved variants of a fixture issue, for paging and filter tests: ids `<prefix>0001…`,
 * every third one shares its neighbour's lastModifiedDateTime so the id tie-break is exercised.
 */
export function variantsOf(template: IssueRecord, prefix: string, count: number, base = Date.parse('2024-03-01T00:00:00Z')): IssueRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const step = i - (i % 3 === 2 ? 1 : 0);
    return {
      ...template,
      id: `${prefix}${String(i + 1).padStart(4, '0')}`,
      title: `${template.title} (${i + 1})`,
      isResolved: false,
      status: 'serviceDegradation',
      lastModifiedDateTime: new Date(base + step * 60_000).toISOString(),
    };
  });
}
