/**
 * The store against a real SQLite file migrated by `openDatabase`, fed with Microsoft's example
 * payloads (mapped by test/server/support/graph-records.ts).
 */
import { asc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../server/crypto.js';
import {
  apiKeys,
  authorizations,
  issuePosts,
  issues,
  services,
  serviceStatusHistory,
  tenants,
} from '../../server/db/schema.js';
import type { IssueRecord, SyncSnapshot } from '../../server/domain.js';
import {
  AmbiguousKeyError,
  applySync,
  authenticateApiKey,
  createApiKey,
  createOrg,
  findOrCreateOrg,
  InvalidRecordError,
  listApiKeys,
  revokeApiKey,
} from '../../server/store/index.js';
import { deleteAuthorization } from '../../server/store/authorizations.js';
import { addAuthorization, tempDatabase, type TempDatabase } from './support/db.js';
import { fixtureIssues, fixtureSnapshot } from './support/graph-records.js';

const T1 = '84841066-274d-4ec0-a5c1-276be684bdd3';
const T2 = '11111111-2222-3333-4444-555555555555';
const t0 = new Date('2024-05-01T10:00:00Z');
const t1 = new Date('2024-05-01T10:05:00Z');

let store: TempDatabase;
beforeEach(() => {
  store = tempDatabase();
});
afterEach(() => store.dispose());

const count = (table: typeof services | typeof issues | typeof issuePosts | typeof serviceStatusHistory | typeof tenants) =>
  store.db.select({ n: sql<number>`count(*)` }).from(table).get()!.n;

function everything() {
  const db = store.db;
  return {
    tenants: db.select().from(tenants).orderBy(asc(tenants.tenantId)).all(),
    services: db.select().from(services).orderBy(asc(services.tenantId), asc(services.serviceId)).all(),
    history: db.select().from(serviceStatusHistory).orderBy(asc(serviceStatusHistory.id)).all(),
    issues: db.select().from(issues).orderBy(asc(issues.tenantId), asc(issues.id)).all(),
    posts: db.select().from(issuePosts).orderBy(asc(issuePosts.tenantId), asc(issuePosts.issueId), asc(issuePosts.position)).all(),
  };
}

describe('applySync', () => {
  it('writes services, issues, sanitised posts and the tenant from the fixtures', () => {
    const snapshot = fixtureSnapshot();
    applySync(store.db, T1, snapshot, t0);

    const state = everything();
    expect(state.services.map((s) => [s.serviceId, s.name, s.status])).toEqual([
      ['Exchange', 'Exchange Online', 'serviceOperational'],
      ['OSDPPlatform', 'Microsoft 365 suite', 'serviceOperational'],
      ['OrgLiveID', 'Identity Service', 'serviceRestored'],
    ]);
    expect(state.issues.map((i) => i.id).sort()).toEqual(['CR384241', 'EX226574', 'EX226792', 'EX415080', 'MO226574', 'MO226784']);
    const ex = state.issues.find((i) => i.id === 'EX226792')!;
    expect(ex).toMatchObject({ classification: 'incident', origin: 'microsoft', status: 'serviceRestored', isResolved: true });
    expect(state.posts).toHaveLength(6);
    const post = state.posts.find((p) => p.issueId === 'EX226792')!;
    expect(post.html).toBe(
      '<p>Title: Limited number of users unable to send or receive email through the Exchange Online service</p>' +
        '<p>User Impact: Users may be unable to send or receive email through the Exchange Online service.</p>',
    );

    const [tenant] = state.tenants;
    expect(tenant).toMatchObject({
      tenantId: T1,
      displayName: 'Contoso',
      defaultDomain: 'contoso.com',
      consecutiveFailures: 0,
      lastError: null,
      issuesWatermark: '2022-08-18T16:46:04.133Z',
    });
    expect(tenant.lastSyncAt).toEqual(t0);
    expect(tenant.lastFullSyncAt).toEqual(t0);
    expect(tenant.nextPollAt).toEqual(t0);
  });

  it('is idempotent: the same snapshot twice leaves the same rows and no duplicates', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    const first = everything();
    applySync(store.db, T1, fixtureSnapshot(), t0);
    expect(everything()).toEqual(first);
    expect(count(serviceStatusHistory)).toBe(3);
  });

  it('records a history row when a service first appears or changes status, not otherwise', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    expect(everything().history.map((h) => [h.serviceId, h.previousStatus, h.status])).toEqual([
      ['Exchange', null, 'serviceOperational'],
      ['OrgLiveID', null, 'serviceRestored'],
      ['OSDPPlatform', null, 'serviceOperational'],
    ]);

    const changed = fixtureSnapshot();
    changed.services[0] = { ...changed.services[0], status: 'serviceDegradation' };
    applySync(store.db, T1, changed, t1);
    const history = everything().history;
    expect(history).toHaveLength(4);
    expect(history[3]).toMatchObject({ serviceId: 'Exchange', previousStatus: 'serviceOperational', status: 'serviceDegradation', changedAt: t1 });
    expect(store.db.select().from(services).where(eq(services.serviceId, 'Exchange')).get()!.status).toBe('serviceDegradation');
  });

  it('keeps unknown enum values as received', () => {
    const snapshot = fixtureSnapshot();
    snapshot.services[0].status = 'brandNewStatus';
    snapshot.issues[0] = { ...snapshot.issues[0], classification: 'somethingElse', status: 'weirdState' };
    applySync(store.db, T1, snapshot, t0);
    expect(store.db.select().from(services).where(eq(services.serviceId, snapshot.services[0].id)).get()!.status).toBe('brandNewStatus');
    expect(store.db.select().from(issues).where(eq(issues.id, snapshot.issues[0].id)).get()).toMatchObject({
      classification: 'somethingElse',
      status: 'weirdState',
    });
  });

  it('removes services the overview no longer reports', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    const fewer = fixtureSnapshot();
    fewer.services = fewer.services.filter((s) => s.id !== 'OrgLiveID');
    applySync(store.db, T1, fewer, t1);
    expect(everything().services.map((s) => s.serviceId)).toEqual(['Exchange', 'OSDPPlatform']);
  });

  it('replaces the posts of an updated issue', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    const [issue] = fixtureIssues();
    const updated: IssueRecord = {
      ...issue,
      lastModifiedDateTime: '2024-05-01T10:04:00.000Z',
      posts: [
        ...issue.posts,
        { createdDateTime: '2024-05-01T10:03:00.000Z', postType: 'regular', contentType: 'html', content: 'Update 2<img src=x onerror=alert(1)>' },
      ],
    };
    applySync(store.db, T1, { services: fixtureSnapshot().services, issues: [updated], fullIssueSync: false }, t1);
    const posts = everything().posts.filter((p) => p.issueId === issue.id);
    expect(posts.map((p) => p.position)).toEqual([0, 1]);
    expect(posts[1].html).toBe('<p>Update 2</p>');
  });

  it('escapes text posts and turns their newlines into breaks', () => {
    const [issue] = fixtureIssues();
    const textual: IssueRecord = {
      ...issue,
      posts: [{ createdDateTime: '2024-05-01T10:03:00.000Z', postType: 'quick', contentType: 'text', content: 'a <b>\nb' }],
    };
    applySync(store.db, T1, { services: [], issues: [textual], fullIssueSync: false }, t0);
    expect(everything().posts[0].html).toBe('<p>a &lt;b&gt;<br />b</p>');
  });

  it('an incremental sync keeps issues it did not mention; a full sync keeps them with their posts, marked as no longer listed', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    const [keep, ...others] = fixtureIssues();
    applySync(store.db, T1, { services: fixtureSnapshot().services, issues: [keep], fullIssueSync: false }, t1);
    expect(count(issues)).toBe(6);
    const tenant = everything().tenants[0];
    expect(tenant.lastFullSyncAt).toEqual(t0);
    expect(tenant.lastSyncAt).toEqual(t1);
    // The watermark never goes back when an incremental sync brings older issues.
    expect(tenant.issuesWatermark).toBe('2022-08-18T16:46:04.133Z');

    const postsBefore = everything().posts.length;
    applySync(store.db, T1, { services: fixtureSnapshot().services, issues: [keep], fullIssueSync: true }, t1);
    expect(everything().issues.filter((i) => i.listedByMicrosoft).map((i) => i.id)).toEqual([keep.id]);
    expect(everything().issues.filter((i) => !i.listedByMicrosoft).map((i) => i.id).sort()).toEqual(others.map((i) => i.id).sort());
    expect(everything().posts.length).toBe(postsBefore);
    expect(everything().tenants[0].lastFullSyncAt).toEqual(t1);
    expect(others.length).toBeGreaterThan(0);
  });

  it('does not touch another tenant', () => {
    applySync(store.db, T2, fixtureSnapshot(), t0);
    applySync(store.db, T1, { services: [], issues: [], fullIssueSync: true }, t1);
    expect(everything().issues.filter((i) => i.tenantId === T2)).toHaveLength(6);
    expect(everything().services.filter((s) => s.tenantId === T2)).toHaveLength(3);
  });

  it('resets the failure bookkeeping and keeps nextPollAt of an existing tenant', () => {
    applySync(store.db, T1, fixtureSnapshot(), t0);
    const later = new Date('2024-05-01T11:00:00Z');
    store.db.update(tenants).set({ consecutiveFailures: 4, lastError: 'Graph answered 503', nextPollAt: later }).run();
    applySync(store.db, T1, { services: fixtureSnapshot().services, issues: [], fullIssueSync: false }, t1);
    expect(everything().tenants[0]).toMatchObject({ consecutiveFailures: 0, lastError: null, nextPollAt: later, displayName: 'Contoso' });
  });

  describe('an invalid record rolls the whole sync back', () => {
    function poisoned(): SyncSnapshot {
      const snapshot = fixtureSnapshot();
      snapshot.services[0] = { ...snapshot.services[0], status: 'serviceInterruption' };
      const bad = { ...snapshot.issues[1], id: 'BAD1', title: null } as unknown as IssueRecord;
      // Valid issues are written before the bad one is reached.
      snapshot.issues = [snapshot.issues[0], { ...snapshot.issues[2], id: 'NEW1' }, bad, snapshot.issues[3]];
      return snapshot;
    }

    it('for a tenant seen before: nothing changes', () => {
      applySync(store.db, T1, fixtureSnapshot(), t0);
      const before = everything();
      expect(() => applySync(store.db, T1, poisoned(), t1)).toThrow(InvalidRecordError);
      expect(everything()).toEqual(before);
    });

    it('for a new tenant: not even the tenant row is left', () => {
      expect(() => applySync(store.db, T1, poisoned(), t0)).toThrow(/BAD1: title/);
      const state = everything();
      expect(state).toEqual({ tenants: [], services: [], history: [], issues: [], posts: [] });
    });

    it('when the database itself refuses a value', () => {
      applySync(store.db, T1, fixtureSnapshot(), t0);
      const before = everything();
      const snapshot = fixtureSnapshot();
      snapshot.services[1] = { ...snapshot.services[1], name: null as unknown as string, status: 'investigating' };
      expect(() => applySync(store.db, T1, snapshot, t1)).toThrow(/NOT NULL/);
      expect(everything()).toEqual(before);
    });

    it('for a bad date', () => {
      const snapshot = fixtureSnapshot();
      snapshot.issues[4] = { ...snapshot.issues[4], lastModifiedDateTime: 'yesterday' };
      expect(() => applySync(store.db, T1, snapshot, t0)).toThrow(/lastModifiedDateTime/);
      expect(count(tenants)).toBe(0);
      expect(count(issues)).toBe(0);
    });
  });
});

