/**
 * The outbox operations of the PostgreSQL store (`server/store/pg/outbox.ts`: reading change
 * events, notification channels and their deliveries) on a real PostgreSQL 15
 * (test/support/postgres.ts), each test on a fresh database. Every operation runs through the
 * `Store` interface on PostgreSQL and, with the same inputs, on a real SQLite file: the answers must
 * be deep-equal (channel ids are random on each engine, so they are compared by name), and each
 * step also states the answer itself, so the test fails when both engines are wrong alike.
 * Last, the property the PostgreSQL claim exists for: two instances (two separate pools on one
 * database) claiming the same due deliveries at once never get the same one, a lease that lapsed
 * is taken over once, and the first owner's late outcome does not overwrite the new owner's.
 */
import { randomBytes } from 'node:crypto';
import { asc } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from '../../server/crypto.js';
import { openPostgres, type OpenPostgres } from '../../server/db/postgres.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import * as sqliteSchema from '../../server/db/schema.js';
import type { AuthorizationStatus, DeliveryStatus, EventType } from '../../server/db/schema.js';
import { channelJson, openChannel, type ChannelRow, type ClaimedDelivery } from '../../server/store/channels.js';
import { createSqliteStore } from '../../server/store/index.js';
import { eventsAfter, recordEventsIn } from '../../server/store/pg/events.js';
import { createOutboxOperations, type OutboxOperations } from '../../server/store/pg/outbox.js';
import { eventId, type EventDraft } from '../../server/store/events.js';
import { usePostgres } from '../support/postgres.js';
import { tempDatabase, type TempDatabase } from './support/db.js';

const pg = usePostgres();
const T = '84841066-274d-4ec0-a5c1-276be684bdd3';
const T2 = 'a5e0f4c2-0b5e-4f58-9a43-2f1d2c7e9b10';
const ORG_A = 'org-a';
const ORG_B = 'org-b';
const at = (minutes: number) => new Date(Date.UTC(2024, 4, 1, 10, minutes));
const box = new SecretBox(randomBytes(32));

interface EventRow {
  id: string;
  tenantId: string;
  type: EventType;
  occurredAt: Date;
}
interface DeliveryRow {
  channelId: string;
  eventId: string;
  status?: DeliveryStatus;
  attempts?: number;
  createdAt: Date;
  nextAttemptAt: Date;
  lastAttemptAt?: Date | null;
  leaseOwner?: string | null;
  leaseUntil?: Date | null;
}
type StoredDelivery = Required<DeliveryRow> & { responseStatus: number | null; error: string | null };

/** One engine: its outbox operations, and the setup rows a test needs (as the OAuth flow and a sync leave them). */
interface Engine {
  name: 'postgres' | 'sqlite';
  store: OutboxOperations;
  addOrg(id: string): Promise<void>;
  addAuthorization(p: { id: string; orgId: string; tenantId: string | null; label: string; status?: AuthorizationStatus; createdAt?: Date }): Promise<void>;
  addEvent(e: EventRow): Promise<void>;
  addDelivery(d: DeliveryRow): Promise<void>;
  deliveries(): Promise<StoredDelivery[]>;
  eventIds(): Promise<string[]>;
}

const opened: Array<OpenPostgres | TempDatabase> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    if ('dispose' in o) o.dispose();
    else await o.close();
  }
});

const payload = (e: EventRow) => JSON.stringify({ id: e.id, type: e.type, occurredAt: e.occurredAt.toISOString(), tenant: { tenantId: e.tenantId, displayName: 'Contoso', label: null } });
const deliveryRow = (d: DeliveryRow) => ({ status: 'pending' as const, attempts: 0, lastAttemptAt: null, leaseOwner: null, leaseUntil: null, ...d });
const authorizationRow = (a: Parameters<Engine['addAuthorization']>[0]) => ({
  id: a.id,
  orgId: a.orgId,
  createdBy: 'test',
  label: a.label,
  tenantId: a.tenantId,
  status: a.status ?? ('active' as const),
  createdAt: a.createdAt ?? at(0),
  updatedAt: a.createdAt ?? at(0),
});
const pick = (d: StoredDelivery): StoredDelivery => ({
  channelId: d.channelId,
  eventId: d.eventId,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.createdAt,
  nextAttemptAt: d.nextAttemptAt,
  lastAttemptAt: d.lastAttemptAt,
  leaseOwner: d.leaseOwner,
  leaseUntil: d.leaseUntil,
  responseStatus: d.responseStatus,
  error: d.error,
});

