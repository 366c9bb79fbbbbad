/**
 * Tenant leases (store/leases.ts, store/pg/leases.ts) on both engines — a real SQLite file
 * migrated by `openDatabase` and a real PostgreSQL 15 — through the `Store` interface the poller
 * uses: what a claim takes, renewal and release by owner, a sync or a failed attempt written by an
 * instance that lost the lease, and Graph's `Retry-After` held in the database.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgres, type OpenPostgres } from '../../server/db/postgres.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import * as sqliteSchema from '../../server/db/schema.js';
import { createSqliteStore, type Store } from '../../server/store/index.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { usePostgres } from '../support/postgres.js';
import { tempDatabase, type TempDatabase } from './support/db.js';

const pg = usePostgres();
const now = new Date('2026-12-01T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const leaseMs = 60_000;

interface TenantSeed {
  tenantId: string;
  nextPollAt: Date;
  leaseOwner?: string;
  leaseUntil?: Date;
  throttledUntil?: Date;
  /** The authorization's status (default active). */
  status?: 'active' | 'reauth_required';
}

interface Engine {
  store: Store;
  seed(tenants: TenantSeed[]): Promise<void>;
  tenant(tenantId: string): Promise<{ leaseOwner: string | null; leaseUntil: Date | null; throttledUntil: Date | null; lastSyncAt: Date | null; lastError: string | null; nextPollAt: Date }>;
}

const opened: Array<OpenPostgres | TempDatabase> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    if ('dispose' in o) o.dispose();
    else await o.close();
  }
});

const authorizationOf = (orgId: string, t: TenantSeed) => ({
  id: `auth-${t.tenantId}`,
  orgId,
  createdBy: 'test',
  label: t.tenantId,
  tenantId: t.tenantId,
  status: t.status ?? ('active' as const),
  createdAt: now,
  updatedAt: now,
});
const tenantOf = (t: TenantSeed) => ({ tenantId: t.tenantId, nextPollAt: t.nextPollAt, leaseOwner: t.leaseOwner ?? null, leaseUntil: t.leaseUntil ?? null, throttledUntil: t.throttledUntil ?? null });

const engines: Record<'sqlite' | 'postgres', () => Promise<Engine>> = {
  async sqlite() {
    const database = tempDatabase();
    opened.push(database);
    const db = database.db;
    return {
      store: createSqliteStore(db),
      async seed(tenants) {
        db.insert(sqliteSchema.orgs).values({ id: 'org', name: 'org' }).run();
        for (const t of tenants) {
          db.insert(sqliteSchema.tenants).values(tenantOf(t)).run();
          db.insert(sqliteSchema.authorizations).values(authorizationOf('org', t)).run();
        }
      },
      tenant: async (tenantId) => db.select().from(sqliteSchema.tenants).all().find((r) => r.tenantId === tenantId)!,
    };
  },
  async postgres() {
    const database = await openPostgres(await pg().createDatabase(), { max: 4 });
    opened.push(database);
    const db = database.db;
    return {
      store: createPostgresStore(db),
      async seed(tenants) {
        await db.insert(pgSchema.orgs).values({ id: 'org', name: 'org' });
        for (const t of tenants) {
          await db.insert(pgSchema.tenants).values(tenantOf(t));
          await db.insert(pgSchema.authorizations).values(authorizationOf('org', t));
        }
      },
      tenant: async (tenantId) => (await db.select().from(pgSchema.tenants)).find((r) => r.tenantId === tenantId)!,
    };
  },
};

const snapshot = { services: [{ id: 'Exchange', name: 'Exchange Online', status: 'serviceOperational' }], issues: [], fullIssueSync: true };

