/**
 * Polling, visibility and deletion, faults and restarts: the server against the simulator over
 * HTTP, cycles driven by hand (`poller.runCycle()`), Graph traffic checked in the simulator's log.
 * "Mid-request" moments are made with the simulator's `hold`/`hang` faults and ended by the test;
 * exact times come from a manual server clock, never from the wall clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom, startStack, waitFor, type Stack, type StackOptions } from '../support/stack.js';

let stack: Stack;
beforeEach(async () => {
  stack = await startStack();
});
afterEach(() => stack.close());

/** Replaces the default stack with one started with `options`. */
async function restack(options: StackOptions) {
  await stack.close();
  stack = await startStack(options);
}

const contoso = () => stack.simulator.tenants[0]!;
const SEC = 1000;
const MIN = 60_000;
const OVERVIEWS = '/v1.0/admin/serviceAnnouncement/healthOverviews';
const ISSUES = '/v1.0/admin/serviceAnnouncement/issues';

type TenantJson = { tenantId: string; stale: boolean; lastSyncAt: string | null; lastSyncError: string | null; nextSyncAt: string | null };
type TenantsBody = { tenants: TenantJson[] };
const tenantsOf = async (key: string) => ((await (await stack.api(key, '/api/tenants')).json()) as TenantsBody).tenants;
const tenantOf = async (key: string, tenantId: string) => (await tenantsOf(key)).find((t) => t.tenantId === tenantId)!;
/** The tenant's row straight from the database (undefined when it has none). */
const tenantRow = async (tenantId: string) => (await stack.rows('tenants', { tenantId }))[0];
/** Every tenant row. */
const allTenantRows = () => stack.rows('tenants');
/** The (first) authorization row, for tests with one. */
const firstAuthorization = async () => (await stack.rows('authorizations'))[0]!;
type AuthorizationJson = { id: string; status: string; lastError: string | null };
const authorizationsOf = async (key: string) =>
  ((await (await stack.api(key, '/api/authorizations')).json()) as { authorizations: AuthorizationJson[] }).authorizations;

async function authorizedAndSynced(key: string, tenant = 0) {
  const { authorizationId } = await stack.authorize(key, tenant);
  await waitFor(async () => (await tenantsOf(key)).find((t) => t.tenantId === stack.simulator.tenants[tenant]!.tenantId)?.lastSyncAt, 'first sync');
  return authorizationId;
}