describe('deleting the last authorization of a tenant', () => {
  it('deletes the tenant and everything under it, and nothing else', () => {
    const org = createOrg(store.db, 'acme');
    const other = createOrg(store.db, 'globex');
    const first = addAuthorization(store.db, { orgId: org.id, label: 'contoso', tenantId: T1, status: 'active' });
    const second = addAuthorization(store.db, { orgId: other.id, label: 'contoso', tenantId: T1, status: 'active' });
    addAuthorization(store.db, { orgId: org.id, label: 'fabrikam', tenantId: T2, status: 'active' });
    applySync(store.db, T1, fixtureSnapshot(), t0);
    applySync(store.db, T2, fixtureSnapshot(), t0);

    // Another org still reads the tenant: nothing is purged.
    expect(deleteAuthorization(store.db, org.id, first)).toEqual({ purgedTenant: null });
    expect(everything().tenants.map((t) => t.tenantId).sort()).toEqual([T1, T2].sort());
    // The last one goes: the tenant and all of its rows go with it, T2 is untouched.
    expect(deleteAuthorization(store.db, other.id, second)).toEqual({ purgedTenant: T1 });
    const state = everything();
    expect(state.tenants.map((t) => t.tenantId)).toEqual([T2]);
    for (const rows of [state.services, state.history, state.issues, state.posts]) {
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.tenantId === T2)).toBe(true);
    }
    expect(store.db.select().from(authorizations).all()).toHaveLength(1);
    expect(deleteAuthorization(store.db, other.id, second)).toBeNull();
  });
});

