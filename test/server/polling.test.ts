/**
 * Polling, visibility and deletion, faults and restarts: the server against the simulator over
 * HTTP, cycles driven by hand (`poller.runCycle()`), Graph traffic checked in the simulator's log.
 */
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizations, issues, services, tenants } from '../../server/db/schema.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

const contoso = () => stack.simulator.tenants[0]!;
const MIN = 60_000;

type TenantsBody = { tenants: Array<{ tenantId: string; stale: boolean; lastSyncAt: string | null }> };
const tenantsOf = async (key: string) => ((await (await stack.api(key, '/api/tenants')).json()) as TenantsBody).tenants;

async function authorizedAndSynced(key: string, tenant = 0) {
  const { authorizationId } = await stack.authorize(key, tenant);
  await waitFor(async () => (await tenantsOf(key)).find((t) => t.tenantId === stack.simulator.tenants[tenant]!.tenantId)?.lastSyncAt, 'first sync');
  return authorizationId;
}

function storedIssueCount(tenantId: string) {
  return stack.server.database.db.select({ n: count() }).from(issues).where(eq(issues.tenantId, tenantId)).get()!.n;
}

describe('visibility and deletion', () => {
  it('keeps orgs apart, keeps polling while anyone holds an authorization, and purges after the last one', async () => {
    const a = stack.key('org-a');
    const b = stack.key('org-b');
    const tid = contoso().tenantId;
    const authA = await authorizedAndSynced(a);
    // Org B holds nothing yet: the tenant does not exist for it.
    expect(await tenantsOf(b)).toEqual([]);
    const hidden = await stack.api(b, `/api/tenants/${tid}/health`);
    expect(hidden.status).toBe(404);
    expect(((await hidden.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await stack.api(b, `/api/authorizations/${authA}`, { method: 'DELETE' })).status).toBe(404);

    const authB = await authorizedAndSynced(b);
    expect((await tenantsOf(b)).map((t) => t.tenantId)).toEqual([tid]);

    // Org A deletes: it loses sight at once, org B keeps data, polling goes on.
    expect((await stack.api(a, `/api/authorizations/${authA}`, { method: 'DELETE' })).status).toBe(204);
    expect(await tenantsOf(a)).toEqual([]);
    expect((await stack.api(a, `/api/tenants/${tid}/health`)).status).toBe(404);
    expect((await stack.api(a, `/api/tenants/${tid}/issues`)).status).toBe(404);
    expect((await stack.api(b, `/api/tenants/${tid}/health`)).status).toBe(200);
    const before = (await stack.graphRequests(tid)).length;
    stack.advance(6 * MIN);
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', tenantId: tid });
    expect((await stack.graphRequests(tid)).length).toBeGreaterThan(before);

    // Org B deletes the last authorization: polling stops and the data is gone.
    expect((await stack.api(b, `/api/authorizations/${authB}`, { method: 'DELETE' })).status).toBe(204);
    expect(storedIssueCount(tid)).toBe(0);
    expect(stack.server.database.db.select().from(tenants).all()).toEqual([]);
    const after = (await stack.graphRequests(tid)).length;
    stack.advance(6 * MIN);
    expect(await stack.server.poller.runCycle()).toEqual([]);
    expect((await stack.graphRequests(tid)).length).toBe(after);
  });
});

describe('deletion during a sync', () => {
  it('writes nothing back for a tenant whose last authorization was deleted while Graph answered', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    const auth = await authorizedAndSynced(key);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'delay', count: 1, delayMs: 1000 });
    stack.advance(6 * MIN);
    // runCycle picks the tenant and sends the (delayed) first request before it yields.
    const cycle = stack.server.poller.runCycle();
    expect((await stack.api(key, `/api/authorizations/${auth}`, { method: 'DELETE' })).status).toBe(204);
    await cycle;
    expect(storedIssueCount(tid)).toBe(0);
    expect(stack.server.database.db.select().from(tenants).all()).toEqual([]);
  });
});

