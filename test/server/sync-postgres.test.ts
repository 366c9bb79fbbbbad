/**
 * The polling operations of the PostgreSQL store (`server/store/pg/sync.ts`) on a real
 * PostgreSQL 15 (test/support/postgres.ts), each test on a fresh database. Every operation runs
 * through the `Store` interface on PostgreSQL and, with the same inputs, on a real SQLite file:
 * the two engines must record the same rows and the same change events with the same ids, so a
 * deployment can move from one to the other without announcing a change twice. Last, the real
 * poller (`Poller` over the sync core over the PostgreSQL store) syncs a tenant consented in the
 * simulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { asc, eq as eqId } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { createAuthorizationsCore } from '../../server/core/authorizations.js';
import { createKeysCore } from '../../server/core/keys.js';
import { createSyncCore } from '../../server/core/sync.js';
import { SecretBox } from '../../server/crypto.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { Poller } from '../../server/poller.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import type { Principal } from '../../server/store/keys.js';
import { openPostgres, type OpenPostgres } from '../../server/db/postgres.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import * as sqliteSchema from '../../server/db/schema.js';
import type { AuthorizationStatus } from '../../server/db/schema.js';
import type { IssueRecord, MessageRecord, ServiceRecord, SyncSnapshot } from '../../server/domain.js';
import { createSqliteStore, InvalidRecordError, type SyncStore } from '../../server/store/index.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { usePostgres } from '../support/postgres.js';
import { tempDatabase, type TempDatabase } from './support/db.js';

const pg = usePostgres();
const T = '84841066-274d-4ec0-a5c1-276be684bdd3';
const at = (minutes: number) => new Date(Date.UTC(2024, 4, 1, 10, minutes));

/** One engine of a pair: its store and the setup rows a test needs (written as the OAuth flow and the channels API leave them). */
interface Engine {
  name: 'postgres' | 'sqlite';
  store: SyncStore & { createOrg(name: string): Promise<{ id: string }> };
  addAuthorization(p: { orgId: string; tenantId: string; status?: AuthorizationStatus; id?: string }): Promise<string>;
  addChannel(orgId: string, filters?: object): Promise<string>;
  events(): Promise<Array<{ id: string; tenantId: string; type: string; payload: string }>>;
  deliveries(): Promise<Array<{ channelId: string; eventId: string; status: string }>>;
  history(): Promise<Array<{ serviceId: string; previousStatus: string | null; status: string; changedAt: Date }>>;
  services(): Promise<Array<{ serviceId: string; name: string; status: string }>>;
  issues(): Promise<Array<{ id: string; status: string; isResolved: boolean; listedByMicrosoft: boolean; lastListedAt: Date | null; interruptionSeen: boolean }>>;
  posts(): Promise<Array<{ issueId: string; position: number; html: string }>>;
  messages(): Promise<Array<{ id: string; html: string; listedByMicrosoft: boolean }>>;
  authorization(id: string): Promise<{ status: string; lastSuccessAt: Date | null; lastError: string | null } | undefined>;
}

const opened: Array<OpenPostgres | TempDatabase> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    if ('dispose' in o) o.dispose();
    else await o.close();
  }
});

