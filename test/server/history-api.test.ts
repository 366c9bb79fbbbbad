/**
 * `GET /api/tenants/:tenant/history` through `createApp` (`app.request()`), on a real SQLite file
 * (or, with `TEST_STORE=postgres`, a fresh PostgreSQL database: `tempStore`) written by the production `applySync` with hand-made issues and an injected clock; every
 * expected day and availability is worked out by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { HistoryResponse } from '../../server/core/history.js';
import type { IssueRecord, ServiceRecord } from '../../server/domain.js';
import { tempStore, type TempStore } from '../support/stack.js';
import { testCore } from './support/core.js';
import { addAuthorizationRow } from './support/db.js';

const T = '5a5a5a5a-0000-4000-8000-000000000001';
const NEVER = '5a5a5a5a-0000-4000-8000-000000000002';
const FIRST_SYNC = new Date('2024-03-10T06:00:00Z');
const SECOND_SYNC = new Date('2024-03-10T09:00:00Z');
const NOW = new Date('2024-03-10T12:00:00Z');

let store: TempStore;
let app: ReturnType<typeof createApp>;
const keys = { viewer: '', other: '' };

const services: ServiceRecord[] = [
  { id: 'Exchange', name: 'Exchange Online', status: 'serviceOperational' },
  { id: 'microsoftteams', name: 'Microsoft Teams', status: 'serviceInterruption' },
  { id: 'SharePoint', name: 'SharePoint Online', status: 'serviceOperational' },
];

function issue(p: Partial<IssueRecord> & Pick<IssueRecord, 'id' | 'service' | 'classification' | 'status' | 'startDateTime'>): IssueRecord {
  return {
    title: `Issue ${p.id}`,
    feature: null,
    featureGroup: null,
    origin: 'microsoft',
    isResolved: true,
    endDateTime: null,
    lastModifiedDateTime: p.endDateTime ?? p.startDateTime!,
    impactDescription: null,
    posts: [],
    ...p,
  } as IssueRecord;
}

beforeAll(async () => {
  store = await tempStore();
  const org = await store.store.findOrCreateOrg('acme');
  await addAuthorizationRow(store, { orgId: org.id, label: 'contoso.com', tenantId: T, status: 'active' });
  await addAuthorizationRow(store, { orgId: org.id, label: 'never.example', tenantId: NEVER, status: 'active' });
  keys.viewer = (await store.store.createApiKey({ orgName: 'acme', role: 'viewer' })).key;
  keys.other = (await store.store.createApiKey({ orgName: 'globex', role: 'viewer' })).key;
  // First sync: Microsoft's backlog. Known data therefore starts 30 days earlier, 9 Feb 06:00Z.
  await store.store.applySync(
    T,
    {
      services,
      fullIssueSync: true,
      issues: [
        // 8 March 22:00 → 9 March 02:00 UTC (240 minutes), spanning UTC midnight.
        issue({ id: 'EX1', service: 'Exchange Online', classification: 'incident', status: 'serviceRestored', startDateTime: '2024-03-08T22:00:00Z', endDateTime: '2024-03-09T02:00:00Z' }),
        issue({ id: 'EX2', service: 'Exchange Online', classification: 'advisory', status: 'serviceRestored', startDateTime: '2024-03-09T10:00:00Z', endDateTime: '2024-03-09T11:00:00Z' }),
        // Not an outage at all.
        issue({ id: 'EX3', service: 'Exchange Online', classification: 'incident', status: 'falsePositive', startDateTime: '2024-03-09T12:00:00Z', endDateTime: '2024-03-09T13:00:00Z' }),
        // Long before the known data.
        issue({ id: 'EX4', service: 'Exchange Online', classification: 'incident', status: 'serviceRestored', startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2024-01-02T00:00:00Z' }),
        // Open since 10 March 00:00Z, an interruption when first seen.
        issue({ id: 'TM1', service: 'Microsoft Teams', classification: 'incident', status: 'serviceInterruption', isResolved: false, startDateTime: '2024-03-10T00:00:00Z', lastModifiedDateTime: '2024-03-10T05:00:00.000Z' }),
      ],
    },
    FIRST_SYNC,
  );
  // Later, Microsoft says it is restoring the service: still open, still an interruption for history.
  await store.store.applySync(
    T,
    {
      services,
      fullIssueSync: false,
      issues: [issue({ id: 'TM1', service: 'Microsoft Teams', classification: 'incident', status: 'restoringService', isResolved: false, startDateTime: '2024-03-10T00:00:00Z', lastModifiedDateTime: '2024-03-10T08:30:00.000Z' })],
    },
    SECOND_SYNC,
  );
  const config = loadConfig(store.env);
  app = createApp({ config, core: testCore(store.store, config, () => NOW), log: () => {} });
});
afterAll(() => store.dispose());

const get = (path: string, key: string | null = keys.viewer) => app.request(path, { headers: key ? { authorization: `Bearer ${key}` } : {} });
const history = async (query: string, tenant = T) => {
  const res = await get(`/api/tenants/${tenant}/history${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryResponse;
};
const op = (date: string) => ({ date, level: 'operational', issueIds: [] });

describe('GET /api/tenants/:tenant/history', () => {
  it('answers the UTC days with levels, issue ids and availability', async () => {
    expect(await history('?days=3&timeZone=UTC')).toEqual({
      tenantId: T,
      from: '2024-03-08T00:00:00.000Z',
      to: '2024-03-10T12:00:00.000Z',
      timeZone: 'UTC',
      dataFrom: '2024-02-09T06:00:00.000Z',
      services: [
        {
          // Window 60 h = 3600 min; EX1 240 min under an incident: 1 − 240/3600 = 0.9333… → 0.933333.
          id: 'Exchange',
          name: 'Exchange Online',
          availability: 0.933333,
          days: [
            { date: '2024-03-08', level: 'degradation', issueIds: ['EX1'] },
            { date: '2024-03-09', level: 'degradation', issueIds: ['EX1', 'EX2'] },
            op('2024-03-10'),
          ],
        },
        {
          // TM1 00:00 → now (12:00) = 720 min: 1 − 720/3600 = 0.8.
          id: 'microsoftteams',
          name: 'Microsoft Teams',
          availability: 0.8,
          days: [op('2024-03-08'), op('2024-03-09'), { date: '2024-03-10', level: 'interruption', issueIds: ['TM1'] }],
        },
        { id: 'SharePoint', name: 'SharePoint Online', availability: 1, days: [op('2024-03-08'), op('2024-03-09'), op('2024-03-10')] },
      ],
    });
  });

  it('buckets by local calendar days in the requested zone (America/New_York, across the DST change of 10 March)', async () => {
    const body = await history('?days=3&timeZone=america/new_york');
    // Local days start at 05:00Z (EST); 10 March has 23 hours. EX1 is 17:00–21:00 on 8 March, EX2
    // 05:00 on 9 March, TM1 from 19:00 on 9 March to now (08:00 EDT on 10 March).
    expect(body).toMatchObject({ from: '2024-03-08T05:00:00.000Z', to: '2024-03-10T12:00:00.000Z', timeZone: 'America/New_York' });
    expect(body.services.map((s) => [s.id, s.availability, s.days])).toEqual([
      // Window 8 March 05:00Z → 10 March 12:00Z = 55 h = 3300 min. 1 − 240/3300 = 0.92727… → 0.927272.
      ['Exchange', 0.927272, [{ date: '2024-03-08', level: 'degradation', issueIds: ['EX1'] }, { date: '2024-03-09', level: 'advisory', issueIds: ['EX2'] }, op('2024-03-10')]],
      // 1 − 720/3300 = 0.78181… → 0.781818.
      ['microsoftteams', 0.781818, [op('2024-03-08'), { date: '2024-03-09', level: 'interruption', issueIds: ['TM1'] }, { date: '2024-03-10', level: 'interruption', issueIds: ['TM1'] }]],
      ['SharePoint', 1, [op('2024-03-08'), op('2024-03-09'), op('2024-03-10')]],
    ]);
  });

  it('marks the days before the known data nodata (90 days by default, UTC)', async () => {
    const body = await history('');
    expect(body.timeZone).toBe('UTC');
    expect(body.from).toBe('2023-12-12T00:00:00.000Z');
    const exchange = body.services[0]!;
    expect(exchange.days).toHaveLength(90);
    expect(exchange.days[0]!.date).toBe('2023-12-12');
    expect(exchange.days.at(-1)!.date).toBe('2024-03-10');
    // 12 December → 8 February (59 days) have no data, though EX4 (1 January) is stored.
    const firstKnown = exchange.days.findIndex((d) => d.level !== 'nodata');
    expect(firstKnown).toBe(59);
    expect(exchange.days[59]).toEqual(op('2024-02-09'));
    expect(exchange.days.slice(0, 59).every((d) => d.level === 'nodata' && d.issueIds.length === 0)).toBe(true);
    // Known: 9 February 06:00 → 10 March 12:00 = 30 d 6 h = 43560 min. 1 − 240/43560 = 0.994490…
    expect(exchange.availability).toBe(0.99449);
  });

  it('has no services before the first sync', async () => {
    // The tenant row exists once a sync wrote it; this one never synced, so it has no services.
    expect((await history('?days=2', NEVER)).services).toEqual([]);
  });

  it('refuses bad days and time zones naming the parameter, and hides tenants of other orgs', async () => {
    for (const query of ['?days=0', '?days=401', '?days=1.5', '?days=many']) {
      const res = await get(`/api/tenants/${T}/history${query}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toEqual({ code: 'validation_failed', message: expect.stringContaining('"days"') });
    }
    for (const zone of ['Mars/Olympus', '%2B01:00', 'Local']) {
      const res = await get(`/api/tenants/${T}/history?timeZone=${zone}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/"timeZone".*IANA time zone/);
    }
    expect((await get(`/api/tenants/${T}/history?days=400`)).status).toBe(200);
    expect((await get(`/api/tenants/contoso.com/history?days=1`)).status).toBe(200);
    expect((await get(`/api/tenants/${T}/history`, keys.other)).status).toBe(404);
    expect((await get(`/api/tenants/${T}/history`, null)).status).toBe(401);
  });
});
