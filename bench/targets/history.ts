/**
 * `npm run bench -- history`: the history endpoint and the database's growth, in this process.
 *
 * 1. Simulated activity: one tenant with 25 services, `months` × 30 days of issues (on average
 *    `issuesPerDay` a day, seeded; 60 % incidents, a third of them interruptions), each living
 *    through Microsoft's phases (investigating → degradation or interruption → restoring →
 *    restored) with one post (~700 bytes of HTML, like the simulator's) per phase, written with the
 *    production `applySync` at every change as the 5-minute poll would see it (the services'
 *    statuses following their worst open issue), and once a day as a full resync that returns only
 *    the last 30 days (what Microsoft keeps), so older issues are kept as no longer listed. After
 *    each month the WAL is checkpointed and the file size read: the growth per tenant per month.
 * 2. Latency: `GET /api/tenants/:id/history?days=400&timeZone=…` through `createApp` +
 *    `app.request()` (routing, API key, visibility, the computation and the JSON) on that
 *    database, `calls` times after a warm-up; median and max, and the first (cold) call apart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../../demo/simulator/random.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createCore } from '../../server/core/index.js';
import { SecretBox } from '../../server/crypto.js';
import { openDatabase } from '../../server/db/index.js';
import { authorizations } from '../../server/db/schema.js';
import type { IssueRecord, ServiceRecord } from '../../server/domain.js';
import { IdentityClient } from '../../server/microsoft/identity.js';
import { createApiKey, findOrCreateOrg } from '../../server/store/keys.js';
import { applySync } from '../../server/store/sync.js';

export interface HistoryBenchOptions {
  months: number;
  issuesPerDay: number;
  calls: number;
  seed: number;
}

export interface HistoryBenchResult {
  services: number;
  months: number;
  issuesPerDay: number;
  issuesStored: number;
  postsStored: number;
  syncsWritten: number;
  /** File size (bytes, WAL checkpointed) after each simulated month. */
  sizeAfterMonthBytes: number[];
  /** Mean growth per month after the first (the schema and first pages are in month 1). */
  growthPerTenantMonthBytes: number;
  simulateSeconds: number;
  latency: Array<{ query: string; responseBytes: number; coldMs: number; medianMs: number; p90Ms: number; maxMs: number; calls: number; coreMedianMs: number }>;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TENANT = 'b0b0b0b0-0000-4000-8000-000000000001';

/** The 25 services of a large tenant (Graph ids and names). */
const SERVICES: ServiceRecord[] = [
  ['Exchange', 'Exchange Online'], ['microsoftteams', 'Microsoft Teams'], ['SharePoint', 'SharePoint Online'], ['OneDriveForBusiness', 'OneDrive for Business'],
  ['OSDPPlatform', 'Microsoft 365 suite'], ['O365Client', 'Microsoft 365 Apps'], ['MicrosoftIntune', 'Microsoft Intune'], ['Forms', 'Microsoft Forms'],
  ['Planner', 'Planner'], ['PowerBIcom', 'Power BI'], ['PowerApps', 'Power Apps'], ['MicrosoftFlow', 'Power Automate'], ['Bookings', 'Microsoft Bookings'],
  ['Stream', 'Microsoft Stream'], ['Viva', 'Microsoft Viva'], ['Lync', 'Skype for Business'], ['Dynamics365', 'Dynamics 365 Apps'], ['Project', 'Project for the web'],
  ['SwayEnterprise', 'Sway'], ['Yammer', 'Viva Engage'], ['kaizalamessagingservices', 'Microsoft Kaizala'], ['DefenderATP', 'Microsoft Defender for Endpoint'],
  ['cloudappsecurity', 'Microsoft Defender for Cloud Apps'], ['MicrosoftDefenderforOffice365', 'Microsoft Defender for Office 365'], ['Identity Service', 'Microsoft Entra'],
].map(([id, name]) => ({ id: id!, name: name!, status: 'serviceOperational' }));

interface SimIssue {
  id: string;
  service: ServiceRecord;
  classification: 'incident' | 'advisory';
  start: number;
  /** [at, status] in order; the last is the resolution. */
  phases: Array<[number, string]>;
}

