/**
 * `GET /api/overview` against the simulator: tenants authorized through the real consent flow,
 * synced by the real poller, a shared incident injected into two tenants with one id (as
 * Microsoft does), and the answer checked against each tenant's own issues and health API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleOverview, summarizeTenant } from '../../server/core/overview.js';
import type { OverviewTenantRows } from '../../server/store/overview.js';
import type { HealthResponse, IssuesResponse, OverviewResponse } from '../../widgets/api/types.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
const keys = { a: '', b: '', viewer: '' };
const MIN = 60_000;
const SHARED = 'EX990001';

const tenant = (i: number) => stack.simulator.tenants[i]!.tenantId;
const json = async <T>(key: string, path: string) => {
  const res = await stack.api(key, path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};
const overview = (key: string) => json<OverviewResponse>(key, '/api/overview');

async function authorizeAndSync(key: string, i: number) {
  await stack.authorize(key, i);
  await waitFor(async () => (await overview(key)).tenants.find((t) => t.tenantId === tenant(i))?.syncedAt, `first sync of tenant ${i}`);
}

beforeAll(async () => {
  stack = await startStack();
  keys.a = stack.key('provider-a');
  keys.viewer = stack.key('provider-a', 'viewer');
  keys.b = stack.key('provider-b');
  for (const i of [0, 1, 2]) await authorizeAndSync(keys.a, i);
  await authorizeAndSync(keys.b, 1);
  // One incident reaching two of org A's tenants (and org B's only one), under one id.
  for (const i of [0, 1]) {
    const res = await stack.control('POST', `/_simulator/tenants/${tenant(i)}/issues`, {
      id: SHARED,
      service: 'Exchange Online',
      classification: 'incident',
      status: 'serviceInterruption',
      title: 'Users cannot send or receive email',
      post: { html: '<p>We are investigating.</p>' },
    });
    expect(res.status).toBe(201);
  }
  stack.advance(6 * MIN);
  const outcomes = await stack.server.poller.runCycle();
  expect(outcomes.filter((o) => o.status === 'ok')).toHaveLength(3);
}, 120_000);
afterAll(() => stack?.close());

describe('GET /api/overview', () => {
  it("counts each tenant's active incidents and advisories as its issues API lists them", async () => {
    const body = await overview(keys.viewer);
    expect(body.tenants.map((t) => t.tenantId).sort()).toEqual([tenant(0), tenant(1), tenant(2)].sort());
    for (const t of body.tenants) {
      const active = (await json<IssuesResponse>(keys.a, `/api/tenants/${t.tenantId}/issues?state=active&limit=100`)).issues;
      expect(active.length).toBeLessThan(100);
      expect(t.activeIncidents, t.label).toBe(active.filter((i) => i.classification === 'incident').length);
      expect(t.activeAdvisories, t.label).toBe(active.filter((i) => i.classification === 'advisory').length);
      const health = await json<HealthResponse>(keys.a, `/api/tenants/${t.tenantId}/health`);
      const affected = health.services.filter((s) => s.activeIssueCount > 0 || s.status !== 'serviceOperational').length;
      expect(t.affectedServices, t.label).toBe(affected);
      expect(t).toMatchObject({ authorizationStatus: 'active', stale: false, syncedAt: health.syncedAt, label: expect.any(String) });
    }
  });

  it('puts the tenants with the interruption first and lists the shared incident with both of them', async () => {
    const body = await overview(keys.a);
    expect(body.tenants.slice(0, 2).map((t) => t.level)).toEqual(['interruption', 'interruption']);
    expect(body.tenants.slice(0, 2).map((t) => t.tenantId).sort()).toEqual([tenant(0), tenant(1)].sort());
    const shared = body.issues.find((i) => i.id === SHARED)!;
    expect(shared).toMatchObject({ title: 'Users cannot send or receive email', service: 'Exchange Online', classification: 'incident', status: 'serviceInterruption' });
    expect(shared.tenantIds.sort()).toEqual([tenant(0), tenant(1)].sort());
    // Issues reaching the most tenants come first; every active issue of every tenant is there once.
    expect(body.issues[0]!.tenantIds.length).toBeGreaterThanOrEqual(2);
    const ids = body.issues.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const i of [0, 1, 2]) {
      const active = (await json<IssuesResponse>(keys.a, `/api/tenants/${tenant(i)}/issues?state=active&limit=100`)).issues;
      for (const issue of active) expect(body.issues.find((x) => x.id === issue.id)?.tenantIds).toContain(tenant(i));
    }
  });

  it("shows another org only its own tenants, and the shared incident with only its tenant", async () => {
    const body = await overview(keys.b);
    expect(body.tenants.map((t) => t.tenantId)).toEqual([tenant(1)]);
    expect(body.issues.find((i) => i.id === SHARED)!.tenantIds).toEqual([tenant(1)]);
    expect(body.issues.every((i) => i.tenantIds.every((id) => id === tenant(1)))).toBe(true);
    const none = stack.key('provider-c', 'viewer');
    expect(await overview(none)).toEqual({ tenants: [], issues: [] });
  });

  it('follows a resolution at the next sync, answers 304 to its ETag until then, and needs a key', async () => {
    const first = await stack.api(keys.a, '/api/overview');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect((await stack.api(keys.a, '/api/overview', { headers: { 'if-none-match': etag } })).status).toBe(304);
    for (const i of [0, 1]) {
      const res = await stack.control('PATCH', `/_simulator/tenants/${tenant(i)}/issues/${SHARED}`, { status: 'serviceRestored', isResolved: true });
      expect(res.status).toBe(200);
    }
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const after = await stack.api(keys.a, '/api/overview', { headers: { 'if-none-match': etag } });
    expect(after.status).toBe(200);
    const body = (await after.json()) as OverviewResponse;
    expect(body.issues.find((i) => i.id === SHARED)).toBeUndefined();
    expect((await stack.api(null, '/api/overview')).status).toBe(401);
  });

  it('marks a tenant whose consent was revoked as needing re-authorization', async () => {
    expect((await stack.control('POST', `/_simulator/tenants/${tenant(2)}/revoke-consent`, {})).status).toBe(200);
    expect((await stack.control('POST', `/_simulator/tenants/${tenant(2)}/faults`, { kind: 'expire-tokens' })).status).toBe(201);
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const t = (await overview(keys.a)).tenants.find((x) => x.tenantId === tenant(2))!;
    expect(t.authorizationStatus).toBe('reauth_required');
  });
});

describe('summarizeTenant and assembleOverview', () => {
  const at = new Date('2026-01-01T00:00:00Z');
  const issue = (id: string, classification: string, status: string, service = 'Exchange Online') => ({
    id,
    title: id,
    service,
    classification,
    status,
    lastModifiedDateTime: '2026-01-01T00:00:00.000Z',
  });
  const summary = (p: Partial<OverviewTenantRows>) => summarizeTenant({ displayName: null, lastSyncAt: at, services: [], issues: [], ...p });
  const result = assembleOverview(
    [
      { tenantId: 't-quiet', label: 'b-quiet', status: 'active', summary: summary({}) },
      { tenantId: 't-never', label: 'a-never', status: 'pending', summary: summary({ lastSyncAt: null }) },
      { tenantId: 't-adv', label: 'c-advisory', status: 'active', summary: summary({ displayName: 'C', issues: [issue('EX1', 'advisory', 'serviceDegradation')] }) },
      {
        tenantId: 't-deg',
        label: 'd-degraded',
        status: 'active',
        summary: summary({
          displayName: 'D',
          services: [{ name: 'Exchange Online', status: 'investigating' }],
          // Its service is not among the tenant's unhealthy services: it still counts.
          issues: [issue('TM1', 'incident', 'investigating', 'Microsoft Teams'), issue('EX1', 'advisory', 'serviceDegradation')],
        }),
      },
    ],
    (syncedAt) => syncedAt === null,
  );

  it('orders tenants worst first, then by label, with nodata last', () => {
    expect(result.tenants.map((t) => [t.tenantId, t.level])).toEqual([
      ['t-deg', 'degradation'],
      ['t-adv', 'advisory'],
      ['t-quiet', 'operational'],
      ['t-never', 'nodata'],
    ]);
  });

  it('counts incidents, advisories and affected services (a service known only from its issue too)', () => {
    expect(result.tenants[0]).toMatchObject({ activeIncidents: 1, activeAdvisories: 1, affectedServices: 2, displayName: 'D' });
    expect(result.tenants[1]).toMatchObject({ activeIncidents: 0, activeAdvisories: 1, affectedServices: 1 });
    expect(result.tenants[3]).toMatchObject({ stale: true, syncedAt: null, authorizationStatus: 'pending' });
  });

  it('an interruption status outranks every issue, and an incident an advisory', () => {
    expect(summary({ services: [{ name: 'Microsoft Teams', status: 'serviceInterruption' }], issues: [issue('EX2', 'advisory', 'serviceDegradation')] }).level).toBe('interruption');
    expect(summary({ issues: [issue('EX2', 'advisory', 'x'), issue('EX3', 'incident', 'serviceInterruption')] }).level).toBe('interruption');
    expect(summary({ issues: [issue('EX2', 'advisory', 'x'), issue('EX3', 'Incident', 'investigating')] }).level).toBe('degradation');
  });

  it('groups an issue id across the tenants, the widest first, its tenants in the tenants\' order', () => {
    expect(result.issues.map((i) => [i.id, i.tenantIds])).toEqual([
      ['EX1', ['t-deg', 't-adv']],
      ['TM1', ['t-deg']],
    ]);
  });
});