/** A fresh PostgreSQL database and a fresh SQLite file, each behind its store. */
async function engines(): Promise<[Engine, Engine]> {
  const pgDatabase = await openPostgres(await pg().createDatabase(), { max: 3 });
  opened.push(pgDatabase);
  const sqlite = tempDatabase();
  opened.push(sqlite);
  const p = pgDatabase.db;
  const s = sqlite.db;
  const P = pgSchema;
  const S = sqliteSchema;
  const authorizationRow = (a: { orgId: string; tenantId: string; status?: AuthorizationStatus; id?: string }) => ({
    id: a.id ?? randomUUID(),
    orgId: a.orgId,
    createdBy: 'test',
    label: 'contoso.com',
    tenantId: a.tenantId,
    status: a.status ?? ('active' as const),
    createdAt: at(0),
    updatedAt: at(0),
  });
  const channelRow = (orgId: string, filters: object) => ({
    id: randomUUID(),
    orgId,
    kind: 'webhook' as const,
    name: 'ops',
    target: 'sealed',
    targetMasked: 'https://hooks.example/…',
    filters: JSON.stringify(filters),
    createdAt: at(0),
    updatedAt: at(0),
  });
  const onPostgres: Engine = {
    name: 'postgres',
    store: createPostgresStore(p),
    addAuthorization: async (a) => (await p.insert(P.authorizations).values(authorizationRow(a)).returning())[0]!.id,
    addChannel: async (orgId, filters = {}) => (await p.insert(P.channels).values(channelRow(orgId, filters)).returning())[0]!.id,
    events: () => p.select().from(P.events).orderBy(asc(P.events.seq)),
    deliveries: () => p.select().from(P.deliveries).orderBy(asc(P.deliveries.eventId), asc(P.deliveries.channelId)),
    history: () => p.select().from(P.serviceStatusHistory).orderBy(asc(P.serviceStatusHistory.id)),
    services: () => p.select().from(P.services).orderBy(asc(P.services.serviceId)),
    issues: () => p.select().from(P.issues).orderBy(asc(P.issues.id)),
    posts: () => p.select().from(P.issuePosts).orderBy(asc(P.issuePosts.issueId), asc(P.issuePosts.position)),
    messages: () => p.select().from(P.messages).orderBy(asc(P.messages.id)),
    authorization: async (id) => (await p.select().from(P.authorizations).where(eqId(P.authorizations.id, id)))[0],
  };
  const onSqlite: Engine = {
    name: 'sqlite',
    store: createSqliteStore(s),
    addAuthorization: async (a) => s.insert(S.authorizations).values(authorizationRow(a)).returning().get().id,
    addChannel: async (orgId, filters = {}) => s.insert(S.channels).values(channelRow(orgId, filters)).returning().get().id,
    events: async () => s.select().from(S.events).orderBy(asc(S.events.seq)).all(),
    deliveries: async () => s.select().from(S.deliveries).orderBy(asc(S.deliveries.eventId), asc(S.deliveries.channelId)).all(),
    history: async () => s.select().from(S.serviceStatusHistory).orderBy(asc(S.serviceStatusHistory.id)).all(),
    services: async () => s.select().from(S.services).orderBy(asc(S.services.serviceId)).all(),
    issues: async () => s.select().from(S.issues).orderBy(asc(S.issues.id)).all(),
    posts: async () => s.select().from(S.issuePosts).orderBy(asc(S.issuePosts.issueId), asc(S.issuePosts.position)).all(),
    messages: async () => s.select().from(S.messages).orderBy(asc(S.messages.id)).all(),
    authorization: async (id) => s.select().from(S.authorizations).where(eqId(S.authorizations.id, id)).get(),
  };
  return [onPostgres, onSqlite];
}

/** Runs `step` on both engines (PostgreSQL first) and returns both answers. */
async function both<R>(pair: readonly [Engine, Engine], step: (e: Engine) => Promise<R>): Promise<[R, R]> {
  return [await step(pair[0]), await step(pair[1])];
}

/** An org with an active authorization for {@link T} and one webhook channel, the same ids on both engines. */
async function subscribedOrg(pair: readonly [Engine, Engine]) {
  const authorizationId = randomUUID();
  const [[org, channelId], [sqliteOrg, sqliteChannelId]] = await both(pair, async (e) => {
    const o = await e.store.createOrg(`org-${randomUUID()}`);
    await e.addAuthorization({ orgId: o.id, tenantId: T, id: authorizationId });
    return [o, await e.addChannel(o.id)] as const;
  });
  return { authorizationId, orgs: [org.id, sqliteOrg.id], channels: [channelId, sqliteChannelId] };
}

const service = (id: string, status: string): ServiceRecord => ({ id, name: `${id} Online`, status });

function issue(id: string, over: Partial<IssueRecord> = {}): IssueRecord {
  return {
    id,
    title: `${id}: users cannot send mail`,
    service: 'Exchange Online',
    feature: 'Mail flow',
    featureGroup: 'E-Mail and calendar access',
    classification: 'incident',
    status: 'serviceDegradation',
    origin: 'microsoft',
    isResolved: false,
    startDateTime: '2024-04-30T08:00:00Z',
    endDateTime: null,
    lastModifiedDateTime: '2024-05-01T09:00:00Z',
    impactDescription: 'Users may be unable to send mail.',
    posts: [{ createdDateTime: '2024-04-30T08:10:00Z', postType: 'regular', contentType: 'html', content: '<p>Investigating.</p><script>alert(1)</script><img src=x onerror=alert(2)>' }],
    ...over,
  };
}

