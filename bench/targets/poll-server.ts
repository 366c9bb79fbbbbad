/**
 * Benchmark child: the real server (`startServer`, real SQLite file in a temp folder, msal-node,
 * polling schedule off) against a simulator child with N synthetic tenants. The parent asks it to
 * authorize the tenants, then to run poll cycles, and reads the simulator's counters around each.
 *
 * Setup goes through the real OAuth flow for every tenant, with bounded concurrency: POST
 * /api/authorizations (label = the tenant's domain, which the server sends as `domain_hint`), the
 * simulator's sign-in and consent pages walked over HTTP (`walkSimulatedConsent`), and GET
 * /oauth/callback, where msal-node redeems the code and the sealed token cache is stored. No
 * shortcut: it is fast enough (see the setup rate in the results), and it leaves exactly the rows
 * and msal caches production has. The callback starts each tenant's first (full) sync, so setup
 * ends when every tenant has synced once; the measured cycles are the ones after that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_APP } from '../../demo/simulator/index.js';
import { loadConfig } from '../../server/config.js';
import { MESSAGES_EVERY_MS, type SyncOutcome } from '../../server/poller.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createApiKey } from '../../server/store/keys.js';
import { note, serveCommands } from '../lib/rpc.js';

/** The poller's full issue resync period (PollerOptions.fullSyncEveryMs default). */
const FULL_SYNC_EVERY_MS = 6 * 3600_000;

let dir: string | null = null;
let server: RunningServer | null = null;
let simUrl = '';
let adminKey = '';
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
const logLines = { total: 0, failures: 0, samples: [] as string[] };

function sqlGet<T>(query: string): T {
  return server!.database.sqlite.prepare(query).get() as T;
}

function mb(bytes: number): number {
  return Math.round((bytes / 1048576) * 10) / 10;
}