describe('polling', () => {
  it('costs at most two Graph requests per tenant in a quiet cycle and picks up a new incident', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    stack.advance(6 * MIN);
    const before = (await stack.graphRequests(tid)).length;
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', requests: 2, full: false });
    const log = (await stack.graphRequests(tid)).slice(before);
    expect(log.map((r) => r.path)).toEqual(['/v1.0/admin/serviceAnnouncement/healthOverviews', '/v1.0/admin/serviceAnnouncement/issues']);

    const created = await stack.control('POST', `/_simulator/tenants/${tid}/issues`, {
      title: 'Users cannot join Teams meetings from the desktop client',
      service: 'Microsoft Teams',
      classification: 'incident',
      status: 'serviceInterruption',
      impactDescription: 'Users cannot join meetings.',
      post: { html: 'Title: Users cannot join Teams meetings<br>User impact: Users cannot join meetings.' },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // Not due yet: nothing happens before the next tick.
    expect(await stack.server.poller.runCycle()).toEqual([]);
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const detail = await stack.api(key, `/api/tenants/${tid}/issues/${id}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ id, status: 'serviceInterruption', classification: 'incident', service: 'Microsoft Teams' });
  });

  it('honours Retry-After on 429 without hammering', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'throttle', count: 2, retryAfter: 1 });
    stack.advance(6 * MIN);
    const before = (await stack.graphRequests(tid)).length;
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome!.status).toBe('ok');
    const log = (await stack.graphRequests(tid)).slice(before);
    expect(log.map((r) => r.status)).toEqual([429, 429, 200, 200]);
    // Lower bounds only: the client waited at least the second Retry-After asked for.
    expect(Date.parse(log[1]!.at) - Date.parse(log[0]!.at)).toBeGreaterThanOrEqual(950);
    expect(Date.parse(log[2]!.at) - Date.parse(log[1]!.at)).toBeGreaterThanOrEqual(950);
  });

  it('rides out a short 500 burst, backs off after a long one, and keeps serving the last data as stale', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const issuesBefore = storedIssueCount(tid);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 2, status: 500 });
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]!.status).toBe('ok');

    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 50, status: 503 });
    stack.advance(6 * MIN);
    const [failed] = await stack.server.poller.runCycle();
    expect(failed).toMatchObject({ status: 'failed', tenantId: tid });
    const row = stack.server.database.db.select().from(tenants).where(eq(tenants.tenantId, tid)).get()!;
    expect(row.consecutiveFailures).toBe(1);
    expect(row.lastError).toMatch(/503/);
    expect(storedIssueCount(tid)).toBe(issuesBefore);
    // The authorization is fine: a Graph outage is not a consent problem.
    expect(stack.server.database.db.select().from(authorizations).get()!.status).toBe('active');
    stack.advance(11 * MIN);
    const health = (await (await stack.api(key, `/api/tenants/${tid}/health`)).json()) as { stale: boolean; services: unknown[] };
    expect(health.stale).toBe(true);
    expect(health.services.length).toBeGreaterThan(0);
  });

  it('times out a hanging Graph response and retries', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'delay', count: 1, delayMs: 4000 });
    stack.advance(6 * MIN);
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome!.status).toBe('ok');
  });

  it('refreshes expired tokens without bothering anyone', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'expire-tokens' });
    stack.advance(6 * MIN);
    const before = (await stack.graphRequests(tid)).length;
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome!.status).toBe('ok');
    expect((await stack.graphRequests(tid)).slice(before)[0]!.status).toBe(401);
    expect(stack.server.database.db.select().from(authorizations).get()!.status).toBe('active');
  });

  it('marks a revoked authorization reauth_required, fails over to another, and goes stale when none is left', async () => {
    const a = stack.key('org-a');
    const b = stack.key('org-b');
    const tid = contoso().tenantId;
    const authA = await authorizedAndSynced(a);
    // Consent is removed in Entra, then org B's admin consents again: A's grant is gone, B's works.
    expect((await stack.control('POST', `/_simulator/tenants/${tid}/revoke-consent`, {})).status).toBeLessThan(300);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'expire-tokens' });
    const authB = (await stack.authorize(b, 0)).authorizationId;
    stack.advance(6 * MIN);
    await stack.server.poller.runCycle();
    const rows = Object.fromEntries(stack.server.database.db.select().from(authorizations).all().map((r) => [r.id, r]));
    expect(rows[authA]!.status).toBe('reauth_required');
    expect(rows[authA]!.lastError).toMatch(/consent|authorize/i);
    expect(rows[authB]!.status).toBe('active');
    expect(rows[authB]!.lastSuccessAt).not.toBeNull();
    // Org A still sees its (now stale-able) tenant and the reason.
    const listA = ((await (await stack.api(a, '/api/authorizations')).json()) as { authorizations: Array<{ status: string }> }).authorizations;
    expect(listA[0]!.status).toBe('reauth_required');

    // Revoked again: nobody can read the tenant; the last data is served, marked stale.
    await stack.control('POST', `/_simulator/tenants/${tid}/revoke-consent`, {});
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'expire-tokens' });
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]!.status).toBe('no-authorization');
    expect(stack.server.database.db.select().from(authorizations).where(eq(authorizations.id, authB)).get()!.status).toBe('reauth_required');
    stack.advance(11 * MIN);
    const health = (await (await stack.api(a, `/api/tenants/${tid}/health`)).json()) as { stale: boolean; services: unknown[] };
    expect(health.stale).toBe(true);
    expect(health.services.length).toBeGreaterThan(0);
    // With no active authorization the tenant is not polled at all.
    const before = (await stack.graphRequests(tid)).length;
    stack.advance(6 * MIN);
    expect(await stack.server.poller.runCycle()).toEqual([]);
    expect((await stack.graphRequests(tid)).length).toBe(before);
  });
});

describe('restart', () => {
  it('loses nothing and duplicates nothing when stopped mid-cycle, and resumes on schedule', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const counts = () => ({
      issues: storedIssueCount(tid),
      services: stack.server.database.db.select({ n: count() }).from(services).where(eq(services.tenantId, tid)).get()!.n,
    });
    const before = counts();
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'delay', count: 1, delayMs: 3000 });
    stack.advance(6 * MIN);
    const cycle = stack.server.poller.runCycle();
    await waitFor(async () => (await stack.graphRequests(tid)).length > 0, 'a request in flight', 2000).catch(() => null);
    await stack.restart();
    await cycle;
    expect(counts()).toEqual(before);
    const row = stack.server.database.db.select().from(tenants).where(eq(tenants.tenantId, tid)).get()!;
    expect(row.nextPollAt.getTime()).toBeLessThanOrEqual(Date.now() + 6 * MIN);
    await stack.control('DELETE', `/_simulator/tenants/${tid}/faults`);
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', tenantId: tid });
    expect(counts().services).toBe(before.services);
    expect(stack.server.database.db.select().from(authorizations).get()!.status).toBe('active');
  });
});