describe('orgs and API keys', () => {
  it('findOrCreateOrg returns the same org for the same name', () => {
    const a = findOrCreateOrg(store.db, 'acme');
    expect(findOrCreateOrg(store.db, 'acme')).toEqual(a);
    expect(findOrCreateOrg(store.db, 'globex').id).not.toBe(a.id);
    expect(() => createOrg(store.db, 'acme')).toThrow();
    expect(() => findOrCreateOrg(store.db, '  ')).toThrow(RangeError);
  });

  it('creates a key that authenticates, storing only its hash', () => {
    const { key, id, prefix } = createApiKey(store.db, { orgName: 'acme', role: 'viewer', userName: 'ann' });
    expect(key).toMatch(/^o365_[A-Za-z0-9_-]{43}$/);
    expect(prefix).toBe(key.slice(0, 12));
    const row = store.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!;
    expect(row.keyHash).toBe(sha256(key));
    expect(JSON.stringify(row)).not.toContain(key);

    expect(authenticateApiKey(store.db, key, t0)).toEqual({
      keyId: id,
      orgId: findOrCreateOrg(store.db, 'acme').id,
      orgName: 'acme',
      role: 'viewer',
      userName: 'ann',
    });
    expect(authenticateApiKey(store.db, key + 'x', t0)).toBeNull();
    expect(authenticateApiKey(store.db, 'not-a-key', t0)).toBeNull();
    expect(authenticateApiKey(store.db, prefix, t0)).toBeNull();
  });

  it('writes lastUsedAt at most once a minute', () => {
    const { key, id } = createApiKey(store.db, { orgName: 'acme', role: 'admin' });
    const lastUsed = () => store.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get()!.lastUsedAt;
    expect(lastUsed()).toBeNull();
    authenticateApiKey(store.db, key, t0);
    expect(lastUsed()).toEqual(t0);
    authenticateApiKey(store.db, key, new Date(t0.getTime() + 59_000));
    expect(lastUsed()).toEqual(t0);
    const later = new Date(t0.getTime() + 60_000);
    authenticateApiKey(store.db, key, later);
    expect(lastUsed()).toEqual(later);
  });

  it('lists keys per org and revokes by id or prefix', () => {
    const a = createApiKey(store.db, { orgName: 'acme', role: 'admin', userName: 'ann' });
    const b = createApiKey(store.db, { orgName: 'globex', role: 'viewer' });
    expect(listApiKeys(store.db).map((k) => k.prefix).sort()).toEqual([a.prefix, b.prefix].sort());
    expect(listApiKeys(store.db, 'acme')).toEqual([
      expect.objectContaining({ id: a.id, prefix: a.prefix, orgName: 'acme', role: 'admin', userName: 'ann', revokedAt: null }),
    ]);

    expect(revokeApiKey(store.db, a.prefix, t1)).toMatchObject({ id: a.id, revokedAt: t1 });
    expect(authenticateApiKey(store.db, a.key, t1)).toBeNull();
    expect(authenticateApiKey(store.db, b.key, t1)).not.toBeNull();
    // Revoking again keeps the first revocation time.
    expect(revokeApiKey(store.db, a.id, new Date())).toMatchObject({ revokedAt: t1 });
    expect(revokeApiKey(store.db, 'o365_nothing')).toBeNull();
  });

  it('refuses to guess when a prefix matches two keys', () => {
    const a = createApiKey(store.db, { orgName: 'acme', role: 'admin' });
    const b = createApiKey(store.db, { orgName: 'acme', role: 'admin' });
    store.db.update(apiKeys).set({ prefix: a.prefix }).where(eq(apiKeys.id, b.id)).run();
    expect(() => revokeApiKey(store.db, a.prefix)).toThrow(AmbiguousKeyError);
    expect(authenticateApiKey(store.db, a.key, t0)).not.toBeNull();
  });

  it('refuses an unknown role', () => {
    expect(() => createApiKey(store.db, { orgName: 'acme', role: 'root' as 'admin' })).toThrow(RangeError);
  });
});

