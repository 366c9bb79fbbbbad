/**
 * Keeping what Microsoft drops (DESIGN.md, "History"): the real server against the simulator over
 * HTTP with a manual server clock. A full resync (every FULL_SYNC_MINUTES) no longer deletes an
 * issue Graph stopped returning; it stays served until RETENTION_DAYS after its last change, when
 * the prune (at start-up and hourly) removes it with its posts; deleting the last authorization
 * still purges everything of the tenant.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.js';
import { startStack, waitFor, type Stack, type TableName } from '../support/stack.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const ISSUES = '/v1.0/admin/serviceAnnouncement/issues';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('RETENTION_DAYS and FULL_SYNC_MINUTES', () => {
  it('default to 400 days and 360 minutes', () => {
    expect(loadConfig({})).toMatchObject({ retentionDays: 400, fullSyncMinutes: 360 });
    expect(loadConfig({ RETENTION_DAYS: '30', FULL_SYNC_MINUTES: '60' })).toMatchObject({ retentionDays: 30, fullSyncMinutes: 60 });
  });

  it.each([
    [{ RETENTION_DAYS: 'forever' }, 'RETENTION_DAYS'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ RETENTION_DAYS: '1.5' }, 'RETENTION_DAYS'],
    [{ FULL_SYNC_MINUTES: '0' }, 'FULL_SYNC_MINUTES'],
    [{ FULL_SYNC_MINUTES: 'hourly' }, 'FULL_SYNC_MINUTES'],
    [{ FULL_SYNC_MINUTES: '20000' }, 'FULL_SYNC_MINUTES'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${name}:`));
  });
});

type IssueJson = { id: string; isResolved: boolean };
type HealthJson = { services: Array<{ name: string; activeIssueCount: number; issues: IssueJson[] }> };

async function authorizedAndSynced(s: Stack, key: string) {
  const tid = s.simulator.tenants[0]!.tenantId;
  await s.authorize(key, 0);
  await waitFor(async () => {
    const body = (await (await s.api(key, '/api/tenants')).json()) as { tenants: Array<{ tenantId: string; lastSyncAt: string | null }> };
    return body.tenants.find((t) => t.tenantId === tid)?.lastSyncAt;
  }, 'first sync');
  return tid;
}

const count = (s: Stack, table: TableName, tenantId: string) => s.count(table, { tenantId });
/** Every table that holds a tenant's data. */
const TENANT_TABLES: TableName[] = ['issues', 'issuePosts', 'services', 'serviceStatusHistory', 'tenants'];