function storedIssueCount(tenantId: string) {
  return stack.count('issues', { tenantId });
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
    const deletedAt = Date.now();
    expect((await stack.api(a, `/api/authorizations/${authA}`, { method: 'DELETE' })).status).toBe(204);
    expect(await tenantsOf(a)).toEqual([]);
    expect((await stack.api(a, `/api/tenants/${tid}/health`)).status).toBe(404);
    expect((await stack.api(a, `/api/tenants/${tid}/issues`)).status).toBe(404);
    expect((await stack.api(b, `/api/tenants/${tid}/health`)).status).toBe(200);
    stack.advance(6 * MIN);
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', tenantId: tid });
    // Graph was read for the tenant after the deletion: by this cycle, or by a sync already under
    // way that the cycle joined (on PostgreSQL the deletion's notification can start one first).
    const sinceDeletion = (await stack.graphRequests(tid)).filter((r) => Date.parse(r.at) >= deletedAt);
    expect(sinceDeletion.map((r) => r.path)).toContain('/v1.0/admin/serviceAnnouncement/healthOverviews');
    expect(sinceDeletion.every((r) => r.status === 200)).toBe(true);

    // Org B deletes the last authorization: polling stops and the data is gone.
    expect((await stack.api(b, `/api/authorizations/${authB}`, { method: 'DELETE' })).status).toBe(204);
    expect(await storedIssueCount(tid)).toBe(0);
    expect(await allTenantRows()).toEqual([]);
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
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'hold', count: 1 });
    stack.advance(6 * MIN);
    const before = (await stack.graphRequests(tid)).length;
    const cycle = stack.server.poller.runCycle();
    // The sync's first Graph request is waiting in the simulator: delete now, then let Graph answer.
    expect((await stack.held(tid)).map((h) => h.path)).toEqual([OVERVIEWS]);
    expect((await stack.api(key, `/api/authorizations/${auth}`, { method: 'DELETE' })).status).toBe(204);
    expect(await allTenantRows()).toEqual([]);
    expect(await stack.release(tid)).toBe(1);
    expect(await cycle).toEqual([{ status: 'no-authorization', tenantId: tid }]);
    // Graph did answer the whole sync; the server kept none of it.
    expect((await stack.graphRequests(tid)).slice(before).map((r) => [r.path, r.status])).toEqual([
      [OVERVIEWS, 200],
      [ISSUES, 200],
    ]);
    expect(await storedIssueCount(tid)).toBe(0);
    expect(await allTenantRows()).toEqual([]);
    expect(await stack.count('services')).toBe(0);
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
    // The Graph client's waits go through an injected sleep, so the test sees each wait asked for.
    const waits: number[] = [];
    await restack({ graph: { sleep: async (ms) => void waits.push(ms) } });
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'throttle', count: 2, retryAfter: 2 });
    stack.advance(6 * MIN);
    waits.length = 0;
    const before = (await stack.graphRequests(tid)).length;
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome!.status).toBe('ok');
    const log = (await stack.graphRequests(tid)).slice(before);
    expect(log.map((r) => [r.path, r.status])).toEqual([
      [OVERVIEWS, 429],
      [OVERVIEWS, 429],
      [OVERVIEWS, 200],
      [ISSUES, 200],
    ]);
    // Before each retry the client waited exactly what Retry-After asked for, and nothing else.
    expect(waits).toEqual([2000, 2000]);
  });

  it('rides out a short 500 burst, backs off after a long one, and keeps serving the last data as stale', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const issuesBefore = await storedIssueCount(tid);
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 2, status: 500 });
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]!.status).toBe('ok');

    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 50, status: 503 });
    stack.advance(6 * MIN);
    const [failed] = await stack.server.poller.runCycle();
    expect(failed).toMatchObject({ status: 'failed', tenantId: tid });
    const row = (await tenantRow(tid))!;
    expect(row.consecutiveFailures).toBe(1);
    expect(row.lastError).toMatch(/503/);
    expect(await storedIssueCount(tid)).toBe(issuesBefore);
    // The authorization is fine: a Graph outage is not a consent problem.
    expect((await firstAuthorization()).status).toBe('active');
    stack.advance(11 * MIN);
    const health = (await (await stack.api(key, `/api/tenants/${tid}/health`)).json()) as { stale: boolean; services: unknown[] };
    expect(health.stale).toBe(true);
    expect(health.services.length).toBeGreaterThan(0);
  });

  it('times out a hanging Graph response, retries it, fails the sync when every try hangs, and recovers next cycle', async () => {
    // A short client time-out; the simulator's `hang` never answers, so only the time-out ends a try.
    await restack({ graph: { timeoutMs: 1000, maxRetries: 2 } });
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const statuses = async (from: number) => (await stack.graphRequests(tid)).slice(from).map((r) => [r.path, r.status]);

    // One hanging answer: the try times out and the retry succeeds inside the same sync.
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'hang', count: 1 });
    stack.advance(6 * MIN);
    let before = (await stack.graphRequests(tid)).length;
    let cycle = stack.server.poller.runCycle();
    expect((await stack.held(tid)).map((h) => [h.kind, h.path])).toEqual([['hang', OVERVIEWS]]);
    expect(await cycle).toEqual([expect.objectContaining({ status: 'ok', tenantId: tid })]);
    // Status 0: the simulator never answered the first try.
    expect(await statuses(before)).toEqual([
      [OVERVIEWS, 0],
      [OVERVIEWS, 200],
      [ISSUES, 200],
    ]);

    // Every try hangs (1 + 2 retries): the sync fails with a time-out, and says so.
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'hang', count: 3 });
    stack.advance(6 * MIN);
    before = (await stack.graphRequests(tid)).length;
    cycle = stack.server.poller.runCycle();
    expect((await stack.held(tid)).map((h) => h.kind)).toEqual(['hang']);
    const [failed] = await cycle;
    expect(failed).toMatchObject({ status: 'failed', tenantId: tid, error: expect.stringMatching(/did not answer \/v1\.0\/admin\/serviceAnnouncement\/healthOverviews: .*timeout/i) });
    await waitFor(async () => (await statuses(before)).length === 3, 'the three unanswered tries in the log');
    expect(await statuses(before)).toEqual([
      [OVERVIEWS, 0],
      [OVERVIEWS, 0],
      [OVERVIEWS, 0],
    ]);
    expect((await tenantOf(key, tid)).lastSyncError).toMatch(/did not answer.*timeout/i);
    expect((await tenantRow(tid))!.consecutiveFailures).toBe(1);
    expect((await firstAuthorization()).status).toBe('active');

    // The faults are used up: the next cycle syncs and clears the error.
    stack.advance(6 * MIN);
    expect(await stack.server.poller.runCycle()).toEqual([expect.objectContaining({ status: 'ok', tenantId: tid })]);
    expect((await tenantOf(key, tid)).lastSyncError).toBeNull();
    expect((await tenantRow(tid))!.consecutiveFailures).toBe(0);
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
    expect((await firstAuthorization()).status).toBe('active');
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
    const rows = Object.fromEntries((await stack.rows('authorizations')).map((r) => [r.id, r]));
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
    expect((await stack.row('authorizations', { id: authB })).status).toBe('reauth_required');
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
    const counts = async () => ({
      issues: await storedIssueCount(tid),
      services: await stack.count('services', { tenantId: tid }),
    });
    const before = await counts();
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'hold', count: 1 });
    stack.advance(6 * MIN);
    const rowBefore = (await tenantRow(tid))!;
    const cycle = stack.server.poller.runCycle();
    expect((await stack.held(tid)).map((h) => h.path)).toEqual([OVERVIEWS]);
    // Stopped while Graph has not answered: the sync ends as "stopped", not as a failure.
    await stack.restart();
    expect(await cycle).toEqual([{ status: 'failed', tenantId: tid, error: 'stopped' }]);
    // The held request's client went away with the old server.
    await waitFor(async () => ((await (await fetch(`${stack.simulator.url}/_simulator/held?tenantId=${tid}`)).json()) as { held: unknown[] }).held.length === 0, 'the simulator to see the aborted request go');
    expect(await counts()).toEqual(before);
    // Nothing of the interrupted sync was written: no failure counted, still due at the same time.
    const row = (await tenantRow(tid))!;
    expect(row).toMatchObject({ consecutiveFailures: 0, lastError: null, nextPollAt: rowBefore.nextPollAt, lastSyncAt: rowBefore.lastSyncAt, issuesWatermark: rowBefore.issuesWatermark });

    // The restarted server picks the tenant up at once (it is still due) with an incremental sync.
    const [outcome] = await stack.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', tenantId: tid, full: false, requests: 2 });
    expect(await counts()).toEqual(before);
    expect((await firstAuthorization()).status).toBe('active');
  });

  it('answers every read the same after a restart on the same database', async () => {
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const created = await stack.control('POST', `/_simulator/tenants/${tid}/issues`, {
      title: 'Mail delivery delays for some users',
      service: 'Exchange Online',
      classification: 'incident',
      status: 'serviceDegradation',
      post: { html: 'We are investigating <b>delays</b>.' },
    });
    const { id } = (await created.json()) as { id: string };
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok' });
    const paths = ['/api/tenants', `/api/tenants/${tid}/health`, `/api/tenants/${tid}/issues?limit=100`, `/api/tenants/${tid}/issues?state=active&q=${id}`, `/api/tenants/${tid}/issues/${id}`];
    const read = async () => {
      const out: Record<string, unknown> = {};
      for (const path of paths) {
        const res = await stack.api(key, path);
        expect(res.status, path).toBe(200);
        out[path] = { body: await res.json(), etag: res.headers.get('etag') };
      }
      out.authorizations = await authorizationsOf(key);
      return out;
    };
    const before = await read();
    // The reads carry real data (the new issue with its post), so an empty answer cannot match.
    expect((before[`/api/tenants/${tid}/issues/${id}`] as { body: { posts: Array<{ html: string }> } }).body.posts[0]!.html).toContain('delays');
    await stack.restart();
    expect(await read()).toEqual(before);
  });
});

