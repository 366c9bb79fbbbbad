/**
 * The fake API of the element tests and Storybook (test/widgets/support/fake-api.ts) against the
 * real server in simulator mode, so the fake cannot drift from the contract.
 *
 * A fake session is seeded with the real server's own data for the demo org (its tenants,
 * Contoso's health, every issue and post, the authorizations). Then the same requests go to both,
 * from Node (so any `Origin` or `If-None-Match` can be sent and every header read), and the
 * answers must agree: status, JSON body (sync times, which the server's 2-second poll moves,
 * compared by type), the opaque cursor's behaviour, ETag/304, Cache-Control, CORS and the error
 * shape. The fixtures' shapes (test/widgets/fixtures/*.json) are compared with the server's too.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import type { Authorization, CreateChannelResponse, OverviewResponse, HealthResponse, HistoryResponse, IssueDetail, IssuesResponse, IssueSummary, MessageDetail, MessagesResponse, MessageSummary, TenantsResponse } from '../../../widgets/api/types.js';
import type { World } from '../support/fake-api.js';
import { newSession } from '../support/helpers.js';
import { integrationConfig, tenantByDomain } from './support.js';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  role?: 'admin' | 'viewer';
  noKey?: boolean;
}

/** Fields the server's poll changes from one second to the next: compared by type only. */
const VOLATILE = new Set(['syncedAt', 'lastSyncAt', 'nextSyncAt', 'lastSuccessAt', 'stale', 'lastSyncError']);

/** The JSON with volatile fields replaced by their type. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, VOLATILE.has(k) ? (v === null ? 'null' : typeof v) : normalize(v)]));
  return value;
}

/** The non-null value types found under each key path of a JSON value. */
function typesByPath(value: unknown, prefix = '', out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  if (Array.isArray(value)) for (const v of value) typesByPath(v, `${prefix}[]`, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      const path = `${prefix}.${k}`;
      const set = out.get(path) ?? out.set(path, new Set()).get(path)!;
      if (v !== null) set.add(Array.isArray(v) ? 'array' : typeof v);
      typesByPath(v, path, out);
    }
  return out;
}

/** Object keys of a JSON value, recursively (`a.b[].c`), to compare which fields are there whatever their values. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => keyPaths(v, `${prefix}[]`)))].sort();
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]).sort();
  return [];
}

const FAKE_ORIGIN_HEADERS = ['access-control-allow-origin', 'access-control-expose-headers', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'cache-control', 'www-authenticate'];

/** The headers a widget (or the browser for it) acts on. */
function headersOf(a: Answer) {
  const out: Record<string, string | boolean> = {};
  for (const name of FAKE_ORIGIN_HEADERS) if (a.headers[name] !== undefined) out[name] = a.headers[name]!;
  out['content-type'] = (a.headers['content-type'] ?? '').split(';')[0]!;
  out.vary = (a.headers.vary ?? '').toLowerCase().includes('origin');
  out.etag = /^(W\/)?"[^"]+"$/.test(a.headers.etag ?? '') ? 'an entity tag' : (a.headers.etag ?? 'none');
  return out;
}

