/**
 * Change events end to end: the simulator makes real changes, the real poller syncs them into a
 * real SQLite file (or PostgreSQL database, `TEST_STORE=postgres`), and `GET /api/events` streams them over HTTP. The outbox is checked in the
 * database: nothing for a first sync, one event per change, nothing twice across re-reads and
 * restarts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventId, matchesFilters, type EventDraft } from '../../server/store/events.js';
import type { ChangeEvent } from '../../widgets/api/types.js';
import { openEvents, type SseReader } from '../support/sse.js';
import { startStack, waitFor, type Stack } from '../support/stack.js';

let stack: Stack;
let readers: SseReader[] = [];
beforeEach(async () => {
  stack = await startStack({ stream: { heartbeatMs: 400, checkMs: 100 } });
});
afterEach(async () => {
  for (const r of readers) r.close();
  readers = [];
  await stack.close();
});

const MIN = 60_000;
const contoso = () => stack.simulator.tenants[0]!.tenantId;
/** The outbox, in stream order. */
const storedEvents = async () => (await stack.rows('events')).sort((a, b) => a.seq - b.seq);
const open = async (key: string, headers?: Record<string, string>) => {
  await stack.keysWritten();
  const reader = await openEvents(`${stack.server.url}/api/events`, key, headers);
  readers.push(reader);
  return reader;
};
const parse = (m: { data: string }) => JSON.parse(m.data) as ChangeEvent;

async function authorized(key: string, tenant = 0, label?: string) {
  const { authorizationId } = await stack.authorize(key, tenant, label ? { label } : {});
  await waitFor(async () => {
    const list = (await (await stack.api(key, '/api/tenants')).json()) as { tenants: Array<{ tenantId: string; lastSyncAt: string | null }> };
    return list.tenants.find((t) => t.tenantId === stack.simulator.tenants[tenant]!.tenantId)?.lastSyncAt;
  }, 'first sync');
  return authorizationId;
}

async function cycle() {
  stack.advance(6 * MIN);
  return stack.server.poller.runCycle();
}

async function newIncident(title = 'Mail delivery delayed') {
  const res = await stack.control('POST', `/_simulator/tenants/${contoso()}/issues`, {
    service: 'Exchange Online',
    classification: 'incident',
    status: 'investigating',
    title,
    post: { html: '<p>We are investigating.<script>alert(1)</script><img src=x onerror=alert(2)></p>' },
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('the outbox', () => {
  it("records nothing for a tenant's first sync, then one event per change, and nothing for a re-read", async () => {
    const key = stack.key('acme');
    await authorized(key);
    expect(await storedEvents()).toEqual([]);

    const id = await newIncident();
    await cycle();
    const created = await storedEvents();
    expect(created.map((e) => e.type)).toEqual(['issue.created']);
    const event = JSON.parse(created[0]!.payload) as ChangeEvent;
    expect(event).toMatchObject({ id: created[0]!.id, type: 'issue.created', tenant: { tenantId: contoso(), label: null }, issue: { id, status: 'investigating', isResolved: false } });
    // The post is stored sanitised, and the event carries it so.
    expect(event.issue!.latestPost!.html).toContain('We are investigating.');
    expect(event.issue!.latestPost!.html).not.toMatch(/script|onerror/);

    // Nothing changed: the next cycle's overlapping read finds the same state and records nothing.
    await cycle();
    expect(await storedEvents()).toHaveLength(1);

    expect((await stack.control('PATCH', `/_simulator/tenants/${contoso()}/issues/${id}`, { status: 'serviceDegradation', post: { html: '<p>Mitigation is under way.</p>' } })).status).toBe(200);
    await cycle();
    expect((await stack.control('PATCH', `/_simulator/tenants/${contoso()}/issues/${id}`, { status: 'serviceRestored', isResolved: true })).status).toBe(200);
    await cycle();
    const stored = await storedEvents();
    const types = stored.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['issue.created', 'issue.updated', 'issue.resolved']);
    expect(new Set(stored.map((e) => e.id)).size).toBe(stored.length);

    // A restart on the same database re-reads everything (a full resync) and announces nothing again.
    const before = stored.length;
    await stack.restart();
    await cycle();
    expect(await storedEvents()).toHaveLength(before);
  });

  it('records a service status change with the previous status', async () => {
    await authorized(stack.key('acme'));
    expect((await stack.control('PUT', `/_simulator/tenants/${contoso()}/services/SharePoint`, { status: 'serviceDegradation' })).status).toBe(200);
    await cycle();
    const changed = (await storedEvents()).filter((e) => e.type === 'service.status_changed');
    expect(changed).toHaveLength(1);
    expect((JSON.parse(changed[0]!.payload) as ChangeEvent).service).toMatchObject({ id: 'SharePoint', status: 'serviceDegradation', previousStatus: 'serviceOperational' });
    // Back, then away again: each change its own event (a recurring status is not the same change).
    expect((await stack.control('PUT', `/_simulator/tenants/${contoso()}/services/SharePoint`, { status: 'serviceOperational' })).status).toBe(200);
    await cycle();
    expect((await stack.control('PUT', `/_simulator/tenants/${contoso()}/services/SharePoint`, { status: 'serviceDegradation' })).status).toBe(200);
    await cycle();
    const all = (await storedEvents()).filter((e) => e.type === 'service.status_changed');
    expect(all).toHaveLength(3);
    expect(new Set(all.map((e) => e.id)).size).toBe(3);
  });

  it('fans out, in the same write, one pending delivery per enabled channel of an org that sees the tenant and whose filters match', async () => {
    // The delivery worker would start sending at once; this test looks at what the sync wrote.
    await stack.server.notifier.stop();
    const key = stack.key('acme');
    await authorized(key);
    const org = await stack.server.core.keys.org('acme');
    const other = await stack.server.core.keys.org('globex');
    const channel = (id: string, orgId: string, filters: object, enabled = true) =>
      stack.insert('channels', [{ id, orgId, kind: 'webhook', name: id, target: 'sealed', targetMasked: 'https://example.com/…', filters: JSON.stringify(filters), enabled, updatedAt: new Date() }]);
    await channel('all', org.id, {});
    await channel('exchange-incidents', org.id, { services: ['Exchange Online'], classifications: ['incident'] });
    await channel('teams-only', org.id, { services: ['Microsoft Teams'] });
    await channel('disabled', org.id, {}, false);
    await channel('other-org', other.id, {});
    await newIncident();
    await cycle();
    const [event] = await storedEvents();
    const rows = await stack.rows('deliveries', { eventId: event!.id });
    expect(rows.map((r) => r.channelId).sort()).toEqual(['all', 'exchange-incidents']);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 0)).toBe(true);
  });
});