describe('failure backoff', () => {
  /**
   * The waits after 1…8 failures in a row with jitter from `seededRandom(15)`, written out:
   * 30 s · 2^(n−1), capped at 30 min, times (0.5 + r/2) for the n-th draw r of the seeded source
   * (r = 0.2378, 0.4041, 0.4028, 0.4462, 0.2228, 0.6611, 0.9395, 0.3055), in whole milliseconds.
   * Failures 7 and 8 hit the cap: without it they would be 1 861 894 ms and 2 506 620 ms.
   */
  const WAITS_MS = [18_567, 42_123, 84_167, 173_540, 293_460, 797_309, 1_745_525, 1_174_978];

  it('backs off exponentially with seeded jitter up to 30 minutes, skips the tenant until then, and resets after a success', async () => {
    // A schedule that ticks every second, so the backoff (not the next tick) decides when the
    // tenant is due; one try per sync; a clock that moves only when the test moves it.
    await restack({ manualClock: true, env: { POLL_CRON: '* * * * * *' }, graph: { maxRetries: 0 }, poller: { random: seededRandom(15) } });
    const key = stack.key('org');
    const tid = contoso().tenantId;
    await authorizedAndSynced(key);
    const lastSyncAt = (await tenantOf(key, tid)).lastSyncAt;
    await stack.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', count: 1000, status: 503 });
    stack.advance(SEC);
    const graphCalls = async () => (await stack.graphRequests(tid)).length;

    for (const [i, wait] of WAITS_MS.entries()) {
      const at = stack.now().getTime();
      const calls = await graphCalls();
      const [outcome] = await stack.server.poller.runCycle();
      const next = new Date(at + wait);
      expect(outcome, `failure ${i + 1}`).toMatchObject({ status: 'failed', tenantId: tid, nextAttemptAt: next });
      expect(await graphCalls()).toBe(calls + 1);
      expect(await tenantRow(tid)).toMatchObject({ consecutiveFailures: i + 1, nextPollAt: next });
      const shown = await tenantOf(key, tid);
      expect(shown).toMatchObject({ nextSyncAt: next.toISOString(), lastSyncAt, lastSyncError: expect.stringMatching(/503/) });
      expect(wait).toBeLessThanOrEqual(30 * MIN);

      // Every cycle until then leaves the tenant alone (the schedule ticks every second).
      stack.advance(wait - 1);
      expect(await stack.server.poller.runCycle(), `cycle before try ${i + 2}`).toEqual([]);
      expect(await graphCalls()).toBe(calls + 1);
      stack.advance(1);
    }

    // Graph is back: the next try succeeds and the backoff starts again from the schedule.
    await stack.control('DELETE', `/_simulator/tenants/${tid}/faults`);
    const at = stack.now().getTime();
    expect(await stack.server.poller.runCycle()).toEqual([expect.objectContaining({ status: 'ok', tenantId: tid })]);
    const nextTick = new Date(Math.floor(at / SEC) * SEC + SEC);
    expect(await tenantRow(tid)).toMatchObject({ consecutiveFailures: 0, lastError: null, nextPollAt: nextTick });
    expect(await tenantOf(key, tid)).toMatchObject({ nextSyncAt: nextTick.toISOString(), lastSyncError: null, lastSyncAt: new Date(at).toISOString() });
  });
});