const message: MessageRecord = {
  id: 'MC123456',
  title: 'Plan for change: new mail flow rules',
  category: 'planForChange',
  severity: 'normal',
  isMajorChange: true,
  services: ['Exchange Online'],
  tags: ['Admin impact'],
  startDateTime: '2024-04-29T00:00:00Z',
  endDateTime: null,
  lastModifiedDateTime: '2024-04-29T12:00:00Z',
  actionRequiredByDateTime: null,
  details: [{ name: 'Platforms', value: 'Web' }],
  body: { contentType: 'html', content: '<p>Rules change.</p><a href="javascript:alert(1)">x</a>' },
};

const snapshot = (over: Partial<SyncSnapshot> = {}): SyncSnapshot => ({
  services: [service('Exchange', 'serviceOperational'), service('Teams', 'serviceOperational')],
  issues: [issue('EX1')],
  fullIssueSync: true,
  organization: { displayName: 'Contoso', defaultDomain: 'contoso.com' },
  ...over,
});

describe('sync on PostgreSQL', () => {
  it('records no event for a first sync, one with SQLite’s id for a later change, and nothing when the same state is read again', async () => {
    const pair = await engines();
    const { authorizationId, channels } = await subscribedOrg(pair);
    const success = (s: SyncSnapshot, now: Date, nextPollAt: Date) => both(pair, (e) => e.store.recordSyncSuccess({ tenantId: T, authorizationId, snapshot: s, now, nextPollAt }));

    // First sync: the backlog is stored (sanitised) and announces nothing.
    expect(await success(snapshot({ messages: { items: [message], full: true } }), at(0), at(5))).toEqual([{ events: [] }, { events: [] }]);
    const [pgPosts, sqlitePosts] = await both(pair, (e) => e.posts());
    expect(pgPosts.map((p) => [p.issueId, p.position, p.html])).toEqual(sqlitePosts.map((p) => [p.issueId, p.position, p.html]));
    expect(pgPosts[0]!.html).toContain('Investigating.');
    expect(pgPosts[0]!.html).not.toMatch(/script|onerror/);
    const [pgMessages, sqliteMessages] = await both(pair, (e) => e.messages());
    expect(pgMessages.map((m) => [m.id, m.html, m.listedByMicrosoft])).toEqual(sqliteMessages.map((m) => [m.id, m.html, m.listedByMicrosoft]));
    expect(pgMessages[0]!.html).not.toContain('javascript:');
    const [pgTenant] = await both(pair, (e) => e.store.getTenantRow(T));
    expect(pgTenant).toMatchObject({
      displayName: 'Contoso',
      defaultDomain: 'contoso.com',
      firstSyncAt: at(0),
      lastSyncAt: at(0),
      lastFullSyncAt: at(0),
      nextPollAt: at(5),
      issuesWatermark: '2024-05-01T09:00:00.000Z',
      messagesWatermark: '2024-04-29T12:00:00.000Z',
      lastFullMessagesSyncAt: at(0),
      consecutiveFailures: 0,
    });
    expect((await pair[0].authorization(authorizationId))!.lastSuccessAt).toEqual(at(0));

    // A new post on the issue: one issue.updated event, the same id and payload on both engines, one delivery each.
    const changed = snapshot({
      fullIssueSync: false,
      issues: [
        issue('EX1', {
          lastModifiedDateTime: '2024-05-01T10:04:00Z',
          posts: [...issue('EX1').posts, { createdDateTime: '2024-05-01T10:04:00Z', postType: 'regular', contentType: 'text', content: 'A fix is <rolling> out.' }],
        }),
      ],
    });
    const [onPg, onSqlite] = await success(changed, at(5), at(10));
    expect(onPg!.events).toHaveLength(1);
    expect(onPg).toEqual(onSqlite);
    const [pgEvents, sqliteEvents] = await both(pair, (e) => e.events());
    expect(pgEvents.map((e) => [e.id, e.tenantId, e.type, JSON.parse(e.payload)])).toEqual(sqliteEvents.map((e) => [e.id, e.tenantId, e.type, JSON.parse(e.payload)]));
    expect(JSON.parse(pgEvents[0]!.payload)).toMatchObject({ type: 'issue.updated', tenant: { tenantId: T, displayName: 'Contoso', label: null }, issue: { id: 'EX1', latestPost: { html: expect.stringContaining('&lt;rolling&gt;') } } });
    const [pgDeliveries, sqliteDeliveries] = await both(pair, (e) => e.deliveries());
    expect(pgDeliveries.map((d) => [d.channelId, d.eventId, d.status])).toEqual([[channels[0], onPg!.events[0], 'pending']]);
    expect(sqliteDeliveries.map((d) => [d.channelId, d.eventId, d.status])).toEqual([[channels[1], onPg!.events[0], 'pending']]);

    // The same state read again (an overlapping incremental read): nothing new, the issue only marked as seen.
    expect(await success(changed, at(10), at(15))).toEqual([{ events: [] }, { events: [] }]);
    expect(await pair[0].events()).toHaveLength(1);
    expect(await pair[0].deliveries()).toHaveLength(1);
    expect((await pair[0].issues())[0]).toMatchObject({ id: 'EX1', lastListedAt: at(10), listedByMicrosoft: true });
    expect((await pair[0].posts()).map((p) => p.position)).toEqual([0, 1]);
    expect(await pair[0].store.getTenantRow(T)).toMatchObject({ lastSyncAt: at(10), nextPollAt: at(15), issuesWatermark: '2024-05-01T10:04:00.000Z' });
  });

  it('counts an issue’s posts in its own tenant: one Microsoft incident (one id) in two tenants, a new post in one is announced', async () => {
    const pair = await engines();
    const { authorizationId, orgs } = await subscribedOrg(pair);
    const OTHER = 'c3d4e5f6-0718-4a29-b3c4-d5e6f7081920';
    const other = randomUUID();
    await both(pair, async (e) => e.addAuthorization({ orgId: orgs[e.name === 'postgres' ? 0 : 1]!, tenantId: OTHER, id: other }));
    const post = (n: number) => ({ createdDateTime: `2024-05-01T10:0${n}:00Z`, postType: 'regular', contentType: 'text', content: `Update ${n}.` });
    const withPosts = (n: number, modified: string) => issue('EX1', { lastModifiedDateTime: modified, posts: [...issue('EX1').posts, ...Array.from({ length: n }, (_, i) => post(i + 1))] });
    const sync = (tenantId: string, authorization: string, s: SyncSnapshot, now: Date) => both(pair, (e) => e.store.recordSyncSuccess({ tenantId, authorizationId: authorization, snapshot: s, now, nextPollAt: at(60) }));
    // The other tenant already has three more posts of the same incident.
    await sync(OTHER, other, snapshot({ issues: [withPosts(3, '2024-05-01T10:03:00Z')] }), at(0));
    await sync(T, authorizationId, snapshot(), at(0));
    // Tenant T gets its first update: an issue.updated for T, on both engines.
    const [onPg, onSqlite] = await sync(T, authorizationId, snapshot({ fullIssueSync: false, issues: [withPosts(1, '2024-05-01T10:01:00Z')] }), at(5));
    expect(onPg!.events).toHaveLength(1);
    expect(onPg).toEqual(onSqlite);
    const [pgEvents] = await both(pair, (e) => e.events());
    expect(pgEvents.map((e) => [e.tenantId, e.type])).toEqual([[T, 'issue.updated']]);
  });

  it('keeps each service’s status history, and announces every change (a status that comes back is a new change)', async () => {
    const pair = await engines();
    await subscribedOrg(pair);
    const statuses = ['serviceOperational', 'serviceDegradation', 'serviceOperational', 'serviceDegradation'];
    const recorded: Array<[string[], string[]]> = [];
    for (const [i, status] of statuses.entries()) {
      recorded.push(await both(pair, (e) => e.store.applySync(T, snapshot({ services: [service('Exchange', status), service('Teams', 'serviceOperational')], issues: [] }), at(i))));
    }
    // The Teams service stops being reported: it goes from the services, its history stays.
    recorded.push(await both(pair, (e) => e.store.applySync(T, snapshot({ services: [service('Exchange', 'serviceDegradation')], issues: [] }), at(9))));

    const [pgHistory, sqliteHistory] = await both(pair, (e) => e.history());
    const rows = (h: typeof pgHistory) => h.map((r) => [r.serviceId, r.previousStatus, r.status, r.changedAt]);
    expect(rows(pgHistory)).toEqual([
      ['Exchange', null, 'serviceOperational', at(0)],
      ['Teams', null, 'serviceOperational', at(0)],
      ['Exchange', 'serviceOperational', 'serviceDegradation', at(1)],
      ['Exchange', 'serviceDegradation', 'serviceOperational', at(2)],
      ['Exchange', 'serviceOperational', 'serviceDegradation', at(3)],
    ]);
    expect(rows(pgHistory)).toEqual(rows(sqliteHistory));
    expect((await pair[0].services()).map((s) => [s.serviceId, s.status])).toEqual([['Exchange', 'serviceDegradation']]);

    expect(recorded.map(([onPg]) => onPg.length)).toEqual([0, 1, 1, 1, 0]);
    expect(recorded.map(([onPg]) => onPg)).toEqual(recorded.map(([, onSqlite]) => onSqlite));
    expect(new Set(recorded.flatMap(([onPg]) => onPg)).size).toBe(3);
    expect((await pair[0].events()).map((e) => JSON.parse(e.payload).service)).toEqual([
      { id: 'Exchange', name: 'Exchange Online', status: 'serviceDegradation', previousStatus: 'serviceOperational' },
      { id: 'Exchange', name: 'Exchange Online', status: 'serviceOperational', previousStatus: 'serviceDegradation' },
      { id: 'Exchange', name: 'Exchange Online', status: 'serviceDegradation', previousStatus: 'serviceOperational' },
    ]);
  });

  it('marks the issues a full sync no longer lists (kept, not deleted), and prunes them after the retention', async () => {
    const pair = await engines();
    await subscribedOrg(pair);
    const old = { lastModifiedDateTime: '2024-03-01T00:00:00Z' };
    await both(pair, (e) => e.store.applySync(T, snapshot({ issues: [issue('EX1', old), issue('EX2', old), issue('EX3', { status: 'serviceInterruption' })] }), at(0)));
    // EX3 recovers: the interruption once seen stays seen.
    await both(pair, (e) => e.store.applySync(T, snapshot({ issues: [issue('EX2', old), issue('EX3', { status: 'serviceRestored', isResolved: true })] }), at(1)));
    // An incremental read that does not mention EX2 marks nothing.
    await both(pair, (e) => e.store.applySync(T, snapshot({ fullIssueSync: false, issues: [] }), at(2)));

    const [pgIssues, sqliteIssues] = await both(pair, (e) => e.issues());
    const rows = (list: typeof pgIssues) => list.map((i) => [i.id, i.listedByMicrosoft, i.status, i.isResolved, i.interruptionSeen]);
    expect(rows(pgIssues)).toEqual([
      ['EX1', false, 'serviceDegradation', false, false],
      ['EX2', true, 'serviceDegradation', false, false],
      ['EX3', true, 'serviceRestored', true, true],
    ]);
    expect(rows(pgIssues)).toEqual(rows(sqliteIssues));

    // 30 days after 2024-05-01: EX1 (unlisted, last changed in March) goes with its posts; EX2 is old but still listed.
    expect(await both(pair, (e) => e.store.pruneRetainedIssues(at(0), 30))).toEqual([1, 1]);
    expect((await pair[0].issues()).map((i) => i.id)).toEqual(['EX2', 'EX3']);
    expect((await pair[0].posts()).map((p) => p.issueId)).toEqual(['EX2', 'EX3']);
    expect(await both(pair, (e) => e.store.pruneRetainedIssues(at(0), 30))).toEqual([0, 0]);
  });

  it('writes nothing of a snapshot with an invalid record, or of a sync whose authorization was deleted meanwhile', async () => {
    const [onPg] = await engines();
    await expect(onPg.store.applySync(T, snapshot({ issues: [issue('EX1'), issue('EX2', { title: '' })] }), at(0))).rejects.toBeInstanceOf(InvalidRecordError);
    expect(await onPg.store.getTenantRow(T)).toBeUndefined();
    expect(await onPg.issues()).toEqual([]);
    expect(await onPg.store.recordSyncSuccess({ tenantId: T, authorizationId: randomUUID(), snapshot: snapshot(), now: at(0), nextPollAt: at(5) })).toBeNull();
    expect(await onPg.store.getTenantRow(T)).toBeUndefined();
  });
});

