/**
 * The CSV export of `GET /api/tenants/:tenant/issues` (DESIGN.md, "History"): the writer's RFC 4180
 * rules, then the route through `createApp` on a real SQLite file (or, with `TEST_STORE=postgres`,
 * a fresh PostgreSQL database: `tempStore`), parsed back with csv-parse (a
 * strict RFC 4180 parser) and compared field by field with the JSON pages of the same query.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { csvField, toCsv } from '../../server/csv.js';
import type { IssueRecord } from '../../server/domain.js';
import { tempStore, type TempStore } from '../support/stack.js';
import { testCore } from './support/core.js';
import { addAuthorizationRow } from './support/db.js';

const HEADER = ['id', 'title', 'service', 'feature', 'featureGroup', 'classification', 'status', 'origin', 'isResolved', 'startDateTime', 'endDateTime', 'lastModifiedDateTime', 'impactDescription'];

describe('csv writer', () => {
  it('quotes fields with commas, quotes, CR or LF, doubling the quotes, and ends records with CRLF', () => {
    expect(toCsv(['a', 'b'], [{ a: 'plain', b: 'with, comma' }, { a: 'say "hi"', b: 'two\nlines' }, { a: 'cr\rhere', b: null }])).toBe(
      'a,b\r\nplain,"with, comma"\r\n"say ""hi""","two\nlines"\r\n"cr\rhere",\r\n',
    );
  });

  it("neutralises cells a spreadsheet would run as a formula with a leading '", () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '=HYPERLINK("http://evil.example","x")'].map(csvField)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      '"\'=HYPERLINK(""http://evil.example"",""x"")"',
    ]);
    // Only text is touched: numbers and booleans are values, not formulas.
    expect([csvField(-2), csvField(true), csvField(undefined), csvField('a=b')]).toEqual(['-2', 'true', '', 'a=b']);
  });
});

const T = '6b6b6b6b-0000-4000-8000-000000000001';
let store: TempStore;
let app: ReturnType<typeof createApp>;
let key = '';

/** 130 issues (more than one JSON page of 100), with every awkward kind of text. */
function issues(): IssueRecord[] {
  const awkward = ['Mail, calendar and "contacts"', 'Line one\r\nline two', '=cmd|\' /C calc\'!A0', '+SUM(1,2)', '-rf', '@mention', 'Ünïcödé — 日本語 ✓', ''];
  return Array.from({ length: 130 }, (_, i): IssueRecord => {
    const minute = String(i % 60).padStart(2, '0');
    const hour = String(Math.floor(i / 60)).padStart(2, '0');
    return {
      id: `EX${700000 + i}`,
      title: `${awkward[i % awkward.length]} #${i}`,
      service: i % 3 ? 'Exchange Online' : 'Microsoft Teams',
      feature: i % 4 ? 'E-Mail and calendar access' : null,
      featureGroup: i % 5 ? 'Networking Issues' : null,
      classification: i % 2 ? 'incident' : 'advisory',
      status: i % 7 ? 'serviceRestored' : 'investigating',
      origin: 'microsoft',
      isResolved: i % 7 !== 0,
      startDateTime: `2024-05-01T${hour}:${minute}:00Z`,
      endDateTime: i % 7 ? `2024-05-02T${hour}:${minute}:00Z` : null,
      lastModifiedDateTime: `2024-05-03T${hour}:${minute}:00.000Z`,
      impactDescription: i % 6 ? `-Users may be affected, "some" of them\n(${i})` : null,
      posts: [],
    };
  });
}

beforeAll(async () => {
  store = await tempStore();
  const org = await store.store.findOrCreateOrg('acme');
  await addAuthorizationRow(store, { orgId: org.id, label: 'Contoso Ltd / EU', tenantId: T, status: 'active' });
  key = (await store.store.createApiKey({ orgName: 'acme', role: 'viewer' })).key;
  await store.store.applySync(T, { services: [{ id: 'Exchange', name: 'Exchange Online', status: 'serviceOperational' }], issues: issues(), fullIssueSync: true }, new Date('2024-05-04T00:00:00Z'));
  const config = loadConfig(store.env);
  app = createApp({ config, core: testCore(store.store, config, () => new Date('2024-05-04T10:00:00Z')), log: () => {} });
});
afterAll(() => store.dispose());

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { authorization: `Bearer ${key}`, ...headers } });

/** Every JSON page of a query, following nextCursor. */
async function allJsonPages(query: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/api/tenants/${T}/issues?${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    const page = (await res.json()) as { issues: Array<Record<string, unknown>>; nextCursor: string | null };
    out.push(...page.issues);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** What the CSV must hold for a JSON value, by the contract's rules (written out, not the writer's code). */
const expectedCell = (v: unknown) => (v === null ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v));

describe('GET /api/tenants/:tenant/issues as CSV', () => {
  it('holds every matching issue of every page, field for field as the JSON, under a header of IssueSummary names', async () => {
    const res = await get(`/api/tenants/${T}/issues?state=all&format=csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="o365-issues-contoso-ltd-eu-2024-05-04.csv"');
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const records = parse(text, { relax_quotes: false, relax_column_count: false }) as string[][];
    expect(records[0]).toEqual(HEADER);
    const json = await allJsonPages('state=all');
    expect(json).toHaveLength(130);
    expect(records.slice(1)).toEqual(json.map((issue) => HEADER.map((field) => expectedCell(issue[field]))));
    // The awkward cells really are there: a quoted comma, an embedded CRLF, a neutralised formula.
    const titles = records.slice(1).map((r) => r[1]);
    expect(titles).toContain('Mail, calendar and "contacts" #0');
    expect(titles).toContain('Line one\r\nline two #1');
    expect(titles).toContain("'=cmd|' /C calc'!A0 #2");
  });

  it('applies the filters, ignores limit and cursor, and is chosen by Accept: text/csv too', async () => {
    const res = await get(`/api/tenants/${T}/issues?state=active&classification=incident&limit=1`, { accept: 'text/csv' });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('vary')).toMatch(/Accept/);
    const records = parse(await res.text()) as string[][];
    const json = await allJsonPages('state=active&classification=incident');
    expect(json.length).toBeGreaterThan(1);
    expect(records.slice(1).map((r) => r[0])).toEqual(json.map((i) => i.id));
    // format=json wins over the Accept header; without either, JSON as before.
    expect((await get(`/api/tenants/${T}/issues?format=json`, { accept: 'text/csv' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await get(`/api/tenants/${T}/issues`)).headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('refuses an unknown format and hides tenants it cannot see', async () => {
    expect((await get(`/api/tenants/${T}/issues?format=xlsx`)).status).toBe(400);
    expect((await get(`/api/tenants/66666666-0000-4000-8000-000000000000/issues?format=csv`)).status).toBe(404);
  });
});
