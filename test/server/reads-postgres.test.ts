/**
 * The read operations of the PostgreSQL store (`server/store/pg/reads.ts`) on a real PostgreSQL 15
 * (test/support/postgres.ts) against the SQLite store: both engines are fed the same syncs
 * (Microsoft's fixture payloads, pages of variants, and records with non-ASCII text), then every
 * read operation is called on both with a range of queries — filters, Unicode-folded search
 * ("STRASSE" finds "Straße"), cursors walked page by page, crafted cursors, unknown ids, another
 * org's view — and the answers must be deeply equal. A few absolute expectations make sure the
 * engines are not merely wrong alike.
 *
 * Lists SQLite reads without a declared order (an org's authorizations, tenant rows, the overview's
 * and metrics' rows, history's issues) are compared in one canonical order; everything the API
 * orders (services by name, issues and posts newest change first then id) is compared as given.
 */
import { randomUUID } from 'node:crypto';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenPostgres } from '../../server/db/postgres.js';
import * as pgSchema from '../../server/db/schema.pg.js';
import * as sqliteSchema from '../../server/db/schema.js';
import type { AuthorizationStatus } from '../../server/db/schema.js';
import type { IssueRecord, MessageRecord, SyncSnapshot } from '../../server/domain.js';
import { readMessage } from '../../server/microsoft/normalize.js';
import { createSqliteStore, type Store } from '../../server/store/index.js';
import type { MessageQuery } from '../../server/store/messages.js';
import { decodeIssueCursor, type IssueCursor, type IssueQuery } from '../../server/store/tenants.js';
import { createPostgresStore } from '../../server/store/pg/index.js';
import { createReadOperations, type ReadOperations } from '../../server/store/pg/reads.js';
import { graphFixture } from '../support/fixtures.js';
import { usePostgres } from '../support/postgres.js';
import { tempDatabase, type TempDatabase } from './support/db.js';
import { fixtureIssues, fixtureSnapshot, variantsOf } from './support/graph-records.js';

const pg = usePostgres();

const T1 = '84841066-274d-4ec0-a5c1-276be684bdd3'; // contoso, acme's
const T2 = '22222222-2222-4222-8222-222222222222'; // fabrikam, globex's
const T3 = '33333333-3333-4333-8333-333333333333'; // northwind, acme's, never synced
const UNKNOWN = '99999999-9999-4999-8999-999999999999';
const at = (minutes: number) => new Date(Date.UTC(2024, 4, 1, 10, minutes));

type Reads = ReadOperations & Pick<Store, 'applySync'>;
interface Engine {
  name: 'postgres' | 'sqlite';
  store: Reads;
}

let pgDatabase: OpenPostgres;
let sqlite: TempDatabase;
let engines: [Engine, Engine];
const orgIds: Record<'acme' | 'globex', [string, string]> = { acme: ['', ''], globex: ['', ''] };

/** Runs `read` on both engines (PostgreSQL first) and returns both answers. */
async function both<R>(read: (store: Reads) => Promise<R>): Promise<[R, R]> {
  return [await read(engines[0].store), await read(engines[1].store)];
}

/** Runs `read` on both engines, expects the same answer, and returns it. */
async function same<R>(label: string, read: (store: Reads, engine: 0 | 1) => Promise<R>, canonical: (r: R) => unknown = (r) => r): Promise<R> {
  const onPg = await read(engines[0].store, 0);
  const onSqlite = await read(engines[1].store, 1);
  expect(canonical(onPg), label).toEqual(canonical(onSqlite));
  return onPg;
}

// ---------------------------------------------------------------------------------------------
// What both engines are fed