describe('scheduling on PostgreSQL', () => {
  it('lists the due tenants with an active authorization earliest first, and the earliest next poll', async () => {
    const pair = await engines();
    const tenantsIn = ['t-late', 't-early', 't-future', 't-paused', 't-tie-b', 't-tie-a'];
    const nextPoll: Record<string, Date> = { 't-late': at(8), 't-early': at(2), 't-future': at(30), 't-paused': at(1), 't-tie-b': at(5), 't-tie-a': at(5) };
    await both(pair, async (e) => {
      const org = await e.store.createOrg('poller');
      for (const tenantId of tenantsIn) {
        await e.addAuthorization({ orgId: org.id, tenantId, status: tenantId === 't-paused' ? 'reauth_required' : 'active' });
        await e.store.applySync(tenantId, snapshot({ issues: [] }), at(0));
        await e.store.recordSyncAttempt(tenantId, { lastError: 'Graph answered 503', nextPollAt: nextPoll[tenantId]! });
      }
    });
    expect(await both(pair, (e) => e.store.dueTenantIds(at(10)))).toEqual([
      ['t-early', 't-tie-a', 't-tie-b', 't-late'],
      ['t-early', expect.stringMatching(/^t-tie-/), expect.stringMatching(/^t-tie-/), 't-late'],
    ]);
    expect(await both(pair, (e) => e.store.dueTenantIds(at(4)))).toEqual([['t-early'], ['t-early']]);
    // The paused tenant is due earliest but has no active authorization: it does not count.
    expect(await both(pair, (e) => e.store.earliestDueAt())).toEqual([at(2), at(2)]);

    // A failed attempt moves the tenant and counts towards the backoff.
    await both(pair, (e) => e.store.recordSyncAttempt('t-early', { lastError: 'Graph answered 429', nextPollAt: at(20), consecutiveFailures: 3 }));
    expect(await pair[0].store.getTenantRow('t-early')).toMatchObject({ lastError: 'Graph answered 429', nextPollAt: at(20), consecutiveFailures: 3 });
    expect(await pair[0].store.dueTenantIds(at(10))).toEqual(['t-tie-a', 't-tie-b', 't-late']);
    expect(await pair[0].store.earliestDueAt()).toEqual(at(5));
    expect(await pair[0].store.getTenantRow('t-none')).toBeUndefined();
  });

  it('marks a lost grant for re-authorization once, with SQLite’s event for its org only, and stops polling the tenant', async () => {
    const pair = await engines();
    const { authorizationId, channels } = await subscribedOrg(pair);
    // Another org reads the same tenant (and has a channel): the event is not for it.
    await both(pair, async (e) => {
      const other = await e.store.createOrg('other');
      await e.addAuthorization({ orgId: other.id, tenantId: T, status: 'reauth_required' });
      await e.addChannel(other.id);
    });
    await both(pair, (e) => e.store.recordSyncSuccess({ tenantId: T, authorizationId, snapshot: snapshot(), now: at(0), nextPollAt: at(5) }));

    const [onPg, onSqlite] = await both(pair, (e) => e.store.requireReauthorization(authorizationId, 'AADSTS700082: the refresh token has expired', at(6)));
    expect(onPg).toHaveLength(1);
    expect(onPg).toEqual(onSqlite);
    expect(await pair[0].authorization(authorizationId)).toMatchObject({ status: 'reauth_required', lastError: 'AADSTS700082: the refresh token has expired' });
    const [event] = await pair[0].events();
    expect(JSON.parse(event!.payload)).toMatchObject({
      id: onPg[0],
      type: 'authorization.reauth_required',
      tenant: { tenantId: T, displayName: 'Contoso', label: null },
      authorization: { id: authorizationId, label: 'contoso.com', reason: 'AADSTS700082: the refresh token has expired' },
    });
    expect((await pair[0].deliveries()).map((d) => d.channelId)).toEqual([channels[0]]);

    expect(await both(pair, (e) => e.store.requireReauthorization(authorizationId, 'again', at(7)))).toEqual([[], []]);
    expect(await pair[0].events()).toHaveLength(1);
    expect(await both(pair, (e) => e.store.dueTenantIds(at(10)))).toEqual([[], []]);
    expect(await pair[0].store.earliestDueAt()).toBeNull();
  });
});

