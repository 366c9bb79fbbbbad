/**
 * `GET /metrics` (DESIGN.md, "History"): off unless METRICS_TOKEN is set, then bearer-protected;
 * the exposition parsed with parse-prometheus-text-format (a port of the Prometheus Python
 * client's parser). Gauges against hand-made stored data through `createApp`; counters and the
 * sync histogram against the real poller talking to the simulator, checked with the simulator's
 * own request log.
 */
import parsePrometheusTextFormat, { type HistogramSample, type MetricFamily, type Sample } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Core } from '../../server/core/index.js';
import type { IssueRecord } from '../../server/domain.js';
import { sameToken } from '../../server/routes/metrics.js';
import { startStack, tempStore, waitFor, type TempStore } from '../support/stack.js';
import { testCore } from './support/core.js';
import { addAuthorizationRow } from './support/db.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const T1 = '7c7c7c7c-0000-4000-8000-000000000001';
const T2 = '7c7c7c7c-0000-4000-8000-000000000002';
const SYNCED = new Date('2024-05-01T10:00:00Z');

let store: TempStore;
let core: Core;
let app: ReturnType<typeof createApp>;

function issue(p: Pick<IssueRecord, 'id' | 'service' | 'classification' | 'status' | 'isResolved'> & Partial<IssueRecord>): IssueRecord {
  return { title: `Secret title of ${p.id}`, feature: null, featureGroup: null, origin: 'microsoft', startDateTime: '2024-05-01T08:00:00Z', endDateTime: null, lastModifiedDateTime: '2024-05-01T09:00:00.000Z', impactDescription: 'free text', posts: [], ...p };
}