describe('contract: the fake API answers as the real server does', function () {
  this.timeout(120_000);
  let contoso: string;
  let session: string;

  const real = (r: Req) => executeServerCommand<Answer, Req & { target: 'real' }>('o365-api', { ...r, target: 'real' }) as Promise<Answer>;
  const fake = (r: Req) => executeServerCommand<Answer, Req & { target: 'fake'; session: string }>('o365-api', { ...r, target: 'fake', session }) as Promise<Answer>;
  const both = async (r: Req) => {
    const [a, b] = await Promise.all([real(r), fake(r)]);
    return { real: a, fake: b };
  };
  /** The tenant path of a request: the real tenant id on both sides (the fake is seeded with it). */
  const t = (rest = '') => `/api/tenants/${contoso}${rest}`;

  async function allIssues(): Promise<IssueSummary[]> {
    const out: IssueSummary[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer = await real({ path: t(`/issues?state=all&limit=100${cursor ? `&cursor=${cursor}` : ''}`) });
      const page = res.body as IssuesResponse;
      out.push(...page.issues);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Every Message center post of Contoso on the real server (all pages). */
  async function allMessages(): Promise<MessageSummary[]> {
    const out: MessageSummary[] = [];
    let cursor: string | null = null;
    do {
      const res: Answer = await real({ path: t(`/messages?limit=100${cursor ? `&cursor=${cursor}` : ''}`) });
      const page = res.body as MessagesResponse;
      out.push(...page.messages);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** The real server's data for the demo org, as a fake world. */
  async function seed(): Promise<World> {
    const tenants = (await real({ path: '/api/tenants' })).body as TenantsResponse;
    const health = (await real({ path: t('/health') })).body as HealthResponse;
    const issues = await allIssues();
    const posts: World['posts'] = {};
    for (const issue of issues) posts[issue.id] = ((await real({ path: t(`/issues/${issue.id}`) })).body as IssueDetail).posts;
    const authorizations = ((await real({ path: '/api/authorizations' })).body as { authorizations: Authorization[] }).authorizations;
    const history = (await real({ path: t('/history?days=90') })).body as HistoryResponse;
    const messages: MessageDetail[] = [];
    for (const m of await allMessages()) messages.push((await real({ path: t(`/messages/${m.id}`) })).body as MessageDetail);
    // Only Contoso's data is copied; the fake lists no other tenant.
    const world: World = { tenants: tenants.tenants.filter((x) => x.tenantId === contoso), health: { [contoso]: health }, issues: { [contoso]: issues }, posts, authorizations, history: { [contoso]: history }, messages: { [contoso]: messages } };
    const res = await fake({ method: 'POST', path: '/_world', body: { world } });
    expect(res.status, 'the fake took the world').to.equal(204);
    return world;
  }

  /**
   * Runs `compare` against a fresh seed; again if the server's issues or posts changed meanwhile
   * (a live issue or a revised post of the simulator), whether the comparison passed or failed. A
   * comparison that fails on data that did not change fails the test.
   */
  async function onStableData(compare: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const seeded = await seed();
      const failed = await compare().then(
        () => null,
        (err: unknown) => err,
      );
      const [now, posts] = await Promise.all([allIssues(), allMessages()]);
      const key = (list: IssueSummary[]) => JSON.stringify(list.map((i) => [i.id, i.lastModifiedDateTime, i.status, i.isResolved]));
      const postsKey = (list: MessageSummary[]) => JSON.stringify(list.map((m) => [m.id, m.lastModifiedDateTime]));
      const stable = key(now) === key(seeded.issues[contoso]!) && postsKey(posts) === postsKey(seeded.messages[contoso]!);
      if (stable) {
        if (failed) throw failed;
        return;
      }
      if (attempt === 3) throw failed ?? new Error('The server’s issues kept changing during the comparison.');
    }
  }

  before(async function () {
    this.timeout(60_000);
    await integrationConfig();
    contoso = (await tenantByDomain('contoso.com')).tenantId;
    session = newSession().id;
  });

  it('answers the reads with the same bodies and headers (tenants, health, issues, an issue, authorizations)', async () => {
    await onStableData(async () => {
      const first = ((await real({ path: t('/issues?limit=1') })).body as IssuesResponse).issues[0]!;
      for (const path of ['/api/tenants', t('/health'), t('/issues'), t(`/issues/${first.id}`), '/api/authorizations', `/api/tenants/CONTOSO.COM/health`]) {
        const { real: a, fake: b } = await both({ path });
        expect(b.status, path).to.equal(a.status);
        expect(normalize(b.body), path).to.deep.equal(normalize(a.body));
        expect(headersOf(b), path).to.deep.equal(headersOf(a));
      }
    });
  });

  it('answers the overview as the server computes it: level, counts, affected services, the active issues and their tenants', async () => {
    await onStableData(async () => {
      const { real: a, fake: b } = await both({ path: '/api/overview' });
      expect(a.status).to.equal(200);
      const overview = a.body as OverviewResponse;
      expect(overview.tenants.map((x) => x.tenantId), 'the seeded world is the demo org’s').to.deep.equal([contoso]);
      expect(overview.issues.length, 'Contoso has active issues to compare').to.be.greaterThan(0);
      expect(normalize(b.body)).to.deep.equal(normalize(a.body));
      expect(headersOf(b)).to.deep.equal(headersOf(a));
    });
  });

  it('lists issues with the server’s defaults, filters, order and opaque cursor', async () => {
    await onStableData(async () => {
      const service = ((await real({ path: t('/health') })).body as HealthResponse).services.find((s) => s.activeIssueCount > 0)!;
      const queries = [
        '', // the defaults: state=all, limit=25
        '?state=all&limit=25',
        '?state=active',
        '?state=resolved&limit=3',
        '?classification=incident',
        '?classification=advisory&state=active',
        `?service=${encodeURIComponent(service.name.toUpperCase())}`,
        `?service=${encodeURIComponent(service.id)}`,
        '?q=exchange',
        '?q=EX',
        '?since=2020-01-01T00:00:00Z&limit=2',
        '?limit=2',
        '?limit=100',
      ];
      for (const q of queries) {
        const { real: a, fake: b } = await both({ path: t(`/issues${q}`) });
        expect(b.status, q).to.equal(200);
        const [ra, rb] = [a.body as IssuesResponse, b.body as IssuesResponse];
        expect(rb.issues.map((i) => i.id), q).to.deep.equal(ra.issues.map((i) => i.id));
        expect(normalize({ ...rb, nextCursor: null }), q).to.deep.equal(normalize({ ...ra, nextCursor: null }));
        expect(rb.nextCursor === null, `${q}: a next page`).to.equal(ra.nextCursor === null);
      }
      // The default page is the server's: every state, at most 25.
      const [byDefault, all] = await Promise.all([real({ path: t('/issues') }), real({ path: t('/issues?state=all&limit=100') })]);
      const total = (all.body as IssuesResponse).issues.length;
      expect((byDefault.body as IssuesResponse).issues.length).to.equal(Math.min(25, total));

      // Following nextCursor, page after page, gives the same pages on both sides; each side reads its own cursor.
      let [ca, cb]: (string | null)[] = [null, null];
      let pages = 0;
      do {
        const [a, b]: Answer[] = await Promise.all([
          real({ path: t(`/issues?limit=2${ca ? `&cursor=${ca}` : ''}`) }),
          fake({ path: t(`/issues?limit=2${cb ? `&cursor=${cb}` : ''}`) }),
        ]);
        const [pa, pb]: IssuesResponse[] = [a!.body as IssuesResponse, b!.body as IssuesResponse];
        expect(pb!.issues.map((i) => i.id), `page ${pages + 1}`).to.deep.equal(pa.issues.map((i) => i.id));
        expect(pb!.nextCursor, 'an opaque cursor, not a position').to.not.match(/^\d+$/);
        [ca, cb] = [pa!.nextCursor, pb!.nextCursor];
        expect(cb === null).to.equal(ca === null);
        pages++;
      } while (ca && pages < 5);
    });
  });

  it('answers the history as the server does: the same shape, days, levels and issue ids for shorter windows, and the same refusals', async () => {
    await onStableData(async () => {
      for (const q of ['', '?days=90', '?days=7', '?days=1&timeZone=UTC', '?days=120']) {
        const { real: a, fake: b } = await both({ path: t(`/history${q}`) });
        expect(b.status, q).to.equal(200);
        expect(keyPaths(b.body), q).to.deep.equal(keyPaths(a.body));
        const [ra, rb] = [a.body as HistoryResponse, b.body as HistoryResponse];
        expect(rb.services.map((s) => [s.id, s.name, s.availability === null]), q).to.deep.equal(ra.services.map((s) => [s.id, s.name, s.availability === null]));
        // Within the 90 days the fake was seeded with: the server's own days.
        if (!q.includes('120')) expect(rb.services.map((s) => s.days), q).to.deep.equal(ra.services.map((s) => s.days));
        else expect(rb.services.map((s) => s.days.map((d) => d.date)), q).to.deep.equal(ra.services.map((s) => s.days.map((d) => d.date)));
        expect([rb.timeZone, rb.from, rb.dataFrom], q).to.deep.equal([ra.timeZone, ra.from, ra.dataFrom]);
        expect(headersOf(b), q).to.deep.equal(headersOf(a));
      }
      const { real: a, fake: b } = await both({ path: t('/history?days=3&timeZone=Europe/Berlin') });
      expect([(b.body as HistoryResponse).timeZone, b.status]).to.deep.equal([(a.body as HistoryResponse).timeZone, a.status]);
    });
    for (const q of ['?days=0', '?days=401', '?days=1.5', '?days=many', '?timeZone=Mars/Olympus']) {
      const { real: a, fake: b } = await both({ path: t(`/history${q}`) });
      expect(b.status, q).to.equal(a.status);
      const [ea, eb] = [(a.body as { error: { code: string; message: string } }).error, (b.body as { error: { code: string; message: string } }).error];
      expect([eb.code, eb.message.split(':')[0]], q).to.deep.equal([ea.code, ea.message.split(':')[0]]);
    }
    const { real: a, fake: b } = await both({ path: '/api/tenants/nope.example/history' });
    expect([b.status, (b.body as { error: { message: string } }).error.message]).to.deep.equal([a.status, (a.body as { error: { message: string } }).error.message]);
  });

  it('lists Message center posts with the server’s defaults, filters, order and opaque cursor, and answers a post with its body and details', async () => {
    await onStableData(async () => {
      const all = await allMessages();
      expect(all.length, 'the simulator’s Contoso has Message center posts').to.be.greaterThan(3);
      const service = all.find((m) => m.services.length)!.services[0]!;
      const tag = all.find((m) => m.tags.length)!.tags[0]!;
      const word = all[0]!.title.split(/\s+/).find((w) => w.length > 4)!;
      // A tag and a service that no title or id holds: found only through the post's tags and services.
      const inTitles = (text: string) => all.some((m) => `${m.id} ${m.title}`.toLowerCase().includes(text.toLowerCase()));
      const onlyTag = all.flatMap((m) => m.tags).find((x) => !inTitles(x));
      const onlyService = all.flatMap((m) => m.services).find((x) => !inTitles(x));
      const queries = [
        '', // the defaults: limit=25, every post
        '?limit=2',
        '?limit=100',
        '?category=planForChange',
        '?category=STAYINFORMED',
        '?category=preventOrFixIssue&limit=3',
        '?category=unknownFutureValue',
        `?service=${encodeURIComponent(service.toUpperCase())}`,
        `?tag=${encodeURIComponent(tag.toLowerCase())}`,
        `?q=${encodeURIComponent(word.toLowerCase())}`,
        `?q=${encodeURIComponent(all[1]!.id.toLowerCase())}`,
        '?q=mc',
        ...[onlyTag, onlyService].filter((x) => x !== undefined).map((x) => `?q=${encodeURIComponent(x!.toUpperCase())}`),
        '?major=true',
        '?major=false',
        '?actionRequired=true',
        '?major=true&actionRequired=true&limit=1',
        '?service=&tag=&q=',
      ];
      for (const q of queries) {
        const { real: a, fake: b } = await both({ path: t(`/messages${q}`) });
        expect(b.status, q).to.equal(200);
        const [ra, rb] = [a.body as MessagesResponse, b.body as MessagesResponse];
        expect(rb.messages.map((m) => m.id), q).to.deep.equal(ra.messages.map((m) => m.id));
        expect({ ...rb, nextCursor: null }, q).to.deep.equal({ ...ra, nextCursor: null });
        expect(rb.nextCursor === null, `${q}: a next page`).to.equal(ra.nextCursor === null);
        expect(headersOf(b), q).to.deep.equal(headersOf(a));
      }
      // Following nextCursor gives the same pages on both sides; each side reads its own cursor.
      let [ca, cb]: (string | null)[] = [null, null];
      let pages = 0;
      do {
        const [a, b]: Answer[] = await Promise.all([
          real({ path: t(`/messages?limit=2${ca ? `&cursor=${ca}` : ''}`) }),
          fake({ path: t(`/messages?limit=2${cb ? `&cursor=${cb}` : ''}`) }),
        ]);
        const [pa, pb]: MessagesResponse[] = [a!.body as MessagesResponse, b!.body as MessagesResponse];
        expect(pb!.messages.map((m) => m.id), `page ${pages + 1}`).to.deep.equal(pa!.messages.map((m) => m.id));
        expect(pb!.nextCursor, 'an opaque cursor, not a position').to.not.match(/^\d+$/);
        [ca, cb] = [pa!.nextCursor, pb!.nextCursor];
        expect(cb === null).to.equal(ca === null);
        pages++;
      } while (ca && pages < 5);
      // One post: the same body (sanitised HTML) and details, by id and through a label.
      const withDetails = all.find((m) => m.actionRequiredByDateTime) ?? all[0]!;
      for (const path of [t(`/messages/${withDetails.id}`), `/api/tenants/CONTOSO.COM/messages/${all[0]!.id}`]) {
        const { real: a, fake: b } = await both({ path });
        expect(b.status, path).to.equal(a.status);
        expect(b.body, path).to.deep.equal(a.body);
        expect(headersOf(b), path).to.deep.equal(headersOf(a));
      }
    });
    // The same refusals.
    const cases = [
      t('/messages/MC000000'),
      t('/messages/not%20an%20id'),
      '/api/tenants/nope.example/messages',
      '/api/tenants/nope.example/messages/MC000000',
      t('/messages?limit=0'),
      t('/messages?limit=101'),
      t('/messages?limit=many'),
      t('/messages?cursor=2'),
      t('/messages?major=yes'),
      t('/messages?actionRequired=1'),
      t('/messages?category=plan-for-change'),
    ];
    for (const path of cases) {
      const { real: a, fake: b } = await both({ path });
      expect(b.status, path).to.equal(a.status);
      const [ea, eb] = [(a.body as { error: { code: string; message: string } }).error, (b.body as { error: { code: string; message: string } }).error];
      expect(eb.code, path).to.equal(ea.code);
      if (a.status === 400) expect(eb.message.split(':')[0], path).to.equal(ea.message.split(':')[0]);
      else expect(eb.message, path).to.equal(ea.message);
    }
  });

  it('refuses the same bad requests with the same error shape, codes and messages', async () => {
    await seed();
    const cases: Req[] = [
      { path: '/api/tenants', noKey: true },
      { path: '/api/tenants', headers: { authorization: 'Bearer o365_not-a-key' } },
      { path: '/api/tenants', headers: { authorization: 'Basic abc' } },
      { path: '/api/authorizations', role: 'viewer' },
      { path: '/api/tenants/nope.example/health' },
      { path: t('/issues/EX000000') },
      { path: t('/issues?state=open') },
      { path: t('/issues?limit=0') },
      { path: t('/issues?limit=101') },
      { path: t('/issues?cursor=2') }, // a position is not a cursor of this API
      { path: t('/issues?classification=outage') },
      { path: '/api/nothing-here' },
    ];
    for (const c of cases) {
      const { real: a, fake: b } = await both(c);
      const what = `${c.path} ${JSON.stringify(c.headers ?? c.role ?? (c.noKey ? 'no key' : ''))}`;
      expect(b.status, what).to.equal(a.status);
      const [ea, eb] = [(a.body as { error: { code: string; message: string } }).error, (b.body as { error: { code: string; message: string } }).error];
      expect(eb.code, what).to.equal(ea.code);
      // Validation messages name the parameter as the server does; the others are the server's sentences.
      if (a.status === 400) expect(eb.message.split(':')[0], what).to.equal(ea.message.split(':')[0]);
      else expect(eb.message, what).to.equal(ea.message);
      expect(headersOf(b), what).to.deep.equal(headersOf(a));
    }
  });

  it('revalidates with ETag: If-None-Match answers 304 without a body, keeping the CORS headers', async () => {
    await onStableData(async () => {
      const origin = location.origin;
      for (const path of ['/api/tenants', t('/issues?state=all')]) {
        const [a, b] = await Promise.all([real({ path, headers: { origin } }), fake({ path, headers: { origin } })]);
        const [a2, b2] = await Promise.all([
          real({ path, headers: { origin, 'if-none-match': a.headers.etag! } }),
          fake({ path, headers: { origin, 'if-none-match': b.headers.etag! } }),
        ]);
        expect([b2.status, b2.body], path).to.deep.equal([a2.status, a2.body]);
        expect(a2.status).to.equal(304);
        expect(headersOf(b2), path).to.deep.equal(headersOf(a2));
        // Another validator gets the whole answer again.
        const [a3, b3] = await Promise.all([real({ path, headers: { 'if-none-match': '"stale"' } }), fake({ path, headers: { 'if-none-match': '"stale"' } })]);
        expect([b3.status, a3.status]).to.deep.equal([200, 200]);
      }
    });
  });

  it('answers CORS for the allowed (page) origins only, preflights included', async () => {
    await seed();
    const page = location.origin;
    for (const origin of [page, 'https://evil.example', `http://127.0.0.1:${location.port}`]) {
      const requests: Req[] = [
        { path: '/api/tenants', headers: { origin } },
        { path: '/api/tenants', headers: { origin }, noKey: true },
        { method: 'OPTIONS', path: '/api/authorizations/x', headers: { origin, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' }, noKey: true },
        { method: 'OPTIONS', path: '/api/authorizations', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }, noKey: true },
      ];
      for (const r of requests) {
        const { real: a, fake: b } = await both(r);
        const what = `${r.method ?? 'GET'} ${r.path} from ${origin}`;
        expect(b.status, what).to.equal(a.status);
        expect(headersOf(b), what).to.deep.equal(headersOf(a));
      }
    }
    const evil = await fake({ path: '/api/tenants', headers: { origin: 'https://evil.example' } });
    expect(evil.headers['access-control-allow-origin'], 'never *').to.be.undefined;
  });

  it('adds an authorization and deletes one as the server does', async () => {
    await seed();
    const origin = location.origin;
    const { real: a, fake: b } = await both({ method: 'POST', path: '/api/authorizations', headers: { origin }, body: { label: 'contract.example.com' } });
    expect(b.status).to.equal(a.status);
    const [ra, rb] = [a.body as { authorization: Authorization; authorizeUrl: string }, b.body as { authorization: Authorization; authorizeUrl: string }];
    expect(keyPaths(rb)).to.deep.equal(keyPaths(ra));
    const pick = (x: Authorization) => ({ label: x.label, api: x.api, tenantId: x.tenantId, status: x.status, consentedBy: x.consentedBy, lastSuccessAt: x.lastSuccessAt, lastError: x.lastError, lastSyncError: x.lastSyncError, nextSyncAt: x.nextSyncAt });
    expect(pick(rb.authorization)).to.deep.equal(pick(ra.authorization));
    expect(headersOf(b)).to.deep.equal(headersOf(a));
    for (const [side, id] of [['real', ra.authorization.id], ['fake', rb.authorization.id]] as const) {
      const send = side === 'real' ? real : fake;
      const del = await send({ method: 'DELETE', path: `/api/authorizations/${id}`, headers: { origin } });
      expect([side, del.status, del.body]).to.deep.equal([side, 204, null]);
    }
    const empty = await both({ method: 'POST', path: '/api/authorizations', body: { label: '  ' } });
    expect(empty.fake.status).to.equal(empty.real.status);
    expect((empty.fake.body as { error: { code: string } }).error.code).to.equal((empty.real.body as { error: { code: string } }).error.code);
  });

  it('answers the notification channels as the server does: refusals, create, list, change, deliveries, delete, unknown ids', async () => {
    // The fake starts with no channel, as the demo org on the server does.
    const world = await seed();
    const seeded = await fake({ method: 'POST', path: '/_world', body: { world: { ...world, channels: [] } } });
    expect(seeded.status).to.equal(204);
    const label = world.tenants[0]!.label;
    /** A channel's answer with the fields each side makes up (its id and creation time) replaced by their type. */
    const made = (body: unknown) => JSON.parse(JSON.stringify(body), (k, v) => (k === 'id' || k === 'createdAt' ? typeof v : v)) as unknown;
    const same = async (r: Req, expected: number) => {
      const { real: a, fake: b } = await both(r);
      const what = `${r.method ?? 'GET'} ${r.path} ${JSON.stringify(r.body ?? '')}${r.role ? ` as ${r.role}` : ''}`;
      expect(a.status, `${what}: the server's status`).to.equal(expected);
      expect(b.status, what).to.equal(a.status);
      expect(made(b.body), what).to.deep.equal(made(a.body));
      expect(headersOf(b), what).to.deep.equal(headersOf(a));
      return { real: a.body, fake: b.body };
    };

    await same({ path: '/api/channels' }, 200);
    await same({ path: '/api/channels', role: 'viewer' }, 403);
    const refused = [
      {},
      { kind: 'pager', name: 'x', target: 'https://hooks.example.com/a' },
      { kind: 'webhook', target: 'https://hooks.example.com/a' },
      { kind: 'webhook', name: '   ', target: 'https://hooks.example.com/a' },
      { kind: 'webhook', name: 'Hook' },
      { kind: 'webhook', name: 'Hook', target: 'hooks.example.com/a' },
      { kind: 'webhook', name: 'Hook', target: 'http://hooks.example.com/a' },
      { kind: 'email', name: 'Desk', target: 'not an address' },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { tenants: ['no-such-tenant.example'] } },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { classifications: ['outage'] } },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { events: ['test'] } },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { colours: ['red'] } },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: [] },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { events: 'all', classifications: [1], tenants: [' '], services: [''] } },
      { kind: 'email', name: 'Desk', target: 'a@example.com', filters: { services: [''], tenants: [3], zz: 1 } },
      { kind: 'pager', name: '', target: '', filters: { classifications: ['x'] } },
    ];
    for (const body of refused) await same({ method: 'POST', path: '/api/channels', body }, 400);

    // An e-mail channel (no target to resolve, no secret), for the tenant by its label. Its events
    // (authorizations needing renewal) do not happen here, so its delivery log stays empty on both.
    const created = await same(
      { method: 'POST', path: '/api/channels', body: { kind: 'email', name: '  Service desk ', target: 'desk@example.com,  ops@example.com', filters: { tenants: [label], events: ['authorization.reauth_required'] } } },
      201,
    );
    const ids = { real: (created.real as CreateChannelResponse).channel.id, fake: (created.fake as CreateChannelResponse).channel.id };
    try {
      await same({ path: '/api/channels' }, 200);
      /** The same request to each side's own channel (`:id` in the path). */
      const own = async (r: Req, expected: number) => {
        const [a, b] = await Promise.all([real({ ...r, path: r.path.replace(':id', ids.real) }), fake({ ...r, path: r.path.replace(':id', ids.fake) })]);
        const what = `${r.method ?? 'GET'} ${r.path} ${JSON.stringify(r.body ?? '')}`;
        expect(a.status, `${what}: the server's status`).to.equal(expected);
        expect(b.status, what).to.equal(a.status);
        expect(made(b.body), what).to.deep.equal(made(a.body));
      };
      await own({ method: 'PATCH', path: '/api/channels/:id', body: { name: ' Desk ', filters: { classifications: ['incident'], events: ['authorization.reauth_required'] } } }, 200);
      await own({ method: 'PATCH', path: '/api/channels/:id', body: { enabled: false } }, 200);
      for (const body of [{}, { enabled: 'yes' }, { name: '' }, { target: 'x@example.com' }, { filters: { tenants: ['no-such-tenant.example'] } }]) {
        await own({ method: 'PATCH', path: '/api/channels/:id', body }, 400);
      }
      await own({ path: '/api/channels/:id/deliveries' }, 200);
      await own({ path: '/api/channels/:id/deliveries?limit=5' }, 200);
      await own({ path: '/api/channels/:id/deliveries?limit=0' }, 400);
      await same({ path: '/api/channels' }, 200);
      for (const [method, sub] of [['PATCH', ''], ['DELETE', ''], ['POST', '/test'], ['GET', '/deliveries']] as const) {
        await same({ method, path: `/api/channels/not-a-channel${sub}`, ...(method === 'PATCH' ? { body: { enabled: true } } : {}) }, 400);
        await same({ method, path: `/api/channels/0b8f2c1e-9d4a-4e6b-8c3f-5a7d9e1b2c40${sub}`, ...(method === 'PATCH' ? { body: { enabled: true } } : {}) }, 404);
      }
    } finally {
      const gone = await Promise.all([real({ method: 'DELETE', path: `/api/channels/${ids.real}` }), fake({ method: 'DELETE', path: `/api/channels/${ids.fake}` })]);
      expect(gone.map((g) => [g.status, g.body])).to.deep.equal([
        [204, null],
        [204, null],
      ]);
    }
    await same({ path: '/api/channels' }, 200);
  });

  it('the fixtures carry every field the server sends (same keys, same types)', async () => {
    const fixtureSession = newSession().id;
    const fixtures = (r: Req) => executeServerCommand<Answer, Req & { target: 'fake'; session: string }>('o365-api', { ...r, target: 'fake', session: fixtureSession }) as Promise<Answer>;
    const FIXTURE_CONTOSO = '4f2d5a86-3c1e-4b8f-9a57-0c6d3e1f2a10';
    const firstIssue = ((await fixtures({ path: `/api/tenants/${FIXTURE_CONTOSO}/issues?limit=1` })).body as IssuesResponse).issues[0]!.id;
    const realFirst = ((await real({ path: t('/issues?limit=1') })).body as IssuesResponse).issues[0]!.id;
    // A post with details and an act-by date on both sides, so every field has a value to compare.
    const realPost = (await allMessages()).find((m) => m.actionRequiredByDateTime && m.tags.length)!.id;
    for (const [realPath, fixturePath] of [
      ['/api/tenants', '/api/tenants'],
      [t('/health'), `/api/tenants/${FIXTURE_CONTOSO}/health`],
      [t('/issues?state=all'), `/api/tenants/${FIXTURE_CONTOSO}/issues?state=all`],
      [t(`/issues/${realFirst}`), `/api/tenants/${FIXTURE_CONTOSO}/issues/${firstIssue}`],
      ['/api/authorizations', '/api/authorizations'],
      [t('/history?days=90'), `/api/tenants/${FIXTURE_CONTOSO}/history?days=90`],
      [t('/messages?limit=100'), `/api/tenants/${FIXTURE_CONTOSO}/messages?limit=100`],
      [t(`/messages/${realPost}`), `/api/tenants/${FIXTURE_CONTOSO}/messages/MC779231`],
    ]) {
      const [a, b] = await Promise.all([real({ path: realPath! }), fixtures({ path: fixturePath! })]);
      expect(keyPaths(b.body), fixturePath).to.deep.equal(keyPaths(a.body));
      // Value types too, where both sides have a value (a field may be null on one side only).
      const [ta, tb] = [typesByPath(a.body), typesByPath(b.body)];
      for (const [path, types] of tb) if (types.size && ta.get(path)?.size) expect([...types].sort(), `${fixturePath} ${path}`).to.deep.equal([...ta.get(path)!].sort());
    }
  });
});