/** Delivery rows by event id, then by their channel's name (channel ids are random on each engine). */
function byEventAndChannel(rows: readonly StoredDelivery[], named: ReadonlyArray<{ id: string; name: string }>): StoredDelivery[] {
  const names = new Map(named.map((c) => [c.id, c.name]));
  const key = (d: StoredDelivery) => [d.eventId, names.get(d.channelId) ?? ''] as const;
  const order = (a: StoredDelivery, b: StoredDelivery) => {
    const [x, y] = [key(a), key(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  };
  return rows.map(pick).sort(order);
}

function onPostgres(database: OpenPostgres): Engine {
  const p = database.db;
  const P = pgSchema;
  return {
    name: 'postgres',
    store: createOutboxOperations(p),
    addOrg: async (id) => void (await p.insert(P.orgs).values({ id, name: id })),
    addAuthorization: async (a) => void (await p.insert(P.authorizations).values(authorizationRow(a))),
    addEvent: async (e) => void (await p.insert(P.events).values({ ...e, payload: payload(e) })),
    addDelivery: async (d) => void (await p.insert(P.deliveries).values(deliveryRow(d))),
    deliveries: async () => byEventAndChannel(await p.select().from(P.deliveries), await p.select({ id: P.channels.id, name: P.channels.name }).from(P.channels)),
    eventIds: async () => (await p.select({ id: P.events.id }).from(P.events).orderBy(asc(P.events.seq))).map((e) => e.id),
  };
}

function onSqlite(database: TempDatabase): Engine {
  const s = database.db;
  const S = sqliteSchema;
  return {
    name: 'sqlite',
    store: createSqliteStore(s),
    addOrg: async (id) => void s.insert(S.orgs).values({ id, name: id }).run(),
    addAuthorization: async (a) => void s.insert(S.authorizations).values(authorizationRow(a)).run(),
    addEvent: async (e) => void s.insert(S.events).values({ ...e, payload: payload(e) }).run(),
    addDelivery: async (d) => void s.insert(S.deliveries).values(deliveryRow(d)).run(),
    deliveries: async () => byEventAndChannel(s.select().from(S.deliveries).all(), s.select({ id: S.channels.id, name: S.channels.name }).from(S.channels).all()),
    eventIds: async () => s.select({ id: S.events.id }).from(S.events).orderBy(asc(S.events.seq)).all().map((e) => e.id),
  };
}

/** A fresh database (its own pool of 2) where org A holds an active authorization for {@link T}. */
async function orgADatabase() {
  const url = await pg().createDatabase();
  const setup = await openPostgres(url, { max: 2 });
  opened.push(setup);
  const engine = onPostgres(setup);
  await engine.addOrg(ORG_A);
  await engine.addAuthorization({ id: 'auth-a', orgId: ORG_A, tenantId: T, label: 'Contoso HQ' });
  return { url, setup, engine };
}

async function newPostgres(max = 3): Promise<OpenPostgres> {
  const database = await openPostgres(await pg().createDatabase(), { max });
  opened.push(database);
  return database;
}

/**
 * A fresh PostgreSQL database and a fresh SQLite file, each with orgs A and B: A holds an active
 * authorization for {@link T} and a pending one (no tenant yet), B one for {@link T2}.
 */
async function engines(): Promise<Pair> {
  const sqlite = tempDatabase();
  opened.push(sqlite);
  const pair = new Pair(onPostgres(await newPostgres()), onSqlite(sqlite));
  await pair.run(async (e) => {
    await e.addOrg(ORG_A);
    await e.addOrg(ORG_B);
    await e.addAuthorization({ id: 'auth-a', orgId: ORG_A, tenantId: T, label: 'Contoso HQ' });
    await e.addAuthorization({ id: 'auth-a-pending', orgId: ORG_A, tenantId: null, label: 'Fabrikam' });
    await e.addAuthorization({ id: 'auth-b', orgId: ORG_B, tenantId: T2, label: 'Northwind' });
  });
  return pair;
}

/**
 * Both engines, and the names of the channels made on them: a channel's id is random on each, so
 * answers are compared with every channel id replaced by its name ({@link Pair.named}).
 */
class Pair {
  readonly engines: readonly [Engine, Engine];
  readonly #names = [new Map<string, string>(), new Map<string, string>()] as const;
  readonly #ids = [new Map<string, string>(), new Map<string, string>()] as const;

  constructor(postgres: Engine, sqlite: Engine) {
    this.engines = [postgres, sqlite];
  }

  get postgres(): Engine {
    return this.engines[0];
  }

  /** Runs `step` on both engines (PostgreSQL first) and returns both answers. */
  async run<R>(step: (e: Engine, index: 0 | 1) => Promise<R>): Promise<[R, R]> {
    return [await step(this.engines[0], 0), await step(this.engines[1], 1)];
  }

  /** Runs `step` on both engines (the answers are not compared). */
  async each(step: (e: Engine, id: (name: string) => string) => Promise<unknown>): Promise<void> {
    await this.run((e, i) => step(e, (name) => this.id(i, name)));
  }

  /** Runs `step` on both engines, expects the same answer (channel ids by name), and returns it as PostgreSQL gave it, named. */
  async same<R>(step: (e: Engine, id: (name: string) => string) => Promise<R>): Promise<unknown> {
    const [onPg, onSqlite] = await this.run((e, i) => step(e, (name) => this.id(i, name)));
    const named = [this.named(0, onPg), this.named(1, onSqlite)];
    expect(named[0], `PostgreSQL and SQLite answer alike`).toEqual(named[1]);
    return named[0];
  }

  /** Creates channel `name` of `orgId` on both engines at `now`; returns PostgreSQL's row. */
  async channel(name: string, orgId: string, now: Date, filters: object = {}): Promise<ChannelRow> {
    const [row] = await this.run(async (e, i) => {
      const created = await e.store.insertChannel(box, {
        orgId,
        kind: 'webhook',
        name,
        target: `https://hooks.example/${name}?token=s3cret`,
        targetMasked: 'https://hooks.example/…',
        secret: `whsec_${name}`,
        filters,
        now,
      });
      this.#names[i].set(created.id, name);
      this.#ids[i].set(name, created.id);
      return created;
    });
    return row;
  }

  id(index: 0 | 1, name: string): string {
    const id = this.#ids[index].get(name);
    if (id === undefined) throw new Error(`no channel ${name}`);
    return id;
  }

  /** `value` as JSON with every channel id of engine `index` replaced by the channel's name. */
  named(index: 0 | 1, value: unknown): unknown {
    if (value === undefined) return undefined;
    return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && this.#names[index].has(v) ? `#${this.#names[index].get(v)}` : v)));
  }
}

/** A channel row as compared across engines: its JSON and its opened target and secret (sealed values differ by nonce). */
const channelView = (row: ChannelRow | null) => (row ? { ...channelJson(row), orgId: row.orgId, updatedAt: row.updatedAt, opened: openChannel(box, row) } : null);

describe('channels on PostgreSQL', () => {
  it('creates, lists, reads, changes and deletes an org’s channels; another org sees and changes none of them', async () => {
    const pair = await engines();
    await pair.channel('ops', ORG_A, at(1), { services: ['Exchange Online'] });
    await pair.channel('pager', ORG_A, at(3));
    await pair.channel('audit', ORG_A, at(2));
    await pair.channel('theirs', ORG_B, at(1));

    const list = await pair.same(async (e) => (await e.store.listChannels(ORG_A)).map(channelView));
    expect(list).toEqual([
      expect.objectContaining({ id: '#ops', kind: 'webhook', name: 'ops', target: 'https://hooks.example/…', filters: { services: ['Exchange Online'] }, enabled: true, createdAt: at(1).toISOString(), lastDeliveryAt: null, lastError: null, orgId: ORG_A }),
      expect.objectContaining({ id: '#audit', createdAt: at(2).toISOString() }),
      expect.objectContaining({ id: '#pager', createdAt: at(3).toISOString() }),
    ]);
    expect((list as Array<{ opened: object }>)[0]!.opened).toEqual({ id: '#ops', orgId: ORG_A, kind: 'webhook', name: 'ops', target: 'https://hooks.example/ops?token=s3cret', secret: 'whsec_ops', enabled: true });
    expect(await pair.same(async (e) => (await e.store.listChannels(ORG_B)).map((c) => c.id))).toEqual(['#theirs']);
    expect(await pair.same(async (e) => e.store.listChannels('org-none'))).toEqual([]);

    // Reading: by the org that owns it, or by id whatever the org (the worker's view).
    expect(await pair.same(async (e, id) => channelView(await e.store.getChannel(ORG_A, id('ops'))))).toMatchObject({ id: '#ops', name: 'ops' });
    expect(await pair.same(async (e, id) => e.store.getChannel(ORG_B, id('ops')))).toBeNull();
    expect(await pair.same(async (e) => e.store.getChannel(ORG_A, 'no-such-channel'))).toBeNull();
    expect(await pair.same(async (e, id) => channelView(await e.store.channelById(id('theirs'))))).toMatchObject({ id: '#theirs', orgId: ORG_B });
    expect(await pair.same(async (e) => e.store.channelById('no-such-channel'))).toBeNull();

    // Another org's update and delete change nothing.
    expect(await pair.same(async (e, id) => e.store.updateChannel(ORG_B, id('ops'), { name: 'hijacked', enabled: false, now: at(9) }))).toBeNull();
    expect(await pair.same(async (e, id) => e.store.deleteChannel(ORG_B, id('ops')))).toBe(false);
    expect(await pair.same(async (e, id) => channelView(await e.store.getChannel(ORG_A, id('ops'))))).toMatchObject({ name: 'ops', enabled: true, updatedAt: at(1).toISOString() });

    // The owner's update: name and filters.
    expect(await pair.same(async (e, id) => channelView(await e.store.updateChannel(ORG_A, id('ops'), { name: 'ops-eu', filters: { tenants: [T] }, now: at(10) })))).toMatchObject({
      id: '#ops',
      name: 'ops-eu',
      filters: { tenants: [T] },
      enabled: true,
      updatedAt: at(10).toISOString(),
    });

    // Disabling fails what it still owed (unleased), with the reason; what was delivered stays.
    await pair.run(async (e, i) => {
      const ops = pair.id(i, 'ops');
      await e.addDelivery({ channelId: ops, eventId: 'evt_owed', createdAt: at(4), nextAttemptAt: at(4), leaseOwner: 'instance-a', leaseUntil: at(14) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_sent', status: 'delivered', attempts: 1, createdAt: at(4), nextAttemptAt: at(4), lastAttemptAt: at(5) });
      await e.addDelivery({ channelId: pair.id(i, 'pager'), eventId: 'evt_owed', createdAt: at(4), nextAttemptAt: at(4) });
    });
    expect(
      await pair.same(async (e, id) => channelView(await e.store.updateChannel(ORG_A, id('ops'), { enabled: false, now: at(11), reason: 'Disabled: 410 Gone.', lastError: 'Disabled: 410 Gone.' }))),
    ).toMatchObject({ enabled: false, lastError: 'Disabled: 410 Gone.' });
    expect(await pair.same((e) => e.deliveries())).toEqual([
      expect.objectContaining({ channelId: '#ops', eventId: 'evt_owed', status: 'failed', error: 'Disabled: 410 Gone.', leaseOwner: null, leaseUntil: null }),
      expect.objectContaining({ channelId: '#pager', eventId: 'evt_owed', status: 'pending', error: null }),
      expect.objectContaining({ channelId: '#ops', eventId: 'evt_sent', status: 'delivered', error: null }),
    ]);
    // Turned on again it clears its last error; the default reason of a plain disable.
    expect(await pair.same(async (e, id) => channelView(await e.store.updateChannel(ORG_A, id('ops'), { enabled: true, now: at(12) })))).toMatchObject({ enabled: true, lastError: null });
    await pair.each((e, id) => e.store.updateChannel(ORG_A, id('pager'), { enabled: false, now: at(12) }));
    expect((await pair.same((e) => e.deliveries())) as unknown[]).toContainEqual(expect.objectContaining({ channelId: '#pager', status: 'failed', error: 'The channel was disabled.' }));

    // Deleting takes the channel's deliveries with it; a second delete finds nothing.
    expect(await pair.same(async (e, id) => e.store.deleteChannel(ORG_A, id('ops')))).toBe(true);
    expect(await pair.same(async (e, id) => e.store.deleteChannel(ORG_A, id('ops')))).toBe(false);
    expect(await pair.same(async (e) => (await e.store.listChannels(ORG_A)).map((c) => c.name))).toEqual(['audit', 'pager']);
    expect(await pair.same(async (e) => (await e.deliveries()).map((d) => [d.channelId, d.eventId]))).toEqual([['#pager', 'evt_owed']]);
  });

  it('lists a channel’s delivery log newest first up to the limit, with each event’s type (a test send’s, an event pruned before its row)', async () => {
    const pair = await engines();
    await pair.channel('ops', ORG_A, at(0));
    await pair.channel('other', ORG_A, at(0));
    await pair.run(async (e, i) => {
      const ops = pair.id(i, 'ops');
      await e.addEvent({ id: 'evt_created', tenantId: T, type: 'issue.created', occurredAt: at(1) });
      await e.addEvent({ id: 'evt_B', tenantId: T, type: 'issue.updated', occurredAt: at(2) });
      await e.addEvent({ id: 'evt_a', tenantId: T, type: 'issue.resolved', occurredAt: at(2) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_created', status: 'delivered', attempts: 1, createdAt: at(1), nextAttemptAt: at(1), lastAttemptAt: at(1) });
      // Two rows of one moment: ordered byte-wise by event id, descending ('a' after 'B').
      await e.addDelivery({ channelId: ops, eventId: 'evt_B', attempts: 2, createdAt: at(2), nextAttemptAt: at(6), lastAttemptAt: at(3) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_a', status: 'failed', attempts: 8, createdAt: at(2), nextAttemptAt: at(2), lastAttemptAt: at(4) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_gone', status: 'delivered', attempts: 1, createdAt: at(0), nextAttemptAt: at(0), lastAttemptAt: at(0) });
      await e.addDelivery({ channelId: pair.id(i, 'other'), eventId: 'evt_created', createdAt: at(9), nextAttemptAt: at(9) });
    });
    // A test send: one finished attempt, and the channel's last delivery or last error.
    await pair.each((e, id) => e.store.recordTestDelivery({ channelId: id('ops'), eventId: 'evt_test_abc', status: 'failed', responseStatus: 500, error: 'The target answered 500.', now: at(7) }));
    expect(await pair.same(async (e, id) => channelView(await e.store.getChannel(ORG_A, id('ops'))))).toMatchObject({ lastDeliveryAt: null, lastError: 'The target answered 500.' });
    await pair.each((e, id) => e.store.recordTestDelivery({ channelId: id('ops'), eventId: 'evt_test_def', status: 'delivered', responseStatus: 204, error: null, now: at(8) }));
    expect(await pair.same(async (e, id) => channelView(await e.store.getChannel(ORG_A, id('ops'))))).toMatchObject({ lastDeliveryAt: at(8).toISOString(), lastError: null });

    const log = [
      { eventId: 'evt_test_def', type: 'test', attempts: 1, status: 'delivered', responseStatus: 204, error: null, lastAttemptAt: at(8).toISOString() },
      { eventId: 'evt_test_abc', type: 'test', attempts: 1, status: 'failed', responseStatus: 500, error: 'The target answered 500.', lastAttemptAt: at(7).toISOString() },
      { eventId: 'evt_a', type: 'issue.resolved', attempts: 8, status: 'failed', responseStatus: null, error: null, lastAttemptAt: at(4).toISOString() },
      { eventId: 'evt_B', type: 'issue.updated', attempts: 2, status: 'pending', responseStatus: null, error: null, lastAttemptAt: at(3).toISOString() },
      { eventId: 'evt_created', type: 'issue.created', attempts: 1, status: 'delivered', responseStatus: null, error: null, lastAttemptAt: at(1).toISOString() },
      { eventId: 'evt_gone', type: 'unknown', attempts: 1, status: 'delivered', responseStatus: null, error: null, lastAttemptAt: at(0).toISOString() },
    ];
    expect(await pair.same((e, id) => e.store.listDeliveries(id('ops'), 50))).toEqual(log);
    expect(await pair.same((e, id) => e.store.listDeliveries(id('ops'), 3))).toEqual(log.slice(0, 3));
    expect(await pair.same((e, id) => e.store.listDeliveries(id('ops'), 1))).toEqual(log.slice(0, 1));
    expect(await pair.same((e, id) => e.store.listDeliveries(id('other'), 50))).toEqual([
      { eventId: 'evt_created', type: 'issue.created', attempts: 0, status: 'pending', responseStatus: null, error: null, lastAttemptAt: null },
    ]);
    expect(await pair.same((e) => e.store.listDeliveries('no-such-channel', 50))).toEqual([]);
  });

  it('labels a delivered event with the receiving org’s best authorization of its tenant', async () => {
    const pair = await engines();
    await pair.run(async (e) => {
      // Org A's failed older authorization of T does not win over its active one; org B reads T too.
      await e.addAuthorization({ id: 'auth-a-old', orgId: ORG_A, tenantId: T, label: 'Old name', status: 'failed', createdAt: at(-5) });
      await e.addAuthorization({ id: 'auth-b-t', orgId: ORG_B, tenantId: T, label: 'Contoso (B)', status: 'reauth_required' });
      await e.addEvent({ id: 'evt_1', tenantId: T, type: 'issue.created', occurredAt: at(1) });
    });
    expect(await pair.same((e) => e.store.orgTenantLabel(ORG_A, T))).toBe('Contoso HQ');
    expect(await pair.same((e) => e.store.orgTenantLabel(ORG_B, T))).toBe('Contoso (B)');
    expect(await pair.same((e) => e.store.orgTenantLabel(ORG_A, T2))).toBeNull();
    expect(await pair.same((e) => e.store.orgTenantLabel('org-none', T))).toBeNull();

    const event = { id: 'evt_1', type: 'issue.created', occurredAt: at(1).toISOString(), tenant: { tenantId: T, displayName: 'Contoso', label: 'Contoso HQ' } };
    expect(await pair.same((e) => e.store.deliveryEvent('evt_1', ORG_A))).toEqual(event);
    expect(await pair.same((e) => e.store.deliveryEvent('evt_1', ORG_B))).toEqual({ ...event, tenant: { ...event.tenant, label: 'Contoso (B)' } });
    expect(await pair.same((e) => e.store.deliveryEvent('evt_1', 'org-none'))).toEqual({ ...event, tenant: { ...event.tenant, label: null } });
    expect(await pair.same((e) => e.store.deliveryEvent('evt_missing', ORG_A))).toBeNull();
  });
});

describe('change events on PostgreSQL', () => {
  it('streams an org’s events by position, resumes after one, and finds a position by event id within the window', async () => {
    const pair = await engines();
    expect(await pair.same((e) => e.store.latestEventSeq())).toBe(0);
    expect(await pair.same((e) => e.store.eventsAfter({ afterSeq: 0, orgId: ORG_A, limit: 10 }))).toEqual([]);
    await pair.run(async (e) => {
      for (const [i, tenantId] of [T, T2, T, T, T2, T].entries()) {
        await e.addEvent({ id: `evt_${i + 1}`, tenantId, type: i === 0 ? 'issue.created' : 'issue.updated', occurredAt: at(i) });
      }
    });
    expect(await pair.same((e) => e.store.latestEventSeq())).toBe(6);

    const stored = (seq: number, tenantId = T) => ({
      seq,
      id: `evt_${seq}`,
      tenantId,
      type: seq === 1 ? 'issue.created' : 'issue.updated',
      occurredAt: at(seq - 1).toISOString(),
      event: { id: `evt_${seq}`, type: seq === 1 ? 'issue.created' : 'issue.updated', occurredAt: at(seq - 1).toISOString(), tenant: { tenantId, displayName: 'Contoso', label: null } },
    });
    // Org A sees T only (its pending authorization has no tenant), two at a time, resuming after the last.
    const pages: unknown[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = (await pair.same((e) => e.store.eventsAfter({ afterSeq, orgId: ORG_A, limit: 2 }))) as Array<{ seq: number }>;
      if (page.length === 0) break;
      pages.push(page);
      afterSeq = page.at(-1)!.seq;
    }
    expect(pages).toEqual([[stored(1), stored(3)], [stored(4), stored(6)]]);
    expect(await pair.same((e) => e.store.eventsAfter({ afterSeq: 4, orgId: ORG_B, limit: 10 }))).toEqual([stored(5, T2)]);
    expect(await pair.same((e) => e.store.eventsAfter({ afterSeq: 0, orgId: 'org-none', limit: 10 }))).toEqual([]);
    // The real type: Dates, not their JSON.
    const [first] = await pair.postgres.store.eventsAfter({ afterSeq: 0, orgId: ORG_A, limit: 1 });
    expect(first!.occurredAt).toEqual(at(0));
    expect(typeof first!.seq).toBe('number');

    // Last-Event-ID: a known id at or after the window's start has a position; older or unknown, none.
    expect(await pair.same((e) => e.store.eventSeq('evt_4', at(3)))).toBe(4);
    expect(await pair.same((e) => e.store.eventSeq('evt_4', at(4)))).toBeNull();
    expect(await pair.same((e) => e.store.eventSeq('evt_unknown', at(0)))).toBeNull();
    expect(await pair.same((e) => e.store.getEvent('evt_5'))).toEqual(stored(5, T2));
    expect(await pair.same((e) => e.store.getEvent('evt_unknown'))).toBeNull();
    expect(await pair.postgres.store.getEvent('evt_5')).toMatchObject({ seq: 5, occurredAt: at(4) });
  });

  it('prunes delivery log rows (never pending ones) and then the old events no row refers to, as the clock moves on', async () => {
    const pair = await engines();
    await pair.channel('ops', ORG_A, at(0));
    const DAY = 24 * 60;
    await pair.run(async (e, i) => {
      const ops = pair.id(i, 'ops');
      for (const [id, occurred] of [['evt_old_sent', 0], ['evt_old_owed', 1], ['evt_old_alone', 2], ['evt_old_failed', 3], ['evt_new', 2 * DAY]] as const) {
        await e.addEvent({ id, tenantId: T, type: 'issue.updated', occurredAt: at(occurred) });
      }
      await e.addDelivery({ channelId: ops, eventId: 'evt_old_sent', status: 'delivered', attempts: 1, createdAt: at(0), nextAttemptAt: at(0) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_old_owed', createdAt: at(1), nextAttemptAt: at(40 * DAY) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_old_failed', status: 'failed', attempts: 8, createdAt: at(3), nextAttemptAt: at(3) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_new', status: 'delivered', attempts: 1, createdAt: at(2 * DAY), nextAttemptAt: at(2 * DAY) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_test_x', status: 'delivered', attempts: 1, createdAt: at(2), nextAttemptAt: at(2) });
    });
    // The core's clock: events older than a day go unless a row still refers to them, finished log rows after 30 days.
    const prune = (now: Date) =>
      pair.same(async (e) => {
        const deliveries = await e.store.pruneDeliveries(new Date(now.getTime() - 30 * DAY * 60_000));
        return { deliveries, events: await e.store.pruneEvents(new Date(now.getTime() - DAY * 60_000)) };
      });
    // A day on: only the old event no row refers to goes.
    expect(await prune(at(DAY + 10))).toEqual({ deliveries: 0, events: 1 });
    expect(await pair.same((e) => e.eventIds())).toEqual(['evt_old_sent', 'evt_old_owed', 'evt_old_failed', 'evt_new']);
    // 31 days on: the old finished log rows go (the pending one stays, however old), and then their events.
    expect(await prune(at(31 * DAY + 10))).toEqual({ deliveries: 3, events: 2 });
    expect(await pair.same(async (e) => (await e.deliveries()).map((d) => [d.eventId, d.status]))).toEqual([
      ['evt_new', 'delivered'],
      ['evt_old_owed', 'pending'],
    ]);
    expect(await pair.same((e) => e.eventIds())).toEqual(['evt_old_owed', 'evt_new']);
    // 33 days on: the newer log row and its event; the pending delivery keeps its event.
    expect(await prune(at(33 * DAY))).toEqual({ deliveries: 1, events: 1 });
    expect(await pair.same((e) => e.eventIds())).toEqual(['evt_old_owed']);
    expect(await prune(at(33 * DAY))).toEqual({ deliveries: 0, events: 0 });
  });
});

describe('claiming deliveries on PostgreSQL', () => {
  it('leases the due deliveries of enabled channels oldest first, finishes only under its own lease, and tells when the next is due', async () => {
    const pair = await engines();
    await pair.channel('ops', ORG_A, at(0));
    await pair.channel('off', ORG_A, at(0));
    await pair.each((e, id) => e.store.updateChannel(ORG_A, id('off'), { enabled: false, now: at(0) }));
    expect(await pair.same((e) => e.store.nextDeliveryDueAt())).toBeNull();
    await pair.run(async (e, i) => {
      const ops = pair.id(i, 'ops');
      await e.addDelivery({ channelId: ops, eventId: 'evt_due_2', createdAt: at(0), nextAttemptAt: at(2) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_due_1', createdAt: at(0), nextAttemptAt: at(1), attempts: 3 });
      await e.addDelivery({ channelId: ops, eventId: 'evt_due_5', createdAt: at(0), nextAttemptAt: at(5) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_later', createdAt: at(0), nextAttemptAt: at(30) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_leased', createdAt: at(0), nextAttemptAt: at(0), leaseOwner: 'instance-c', leaseUntil: at(15) });
      await e.addDelivery({ channelId: ops, eventId: 'evt_done', status: 'delivered', createdAt: at(0), nextAttemptAt: at(0) });
      await e.addDelivery({ channelId: pair.id(i, 'off'), eventId: 'evt_off', createdAt: at(0), nextAttemptAt: at(0) });
    });
    // The earliest a pending row of an enabled channel can be claimed: due and its lease over.
    expect(await pair.same((e) => e.store.nextDeliveryDueAt())).toBe(at(1).toISOString());
    expect(await pair.postgres.store.nextDeliveryDueAt()).toEqual(at(1));

    // SQLite's update returns its rows in no particular order; PostgreSQL's claim answers oldest due first.
    const sorted = (claimed: ClaimedDelivery[]) => [...claimed].sort((x, y) => (x.eventId < y.eventId ? -1 : x.eventId > y.eventId ? 1 : 0));
    const claim = (owner: string, now: Date, limit: number) => pair.same(async (e) => sorted(await e.store.claimDueDeliveries({ now, owner, leaseUntil: new Date(now.getTime() + 2 * 60_000), limit })));
    const [firstOnPg, firstOnSqlite] = await pair.run((e) => e.store.claimDueDeliveries({ now: at(10), owner: 'instance-a', leaseUntil: at(12), limit: 2 }));
    expect(pair.named(0, firstOnPg)).toEqual([
      { channelId: '#ops', eventId: 'evt_due_1', attempts: 3 },
      { channelId: '#ops', eventId: 'evt_due_2', attempts: 0 },
    ]);
    expect(pair.named(1, sorted(firstOnSqlite))).toEqual(pair.named(0, firstOnPg));
    expect(await claim('instance-b', at(10), 10)).toEqual([{ channelId: '#ops', eventId: 'evt_due_5', attempts: 0 }]);
    expect(await claim('instance-b', at(10), 10)).toEqual([]);
    expect(await pair.same((e) => e.store.claimDueDeliveries({ now: at(10), owner: 'instance-b', leaseUntil: at(12), limit: 0 }))).toEqual([]);
    expect(await pair.same(async (e) => (await e.deliveries()).filter((d) => d.leaseOwner).map((d) => [d.eventId, d.leaseOwner, d.leaseUntil]))).toEqual([
      ['evt_due_1', 'instance-a', at(12).toISOString()],
      ['evt_due_2', 'instance-a', at(12).toISOString()],
      ['evt_due_5', 'instance-b', at(12).toISOString()],
      ['evt_leased', 'instance-c', at(15).toISOString()],
    ]);
    expect(await pair.same((e) => e.store.nextDeliveryDueAt())).toBe(at(12).toISOString());

    const outcome = (eventId: string, owner: string, over: object) =>
      pair.same((e, id) => e.store.finishAttempt({ channelId: id('ops'), eventId, owner, status: 'delivered', responseStatus: 200, error: null, now: at(11), ...over }));
    // Not the lease holder: nothing written.
    expect(await outcome('evt_due_1', 'instance-b', {})).toBe(false);
    // Delivered: the row is done and the channel records it.
    expect(await outcome('evt_due_1', 'instance-a', {})).toBe(true);
    // A retry: pending again later, unleased, its error on the channel.
    expect(await outcome('evt_due_2', 'instance-a', { status: 'pending', nextAttemptAt: at(20), responseStatus: 503, error: 'The target answered 503.' })).toBe(true);
    // A finished row (and one whose lease was cleared) takes no second outcome.
    expect(await outcome('evt_due_1', 'instance-a', {})).toBe(false);
    expect(await outcome('evt_due_2', 'instance-a', {})).toBe(false);
    expect(await outcome('evt_due_5', 'instance-b', { status: 'failed', responseStatus: 400, error: 'The target answered 400.' })).toBe(true);
    expect(await pair.same((e) => e.deliveries())).toEqual([
      { channelId: '#ops', eventId: 'evt_done', status: 'delivered', attempts: 0, createdAt: at(0).toISOString(), nextAttemptAt: at(0).toISOString(), lastAttemptAt: null, leaseOwner: null, leaseUntil: null, responseStatus: null, error: null },
      { channelId: '#ops', eventId: 'evt_due_1', status: 'delivered', attempts: 4, createdAt: at(0).toISOString(), nextAttemptAt: at(1).toISOString(), lastAttemptAt: at(11).toISOString(), leaseOwner: null, leaseUntil: null, responseStatus: 200, error: null },
      { channelId: '#ops', eventId: 'evt_due_2', status: 'pending', attempts: 1, createdAt: at(0).toISOString(), nextAttemptAt: at(20).toISOString(), lastAttemptAt: at(11).toISOString(), leaseOwner: null, leaseUntil: null, responseStatus: 503, error: 'The target answered 503.' },
      { channelId: '#ops', eventId: 'evt_due_5', status: 'failed', attempts: 1, createdAt: at(0).toISOString(), nextAttemptAt: at(5).toISOString(), lastAttemptAt: at(11).toISOString(), leaseOwner: null, leaseUntil: null, responseStatus: 400, error: 'The target answered 400.' },
      { channelId: '#ops', eventId: 'evt_later', status: 'pending', attempts: 0, createdAt: at(0).toISOString(), nextAttemptAt: at(30).toISOString(), lastAttemptAt: null, leaseOwner: null, leaseUntil: null, responseStatus: null, error: null },
      { channelId: '#ops', eventId: 'evt_leased', status: 'pending', attempts: 0, createdAt: at(0).toISOString(), nextAttemptAt: at(0).toISOString(), lastAttemptAt: null, leaseOwner: 'instance-c', leaseUntil: at(15).toISOString(), responseStatus: null, error: null },
      { channelId: '#off', eventId: 'evt_off', status: 'pending', attempts: 0, createdAt: at(0).toISOString(), nextAttemptAt: at(0).toISOString(), lastAttemptAt: null, leaseOwner: null, leaseUntil: null, responseStatus: null, error: null },
    ]);
    expect(await pair.same(async (e, id) => channelView(await e.store.getChannel(ORG_A, id('ops'))))).toMatchObject({ lastDeliveryAt: at(11).toISOString(), lastError: 'The target answered 400.' });
    expect(await pair.same((e) => e.store.nextDeliveryDueAt())).toBe(at(15).toISOString());

    // instance-c's lease lapses: another owner takes the row over, and the first owner's late outcome is refused.
    expect(await claim('instance-a', at(16), 10)).toEqual([{ channelId: '#ops', eventId: 'evt_leased', attempts: 0 }]);
    expect(await outcome('evt_leased', 'instance-c', { now: at(17) })).toBe(false);
    expect(await outcome('evt_leased', 'instance-a', { now: at(17), status: 'pending', nextAttemptAt: at(18), responseStatus: 500, error: 'The target answered 500.' })).toBe(true);
    expect(await pair.same((e) => e.store.nextDeliveryDueAt())).toBe(at(18).toISOString());
  });
});

describe('two instances on one PostgreSQL database', () => {
  const COUNT = 200;
  const LEASE_MS = 2 * 60_000;

  /** One database with 200 deliveries due on one channel, and two instances: separate pools, separate stores. */
  async function instances() {
    const { url, setup, engine } = await orgADatabase();
    const channel = await engine.store.insertChannel(box, { orgId: ORG_A, kind: 'webhook', name: 'ops', target: 'https://hooks.example/ops', targetMasked: 'https://hooks.example/…', secret: null, filters: {}, now: at(0) });
    const values = Array.from({ length: COUNT }, (_, i) => ({
      channelId: channel.id,
      eventId: `evt_${String(i).padStart(3, '0')}`,
      status: 'pending' as const,
      createdAt: at(0),
      // Many share a due time, so concurrent claimers compete for the same oldest rows.
      nextAttemptAt: at(i % 5),
    }));
    await setup.db.insert(pgSchema.deliveries).values(values);
    const open = async (name: string) => {
      const database = await openPostgres(url, { max: 4, applicationName: name });
      opened.push(database);
      return { name, store: createOutboxOperations(database.db) };
    };
    return { setup: engine, channelId: channel.id, a: await open('instance-a'), b: await open('instance-b'), ids: values.map((v) => v.eventId) };
  }

  /** `workers` concurrent claim loops of one instance at `now`, each taking up to `batch` until nothing is due; every claim it got. */
  async function drain(instance: { name: string; store: OutboxOperations }, now: Date, workers: number, batch: number): Promise<ClaimedDelivery[]> {
    const got: ClaimedDelivery[] = [];
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (;;) {
          const claimed = await instance.store.claimDueDeliveries({ now, owner: instance.name, leaseUntil: new Date(now.getTime() + LEASE_MS), limit: batch });
          if (claimed.length === 0) return;
          got.push(...claimed);
        }
      }),
    );
    return got;
  }

  it('claims each of 200 due deliveries exactly once per round when both claim at once, round after round as leases lapse', { timeout: 60_000 }, async () => {
    const { setup, a, b, ids } = await instances();
    let now = at(10);
    for (let round = 0; round < 4; round++) {
      const [byA, byB] = await Promise.all([drain(a, now, 3, 7), drain(b, now, 3, 5)]);
      const all = [...byA, ...byB].map((c) => c.eventId).sort();
      expect(all, `round ${round}: every delivery once`).toEqual(ids);
      expect(new Set(all).size).toBe(COUNT);
      // Each instance took some: they really competed.
      expect(byA.length, `round ${round}`).toBeGreaterThan(0);
      expect(byB.length, `round ${round}`).toBeGreaterThan(0);
      // What the rows say matches what each instance was told.
      const owners = new Map((await setup.deliveries()).map((d) => [d.eventId, d.leaseOwner]));
      for (const c of byA) expect(owners.get(c.eventId)).toBe('instance-a');
      for (const c of byB) expect(owners.get(c.eventId)).toBe('instance-b');
      // Nothing more is due while the leases hold; after they lapse, all of it is again.
      expect(await drain(a, new Date(now.getTime() + LEASE_MS - 1), 1, 50)).toEqual([]);
      now = new Date(now.getTime() + LEASE_MS);
    }
  });

  it('lets one owner take over a lapsed lease, and refuses the first owner’s late outcome, also when both race', { timeout: 60_000 }, async () => {
    const { setup, channelId, a, b, ids } = await instances();
    const finish = (instance: { name: string; store: OutboxOperations }, eventId: string, now: Date) =>
      instance.store.finishAttempt({ channelId, eventId, owner: instance.name, status: 'delivered', responseStatus: 200, error: null, now });

    // One delivery, step by step: A's lease lapses, B takes it, A's late outcome writes nothing.
    const [first] = await a.store.claimDueDeliveries({ now: at(10), owner: a.name, leaseUntil: at(12), limit: 1 });
    expect(first).toEqual({ channelId, eventId: expect.stringMatching(/^evt_\d{3}$/), attempts: 0 });
    expect(await b.store.claimDueDeliveries({ now: at(11), owner: b.name, leaseUntil: at(13), limit: COUNT })).not.toContainEqual(first);
    expect(await finish(a, first!.eventId, at(12))).toBe(true);
    // Everything else B now holds until at(13); A takes it all over once that lapsed.
    const takenOver = await drain(a, at(13), 2, 20);
    expect(takenOver.map((c) => c.eventId).sort()).toEqual(ids.filter((id) => id !== first!.eventId));
    const late = takenOver[0]!;
    expect(await finish(b, late.eventId, at(14))).toBe(false);
    expect((await setup.deliveries()).find((d) => d.eventId === late.eventId)).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: 'instance-a', lastAttemptAt: null });
    expect(await finish(a, late.eventId, at(14))).toBe(true);

    // A race per delivery: A's lease has lapsed; B claims everything while A sends its late outcomes.
    // Each delivery is either finished by A (and not claimed by B) or claimed by B (and A's outcome refused), never both.
    const raced = ids.filter((id) => id !== first!.eventId && id !== late.eventId);
    const [claimedByB, finishedByA] = await Promise.all([
      drain(b, at(16), 3, 4),
      (async () => {
        const done = new Set<string>();
        await Promise.all(
          [0, 1, 2].map(async (lane) => {
            for (const id of raced.filter((_, i) => i % 3 === lane)) if (await finish(a, id, at(16))) done.add(id);
          }),
        );
        return done;
      })(),
    ]);
    const byB = new Set(claimedByB.map((c) => c.eventId));
    expect(byB.size).toBe(claimedByB.length);
    for (const id of raced) expect(byB.has(id) !== finishedByA.has(id), id).toBe(true);
    const rows = new Map((await setup.deliveries()).map((d) => [d.eventId, d]));
    for (const id of raced) {
      if (byB.has(id)) expect(rows.get(id), id).toMatchObject({ status: 'pending', attempts: 0, leaseOwner: 'instance-b' });
      else expect(rows.get(id), id).toMatchObject({ status: 'delivered', attempts: 1, leaseOwner: null, lastAttemptAt: at(16) });
    }
  });
});

describe('the event stream across instances', () => {
  /** A sync's event for tenant {@link T}, told apart by `n`. */
  const draft = (n: number): EventDraft => ({
    type: 'service.status_changed',
    tenantId: T,
    identity: ['exchange', n],
    payload: { type: 'service.status_changed', occurredAt: at(n).toISOString(), tenant: { tenantId: T, displayName: 'Contoso', label: null } },
  });

  it('commits events in stream order: a stream never reads a later event before an earlier one still being written', async () => {
    const { url, setup } = await orgADatabase();
    const [a, b] = [await openPostgres(url, { max: 2, applicationName: 'instance-a' }), await openPostgres(url, { max: 2, applicationName: 'instance-b' })];
    opened.push(a, b);
    const read = async (after: number) => (await eventsAfter(setup.db, { afterSeq: after, orgId: ORG_A, limit: 10 })).map((e) => ({ seq: e.seq, id: e.id }));

    // Instance A records its event (seq drawn) and is still writing; instance B records one after it and commits.
    let finishA!: () => void;
    const aWriting = new Promise<void>((resolve) => (finishA = resolve));
    let aRecorded!: () => void;
    const aHasRecorded = new Promise<void>((resolve) => (aRecorded = resolve));
    const txA = a.db.transaction(async (tx) => {
      await recordEventsIn(tx, [draft(1)], at(1));
      aRecorded();
      await aWriting;
    });
    await aHasRecorded;
    let bCommitted = false;
    const txB = b.db
      .transaction(async (tx) => {
        await recordEventsIn(tx, [draft(2)], at(2));
      })
      .then(() => (bCommitted = true));
    // While A writes, a stream sees neither event: B waits for A (without the order lock it would
    // have committed, and the stream would move past A's earlier seq and never read it).
    await new Promise((r) => setTimeout(r, 500));
    expect(await read(0)).toEqual([]);
    expect(bCommitted).toBe(false);
    finishA();
    await Promise.all([txA, txB]);
    const both = await read(0);
    expect(both.map((e) => e.id)).toEqual([eventId(draft(1)), eventId(draft(2))]);
    expect(both[0]!.seq).toBeLessThan(both[1]!.seq);
  });
});