describe('issues Microsoft stops returning', () => {
  it('survive full resyncs every FULL_SYNC_MINUTES, leave the current health, and are pruned RETENTION_DAYS after their last change', async () => {
    stack = await startStack({ manualClock: true, env: { FULL_SYNC_MINUTES: '60', RETENTION_DAYS: '10' } });
    const s = stack;
    const key = s.key('org');
    const tid = await authorizedAndSynced(s, key);
    const issuesCalls = async (from: number) => (await s.graphRequests(tid)).slice(from).filter((r) => r.path === ISSUES).map((r) => r.query);

    // Two new issues: one that ends (resolved, with a final post), one still open.
    const create = async (title: string) => {
      const res = await s.control('POST', `/_simulator/tenants/${tid}/issues`, { title, service: 'Exchange Online', classification: 'incident', status: 'serviceDegradation', post: { html: `<p>${title}: investigating</p>` } });
      return ((await res.json()) as { id: string }).id;
    };
    const resolved = await create('Mail delivery delays');
    const open = await create('Calendar sharing fails');
    const patched = await s.control('PATCH', `/_simulator/tenants/${tid}/issues/${resolved}`, { status: 'serviceRestored', post: { html: '<p>Fixed.</p>' } });
    const lastModified = Date.parse(((await patched.json()) as { lastModifiedDateTime: string }).lastModifiedDateTime);
    s.advance(6 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: false });
    const before = (await (await s.api(key, `/api/tenants/${tid}/issues/${resolved}`)).json()) as IssueJson & { posts: unknown[] };
    expect(before).toMatchObject({ id: resolved, isResolved: true });
    expect(before.posts).toHaveLength(2);

    // Microsoft stops returning both.
    for (const id of [resolved, open]) expect((await s.control('DELETE', `/_simulator/tenants/${tid}/issues/${id}`)).status).toBe(204);
    const firstFull = { at: (await s.tenantRow(tid)).lastFullSyncAt!.getTime() };

    // Just under FULL_SYNC_MINUTES (60, not the default 360) after the last full sync: incremental.
    s.advance(firstFull.at + 60 * MIN - 1 - s.now().getTime());
    let from = (await s.graphRequests(tid)).length;
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: false });
    expect((await issuesCalls(from))[0]).toMatch(/^\?\$filter=/);

    // From FULL_SYNC_MINUTES on, the next due sync is a full resync (unfiltered /issues), and an
    // hour after that one, another.
    const row = async () => {
      const tenant = await s.tenantRow(tid);
      return { full: tenant.lastFullSyncAt!.getTime(), next: tenant.nextPollAt.getTime() };
    };
    for (let i = 0; i < 2; i++) {
      const { full, next } = await row();
      s.advance(Math.max(full + 60 * MIN, next) - s.now().getTime());
      from = (await s.graphRequests(tid)).length;
      expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: true });
      expect(await issuesCalls(from)).toEqual(['']);
    }

    // Both are still served, with their posts, and listed under state=all.
    const kept = (await (await s.api(key, `/api/tenants/${tid}/issues/${resolved}`)).json()) as IssueJson & { posts: unknown[] };
    expect(kept).toEqual(before);
    expect((await s.api(key, `/api/tenants/${tid}/issues/${open}`)).status).toBe(200);
    const all = (await (await s.api(key, `/api/tenants/${tid}/issues?state=all&limit=100`)).json()) as { issues: IssueJson[] };
    expect(all.issues.map((i) => i.id)).toEqual(expect.arrayContaining([resolved, open]));
    // Microsoft no longer reports the open one: it is not active any more (health, state=active).
    const health = (await (await s.api(key, `/api/tenants/${tid}/health`)).json()) as HealthJson;
    expect(health.services.flatMap((sv) => sv.issues.map((i) => i.id))).not.toContain(open);
    const active = (await (await s.api(key, `/api/tenants/${tid}/issues?state=active&limit=100`)).json()) as { issues: IssueJson[] };
    expect(active.issues.map((i) => i.id)).not.toContain(open);

    // The prune (it runs at start-up, then hourly) keeps them until RETENTION_DAYS (10) after
    // their last change, and keeps every issue Microsoft still lists, however old.
    const listedBefore = await s.count('issues', { listedByMicrosoft: true });
    expect(listedBefore).toBeGreaterThan(0);
    s.advance(lastModified + 10 * DAY - 60_000 - s.now().getTime());
    await s.restart();
    expect((await s.api(key, `/api/tenants/${tid}/issues/${resolved}`)).status).toBe(200);
    s.advance(2 * 60_000);
    await s.restart();
    expect((await s.api(key, `/api/tenants/${tid}/issues/${resolved}`)).status).toBe(404);
    expect(await s.count('issuePosts', { issueId: resolved })).toBe(0);
    // The open one changed last when it was created (before the patch of the other): gone too.
    expect((await s.api(key, `/api/tenants/${tid}/issues/${open}`)).status).toBe(404);
    expect(await s.count('issues', { listedByMicrosoft: true })).toBe(listedBefore);
    // The hourly job is the same operation; it finds nothing more to remove now.
    expect(await s.server.core.history.pruneRetained(s.server.config.retentionDays)).toBe(0);
  });

  it('are purged with everything else of the tenant when its last authorization is deleted', async () => {
    stack = await startStack({ manualClock: true, env: { FULL_SYNC_MINUTES: '30' } });
    const s = stack;
    const key = s.key('org');
    const tid = await authorizedAndSynced(s, key);
    const created = await s.control('POST', `/_simulator/tenants/${tid}/issues`, { title: 'Teams meetings drop', service: 'Microsoft Teams', classification: 'incident', status: 'serviceInterruption', post: { html: '<p>Investigating.</p>' } });
    const { id } = (await created.json()) as { id: string };
    s.advance(6 * MIN);
    await s.server.poller.runCycle();
    await s.control('DELETE', `/_simulator/tenants/${tid}/issues/${id}`);
    s.advance(30 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: true });
    expect((await s.rows('issues', { id })).map((r) => ({ listed: r.listedByMicrosoft }))).toEqual([{ listed: false }]);
    for (const table of TENANT_TABLES) expect(await count(s, table, tid)).toBeGreaterThan(0);

    const [auth] = ((await (await s.api(key, '/api/authorizations')).json()) as { authorizations: Array<{ id: string }> }).authorizations;
    expect((await s.api(key, `/api/authorizations/${auth!.id}`, { method: 'DELETE' })).status).toBe(204);
    for (const table of TENANT_TABLES) expect({ table, rows: await count(s, table, tid) }).toEqual({ table, rows: 0 });
    expect((await s.api(key, `/api/tenants/${tid}/history`)).status).toBe(404);
  });
});