describe('pruning', () => {
  it('drops events after 24 hours unless a delivery row still refers to them, and delivery log rows after 30 days', async () => {
    await stack.server.notifier.stop();
    await authorized(stack.key('acme'));
    const org = await stack.server.core.keys.org('acme');
    const draft = (subject: string): EventDraft => ({
      type: 'issue.created',
      tenantId: contoso(),
      identity: [subject],
      payload: { type: 'issue.created', occurredAt: stack.now().toISOString(), tenant: { tenantId: contoso(), displayName: null, label: null } },
    });
    const [alone] = await stack.recordEvents([draft('alone')], stack.now());
    await stack.insert('channels', [{ id: 'ch', orgId: org.id, kind: 'webhook', name: 'ch', target: 'sealed', targetMasked: 'https://example.com/…', updatedAt: new Date() }]);
    const [delivered] = await stack.recordEvents([draft('delivered')], stack.now());
    const ids = async () => (await storedEvents()).map((e) => e.id);

    stack.advance(25 * 3600_000);
    expect(await stack.server.core.events.prune()).toEqual({ events: 1, deliveries: 0 });
    expect(await ids()).toEqual([delivered]);
    expect(await ids()).not.toContain(alone);
    await stack.update('deliveries', {}, { status: 'delivered' });
    expect(await stack.server.core.events.prune()).toEqual({ events: 0, deliveries: 0 });

    stack.advance(30 * 24 * 3600_000);
    expect(await stack.server.core.events.prune()).toEqual({ events: 1, deliveries: 1 });
    expect(await ids()).toEqual([]);
  });
});