describe.each(['sqlite', 'postgres'] as const)('tenant leases on %s', (engine) => {
  it('claims due, readable, free, unthrottled tenants, earliest due first, a few at a time', async () => {
    const e = await engines[engine]();
    await e.seed([
      { tenantId: 'b-due', nextPollAt: later(-2000) },
      { tenantId: 'a-due', nextPollAt: later(-1000) },
      { tenantId: 'c-due', nextPollAt: later(-1000) },
      { tenantId: 'later', nextPollAt: later(600_000) },
      { tenantId: 'leased', nextPollAt: later(-5000), leaseOwner: 'other', leaseUntil: later(30_000) },
      { tenantId: 'lapsed', nextPollAt: later(-500), leaseOwner: 'dead', leaseUntil: later(-1) },
      { tenantId: 'throttled', nextPollAt: later(-5000), throttledUntil: later(10_000) },
      { tenantId: 'unreadable', nextPollAt: later(-5000), status: 'reauth_required' },
    ]);
    const claim = (limit: number, owner = 'me', at = now) => e.store.claimDueTenants({ owner, now: at, leaseMs, limit });
    expect(await claim(1)).toEqual(['b-due']);
    expect(await claim(2)).toEqual(['a-due', 'c-due']);
    expect(await claim(10)).toEqual(['lapsed']);
    expect(await claim(10, 'you')).toEqual([]);
    expect(await e.tenant('lapsed')).toMatchObject({ leaseOwner: 'me', leaseUntil: later(leaseMs) });
    // Once every lease lapsed and the throttle passed, another instance takes them all.
    expect((await claim(10, 'you', later(leaseMs))).sort()).toEqual(['a-due', 'b-due', 'c-due', 'lapsed', 'leased', 'throttled']);
  });

  it('renews and releases only its own lease; a claim of one tenant ignores the schedule but not a lease or a throttle', async () => {
    const e = await engines[engine]();
    await e.seed([
      { tenantId: 'mine', nextPollAt: later(60_000) },
      { tenantId: 'theirs', nextPollAt: later(60_000), leaseOwner: 'other', leaseUntil: later(30_000) },
      { tenantId: 'throttled', nextPollAt: later(60_000), throttledUntil: later(10_000) },
    ]);
    expect(await e.store.claimTenant('mine', { owner: 'me', now, leaseMs })).toBe(true);
    expect(await e.store.claimTenant('mine', { owner: 'me', now, leaseMs })).toBe(true);
    expect(await e.store.claimTenant('mine', { owner: 'you', now, leaseMs })).toBe(false);
    expect(await e.store.claimTenant('theirs', { owner: 'me', now, leaseMs })).toBe(false);
    expect(await e.store.claimTenant('throttled', { owner: 'me', now, leaseMs })).toBe(false);
    expect(await e.store.renewTenantLease('mine', 'me', later(90_000))).toBe(true);
    expect(await e.store.renewTenantLease('theirs', 'me', later(90_000))).toBe(false);
    expect(await e.tenant('mine')).toMatchObject({ leaseOwner: 'me', leaseUntil: later(90_000) });
    expect(await e.tenant('theirs')).toMatchObject({ leaseOwner: 'other', leaseUntil: later(30_000) });
    await e.store.releaseTenantLease('theirs', 'me');
    expect(await e.tenant('theirs')).toMatchObject({ leaseOwner: 'other' });
    await e.store.releaseTenantLease('mine', 'me');
    expect(await e.tenant('mine')).toMatchObject({ leaseOwner: null, leaseUntil: null });
    // A restarted instance frees what its earlier run held; null frees every lease.
    expect(await e.store.releaseLeases('nobody')).toBe(0);
    expect(await e.store.releaseLeases('other')).toBe(1);
    expect(await e.tenant('theirs')).toMatchObject({ leaseOwner: null });
  });

  it('writes nothing for an instance whose lease passed to another; the holder writes and releases', async () => {
    const e = await engines[engine]();
    await e.seed([{ tenantId: 'tenant', nextPollAt: now }]);
    expect(await e.store.claimDueTenants({ owner: 'paused', now, leaseMs, limit: 1 })).toEqual(['tenant']);
    // The paused instance outlived its lease; another one claimed the tenant.
    expect(await e.store.claimDueTenants({ owner: 'awake', now: later(leaseMs), leaseMs, limit: 1 })).toEqual(['tenant']);
    const write = (owner: string, at: Date) =>
      e.store.recordSyncSuccess({ tenantId: 'tenant', authorizationId: 'auth-tenant', snapshot, now: at, nextPollAt: later(300_000), owner });
    expect(await write('paused', later(leaseMs + 1))).toEqual({ events: [], leaseLost: true });
    expect(await e.tenant('tenant')).toMatchObject({ lastSyncAt: null, leaseOwner: 'awake' });
    await e.store.recordSyncAttempt('tenant', { lastError: 'late failure', nextPollAt: later(1000), owner: 'paused' });
    expect(await e.tenant('tenant')).toMatchObject({ lastError: null, leaseOwner: 'awake' });
    expect(await write('awake', later(leaseMs + 2))).toEqual({ events: [] });
    expect(await e.tenant('tenant')).toMatchObject({ lastSyncAt: later(leaseMs + 2), nextPollAt: later(300_000), leaseOwner: null, leaseUntil: null });
  });

  it("keeps Graph's Retry-After in the database until a sync succeeds", async () => {
    const e = await engines[engine]();
    await e.seed([{ tenantId: 'tenant', nextPollAt: now }]);
    expect(await e.store.claimDueTenants({ owner: 'me', now, leaseMs, limit: 1 })).toEqual(['tenant']);
    await e.store.recordSyncAttempt('tenant', { lastError: 'throttled', nextPollAt: later(20_000), throttledUntil: later(20_000), owner: 'me' });
    expect(await e.tenant('tenant')).toMatchObject({ throttledUntil: later(20_000), leaseOwner: null, lastError: 'throttled' });
    // No instance claims it before then, due or not.
    expect(await e.store.claimDueTenants({ owner: 'other', now: later(19_999), leaseMs, limit: 1 })).toEqual([]);
    expect(await e.store.claimTenant('tenant', { owner: 'other', now: later(19_999), leaseMs })).toBe(false);
    expect(await e.store.claimDueTenants({ owner: 'other', now: later(20_000), leaseMs, limit: 1 })).toEqual(['tenant']);
    await e.store.recordSyncSuccess({ tenantId: 'tenant', authorizationId: 'auth-tenant', snapshot, now: later(20_001), nextPollAt: later(300_000), owner: 'other' });
    expect(await e.tenant('tenant')).toMatchObject({ throttledUntil: null, leaseOwner: null, lastError: null });
  });
});