const POST = (status: string, i: number) =>
  `<p><b>Title:</b> Users may be unable to access the service (${i})</p><p><b>User impact:</b> Users may see delays or errors when they try to open files or send messages.</p><p><b>Current status:</b> ${status}: we're analysing service telemetry and reviewing recent deployments to identify the cause, and we'll provide an update as soon as we know more.</p><p><b>Scope of impact:</b> Some users served through the affected infrastructure may be impacted.</p><p><b>Next update by:</b> Tuesday, November 14, 2023, at 6:00 PM UTC</p>`;

/** The Graph view of an issue at `at` (null before it appeared). */
function view(issue: SimIssue, at: number): IssueRecord | null {
  const seen = issue.phases.filter(([t]) => t <= at);
  if (!seen.length) return null;
  const [lastAt, status] = seen.at(-1)!;
  const resolved = status === 'serviceRestored';
  return {
    id: issue.id,
    title: `Users may be unable to access ${issue.service.name}`,
    service: issue.service.name,
    feature: 'Access',
    featureGroup: 'Service availability',
    classification: issue.classification,
    status,
    origin: 'microsoft',
    isResolved: resolved,
    startDateTime: new Date(issue.start).toISOString(),
    endDateTime: resolved ? new Date(lastAt).toISOString() : null,
    lastModifiedDateTime: new Date(lastAt).toISOString(),
    impactDescription: `Users may be unable to access ${issue.service.name}.`,
    posts: seen.map(([t, s], i) => ({ createdDateTime: new Date(t).toISOString(), postType: 'regular', contentType: 'html', content: POST(s, i) })),
  };
}

const RANK: Record<string, number> = { serviceInterruption: 3, serviceDegradation: 2, restoringService: 1, investigating: 1 };