describe('query plans on a migrated database', () => {
  /** SQLite's plan of `query` (EXPLAIN QUERY PLAN), its steps joined. */
  const plan = (query: string, ...params: unknown[]) =>
    store.sqlite
      .prepare(`explain query plan ${query}`)
      .all(...params)
      .map((r) => (r as { detail: string }).detail)
      .join('; ');

  it("reads one tenant's listed issues and Message center posts by the tenant key, not by every tenant's listed rows", () => {
    // The sync's "listed by Microsoft" reads (a full issue resync, the Message center) and the overview's active issues.
    for (const [table, extra] of [
      ['issues', ''],
      ['messages', ''],
      ['issues', ' and is_resolved = 0'],
    ] as const) {
      const detail = plan(`select id from ${table} where tenant_id = ? and listed_by_microsoft = ?${extra}`, 'tenant', 1);
      expect(detail, `${table}${extra}`).toMatch(/\(tenant_id=\?/);
      expect(detail, `${table}${extra}`).not.toMatch(/retention_idx|SCAN/);
    }
    // The retention prunes still have an index of their own.
    for (const table of ['issues', 'messages']) {
      expect(plan(`delete from ${table} where listed_by_microsoft = ? and last_modified_date_time < ?`, 0, '2024-01-01'), table).toMatch(new RegExp(`${table}_retention_idx`));
    }
  });
});