const scrape = (a: ReturnType<typeof createApp>, token: string | null = TOKEN) =>
  a.request('/metrics', { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

const family = (families: MetricFamily[], name: string) => families.find((f) => f.name === name);
const samples = (families: MetricFamily[], name: string) =>
  ((family(families, name)?.metrics ?? []) as Sample[]).map((m) => ({ labels: m.labels ?? {}, value: Number(m.value) }));

beforeAll(async () => {
  store = await tempStore();
  const org = await store.store.findOrCreateOrg('acme');
  await addAuthorizationRow(store, { orgId: org.id, label: 'one', tenantId: T1, status: 'active' });
  await store.store.applySync(
    T1,
    {
      services: [
        { id: 'Exchange', name: 'Exchange Online', status: 'serviceDegradation' },
        { id: 'microsoftteams', name: 'Microsoft Teams', status: 'serviceOperational' },
        { id: 'SharePoint', name: 'SharePoint Online', status: 'serviceInterruption' },
        { id: 'OneDriveForBusiness', name: 'OneDrive for Business', status: 'serviceRestored' },
      ],
      fullIssueSync: true,
      issues: [
        issue({ id: 'EX100001', service: 'Exchange Online', classification: 'incident', status: 'serviceDegradation', isResolved: false }),
        issue({ id: 'TM100002', service: 'Microsoft Teams', classification: 'advisory', status: 'investigating', isResolved: false }),
        issue({ id: 'TM100003', service: 'Microsoft Teams', classification: 'incident', status: 'serviceRestored', isResolved: true, endDateTime: '2024-05-01T09:00:00Z' }),
        issue({ id: 'SP100004', service: 'SharePoint Online', classification: 'unknownFutureValue', status: 'investigating', isResolved: false }),
      ],
    },
    SYNCED,
  );
  // A second tenant, known but never synced: no last-sync sample, zero active issues.
  await store.insert('tenants', [{ tenantId: T2, nextPollAt: SYNCED }]);
  const config = loadConfig({ ...store.env, METRICS_TOKEN: TOKEN });
  core = testCore(store.store, config);
  app = createApp({ config, core, log: () => {} });
});
afterAll(() => store.dispose());

describe('GET /metrics', () => {
  it('is a 404 unless METRICS_TOKEN is set', async () => {
    const config = loadConfig(store.env);
    const off = createApp({ config, core: testCore(store.store, config), log: () => {} });
    const res = await scrape(off);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN:/);
  });

  it('needs the bearer token, compared in constant time', async () => {
    for (const token of [null, 'wrong-token-0123456789abcdef', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await scrape(app, token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
    expect(sameToken(TOKEN, TOKEN)).toBe(true);
    expect(sameToken('a', TOKEN)).toBe(false);
    // An API key is not the metrics token.
    expect((await app.request('/metrics', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status).toBe(401);
  });

  it('reports each service level, active issues by classification and the last sync, from the stored data', async () => {
    const res = await scrape(app);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const families = parsePrometheusTextFormat(text);
    expect(family(families, 'o365_service_status')?.type).toBe('GAUGE');
    expect(samples(families, 'o365_service_status').sort((a, b) => a.labels.service!.localeCompare(b.labels.service!))).toEqual([
      { labels: { tenant_id: T1, service: 'Exchange Online' }, value: 2 },
      // Operational status, but an active advisory: never better than its worst active issue.
      { labels: { tenant_id: T1, service: 'Microsoft Teams' }, value: 1 },
      // Restored: operational.
      { labels: { tenant_id: T1, service: 'OneDrive for Business' }, value: 0 },
      { labels: { tenant_id: T1, service: 'SharePoint Online' }, value: 3 },
    ]);
    expect(samples(families, 'o365_active_issues')).toEqual(
      expect.arrayContaining([
        { labels: { tenant_id: T1, classification: 'incident' }, value: 1 },
        { labels: { tenant_id: T1, classification: 'advisory' }, value: 1 },
        { labels: { tenant_id: T1, classification: 'other' }, value: 1 },
        { labels: { tenant_id: T2, classification: 'incident' }, value: 0 },
        { labels: { tenant_id: T2, classification: 'advisory' }, value: 0 },
      ]),
    );
    expect(samples(families, 'o365_active_issues')).toHaveLength(5);
    expect(samples(families, 'o365_tenant_last_sync_timestamp_seconds')).toEqual([{ labels: { tenant_id: T1 }, value: SYNCED.getTime() / 1000 }]);
    // Registered before anything counts.
    for (const name of ['o365_graph_requests_total', 'o365_notifications_total']) expect(family(families, name)?.type).toBe('COUNTER');
    expect(family(families, 'o365_sync_duration_seconds')?.type).toBe('HISTOGRAM');
    // Low cardinality: no issue id, title or other free text in any label.
    expect(text).not.toMatch(/EX100001|TM100002|Secret title|free text/);
  });

  it('keeps a registry per app: counters of one server never show in another', async () => {
    const config = loadConfig({ ...store.env, METRICS_TOKEN: TOKEN });
    const otherCore = testCore(store.store, config);
    const other = createApp({ config, core: otherCore, log: () => {} });
    otherCore.metrics.graphResponse(200);
    otherCore.metrics.notification('webhook', 'delivered');
    const mine = parsePrometheusTextFormat(await (await scrape(app)).text());
    const theirs = parsePrometheusTextFormat(await (await scrape(other)).text());
    expect(samples(mine, 'o365_graph_requests_total')).toEqual([]);
    expect(samples(theirs, 'o365_graph_requests_total')).toEqual([{ labels: { status: '200' }, value: 1 }]);
    expect(samples(theirs, 'o365_notifications_total')).toEqual([{ labels: { kind: 'webhook', status: 'delivered' }, value: 1 }]);
  });
});

describe('GET /metrics on the running server', () => {
  it('counts every Graph request by status as the simulator saw them, and times each sync', async () => {
    const stack = await startStack({ manualClock: true, env: { METRICS_TOKEN: TOKEN } });
    try {
      const key = stack.key('org');
      const tid = stack.simulator.tenants[0]!.tenantId;
      await stack.authorize(key, 0);
      await waitFor(async () => ((await (await stack.api(key, '/api/tenants')).json()) as { tenants: Array<{ lastSyncAt: string | null }> }).tenants[0]?.lastSyncAt, 'first sync');
      // One 503 that the Graph client retries, then a quiet cycle.
      await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', status: 503, count: 1 });
      stack.advance(6 * 60_000);
      expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok' });

      const res = await fetch(`${stack.server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      const families = parsePrometheusTextFormat(await res.text());
      const byStatus: Record<string, number> = {};
      for (const r of await stack.graphRequests(tid)) byStatus[String(r.status)] = (byStatus[String(r.status)] ?? 0) + 1;
      expect(byStatus['503']).toBe(1);
      expect(Object.fromEntries(samples(families, 'o365_graph_requests_total').map((s) => [s.labels.status, s.value]))).toEqual(byStatus);

      const [sync] = family(families, 'o365_sync_duration_seconds')!.metrics as HistogramSample[];
      expect(Number(sync!.count)).toBe(2); // the first sync after consent, and the cycle's
      expect(Number(sync!.buckets['+Inf'])).toBe(2);
      expect(Number(sync!.sum)).toBeGreaterThan(0);

      const tenant = ((await (await stack.api(key, '/api/tenants')).json()) as { tenants: Array<{ lastSyncAt: string }> }).tenants[0]!;
      expect(samples(families, 'o365_tenant_last_sync_timestamp_seconds')).toEqual([{ labels: { tenant_id: tid }, value: Date.parse(tenant.lastSyncAt) / 1000 }]);
      expect(samples(families, 'o365_service_status').length).toBeGreaterThan(5);
    } finally {
      await stack.close();
    }
  });
});