describe('failure isolation', () => {
  it('syncs the healthy tenants of a cycle on time while one fails with 503 and another hangs', async () => {
    // One try per sync, so the hanging tenant fails after one client time-out (long enough for the
    // others to finish well before it).
    await restack({ manualClock: true, graph: { timeoutMs: 3000, maxRetries: 0 } });
    const key = stack.key('org');
    const [erroring, hanging, healthy] = stack.simulator.tenants.slice(0, 3).map((t) => t.tenantId);
    for (const i of [0, 1, 2]) await authorizedAndSynced(key, i);
    const before = Object.fromEntries((await tenantsOf(key)).map((t) => [t.tenantId, t]));
    await stack.control('POST', `/_simulator/tenants/${erroring}/faults`, { kind: 'error', count: 50, status: 503 });
    await stack.control('POST', `/_simulator/tenants/${hanging}/faults`, { kind: 'hang', count: 1 });
    stack.advance(6 * MIN);
    const at = stack.now();
    // The next tick of the */5 schedule after `at`.
    const nextTick = new Date(Math.floor(at.getTime() / (5 * MIN)) * 5 * MIN + 5 * MIN);

    const cycle = stack.server.poller.runCycle();
    // While the hanging tenant waits for its time-out, the healthy one has already synced.
    await stack.held(hanging);
    await waitFor(async () => (await tenantOf(key, healthy)).lastSyncAt === at.toISOString(), 'the healthy tenant to sync');
    const stillHeld = (await (await fetch(`${stack.simulator.url}/_simulator/held?tenantId=${hanging}`)).json()) as { held: unknown[] };
    expect(stillHeld.held).toHaveLength(1);
    const outcomes = Object.fromEntries((await cycle).map((o) => [o.tenantId, o]));
    expect(Object.keys(outcomes).sort()).toEqual([erroring, hanging, healthy].sort());
    expect(outcomes[healthy]).toMatchObject({ status: 'ok' });
    expect(outcomes[erroring]).toMatchObject({ status: 'failed', error: expect.stringMatching(/503/) });
    expect(outcomes[hanging]).toMatchObject({ status: 'failed', error: expect.stringMatching(/did not answer.*timeout/i) });

    const after = Object.fromEntries((await tenantsOf(key)).map((t) => [t.tenantId, t]));
    expect(after[healthy]).toMatchObject({ lastSyncAt: at.toISOString(), lastSyncError: null, nextSyncAt: nextTick.toISOString() });
    for (const tid of [erroring, hanging]) {
      expect(after[tid]!.lastSyncAt).toBe(before[tid]!.lastSyncAt);
      expect(after[tid]!.lastSyncError).not.toBeNull();
    }
    expect((await tenantRow(healthy))!.consecutiveFailures).toBe(0);

    // Faults over: all three sync once due — at the next tick, or where a failed one's backoff
    // (up to 30 s after its failure) reaches past it.
    await stack.control('DELETE', `/_simulator/tenants/${erroring}/faults`);
    const due = Math.max(...(await Promise.all([erroring, hanging, healthy].map(async (t) => (await tenantRow(t))!.nextPollAt.getTime()))));
    expect(due).toBeGreaterThanOrEqual(nextTick.getTime());
    expect(due).toBeLessThanOrEqual(Math.max(nextTick.getTime(), at.getTime() + 30_000));
    stack.advance(due - at.getTime());
    const next = await stack.server.poller.runCycle();
    expect(Object.fromEntries(next.map((o) => [o.tenantId, o.status]))).toEqual({ [erroring]: 'ok', [hanging]: 'ok', [healthy]: 'ok' });
  });
});

