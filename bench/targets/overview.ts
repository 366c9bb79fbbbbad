/**
 * `npm run bench -- overview`: `GET /api/overview` for an org with `tenants` tenants, in this
 * process, through `createApp` + `app.request()` (routing, API key, visibility, the computation
 * and the JSON) on a real SQLite file written by the production `applySync`.
 *
 * Each tenant has 25 services and, seeded, 0–4 active issues of its own; `sharedIssues` incidents
 * reach 5–30 % of the tenants under one id, as Microsoft's do. Measured: the answer while nothing
 * changed (kept serialised), the answer right after one tenant's sync (every sync of any of the
 * org's tenants makes the next request compute it again — with 1 000 tenants polled every five
 * minutes that is most requests), and the computation alone (`core.overview.get`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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

export interface OverviewBenchOptions {
  tenants: number;
  sharedIssues: number;
  calls: number;
  seed: number;
}

export interface OverviewBenchResult {
  tenants: number;
  services: number;
  activeIssues: number;
  sharedIssues: number;
  responseBytes: number;
  seedSeconds: number;
  latency: Array<{ case: string; medianMs: number; p90Ms: number; maxMs: number; calls: number }>;
}

const SERVICE_NAMES = [
  'Exchange Online', 'Microsoft Teams', 'SharePoint Online', 'OneDrive for Business', 'Microsoft 365 suite', 'Microsoft 365 Apps',
  'Microsoft Intune', 'Microsoft Forms', 'Planner', 'Power BI', 'Power Apps', 'Power Automate', 'Microsoft Bookings', 'Microsoft Stream',
  'Microsoft Viva', 'Skype for Business', 'Dynamics 365 Apps', 'Project for the web', 'Sway', 'Viva Engage', 'Microsoft Kaizala',
  'Microsoft Defender for Endpoint', 'Microsoft Defender for Cloud Apps', 'Microsoft Defender for Office 365', 'Microsoft Entra',
];

const tenantId = (i: number) => `c0c0c0c0-0000-4000-8000-${String(i).padStart(12, '0')}`;

function issue(id: string, service: string, classification: 'incident' | 'advisory', status: string, at: number): IssueRecord {
  return {
    id,
    title: `Users may be unable to use ${service}`,
    service,
    feature: null,
    featureGroup: null,
    classification,
    status,
    origin: 'microsoft',
    isResolved: false,
    startDateTime: new Date(at - 3_600_000).toISOString(),
    endDateTime: null,
    lastModifiedDateTime: new Date(at).toISOString(),
    impactDescription: `Users may be unable to use ${service}.`,
    posts: [],
  };
}

export async function runOverviewBench(o: OverviewBenchOptions): Promise<OverviewBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-overview-'));
  const path = join(dir, 'bench.db');
  const opened = openDatabase(path);
  const { db } = opened;
  try {
    const rand = createRandom(o.seed);
    const now = Date.UTC(2026, 0, 1, 12);
    const started = performance.now();
    const org = findOrCreateOrg(db, 'provider');
    const shared = Array.from({ length: o.sharedIssues }, (_, k) => ({
      issue: issue(`EX${900000 + k}`, SERVICE_NAMES[k % 5]!, 'incident', k % 2 ? 'serviceInterruption' : 'serviceDegradation', now - k * 60_000),
      share: 0.05 + rand() * 0.25,
    }));
    let activeIssues = 0;
    for (let i = 0; i < o.tenants; i++) {
      const own = Array.from({ length: Math.floor(rand() * 5) }, (_, k) =>
        issue(`MO${100000 + i * 10 + k}`, SERVICE_NAMES[Math.floor(rand() * SERVICE_NAMES.length)]!, rand() < 0.4 ? 'incident' : 'advisory', 'serviceDegradation', now - k * 60_000),
      );
      const issues = [...own, ...shared.filter((s) => rand() < s.share).map((s) => s.issue)];
      activeIssues += issues.length;
      const worst = new Set(issues.map((x) => x.service));
      const services: ServiceRecord[] = SERVICE_NAMES.map((name, k) => ({ id: `svc${k}`, name, status: worst.has(name) ? 'serviceDegradation' : 'serviceOperational' }));
      applySync(db, tenantId(i), { services, issues, fullIssueSync: true, organization: { displayName: `Customer ${i}`, defaultDomain: `customer${i}.example` } }, new Date(now));
      db.insert(authorizations)
        .values({ id: `auth-${i}`, orgId: org.id, createdBy: 'bench', label: `customer${i}.example`, tenantId: tenantId(i), status: 'active', createdAt: new Date(now), updatedAt: new Date(now) })
        .run();
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const key = createApiKey(db, { orgName: 'provider', role: 'viewer' }).key;
    const config = loadConfig({ DATABASE_PATH: path });
    const identity = new IdentityClient({ clientId: '00000000-0000-4000-8000-000000000001', clientSecret: 'unused', loginUrl: 'http://127.0.0.1:9', redirectUri: `${config.publicUrl}/oauth/callback` });
    const core = createCore({ db, box: new SecretBox(randomBytes(32)), identity, config, now: () => new Date(now) });
    const app = createApp({ config, core, log: () => {} });
    const request = async () => {
      const t0 = performance.now();
      const res = await app.request('/api/overview', { headers: { authorization: `Bearer ${key}` } });
      const body = await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`overview: ${res.status} ${new TextDecoder().decode(body)}`);
      return { ms, bytes: body.byteLength };
    };
    const stats = (label: string, times: number[]) => {
      times.sort((a, b) => a - b);
      const r2 = (n: number) => Math.round(n * 100) / 100;
      return { case: label, medianMs: r2(times[Math.floor(times.length / 2)]!), p90Ms: r2(times[Math.floor(times.length * 0.9)]!), maxMs: r2(times.at(-1)!), calls: times.length };
    };
    const first = await request();
    for (let i = 0; i < 5; i++) await request();
    const unchanged: number[] = [];
    for (let i = 0; i < o.calls; i++) unchanged.push((await request()).ms);
    // A quiet sync of one tenant between requests (as the poller writes it), then the request.
    const afterSync: number[] = [];
    const snapshot = { services: SERVICE_NAMES.map((name, k) => ({ id: `svc${k}`, name, status: 'serviceOperational' })), issues: [], fullIssueSync: false };
    for (let i = 0; i < o.calls; i++) {
      const t = i % o.tenants;
      await core.sync.apply({ tenantId: tenantId(t), authorizationId: `auth-${t}`, snapshot, nextPollAt: new Date(now + 300_000) });
      afterSync.push((await request()).ms);
    }
    const computeOnly: number[] = [];
    for (let i = 0; i < o.calls; i++) {
      const t0 = performance.now();
      await core.overview.get(org.id);
      computeOnly.push(performance.now() - t0);
    }
    return {
      tenants: o.tenants,
      services: SERVICE_NAMES.length,
      activeIssues,
      sharedIssues: o.sharedIssues,
      responseBytes: first.bytes,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      latency: [stats('unchanged (kept serialised, ETag)', unchanged), stats('after one tenant synced', afterSync), stats('computation alone (core.overview.get)', computeOnly)],
    };
  } finally {
    opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