export async function runHistoryBench(o: HistoryBenchOptions): Promise<HistoryBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-history-'));
  const path = join(dir, 'bench.db');
  const opened = openDatabase(path);
  const { db, sqlite } = opened;
  try {
    const rand = createRandom(o.seed);
    const days = o.months * 30;
    const end = Date.UTC(2026, 0, 1);
    const begin = end - days * DAY;
    // The issues, placed over the whole period (starts on whole minutes).
    const issues: SimIssue[] = [];
    for (let d = 0; d < days; d++) {
      const count = Math.round(o.issuesPerDay * 2 * rand());
      for (let k = 0; k < count; k++) {
        const start = begin + d * DAY + Math.floor(rand() * 1440) * MIN;
        const classification = rand() < 0.6 ? 'incident' : 'advisory';
        const impact = classification === 'incident' && rand() < 1 / 3 ? 'serviceInterruption' : 'serviceDegradation';
        const t1 = start + (10 + Math.floor(rand() * 30)) * MIN;
        const t2 = t1 + (30 + Math.floor(rand() * 60)) * MIN;
        const t3 = t2 + (60 + Math.floor(rand() * 180)) * MIN;
        const t4 = t3 + (45 + Math.floor(rand() * 120)) * MIN;
        issues.push({
          id: `${classification === 'incident' ? 'EX' : 'MO'}${100000 + issues.length}`,
          service: SERVICES[Math.floor(rand() * SERVICES.length)]!,
          classification,
          start,
          phases: [[t1, 'investigating'], [t2, impact], [t3, 'restoringService'], [t4, 'serviceRestored']],
        });
      }
    }
    // Every moment something changes, rounded up to the next 5-minute poll, plus a daily full resync.
    const polls = new Set<number>();
    for (const issue of issues) for (const [t] of issue.phases) polls.add(Math.ceil(t / (5 * MIN)) * 5 * MIN);
    for (let d = 0; d <= days; d++) polls.add(begin + d * DAY);
    const ordered = [...polls].filter((t) => t <= end).sort((a, b) => a - b);

    const sizes: number[] = [];
    const size = () => {
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      return statSync(path).size;
    };
    const started = performance.now();
    let lastPoll = begin - 5 * MIN;
    let nextMonth = begin + 30 * DAY;
    let syncs = 0;
    for (const at of ordered) {
      while (at > nextMonth) {
        sizes.push(size());
        nextMonth += 30 * DAY;
      }
      const full = (at - begin) % DAY === 0;
      const live = issues.filter((i) => i.start <= at && i.phases.at(-1)![0] > at - 30 * DAY);
      const views = live.map((i) => view(i, at)).filter((v): v is IssueRecord => v !== null);
      // Incremental: what changed since the last poll; full: Microsoft's last 30 days.
      const changed = full ? views : views.filter((v) => Date.parse(v.lastModifiedDateTime) > lastPoll - MIN || !v.isResolved);
      const worst = new Map<string, string>();
      for (const v of views) if (!v.isResolved && (RANK[v.status] ?? 0) > (RANK[worst.get(v.service) ?? ''] ?? 0)) worst.set(v.service, v.status);
      const services = SERVICES.map((s) => ({ ...s, status: worst.get(s.name) ?? 'serviceOperational' }));
      applySync(db, TENANT, { services, issues: changed, fullIssueSync: full, organization: syncs === 0 ? { displayName: 'Bench', defaultDomain: 'bench.example' } : undefined }, new Date(at));
      lastPoll = at;
      syncs++;
    }
    sizes.push(size());
    const simulateSeconds = (performance.now() - started) / 1000;
    const issuesStored = (sqlite.prepare('select count(*) as n from issues').get() as { n: number }).n;
    const postsStored = (sqlite.prepare('select count(*) as n from issue_posts').get() as { n: number }).n;
    const growth = sizes.length > 1 ? (sizes.at(-1)! - sizes[0]!) / (sizes.length - 1) : sizes[0]!;

    // The endpoint, through the whole app.
    const org = findOrCreateOrg(db, 'bench');
    db.insert(authorizations)
      .values({ id: 'bench-auth', orgId: org.id, createdBy: 'bench', label: 'bench.example', tenantId: TENANT, status: 'active', createdAt: new Date(end), updatedAt: new Date(end) })
      .run();
    const key = createApiKey(db, { orgName: 'bench', role: 'viewer' }).key;
    const config = loadConfig({ DATABASE_PATH: path });
    const identity = new IdentityClient({ clientId: '00000000-0000-4000-8000-000000000001', clientSecret: 'unused', loginUrl: 'http://127.0.0.1:9', redirectUri: `${config.publicUrl}/oauth/callback` });
    const core = createCore({ db, box: new SecretBox(randomBytes(32)), identity, config, now: () => new Date(end) });
    const app = createApp({ config, core, log: () => {} });
    const latency: HistoryBenchResult['latency'] = [];
    for (const query of ['days=400&timeZone=Europe/Berlin', 'days=400&timeZone=America/New_York', 'days=400', 'days=90&timeZone=Europe/Berlin']) {
      const call = async () => {
        const t0 = performance.now();
        const res = await app.request(`/api/tenants/${TENANT}/history?${query}`, { headers: { authorization: `Bearer ${key}` } });
        const body = await res.arrayBuffer();
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`history ${query}: ${res.status} ${new TextDecoder().decode(body)}`);
        return { ms, bytes: body.byteLength };
      };
      const cold = await call();
      for (let i = 0; i < 5; i++) await call();
      const times: number[] = [];
      for (let i = 0; i < o.calls; i++) times.push((await call()).ms);
      times.sort((a, b) => a - b);
      // The computation alone (read + days + availability), without HTTP and JSON.
      const params = new URLSearchParams(query);
      const coreTimes: number[] = [];
      for (let i = 0; i < o.calls; i++) {
        const t0 = performance.now();
        await core.history.history(TENANT, { days: Number(params.get('days')), timeZone: params.get('timeZone') ?? 'UTC' });
        coreTimes.push(performance.now() - t0);
      }
      coreTimes.sort((a, b) => a - b);
      const r2 = (n: number) => Math.round(n * 100) / 100;
      latency.push({ query, responseBytes: cold.bytes, coldMs: r2(cold.ms), medianMs: r2(times[Math.floor(times.length / 2)]!), p90Ms: r2(times[Math.floor(times.length * 0.9)]!), maxMs: r2(times.at(-1)!), calls: o.calls, coreMedianMs: r2(coreTimes[Math.floor(coreTimes.length / 2)]!) });
    }
    return {
      services: SERVICES.length,
      months: o.months,
      issuesPerDay: o.issuesPerDay,
      issuesStored,
      postsStored,
      syncsWritten: syncs,
      sizeAfterMonthBytes: sizes,
      growthPerTenantMonthBytes: Math.round(growth),
      simulateSeconds: Math.round(simulateSeconds * 10) / 10,
      latency,
    };
  } finally {
    opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