describe('full resync', () => {
  it('reads /issues unfiltered once 6 hours have passed since the last full sync, and then marks an issue Graph no longer returns (kept for history)', async () => {
    await restack({ manualClock: true });
    const key = stack.key('org');
    const tid = contoso().tenantId;
    const firstSyncAt = stack.now().getTime(); // the first sync after consent is a full one
    await authorizedAndSynced(key);
    expect((await tenantRow(tid))!.lastFullSyncAt!.getTime()).toBe(firstSyncAt);
    const issuesCall = async (from: number) => (await stack.graphRequests(tid)).slice(from).filter((r) => r.path === ISSUES);

    const created = await stack.control('POST', `/_simulator/tenants/${tid}/issues`, {
      title: 'Some users cannot open shared mailboxes',
      service: 'Exchange Online',
      classification: 'incident',
      status: 'investigating',
    });
    const { id } = (await created.json()) as { id: string };
    stack.advance(6 * MIN);
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: false });
    expect((await stack.api(key, `/api/tenants/${tid}/issues/${id}`)).status).toBe(200);

    // Graph stops returning the issue. An incremental sync cannot notice: the issue stays.
    expect((await stack.control('DELETE', `/_simulator/tenants/${tid}/issues/${id}`)).status).toBe(204);
    stack.advance(firstSyncAt + 6 * 60 * MIN - 1 - stack.now().getTime());
    let from = (await stack.graphRequests(tid)).length;
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: false });
    const filtered = await issuesCall(from);
    expect(filtered).toHaveLength(1);
    expect(decodeURIComponent(filtered[0]!.query)).toMatch(/^\?\$filter=lastModifiedDateTime ge \d{4}-/);
    expect((await stack.api(key, `/api/tenants/${tid}/issues/${id}`)).status).toBe(200);

    // The next tick is 6 hours or more after the last full sync: it reads every issue, and the
    // dropped one is marked as no longer listed by Microsoft (RETENTION_DAYS keeps it).
    const nextTick = (await tenantRow(tid))!.nextPollAt.getTime();
    expect(nextTick).toBeGreaterThanOrEqual(firstSyncAt + 6 * 60 * MIN);
    stack.advance(nextTick - stack.now().getTime());
    from = (await stack.graphRequests(tid)).length;
    expect((await stack.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: true });
    expect((await issuesCall(from)).map((r) => r.query)).toEqual(['']);
    expect((await tenantRow(tid))!.lastFullSyncAt!.getTime()).toBe(nextTick);
    expect((await stack.api(key, `/api/tenants/${tid}/issues/${id}`)).status).toBe(200);
    const stored = (await stack.rows('issues', { tenantId: tid, id })).map((r) => ({ listed: r.listedByMicrosoft }));
    expect(stored).toEqual([{ listed: false }]);
  });
});