describe('GET /api/events', () => {
  it("streams the org's events with its label as they are recorded, and resumes after Last-Event-ID", async () => {
    const key = stack.key('acme', 'viewer');
    await authorized(stack.key('acme'), 0, 'Contoso HQ');
    const stream = await open(key);
    expect(stream.status).toBe(200);
    const id = await newIncident();
    await cycle();
    const first = await stream.next();
    expect(first.event).toBe('issue.created');
    const event = parse(first);
    expect(first.id).toBe(event.id);
    expect(event).toMatchObject({ type: 'issue.created', tenant: { tenantId: contoso(), label: 'Contoso HQ' }, issue: { id } });

    expect((await stack.control('PATCH', `/_simulator/tenants/${contoso()}/issues/${id}`, { status: 'serviceRestored', isResolved: true })).status).toBe(200);
    await cycle();
    const second = await stream.next();
    expect(second.event).toBe('issue.resolved');
    stream.close();

    // Reconnecting with the first event's id replays what came after it, and only that.
    const resumed = await open(key, { 'last-event-id': first.id! });
    expect((await resumed.next()).id).toBe(second.id);
    await expect(resumed.next(600)).rejects.toThrow(/no event/);
  });

  it('keeps the connection alive with comment lines', async () => {
    const stream = await open(stack.key('acme', 'viewer'));
    expect(await stream.nextComment()).toMatch(/o365-health events/);
    expect(await stream.nextComment(3000)).toBe('keep-alive');
  });

  it('shows an org only the tenants it holds, and an authorization event only to the org that holds it', async () => {
    const a = stack.key('acme');
    const b = stack.key('globex');
    const c = stack.key('initech');
    await authorized(a);
    await authorized(b);
    await authorized(c, 1);
    const streams = { a: await open(a), b: await open(b), c: await open(c) };
    await newIncident();
    await cycle();
    expect((await streams.a.next()).event).toBe('issue.created');
    expect((await streams.b.next()).event).toBe('issue.created');
    // Org C holds another tenant only.
    await expect(streams.c.next(600)).rejects.toThrow(/no event/);

    // Org A's grant is revoked at Microsoft; org B's still works.
    const authA = ((await (await stack.api(a, '/api/authorizations')).json()) as { authorizations: Array<{ id: string }> }).authorizations[0]!.id;
    const row = (await stack.server.core.sync.candidates(contoso())).find((x) => x.id === authA)!;
    await stack.server.core.sync.requireReauthorization(row.id, 'Consent was removed in Microsoft Entra.');
    const reauth = await streams.a.next();
    expect(reauth.event).toBe('authorization.reauth_required');
    expect(parse(reauth).authorization).toMatchObject({ id: authA, reason: 'Consent was removed in Microsoft Entra.' });
    await expect(streams.b.next(600)).rejects.toThrow(/no event/);
    // A second failure of the same grant announces nothing more.
    await stack.server.core.sync.requireReauthorization(row.id, 'Still no consent.');
    expect((await storedEvents()).filter((e) => e.type === 'authorization.reauth_required')).toHaveLength(1);
  });

  it('ends the stream of a key that is revoked, and refuses a request without a key', async () => {
    const key = stack.key('acme', 'viewer', 'kiosk');
    const stream = await open(key);
    const org = await stack.server.core.keys.org('acme');
    expect(await stack.server.core.keys.revokeUserKeys(org.id, 'kiosk')).toBe(1);
    await stream.ended(3000);
    expect((await fetch(`${stack.server.url}/api/events`)).status).toBe(401);
  });
});

describe('event ids and filters', () => {
  const draft = (status: string): EventDraft => ({
    type: 'issue.updated',
    tenantId: 't1',
    identity: ['EX1', status, false, 2, '2026-01-01T00:00:00.000Z'],
    payload: { type: 'issue.updated', occurredAt: '2026-01-01T00:00:00.000Z', tenant: { tenantId: 't1', displayName: null, label: null } },
  });

  it('derives the id from the change: the same change, the same id; another change, another', () => {
    expect(eventId(draft('serviceDegradation'))).toBe(eventId(draft('serviceDegradation')));
    expect(eventId(draft('serviceDegradation'))).not.toBe(eventId(draft('serviceRestored')));
    expect(eventId(draft('x'))).toMatch(/^evt_[A-Za-z0-9_-]{26}$/);
  });

  it('records a change once however often it is recorded', async () => {
    const now = new Date();
    expect(await stack.recordEvents([draft('a')], now)).toHaveLength(1);
    expect(await stack.recordEvents([draft('a'), draft('a')], now)).toEqual([]);
    expect(await storedEvents()).toHaveLength(1);
  });

  it('applies each filter to the part of the event it names', () => {
    const issueEvent = { type: 'issue.created', tenant: { tenantId: 'T1', displayName: null, label: null }, issue: { service: 'Exchange Online', classification: 'incident' } } as ChangeEvent;
    const serviceEvent = { type: 'service.status_changed', tenant: issueEvent.tenant, service: { id: 'Exchange', name: 'Exchange Online', status: 'serviceDegradation', previousStatus: null } } as ChangeEvent;
    const authEvent = { type: 'authorization.reauth_required', tenant: issueEvent.tenant } as ChangeEvent;
    expect(matchesFilters({}, issueEvent)).toBe(true);
    expect(matchesFilters({ tenants: ['t1'] }, issueEvent)).toBe(true);
    expect(matchesFilters({ tenants: ['t2'] }, issueEvent)).toBe(false);
    expect(matchesFilters({ services: ['exchange online'] }, issueEvent)).toBe(true);
    expect(matchesFilters({ services: ['Microsoft Teams'] }, issueEvent)).toBe(false);
    expect(matchesFilters({ services: ['Exchange'] }, serviceEvent)).toBe(true);
    expect(matchesFilters({ classifications: ['advisory'] }, issueEvent)).toBe(false);
    expect(matchesFilters({ classifications: ['advisory'] }, serviceEvent)).toBe(true);
    expect(matchesFilters({ events: ['issue.resolved'] }, issueEvent)).toBe(false);
    expect(matchesFilters({ services: ['Microsoft Teams'], classifications: ['incident'] }, authEvent)).toBe(true);
    expect(matchesFilters({ events: ['issue.created'] }, { ...authEvent, type: 'test' })).toBe(true);
  });
});