/** Contoso's own issues beside the fixtures: plain ones, and ones whose text needs Unicode folding. */
function contosoIssues(): IssueRecord[] {
  const [template] = fixtureIssues();
  const base = { ...template!, isResolved: false, endDateTime: null };
  return [
    { ...base, id: 'EX900001', title: 'Mail flow delays (100% of users)', service: 'Exchange Online', classification: 'incident', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:30:00.000Z', impactDescription: 'Users_may see delays.' },
    { ...base, id: 'EX900002', title: 'Outlook on the web search', service: 'Exchange Online', classification: 'advisory', status: 'investigating', lastModifiedDateTime: '2024-05-01T09:40:00.000Z', impactDescription: 'Search results can be incomplete.' },
    { ...base, id: 'MO900003', title: 'Admin center slow', service: 'Microsoft 365 suite', classification: 'advisory', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:20:00.000Z', impactDescription: null, feature: null, featureGroup: null },
    // Non-ASCII in every searched field; UN000001 and UN000002 share their last change (id tie-break).
    { ...base, id: 'UN000001', title: 'Störung: Straße gesperrt', service: 'Exchange Online', feature: 'Ärger-Filter', featureGroup: null, classification: 'incident', status: 'serviceInterruption', lastModifiedDateTime: '2024-05-01T09:50:00.000Z', impactDescription: null },
    { ...base, id: 'UN000002', title: 'STRASSE MAIL RELAY', service: 'exchange online', classification: 'advisory', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:50:00.000Z', impactDescription: 'ﬁle attachments are delayed' },
    { ...base, id: 'UN000003', title: 'ΟΔΟΣ routing', service: 'Microsoft 365 suite', feature: 'Größe', featureGroup: 'İstanbul datacenter', classification: 'INCIDÉNT', status: 'serviceRestored', isResolved: true, endDateTime: '2024-05-01T09:15:00.000Z', lastModifiedDateTime: '2024-05-01T09:15:00.000Z', impactDescription: 'Ölüdeniz users' },
    // Ids that differ in case only sort byte-wise (upper case first), as SQLite sorts them.
    { ...base, id: 'ex900005', title: 'lower-case id', service: 'Exchange Online', classification: 'Advisory', status: 'SERVICEOPERATIONAL', lastModifiedDateTime: '2024-05-01T09:50:00.000Z' },
    { ...base, id: 'Ex900006', title: 'mixed-case id', service: 'Exchange Online', classification: 'advisory', status: 'serviceDegradation', lastModifiedDateTime: '2024-05-01T09:50:00.000Z' },
  ];
}

const baseMessage = readMessage(graphFixture('serviceupdatemessage-get.json'));
const post = (n: number, p: Partial<MessageRecord>): MessageRecord => ({
  ...baseMessage,
  id: `MC80000${n}`,
  title: `Post ${n}`,
  tags: [],
  isMajorChange: false,
  actionRequiredByDateTime: null,
  lastModifiedDateTime: `2024-04-0${n}T10:00:00.000Z`,
  ...p,
});
const contosoPosts = (): MessageRecord[] => [
  post(1, { category: 'planForChange', services: ['Microsoft Teams'], tags: ['Retirement', 'Admin impact'], isMajorChange: true, actionRequiredByDateTime: '2024-07-01T00:00:00.000Z' }),
  post(2, { category: 'stayInformed', services: ['Exchange Online'], tags: ['Feature update'], title: 'Größere Postfächer für alle' }),
  post(3, { category: 'preventOrFixIssue', services: ['Microsoft Entra', 'Exchange Online'], tags: ['Admin impact'], actionRequiredByDateTime: '2024-06-01T00:00:00.000Z' }),
  post(4, { category: 'planForChange', services: ['SharePoint Online'], tags: ['User impact', 'Updated message'], isMajorChange: true }),
  post(5, { category: 'stayInformed', services: ['Microsoft Teams'], tags: ['User impact'] }),
  // Same last change as post 5: ordered by id.
  post(6, { category: 'stayInformed', services: ['Planner'], tags: [], lastModifiedDateTime: '2024-04-05T10:00:00.000Z' }),
  post(7, { category: 'StayInformed', services: ['Straßen-Dienst', 'Microsoft Teams'], tags: ['Ärger', 'MASSNAHME'], title: 'ΣΟΦΙΑ: ﬁnal notice' }),
  post(8, { category: 'planForChange', services: [], tags: ['Retirement'], title: 'Old post, no longer listed', lastModifiedDateTime: '2023-01-01T10:00:00.000Z' }),
];

function authorizationRow(a: { orgId: string; tenantId: string | null; label: string; status: AuthorizationStatus; createdAt: Date; id: string }) {
  return { id: a.id, orgId: a.orgId, createdBy: 'test', label: a.label, tenantId: a.tenantId, status: a.status, createdAt: a.createdAt, updatedAt: a.createdAt };
}

/**
 * A database whose own order is not byte order and whose `lower()` is Unicode-aware (ICU's
 * `en-US`, as a production cluster may well be created), so an ordering without `COLLATE "C"` or
 * a filter with PostgreSQL's `lower()` would answer differently from SQLite here.
 */
async function createIcuDatabase(): Promise<string> {
  const name = `reads_${randomUUID().replaceAll('-', '')}`;
  const client = new pgDriver.Client({ connectionString: pg().adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name} template template0 encoding 'UTF8' locale 'C.UTF-8' locale_provider icu icu_locale 'en-US'`);
  } finally {
    await client.end();
  }
  return pg().adminUrl.replace(/\/postgres$/, `/${name}`);
}

beforeAll(async () => {
  pgDatabase = await openPostgres(await createIcuDatabase(), { max: 4 });
  const { rows } = await pgDatabase.pool.query<{ caseless: boolean; lowered: string }>(`select 'a' < 'B' as caseless, lower('É') as lowered`);
  expect(rows[0]).toEqual({ caseless: true, lowered: 'é' });
  sqlite = tempDatabase();
  const pgStore = createPostgresStore(pgDatabase.db);
  engines = [
    { name: 'postgres', store: { ...createReadOperations(pgDatabase.db), applySync: pgStore.applySync } },
    { name: 'sqlite', store: createSqliteStore(sqlite.db) },
  ];

  // Orgs and their authorizations, written as the OAuth flow leaves them (the same ids and times on both).
  for (const name of ['acme', 'globex'] as const) {
    orgIds[name] = [(await pgStore.createOrg(name)).id, (await createSqliteStore(sqlite.db).createOrg(name)).id];
  }
  const authorizations = [
    { org: 'acme', label: 'contoso.onmicrosoft.com', tenantId: T1, status: 'active', createdAt: at(-50) },
    { org: 'acme', label: 'northwind', tenantId: T3, status: 'failed', createdAt: at(-40) },
    { org: 'acme', label: 'Northwind EU', tenantId: T3, status: 'reauth_required', createdAt: at(-30) },
    { org: 'acme', label: 'pending.example', tenantId: null, status: 'pending', createdAt: at(-20) },
    { org: 'globex', label: 'fabrikam', tenantId: T2, status: 'active', createdAt: at(-10) },
  ] as const;
  for (const a of authorizations) {
    const id = randomUUID();
    await pgDatabase.db.insert(pgSchema.authorizations).values(authorizationRow({ ...a, id, orgId: orgIds[a.org][0] }));
    sqlite.db.insert(sqliteSchema.authorizations).values(authorizationRow({ ...a, id, orgId: orgIds[a.org][1] })).run();
  }

  const sync = async (tenantId: string, snapshot: SyncSnapshot, now: Date) => {
    const [onPg, onSqlite] = await both((s) => s.applySync(tenantId, structuredClone(snapshot), now));
    expect(onPg).toEqual(onSqlite);
  };
  // Contoso: a full first sync with its posts; then a changed title (a folded key must follow it)
  // and a new post; then a full read without EX900002 and post 8 (kept, no longer listed).
  const contoso = fixtureSnapshot();
  contoso.issues.push(...contosoIssues());
  await sync(T1, { ...contoso, messages: { items: contosoPosts(), full: true } }, at(0));
  const renamed = contosoIssues().find((i) => i.id === 'UN000002')!;
  await sync(
    T1,
    {
      ...contoso,
      fullIssueSync: false,
      issues: [{ ...renamed, title: 'Maße und Gewichte', lastModifiedDateTime: '2024-05-01T10:04:00.000Z' }],
      messages: { items: [post(9, { category: 'stayInformed', services: ['Exchange Online'], tags: ['Straße'], title: 'Neue Funktion', lastModifiedDateTime: '2024-04-09T10:00:00.000Z' })], full: false },
    },
    at(5),
  );
  const third = fixtureSnapshot();
  third.issues.push(...contosoIssues().filter((i) => i.id !== 'EX900002' && i.id !== 'UN000002'), { ...renamed, title: 'Maße und Gewichte', lastModifiedDateTime: '2024-05-01T10:04:00.000Z' });
  await sync(T1, { ...third, messages: { items: [...contosoPosts().filter((p) => p.id !== 'MC800008'), post(9, { category: 'stayInformed', services: ['Exchange Online'], tags: ['Straße'], title: 'Neue Funktion', lastModifiedDateTime: '2024-04-09T10:00:00.000Z' })], full: true } }, at(10));
  // Fabrikam: the fixtures and 57 variants (pages, ties on the last change).
  const fabrikam = fixtureSnapshot();
  fabrikam.organization = { displayName: 'Fabrikam', defaultDomain: 'fabrikam.com' };
  fabrikam.issues.push(...variantsOf(fixtureIssues()[0]!, 'PG', 57));
  await sync(T2, fabrikam, at(1));
}, 120_000);

afterAll(async () => {
  await pgDatabase?.close();
  sqlite?.dispose();
});

// ---------------------------------------------------------------------------------------------

const byJson = <T>(rows: readonly T[]) => [...rows].map((r) => JSON.stringify(r)).sort();

describe('reads on PostgreSQL answer as on SQLite', () => {
  it('ping', async () => {
    await expect(engines[0].store.ping()).resolves.toBeUndefined();
  });

  it('an org’s authorizations, and only its own', async () => {
    const acme = await same('acme', (s, e) => s.orgAuthorizationRefs(orgIds.acme[e]));
    expect(acme.map((a) => [a.tenantId, a.label, a.status])).toEqual([
      [T1, 'contoso.onmicrosoft.com', 'active'],
      [T3, 'northwind', 'failed'],
      [T3, 'Northwind EU', 'reauth_required'],
    ]);
    expect(acme[0]!.createdAt).toEqual(at(-50));
    const globex = await same('globex', (s, e) => s.orgAuthorizationRefs(orgIds.globex[e]));
    expect(globex.map((a) => a.tenantId)).toEqual([T2]);
    expect(await same('unknown org', (s) => s.orgAuthorizationRefs('no-such-org'))).toEqual([]);
    expect(await same('NUL org', (s) => s.orgAuthorizationRefs('a\u0000b'))).toEqual([]);
  });

  it('tenant rows, last syncs, services and active issues', async () => {
    const rows = await same('tenant rows', (s) => s.tenantListRows([T2, T1, T3, UNKNOWN, T1]), (r) => byJson(r));
    expect(rows.map((r) => r.tenantId).sort()).toEqual([T1, T2].sort());
    expect(rows.find((r) => r.tenantId === T1)).toMatchObject({ displayName: expect.any(String), lastSyncAt: at(10), lastError: null });
    expect(await same('no tenant rows', (s) => s.tenantListRows([]))).toEqual([]);
    expect(await same('an unknown tenant row', (s) => s.tenantListRows([UNKNOWN, 'x\u0000']))).toEqual([]);

    expect(await same('last sync T1', (s) => s.tenantLastSyncAt(T1))).toEqual(at(10));
    expect(await same('last sync T3', (s) => s.tenantLastSyncAt(T3))).toBeNull();
    expect(await same('last sync unknown', (s) => s.tenantLastSyncAt(UNKNOWN))).toBeNull();

    for (const t of [T1, T2, T3, UNKNOWN]) {
      await same(`services ${t}`, (s) => s.tenantServices(t));
      await same(`active issues ${t}`, (s) => s.tenantActiveIssues(t));
    }
    expect((await engines[0].store.tenantServices(T1)).length).toBeGreaterThan(1);
    const active = await engines[0].store.tenantActiveIssues(T1);
    // Newest change first, then byte-wise by id: upper case before lower case.
    expect(active.slice(0, 4).map((i) => i.id)).toEqual(['UN000002', 'Ex900006', 'UN000001', 'ex900005']);
    expect(active.map((i) => i.id)).not.toContain('EX900002');
    expect(active.map((i) => i.id)).not.toContain('UN000003');
  });

  it('lists issues with every filter and search, as SQLite does', async () => {
    const queries: Array<Partial<IssueQuery>> = [];
    for (const state of ['all', 'active', 'resolved'] as const) {
      queries.push({ state }, { state, classification: 'incident' }, { state, classification: 'ADVISORY' }, { state, service: 'exchange online' }, { state, service: 'Exchange' });
    }
    for (const classification of ['incident', 'Incident', 'advisory', 'incidént', 'INCIDÉNT', 'nope', 'x\u0000']) queries.push({ classification });
    for (const service of ['Exchange Online', 'EXCHANGE ONLINE', 'exchange', 'Microsoft 365 suite', 'OSDPPlatform', 'Nope', 'Exchange\u0000']) queries.push({ service });
    const searches = ['STRASSE', 'straße', 'Strasse', 'STRAẞE', 'MASSE', 'maße', 'ärger', 'ÄRGER', 'file', 'FILE', 'ﬁle', 'größe', 'GRÖSSE', 'οδος', 'ΟΔΟΣ', 'i̇stanbul', 'ölüdeniz', 'OUTLOOK', 'search results', '100%', '%', '_', 'users_may', 'EX9000', 'ex9000', 'mo900003', 'Mail flow', 'e-mail', 'zzz-no-such-text', 'a\u0000b', '\u0000'];
    for (const q of searches) queries.push({ q }, { q, state: 'active' });
    for (const since of ['2024-05-01T09:30:00.000Z', '2024-05-01T09:50:00.000Z', '2020-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', 'Z', '2024-05-01T09:30:00.000Z\u0000x']) queries.push({ since }, { since, state: 'active', q: 'e' });
    const cursors = [
      { lastModifiedDateTime: '2024-05-01T09:50:00.000Z', id: 'Ex900006' },
      { lastModifiedDateTime: '2024-05-01T09:50:00.000Z', id: 'UN' },
      { lastModifiedDateTime: '2024-05-01T09:50:00.000Z', id: 'UN000001\u0000' },
      { lastModifiedDateTime: '2024-05-01T09:50:00.000Z\u0000', id: 'a' },
      { lastModifiedDateTime: 'May 1 2024', id: 'x' },
      { lastModifiedDateTime: '2000-01-01T00:00:00.000Z', id: 'A' },
    ];
    for (const cursor of cursors) queries.push({ cursor }, { cursor, q: 'mail' });
    for (const limit of [1, 3, 100]) queries.push({ limit }, { limit, state: 'active' });

    for (const tenantId of [T1, T2, T3, UNKNOWN]) {
      for (const q of queries) {
        const query: IssueQuery = { state: 'all', limit: 25, ...q };
        await same(`${tenantId} ${JSON.stringify(query)}`, (s) => s.listIssues(tenantId, query));
      }
    }

    const ids = async (q: Partial<IssueQuery>, tenantId = T1) => (await engines[0].store.listIssues(tenantId, { state: 'all', limit: 100, ...q })).issues.map((i) => i.id);
    // Unicode case folding, as SQLite's fold(): ß, SS and ss are one; ligatures and dotted capitals fold too.
    expect(await ids({ q: 'STRASSE' })).toEqual(['UN000001']);
    expect(await ids({ q: 'straße' })).toEqual(['UN000001']);
    expect(await ids({ q: 'MASSE' })).toEqual(['UN000002']);
    expect(await ids({ q: 'ÄRGER' })).toEqual(['UN000001']);
    expect(await ids({ q: 'FILE' })).toEqual(['UN000002']);
    expect(await ids({ q: 'GRÖSSE' })).toEqual(['UN000003']);
    expect(await ids({ q: 'οδος' })).toEqual(['UN000003']);
    expect(await ids({ q: '%' })).toEqual(['EX900001']);
    expect(await ids({ q: 'a\u0000b' })).toEqual([]);
    // SQLite's lower() is ASCII only: É is not é there, and not here either.
    expect(await ids({ classification: 'incidént' })).toEqual([]);
    expect(await ids({ classification: 'incident', state: 'active' })).toEqual(['UN000001', 'EX900001']);
    // A service id matches the service's exact name ("Exchange Online"), not "exchange online".
    expect(await ids({ service: 'Exchange', state: 'active' })).toEqual(['Ex900006', 'UN000001', 'ex900005', 'EX900001']);
    expect(await ids({ service: 'EXCHANGE ONLINE', state: 'active' })).toEqual(['UN000002', 'Ex900006', 'UN000001', 'ex900005', 'EX900001']);
    expect(await ids({ state: 'resolved', q: 'ΟΔΟΣ' })).toEqual(['UN000003']);
    // Another tenant's issues are not in this one's list.
    expect(await ids({ q: 'UN0000' }, T2)).toEqual([]);
  });

  it('walks every page of issues with nextCursor, the same pages on both', async () => {
    for (const [tenantId, limit, filter] of [
      [T2, 7, {}],
      [T2, 10, { state: 'active' }],
      [T1, 2, { q: 'e' }],
      [T1, 1, { service: 'exchange online' }],
    ] as const) {
      const walked: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: IssueQuery = { state: 'all', limit, ...filter, ...(cursor ? { cursor: decode(cursor) } : {}) };
        const page = await same(`${tenantId} page ${pages}`, (s) => s.listIssues(tenantId, query));
        expect(page.issues.length).toBeLessThanOrEqual(limit);
        walked.push(...page.issues.map((i) => i.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && pages < 50);
      const all = await same(`${tenantId} all`, (s) => s.listIssues(tenantId, { state: 'all', limit: 100, ...filter }));
      expect(walked).toEqual(all.issues.map((i) => i.id));
      expect(new Set(walked).size).toBe(walked.length);
      if (tenantId === T2 && limit === 7) expect(pages).toBe(9);
    }
  });

  it('reads one issue with its posts; an unknown or another tenant’s issue is null', async () => {
    const { issues } = await engines[1].store.listIssues(T1, { state: 'all', limit: 100 });
    expect(issues.length).toBeGreaterThan(10);
    for (const { id } of issues) {
      const detail = await same(`issue ${id}`, (s) => s.getIssue(T1, id));
      expect(detail?.id).toBe(id);
    }
    const un = await engines[0].store.getIssue(T1, 'UN000002');
    expect(un).toMatchObject({ title: 'Maße und Gewichte', service: 'exchange online', lastModifiedDateTime: '2024-05-01T10:04:00.000Z' });
    expect(un!.posts.length).toBeGreaterThan(0);
    for (const [tenantId, id] of [[T1, 'NOPE'], [T2, 'UN000001'], [UNKNOWN, 'EX900001'], [T1, 'EX900001\u0000'], [T1, 'ex900001']]) {
      expect(await same(`no issue ${tenantId} ${id}`, (s) => s.getIssue(tenantId!, id!))).toBeNull();
    }
  });

  it('overview rows, history rows and metrics rows', async () => {
    const overview = (r: Awaited<ReturnType<Reads['overviewRows']>>) => ({ ...r, services: byJson(r.services), issues: byJson(r.issues) });
    for (const t of [T1, T2, T3, UNKNOWN]) await same(`overview ${t}`, (s) => s.overviewRows(t), overview);
    const contoso = await engines[0].store.overviewRows(T1);
    expect(contoso.lastSyncAt).toEqual(at(10));
    expect(contoso.issues.map((i) => i.id)).toContain('UN000001');
    expect(contoso.issues.map((i) => i.id)).not.toContain('EX900002');
    // An upper-case healthy status is healthy (lower() of ASCII).
    expect(contoso.services.every((s) => !['serviceoperational', 'servicerestored', 'falsepositive'].includes(s.status.toLowerCase()))).toBe(true);
    expect(await engines[0].store.overviewRows(UNKNOWN)).toEqual({ displayName: null, lastSyncAt: null, services: [], issues: [] });

    const history = (r: Awaited<ReturnType<Reads['historyRows']>>) => ({ ...r, issues: byJson(r.issues) });
    for (const t of [T1, T2, T3, UNKNOWN]) {
      for (const from of ['2019-01-01T00:00:00Z', '2021-01-01T00:00:00Z', '2024-05-01T09:16:00Z', '2024-05-01T09:15:00Z', '2030-01-01T00:00:00Z']) {
        await same(`history ${t} ${from}`, (s) => s.historyRows(t, new Date(from)), history);
      }
    }
    const h = await engines[0].store.historyRows(T1, new Date('2024-05-01T09:15:00Z'));
    expect(h.firstSyncAt).toEqual(at(0));
    expect(h.issues.find((i) => i.id === 'UN000003')).toMatchObject({ isResolved: true, listedByMicrosoft: true, lastListedAt: at(10), interruptionSeen: false });
    expect(h.issues.find((i) => i.id === 'UN000001')).toMatchObject({ interruptionSeen: true });
    expect(h.issues.find((i) => i.id === 'EX900002')).toMatchObject({ listedByMicrosoft: false, lastListedAt: at(0) });
    expect((await engines[0].store.historyRows(T1, new Date('2024-05-01T09:16:00Z'))).issues.map((i) => i.id)).not.toContain('UN000003');

    const metrics = await same('metrics', (s) => s.metricsRows(), (r) => ({ tenants: r.tenants, services: byJson(r.services), activeIssues: byJson(r.activeIssues) }));
    expect(metrics.tenants.map((t) => t.tenantId)).toEqual([T2, T1].sort());
    const fabrikamActive = metrics.activeIssues.filter((i) => i.tenantId === T2);
    expect(fabrikamActive.length).toBeGreaterThanOrEqual(57);
    expect(fabrikamActive).toHaveLength((await engines[0].store.tenantActiveIssues(T2)).length);
    expect(metrics.activeIssues.find((i) => i.tenantId === T1 && i.service === 'exchange online')).toMatchObject({ classification: 'advisory' });
  });

  it('lists Message center posts with every filter and search, and walks their pages', async () => {
    const queries: Array<Partial<MessageQuery>> = [{}];
    for (const category of ['planForChange', 'PLANFORCHANGE', 'stayinformed', 'StayInformed', 'somethingNew', 'x\u0000']) queries.push({ category });
    for (const service of ['exchange online', 'Exchange', 'MICROSOFT TEAMS', 'STRASSEN-DIENST', 'straßen-dienst', 'Planner', '\u0000']) queries.push({ service });
    for (const tag of ['admin IMPACT', 'Retirement', 'ärger', 'ÄRGER', 'Maßnahme', 'massnahme', 'STRASSE', 'Admin', '\u0000']) queries.push({ tag });
    for (const q of ['mc800003', 'GRÖSSERE', 'größere', 'entra', 'updated mess', 'planner', 'σοφια', 'ΣΟΦΙΑ', 'FINAL', 'ﬁnal', 'strasse', 'Based on learnings', '100%_', '%', 'MC8', 'a\u0000']) queries.push({ q }, { q, major: true });
    queries.push({ major: true }, { actionRequired: true }, { major: true, actionRequired: true, tag: 'Retirement', service: 'Microsoft Teams', category: 'planForChange' });
    for (const cursor of [
      { lastModifiedDateTime: '2024-04-05T10:00:00.000Z', id: 'MC800005' },
      { lastModifiedDateTime: '2024-04-05T10:00:00.000Z', id: 'MC800005\u0000' },
      { lastModifiedDateTime: '2024-04-05T10:00:00.000Z\u0000', id: 'MC' },
      { lastModifiedDateTime: 'May 1 2024', id: 'x' },
    ]) queries.push({ cursor }, { cursor, category: 'stayInformed' });
    for (const tenantId of [T1, T2, UNKNOWN]) {
      for (const q of queries) {
        const query: MessageQuery = { limit: 25, ...q };
        await same(`${tenantId} ${JSON.stringify(query)}`, (s) => s.listMessages(tenantId, query));
      }
    }

    const ids = async (q: Partial<MessageQuery>) => (await engines[0].store.listMessages(T1, { limit: 100, ...q })).messages.map((m) => m.id);
    expect(await ids({})).toEqual(['MC800009', 'MC800007', 'MC800005', 'MC800006', 'MC800004', 'MC800003', 'MC800002', 'MC800001', 'MC800008']);
    expect(await ids({ q: 'GRÖSSERE' })).toEqual(['MC800002']);
    expect(await ids({ q: 'strasse' })).toEqual(['MC800009', 'MC800007']);
    expect(await ids({ service: 'STRASSEN-DIENST' })).toEqual(['MC800007']);
    expect(await ids({ tag: 'Maßnahme' })).toEqual(['MC800007']);
    expect(await ids({ tag: 'STRASSE' })).toEqual(['MC800009']);
    expect(await ids({ category: 'stayinformed' })).toEqual(['MC800009', 'MC800007', 'MC800005', 'MC800006', 'MC800002']);
    expect(await ids({ q: 'σοφια' })).toEqual(['MC800007']);
    expect(await ids({ service: 'Exchange' })).toEqual([]);
    expect((await engines[0].store.listMessages(T1, { limit: 100 })).messages[1]).toMatchObject({ services: ['Straßen-Dienst', 'Microsoft Teams'], tags: ['Ärger', 'MASSNAHME'] });

    for (const [limit, filter] of [
      [2, {}],
      [1, { category: 'stayInformed' }],
      [3, { q: 'e' }],
    ] as const) {
      const walked: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: MessageQuery = { limit, ...filter, ...(cursor ? { cursor: decode(cursor) } : {}) };
        const page = await same(`messages page ${pages}`, (s) => s.listMessages(T1, query));
        walked.push(...page.messages.map((m) => m.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      expect(walked).toEqual(await ids(filter));
    }
  });

  it('reads one post; an unknown or another tenant’s post is null', async () => {
    for (const id of ['MC800001', 'MC800002', 'MC800007', 'MC800008', 'MC800009']) {
      const detail = await same(`post ${id}`, (s) => s.getMessage(T1, id));
      expect(detail?.id).toBe(id);
    }
    const hostile = await engines[0].store.getMessage(T1, 'MC800007');
    expect(hostile!.html.length).toBeGreaterThan(0);
    expect(hostile!.details.length).toBeGreaterThan(0);
    for (const [tenantId, id] of [[T1, 'MC000000'], [T2, 'MC800001'], [UNKNOWN, 'MC800001'], [T1, 'MC800001\u0000'], [T1, 'mc800001']]) {
      expect(await same(`no post ${tenantId} ${id}`, (s) => s.getMessage(tenantId!, id!))).toBeNull();
    }
  });

  it('prunes the posts Microsoft no longer lists after the retention, nothing else', async () => {
    // Post 8 changed last on 2023-01-01 and is no longer listed; the others are listed.
    expect(await same('prune, too early', (s) => s.pruneRetainedMessages(new Date('2023-01-05T00:00:00Z'), 30))).toBe(0);
    expect(await same('prune', (s) => s.pruneRetainedMessages(new Date('2024-05-01T00:00:00Z'), 30))).toBe(1);
    expect(await same('prune again', (s) => s.pruneRetainedMessages(new Date('2030-05-01T00:00:00Z'), 30))).toBe(0);
    const after = await same('after prune', (s) => s.listMessages(T1, { limit: 100 }));
    expect(after.messages.map((m) => m.id)).not.toContain('MC800008');
    expect(after.messages).toHaveLength(8);
  });
});

/** A `nextCursor` read back as the route does. */
function decode(cursor: string): IssueCursor {
  const decoded = decodeIssueCursor(cursor);
  expect(decoded).not.toBeNull();
  return decoded!;
}
