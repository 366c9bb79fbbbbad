/**
 * Microsoft's example payloads (test/fixtures/graph) read by the server's own Graph reader
 * (server/microsoft/normalize.ts), so store and API tests run on what production would store.
 */
import type { IssueRecord, ServiceRecord, SyncSnapshot } from '../../../server/domain.js';
import { collectionValue, readIssue, readOrganization, readServiceHealth } from '../../../server/microsoft/normalize.js';
import { graphFixture } from '../../support/fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = any;

export const readGraphFixture = (name: string): Raw => graphFixture(name);
export const toService = (raw: Raw): ServiceRecord => readServiceHealth(raw).service;
export const toIssue = (raw: Raw): IssueRecord => readIssue(raw);

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
  return collectionValue(readGraphFixture('serviceannouncement-list-healthoverviews.json')).map(toService);
}

export function fixtureOrganization(): NonNullable<SyncSnapshot['organization']> {
  return readOrganization(readGraphFixture('organization-get.json'))!;
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