describe('Graph refusing access', () => {
  it('marks the authorization reauth_required when Graph answers 403, or 401 again after a working token refresh', async () => {
    const key = stack.key('org');
    const forbidden = contoso().tenantId;
    const unauthorized = stack.simulator.tenants[1]!.tenantId;
    const authForbidden = await authorizedAndSynced(key, 0);
    const authUnauthorized = await authorizedAndSynced(key, 1);
    await stack.control('POST', `/_simulator/tenants/${forbidden}/faults`, { kind: 'error', count: 1, status: 403 });
    await stack.control('POST', `/_simulator/tenants/${unauthorized}/faults`, { kind: 'error', count: 2, status: 401 });
    stack.advance(6 * MIN);
    const from = { [forbidden]: (await stack.requests(forbidden)).length, [unauthorized]: (await stack.requests(unauthorized)).length };

    const outcomes = await stack.server.poller.runCycle();
    // Each tenant's only authorization is gone: nobody can read it now.
    expect(Object.fromEntries(outcomes.map((o) => [o.tenantId, o.status]))).toEqual({ [forbidden]: 'no-authorization', [unauthorized]: 'no-authorization' });

    const calls = async (tid: string) => (await stack.requests(tid)).slice(from[tid]).map((r) => [r.method, r.path.replace(tid, '{tenant}'), r.status]);
    // 403: no token problem to fix; not retried.
    expect(await calls(forbidden)).toEqual([['GET', OVERVIEWS, 403]]);
    // 401: the server refreshes the token (Microsoft issues one), tries again, and is refused again.
    expect(await calls(unauthorized)).toEqual([
      ['GET', OVERVIEWS, 401],
      ['POST', '/{tenant}/oauth2/v2.0/token', 200],
      ['GET', OVERVIEWS, 401],
    ]);

    const listed = Object.fromEntries((await authorizationsOf(key)).map((a) => [a.id, a]));
    expect(listed[authForbidden]).toMatchObject({ status: 'reauth_required', lastError: expect.stringMatching(/refused access \(403.*Authorize again/) });
    expect(listed[authUnauthorized]).toMatchObject({ status: 'reauth_required', lastError: expect.stringMatching(/refused access \(401.*Authorize again/) });
    // No longer polled.
    stack.advance(6 * MIN);
    expect(await stack.server.poller.runCycle()).toEqual([]);
  });
});