describe('the poller on PostgreSQL', () => {
  const PUBLIC_URL = 'http://127.0.0.1:8787';
  let simulator: RunningSimulator;
  beforeAll(async () => {
    simulator = await startSimulator({ log: false, seed: 21 });
    simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${PUBLIC_URL}/oauth/callback`] });
  });
  afterAll(() => simulator?.close());

  it('syncs a consented tenant from the simulator into PostgreSQL, then records a new incident and its service’s interruption as events', async () => {
    const database = await openPostgres(await pg().createDatabase(), { max: 3 });
    opened.push(database);
    const store = createPostgresStore(database.db);
    const box = new SecretBox(randomBytes(32));
    const identity = new IdentityClient({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, loginUrl: simulator.url, redirectUri: `${PUBLIC_URL}/oauth/callback` });
    let clock = new Date();
    const now = () => clock;
    const recorded: string[] = [];
    const authorizationsCore = createAuthorizationsCore({ store, box, identity, config: { publicUrl: PUBLIC_URL, allowedOrigins: [PUBLIC_URL] }, now, log: () => {}, onActivated: () => {} });
    const keys = createKeysCore({ store, now });
    const principal = (await keys.authenticate((await keys.create({ orgName: 'pg-poller', role: 'admin' })).key)) as Principal;
    const tenant = simulator.tenants[0]!;
    const begun = await authorizationsCore.begin(principal, { label: tenant.domain, api: 'service-communications', returnTo: null, origin: null });
    const callback = new URL(await walkSimulatedConsent(begun.authorizeUrl, tenant.admins[0]!.upn));
    expect(await authorizationsCore.complete(Object.fromEntries(callback.searchParams))).toMatchObject({ kind: 'finished', status: 'active' });

    const poller = new Poller({
      sync: createSyncCore({ store, box, now, eventsRecorded: (ids) => recorded.push(...ids), owner: 'test-instance' }),
      identity,
      graphUrl: simulator.url,
      cron: '*/5 * * * *',
      now,
      log: () => {},
    });
    const [first] = await poller.runCycle();
    expect(first).toMatchObject({ status: 'ok', tenantId: tenant.tenantId, full: true });
    expect((await database.db.select().from(pgSchema.services)).length).toBeGreaterThan(0);
    expect(await store.getTenantRow(tenant.tenantId)).toMatchObject({ firstSyncAt: clock, lastSyncAt: clock, displayName: expect.any(String), consecutiveFailures: 0 });
    expect(await database.db.select().from(pgSchema.events)).toEqual([]);
    // Not due again before its next poll.
    expect(await poller.runCycle()).toEqual([]);

    const created = await fetch(`${simulator.url}/_simulator/tenants/${tenant.tenantId}/issues`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Users cannot join Teams meetings', service: 'Microsoft Teams', classification: 'incident', status: 'serviceInterruption', post: { html: 'Users cannot join.<script>x()</script>' } }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    clock = new Date(clock.getTime() + 6 * 60_000);
    const [second] = await poller.runCycle();
    expect(second).toMatchObject({ status: 'ok', requests: 2, full: false });
    const stored = await database.db.select().from(pgSchema.events);
    expect(stored.map((e) => [e.type, JSON.parse(e.payload).issue?.id ?? JSON.parse(e.payload).service])).toEqual([
      ['service.status_changed', { id: 'microsoftteams', name: 'Microsoft Teams', previousStatus: 'serviceOperational', status: 'serviceInterruption' }],
      ['issue.created', id],
    ]);
    await expect.poll(() => recorded).toEqual(stored.map((e) => e.id));
    // A quiet cycle: two Graph requests, nothing new recorded.
    clock = new Date(clock.getTime() + 6 * 60_000);
    expect(await poller.runCycle()).toMatchObject([{ status: 'ok', requests: 2 }]);
    expect(await database.db.select().from(pgSchema.events)).toHaveLength(2);
    expect(JSON.stringify(await database.db.select().from(pgSchema.issuePosts).where(eqId(pgSchema.issuePosts.issueId, id)))).not.toContain('<script>');
  });
});
