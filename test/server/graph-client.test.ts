/**
 * The Graph client over real HTTP, against a loopback server that answers with Microsoft's own
 * example payloads (test/fixtures/graph) and scripted failures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphClient, GraphError, GraphThrottledError, retryAfterMs } from '../../server/microsoft/graph.js';
import { collectionValue, readIssue, readOrganization, readServiceHealth } from '../../server/microsoft/normalize.js';
import { SERVICE_HEALTH_STATUSES } from '../../server/domain.js';
import { graphFixture, GRAPH_FIXTURES } from '../support/fixtures.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let server: Server;
let base: string;
const seen: Array<{ url: string; auth: string | undefined; prefer: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization, prefer: req.headers.prefer as string | undefined });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

function client(extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}) {
  const waits: number[] = [];
  let tokens = 0;
  const c = new GraphClient({
    baseUrl: base,
    getToken: async (force) => `token-${++tokens}${force ? '-fresh' : ''}`,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 1,
    timeoutMs: 2000,
    ...extra,
  });
  return { c, waits, tokenCount: () => tokens };
}

describe('reading Microsoft payloads', () => {
  it('reads every service health and issue fixture, PascalCase or camelCase, into camelCase', () => {
    const statuses = new Set<string>(SERVICE_HEALTH_STATUSES);
    let issues = 0;
    for (const name of ['serviceannouncement-list-healthoverviews.json', 'serviceannouncement-list-healthoverviews-expand-issues.json']) {
      for (const entry of collectionValue(graphFixture(name))) {
        const read = readServiceHealth(entry);
        expect(statuses.has(read.service.status), read.service.status).toBe(true);
        issues += read.issues.length;
      }
    }
    for (const name of ['servicehealth-get.json', 'servicehealth-get-expand-issues.json', 'cli-microsoft365-serviceannouncement-health-get-issues.json']) {
      const read = readServiceHealth(graphFixture(name));
      expect(statuses.has(read.service.status)).toBe(true);
      issues += read.issues.length;
    }
    for (const name of ['serviceannouncement-list-issues.json', 'cli-microsoft365-serviceannouncement-healthissue-list.json']) {
      for (const raw of collectionValue(graphFixture(name))) {
        const issue = readIssue(raw);
        expect(['incident', 'advisory']).toContain(issue.classification);
        expect(issue.origin).toBe('microsoft');
        expect(issue.posts[0]!.postType).toBe('regular');
        expect(issue.lastModifiedDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        issues++;
      }
    }
    const single = readIssue(graphFixture('servicehealthissue-get.json'));
    expect(single).toMatchObject({ id: 'MO226784', status: 'serviceRestored', classification: 'advisory', isResolved: true, feature: 'Access' });
    expect(single.posts[0]!.contentType).toBe('html');
    expect(issues).toBe(5);
  });

  it('reads the organization fixture for display name and default domain', () => {
    expect(readOrganization(graphFixture('organization-get.json'))).toEqual({ displayName: 'Contoso', defaultDomain: 'contoso.com' });
  });

  it('keeps an enum value it does not know, and ignores unknown properties', () => {
    const raw = { ...(graphFixture('servicehealthissue-get.json') as object), status: 'SomethingNewFromMicrosoft', brandNewField: { x: 1 } };
    const issue = readIssue(raw);
    expect(issue.status).toBe('SomethingNewFromMicrosoft');
    expect(issue).not.toHaveProperty('brandNewField');
  });

  it('refuses an issue without an id or status instead of storing garbage', () => {
    expect(() => readIssue({ title: 'no id', status: 'investigating' })).toThrow(/no id/);
    expect(() => readIssue({ id: 'EX1', lastModifiedDateTime: '2024-01-01T00:00:00Z' })).toThrow(/no status/);
  });

  it('covers the fixtures it claims to', () => {
    const dir = readdirSync(new URL('../fixtures/graph/', import.meta.url)).filter((f) => f.endsWith('.json'));
    for (const f of GRAPH_FIXTURES) expect(dir).toContain(f);
  });
});

describe('GraphClient over HTTP', () => {
  it('follows @odata.nextLink across pages and sends Prefer: odata.maxpagesize and the bearer token', async () => {
    const page1 = structuredClone(graphFixture('serviceannouncement-list-issues.json')) as Record<string, unknown>;
    handler = (req, res) => {
      const url = new URL(req.url!, base);
      if (url.searchParams.get('$skip') === '100') return json(res, 200, { value: collectionValue(graphFixture('cli-microsoft365-serviceannouncement-healthissue-list.json')) });
      json(res, 200, { ...page1, '@odata.nextLink': `${base}/v1.0/admin/serviceAnnouncement/issues?$skip=100` });
    };
    const { c } = client({ pageSize: 50 });
    const issues = await c.issues(null);
    expect(issues.map((i) => i.id)).toEqual(['EX226792', 'CR384241']);
    expect(seen).toHaveLength(2);
    expect(seen[0]!.prefer).toBe('odata.maxpagesize=50');
    expect(seen[0]!.auth).toBe('Bearer token-1');
  });

  it('filters issues by lastModifiedDateTime for an incremental sync', async () => {
    handler = (_req, res) => json(res, 200, { value: [] });
    await client().c.issues('2024-05-01T10:00:00.000Z');
    expect(decodeURIComponent(seen[0]!.url)).toContain('$filter=lastModifiedDateTime ge 2024-05-01T10:00:00.000Z');
  });

  it('refuses a nextLink that leaves the Graph host, and never sends the token there', async () => {
    handler = (_req, res) => json(res, 200, { value: [], '@odata.nextLink': 'https://attacker.example/v1.0/steal' });
    await expect(client().c.issues(null)).rejects.toThrow(/Refusing to follow a link/);
    expect(seen).toHaveLength(1);
  });

  it('waits out a short Retry-After on 429 in place instead of hammering', async () => {
    let calls = 0;
    handler = (_req, res) => (++calls <= 2 ? json(res, 429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': '3' }) : json(res, 200, { value: [] }));
    const { c, waits } = client();
    await c.issues(null);
    expect(waits).toEqual([3000, 3000]);
    expect(calls).toBe(3);
  });

  it('hands a long Retry-After back uncapped instead of waiting (and never calls again by itself)', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      json(res, 429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'retry-after': '150' });
    };
    const { c, waits } = client();
    const err = await c.issues(null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphThrottledError);
    expect((err as GraphThrottledError).retryAfterMs).toBe(150_000);
    expect((err as GraphThrottledError).status).toBe(429);
    expect(waits).toEqual([]);
    expect(calls).toBe(1);
  });

  it('backs off exponentially on 5xx, then gives up with the Graph error code', async () => {
    handler = (_req, res) => json(res, 503, { error: { code: 'ServiceUnavailable', message: 'down' } });
    const { c, waits } = client({ maxRetries: 3, backoffBaseMs: 100 });
    const err = await c.issues(null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).status).toBe(503);
    expect((err as GraphError).code).toBe('ServiceUnavailable');
    expect(waits).toEqual([100, 200, 400]);
    expect(seen).toHaveLength(4);
  });

  it('times out a hanging response and retries', async () => {
    let calls = 0;
    handler = (_req, res) => {
      if (++calls === 1) return; // never answers
      json(res, 200, { value: [] });
    };
    const { c } = client({ timeoutMs: 200 });
    await expect(c.issues(null)).resolves.toEqual([]);
    expect(calls).toBe(2);
  });

  it('asks for a fresh token once on 401, and reports an auth failure when that does not cure it', async () => {
    handler = (req, res) =>
      req.headers.authorization === 'Bearer token-2-fresh' ? json(res, 200, { value: [] }) : json(res, 401, graphFixture('error-401-expired-token-observed.json'));
    const ok = client();
    await ok.c.issues(null);
    expect(seen.map((s) => s.auth)).toEqual(['Bearer token-1', 'Bearer token-2-fresh']);

    handler = (_req, res) => json(res, 401, graphFixture('error-401-expired-token-observed.json'));
    const err = (await client().c.issues(null).catch((e: unknown) => e)) as GraphError;
    expect(err.authFailure).toBe(true);
    expect(err.code).toBe('InvalidAuthenticationToken');
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeNull();
  });
});