async function authorizeOne(tenant: { domain: string; admins: Array<{ upn: string }> }): Promise<void> {
  const res = await fetch(`${server!.url}/api/authorizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: tenant.domain }),
  });
  if (res.status !== 201) throw new Error(`POST /api/authorizations answered ${res.status}: ${await res.text()}`);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn));
  const done = await fetch(`${server!.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  await done.arrayBuffer();
  if (done.status !== 200) throw new Error(`callback for ${tenant.domain} answered ${done.status}`);
}

async function setup(payload: { tenants: number; concurrency: number; timeoutMs: number }) {
  const listed = (await (await fetch(`${simUrl}/_simulator/tenants`)).json()) as { tenants: Array<{ tenantId: string; domain: string; admins: Array<{ upn: string }> }> };
  const targets = listed.tenants.filter((t) => t.domain.endsWith('.bench.example')).slice(0, payload.tenants);
  if (targets.length !== payload.tenants) throw new Error(`the simulator has ${targets.length} synthetic tenants, ${payload.tenants} asked`);
  const deadline = Date.now() + payload.timeoutMs;
  const started = performance.now();
  let next = 0;
  let done = 0;
  const errors: string[] = [];
  const worker = async () => {
    while (next < targets.length && Date.now() < deadline && errors.length < 20) {
      const tenant = targets[next++]!;
      try {
        await authorizeOne(tenant);
      } catch (err) {
        errors.push((err as Error).message);
      }
      done++;
      if (done % 1000 === 0) note(`  authorized ${done}/${targets.length} tenants (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: payload.concurrency }, worker));
  const authorizeSeconds = (performance.now() - started) / 1000;
  if (errors.length) throw new Error(`setup failed for ${errors.length} tenant(s), e.g. ${errors[0]}`);
  if (done < targets.length) throw new Error(`setup ran out of time after ${done} of ${targets.length} tenants`);

  // Each callback started that tenant's first sync; wait until all have synced once.
  for (;;) {
    const { synced, failing } = sqlGet<{ synced: number; failing: number }>(
      'select sum(last_sync_at is not null) as synced, sum(consecutive_failures > 0) as failing from tenants',
    );
    if (synced === targets.length) break;
    if (Date.now() > deadline) throw new Error(`only ${synced} of ${targets.length} tenants synced before the deadline (${failing} failing)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const statuses = server!.database.sqlite.prepare('select status, count(*) as n from authorizations group by status').all() as Array<{ status: string; n: number }>;
  return {
    tenants: targets.length,
    concurrency: payload.concurrency,
    authorizeSeconds: Math.round(authorizeSeconds * 10) / 10,
    totalSeconds: Math.round(((performance.now() - started) / 1000) * 10) / 10,
    authorizationsByStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    databaseRows: sqlGet<{ issues: number; services: number }>('select (select count(*) from issues) as issues, (select count(*) from services) as services'),
  };
}

/**
 * One `runCycle()` after moving the server clock so that every tenant is due: `first` (after the
 * `direct` setup, no tenant has synced yet: every sync is full and reads the organization and the
 * Message center too), `incremental` (the steady state: past every tenant's next poll time, Message
 * center posts not due), `messages` (the same, 30 minutes after the last read of posts, so they are
 * due: the quiet cycle of one in six) or `full` (also past the 6-hour full issue resync). msal's
 * token expiry runs on the real clock, so cached access tokens are used.
 */
async function cycle(payload: { kind: 'first' | 'incremental' | 'messages' | 'full' }) {
  const s = server!;
  const { maxNext, maxFull, maxMessages, neverSynced } = sqlGet<{ maxNext: number; maxFull: number | null; maxMessages: number | null; neverSynced: number }>(
    'select max(next_poll_at) as maxNext, max(last_full_sync_at) as maxFull, max(last_messages_sync_at) as maxMessages, sum(last_sync_at is null) as neverSynced from tenants',
  );
  if ((payload.kind === 'first') !== (neverSynced > 0)) throw new Error(`a '${payload.kind}' cycle with ${neverSynced} tenant(s) never synced`);
  const target =
    Math.max(maxNext, payload.kind === 'full' ? (maxFull ?? 0) + FULL_SYNC_EVERY_MS : 0, payload.kind === 'messages' ? (maxMessages ?? 0) + MESSAGES_EVERY_MS : 0) + 1000;
  offsetMs = Math.max(offsetMs, target - Date.now());
  const failuresBefore = logLines.failures;

  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const maxRssBeforeKb = process.resourceUsage().maxRSS;
  let rssPeak = rssBefore;
  let samples = 0;
  const sampler = setInterval(() => {
    samples++;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let outcomes: SyncOutcome[];
  try {
    outcomes = await s.poller.runCycle();
  } finally {
    clearInterval(sampler);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const maxRssAfterKb = process.resourceUsage().maxRSS;

  const ok = outcomes.filter((o): o is Extract<SyncOutcome, { status: 'ok' }> => o.status === 'ok');
  const requests = ok.reduce((sum, o) => sum + o.requests, 0);
  const perTenant = new Map<number, number>();
  for (const o of ok) perTenant.set(o.requests, (perTenant.get(o.requests) ?? 0) + 1);
  return {
    kind: payload.kind,
    tenantsDue: outcomes.length,
    ok: ok.length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    noAuthorization: outcomes.filter((o) => o.status === 'no-authorization').length,
    fullSyncs: ok.filter((o) => o.full).length,
    /** Syncs that read Message center posts (they are due every 30 minutes). */
    messagesReads: ok.filter((o) => typeof o.messages === 'object' && 'read' in o.messages).length,
    wallMs: Math.round(wallMs),
    graphRequestsFromOutcomes: requests,
    requestsPerTenantHistogram: Object.fromEntries([...perTenant.entries()].sort((a, b) => a[0] - b[0])),
    issuesReturned: ok.reduce((sum, o) => sum + o.issues, 0),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rssBeforeMB: mb(rssBefore),
    heapUsedBeforeMB: mb(heapBefore),
    rssPeakSampledMB: mb(rssPeak),
    rssSamples: samples,
    maxRssProcessMB: mb(maxRssAfterKb * 1024),
    maxRssRaisedByCycle: maxRssAfterKb > maxRssBeforeKb,
    serverLogFailureLines: logLines.failures - failuresBefore,
    serverLogSamples: logLines.samples,
  };
}

/** Three channels of the bench org (a webhook, a Teams and a Slack one), all to `receiverUrl`. */
async function channels(payload: { receiverUrl: string }) {
  const ids: string[] = [];
  for (const kind of ['webhook', 'teams', 'slack'] as const) {
    const res = await fetch(`${server!.url}/api/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind, name: `bench ${kind}`, target: `${payload.receiverUrl}/${kind}` }),
    });
    if (res.status !== 201) throw new Error(`POST /api/channels (${kind}) answered ${res.status}: ${await res.text()}`);
    ids.push(((await res.json()) as { channel: { id: string } }).channel.id);
  }
  return { ids };
}

/** Turns the bench org's channels on or off. */
async function setChannels(payload: { ids: string[]; enabled: boolean }) {
  for (const id of payload.ids) {
    const res = await fetch(`${server!.url}/api/channels/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: payload.enabled }),
    });
    if (res.status !== 200) throw new Error(`PATCH /api/channels/${id} answered ${res.status}: ${await res.text()}`);
  }
}

/** One change in every synthetic tenant: its first service's status, through the simulator's control API. */
async function changeAll(payload: { status: string; concurrency: number }) {
  const listed = (await (await fetch(`${simUrl}/_simulator/tenants`)).json()) as { tenants: Array<{ tenantId: string; domain: string }> };
  const targets = listed.tenants.filter((t) => t.domain.endsWith('.bench.example'));
  const services = new Map(
    (server!.database.sqlite.prepare('select tenant_id as tenantId, min(service_id) as serviceId from services group by tenant_id').all() as Array<{ tenantId: string; serviceId: string }>).map((r) => [r.tenantId, r.serviceId]),
  );
  let next = 0;
  let changed = 0;
  const worker = async () => {
    while (next < targets.length) {
      const t = targets[next++]!;
      const service = services.get(t.tenantId);
      if (!service) continue;
      const res = await fetch(`${simUrl}/_simulator/tenants/${t.tenantId}/services/${encodeURIComponent(service)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: payload.status }),
      });
      await res.arrayBuffer();
      if (res.status === 200) changed++;
    }
  };
  await Promise.all(Array.from({ length: payload.concurrency }, worker));
  return { changed };
}

/** Waits until no delivery is pending; what the outbox holds then. */
async function drain(payload: { timeoutMs: number }) {
  const started = performance.now();
  for (;;) {
    const counts = sqlGet<{ pending: number; delivered: number; failed: number; events: number }>(
      "select sum(status = 'pending') as pending, sum(status = 'delivered') as delivered, sum(status = 'failed') as failed, (select count(*) from events) as events from deliveries",
    );
    if (!counts.pending || performance.now() - started > payload.timeoutMs) return { ...counts, pending: counts.pending ?? 0, waitedMs: Math.round(performance.now() - started) };
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type SetupResult = Awaited<ReturnType<typeof setup>>;
export type CycleResult = Awaited<ReturnType<typeof cycle>>;

serveCommands(
  {
    async start(payload: { simUrl: string }) {
      simUrl = payload.simUrl;
      dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-poll-'));
      // Channels reach the parent's receiver on loopback.
      const base = loadConfig({ DATABASE_PATH: join(dir, 'o365-health.db'), PORT: '0', HOST: '127.0.0.1', POLL_CRON: '*/5 * * * *', ALLOW_PRIVATE_TARGETS: 'true' });
      const config = { ...base, loginUrl: simUrl, graphUrl: simUrl, microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret } };
      server = await startServer({
        config,
        now,
        polling: false,
        log: (line, err) => {
          logLines.total++;
          if (err !== undefined || /fail|error|re-authoriz/i.test(line)) {
            logLines.failures++;
            if (logLines.samples.length < 5) logLines.samples.push(`${line}${err ? ` ${(err as Error).message}` : ''}`);
          }
        },
      });
      const reg = await fetch(`${simUrl}/_simulator/apps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${server.config.publicUrl}/oauth/callback`] }),
      });
      if (reg.status !== 201) throw new Error(`registering the app answered ${reg.status}`);
      adminKey = createApiKey(server.database.db, { orgName: 'bench', role: 'admin', userName: 'bench-admin' }).key;
      return { url: server.url, databasePath: server.config.databasePath, redirectUri: `${server.config.publicUrl}/oauth/callback`, orgName: 'bench' };
    },

    setup,
    cycle,
    channels,
    setChannels,
    changeAll,
    drain,
  },
  {
    maxMs: 20 * 60_000,
    onExit: async () => {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  },
);
