/**
 * `npm run bench [-- http|poll|scale-out ...] [--tenants 1000,10000] [--duration 10] [--warmup 3]
 *  [--connections 50] [--setup-concurrency 16] [--full-cycle] [--instances 1,2,3] [--out bench/results.json]`
 *
 * 1. HTTP: throughput and latency of the read routes (health, tenants, issues; API key) on the real server,
 *    next to a bare Hono app serving the same bytes, and the same route with `If-None-Match`
 *    (304). autocannon runs here, in the benchmark process; each server runs in its own child
 *    process (tsx), so client and server do not share an event loop (on 2 cores: one each).
 * 2. Poll: one `Poller.runCycle()` over N simulated tenants, all authorized through the real OAuth
 *    flow first. The simulator (with `extraTenants: N`) runs in a third process, so the server's
 *    RSS and CPU are its own; Graph requests are counted both from the cycle's outcomes and by the
 *    simulator.
 *
 * 3. Scale-out (only when named: about an hour at 10 000 tenants): one poll cycle over N
 *    simulated tenants on 1, 2 and 3 server processes sharing one PostgreSQL 15, and on SQLite,
 *    and the takeover after `kill -9` of one instance; procedure in bench/targets/scale-out.ts.
 *
 * Prints tables and writes everything measured to bench/results.json. Loopback (127.0.0.1) only;
 * every load is bounded by a duration or a count, and every child has a watchdog.
 */
import autocannon, { type Result } from 'autocannon';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { topSelfTime } from './lib/profile.js';
import { startChild, type Child } from './lib/rpc.js';
import type { CycleResult, SetupResult } from './targets/poll-server.js';
import type { SetupWorkerResult } from './targets/poll-setup-worker.js';
import type { SimulatorCounts } from './targets/poll-simulator.js';
import { runHistoryBench, type HistoryBenchResult } from './targets/history.js';
import { runOverviewBench } from './targets/overview.js';
import { runEventLatencyBench } from './targets/events-latency.js';
import { runScaleOutBench, scaleOutTable, type ScaleOutBenchResult } from './targets/scale-out.js';

const usage = `usage: npm run bench -- [http] [poll] [--tenants 1000,10000] [--duration S] [--warmup S] [--connections N]
                         [--rounds N] [--profile] [--setup auto|oauth|direct] [--setup-concurrency N] [--full-cycle] [--out FILE]
  http   throughput and latency of the read routes (health, tenants, issues) vs a bare Hono app serving the
         same bytes (and health 304); --rounds alternating runs, best kept; --profile adds a CPU profile summary
  poll   one poll cycle over N simulated tenants (wall time, Graph requests per tenant, RSS); for N <= 1000
         (or with --channels) also the cycle after a change in every tenant with 3 notification channels and without
  history  GET /api/tenants/:id/history latency (400 days x 25 services, seeded database) and the
         database growth per tenant per month of simulated activity (bench/targets/history.ts)
  overview GET /api/overview for an org with --overview-tenants tenants (default 1000; bench/targets/overview.ts)
  events   from a change in the simulator to the webhook delivery and to an open widget's update, over --changes
           changes (default 20; bench/targets/events-latency.ts)
  scale-out  one poll cycle over --tenants simulated tenants (default 10000) on --instances server processes
           (default 1,2,3) sharing one PostgreSQL 15, and on one instance on SQLite (unless --no-sqlite): cycle time,
           Graph requests per tenant, tenants synced twice, takeover after kill -9 of one instance
           (--lease-seconds 120, --kill-at 0.25, --period-minutes 20, --startup-seconds 25;
           bench/targets/scale-out.ts). Not part of the default run (about an hour at 10 000 tenants)
         setup: oauth = every tenant through POST /api/authorizations + consent pages + /oauth/callback
                over HTTP; direct = the same server functions called in a worker process
                (see bench/targets/poll-setup-worker.ts); auto = oauth up to 2000 tenants, direct above
  (no part named: all of them but scale-out)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    /** Default: 1000,10000 for poll, 10000 for scale-out. */
    tenants: { type: 'string' },
    'overview-tenants': { type: 'string', default: '1000' },
    changes: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'setup-concurrency': { type: 'string', default: '16' },
    'full-cycle': { type: 'boolean', default: false },
    channels: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    setup: { type: 'string', default: 'auto' },
    instances: { type: 'string', default: '1,2,3' },
    'no-sqlite': { type: 'boolean', default: false },
    'lease-seconds': { type: 'string', default: '120' },
    'kill-at': { type: 'string', default: '0.25' },
    'period-minutes': { type: 'string', default: '20' },
    'startup-seconds': { type: 'string', default: '25' },
    out: { type: 'string', default: fileURLToPath(new URL('./results.json', import.meta.url)) },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const parts = positionals.length ? positionals : ['http', 'poll', 'history', 'overview', 'events'];
for (const p of parts) {
  if (!['http', 'poll', 'history', 'overview', 'events', 'scale-out'].includes(p)) {
    console.error(`unknown part '${p}'\n${usage}`);
    process.exit(2);
  }
}
const int = (name: string, value: string, min: number, max: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
    process.exit(2);
  }
  return n;
};
const tenantList = (fallback: string) => (values.tenants ?? fallback).split(',').map((v) => int('tenants', v.trim(), 1, 100_000));
const opts = {
  tenants: tenantList('1000,10000'),
  duration: int('duration', values.duration, 1, 120),
  warmup: int('warmup', values.warmup, 0, 60),
  connections: int('connections', values.connections, 1, 1000),
  setupConcurrency: int('setup-concurrency', values['setup-concurrency'], 1, 256),
  fullCycle: values['full-cycle'],
  channels: values.channels,
  rounds: int('rounds', values.rounds, 1, 10),
  profile: values.profile,
  setup: values.setup,
};
if (!['auto', 'oauth', 'direct'].includes(opts.setup)) {
  console.error(`--setup must be auto, oauth or direct, got '${opts.setup}'`);
  process.exit(2);
}
/** `auto`: the full OAuth flow over HTTP up to this many tenants, the `direct` shortcut above (time budget). */
const OAUTH_SETUP_MAX = 2000;

const scaleOutOpts = {
  tenants: tenantList('10000'),
  instances: values.instances.split(',').filter((v) => v.trim() !== '').map((v) => int('instances', v.trim(), 1, 8)),
  sqlite: !values['no-sqlite'],
  leaseSeconds: int('lease-seconds', values['lease-seconds'], 5, 3600),
  periodMinutes: int('period-minutes', values['period-minutes'], 1, 30),
  killAt: Number(values['kill-at']),
  startupSeconds: int('startup-seconds', values['startup-seconds'], 5, 300),
};
if (60 % scaleOutOpts.periodMinutes !== 0) {
  console.error(`--period-minutes must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30), got ${scaleOutOpts.periodMinutes}`);
  process.exit(2);
}
if (!(scaleOutOpts.killAt > 0 && scaleOutOpts.killAt < 1)) {
  console.error(`--kill-at must be a fraction between 0 and 1, got '${values['kill-at']}'`);
  process.exit(2);
}

/** Whole-run guard: even if something hangs, the benchmark ends (the scale-out part adds its own allowance). */
const RUN_LIMIT_MS = 30 * 60_000 + (parts.includes('scale-out') ? scaleOutOpts.tenants.length * 120 * 60_000 : 0);
setTimeout(() => {
  console.error(`benchmark: still running after ${RUN_LIMIT_MS / 60_000} minutes; giving up`);
  process.exit(3);
}, RUN_LIMIT_MS).unref();

const log = (line: string) => process.stderr.write(`${line}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${platform()} ${release()} ${arch()}`,
  totalMemoryMB: Math.round(totalmem() / 1048576),
  /** 1/5/15-minute load averages when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: loadavg().map((l) => round(l, 2)),
};

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

// --- HTTP ------------------------------------------------------------------------------------

interface HttpVariant {
  name: string;
  description: string;
  reqPerSec: number;
  latencyMs: { p50: number; p99: number; avg: number; max: number };
  requests: number;
  durationS: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  bytesPerResponse: number;
  serverCpuUsPerRequest: number;
  serverCpuShare: number;
}

async function runLoad(url: string, headers: Record<string, string>): Promise<Result> {
  const common = { url, headers, connections: opts.connections, pipelining: 1, timeout: 10 };
  if (opts.warmup > 0) await autocannon({ ...common, duration: opts.warmup });
  return autocannon({ ...common, duration: opts.duration });
}

async function measure(name: string, description: string, child: Child, url: string, headers: Record<string, string>, expectStatus: number): Promise<HttpVariant> {
  log(`http: ${name} (${opts.warmup} s warm-up + ${opts.duration} s)`);
  const before = await child.call<NodeJS.CpuUsage>('cpu');
  const started = performance.now();
  const r = await runLoad(url, headers);
  const wallS = (performance.now() - started) / 1000;
  const after = await child.call<NodeJS.CpuUsage>('cpu');
  const statusCodes: Record<string, number> = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count]));
  const unexpected = Object.keys(statusCodes).filter((k) => Number(k) !== expectStatus);
  if (unexpected.length || r.errors) throw new Error(`${name}: expected only ${expectStatus}, got ${JSON.stringify(statusCodes)} and ${r.errors} errors`);
  const total = r.requests.total;
  // Server CPU is measured over warm-up + run, so divide by the requests of both (rate is steady).
  const served = total * (wallS / r.duration);
  return {
    name,
    description,
    reqPerSec: Math.round(total / r.duration),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, avg: round(r.latency.average, 2), max: r.latency.max },
    requests: total,
    durationS: r.duration,
    statusCodes,
    errors: r.errors,
    timeouts: r.timeouts,
    bytesPerResponse: Math.round(r.throughput.total / Math.max(1, total)),
    serverCpuUsPerRequest: round((cpuMs(before, after) * 1000) / Math.max(1, served), 0),
    serverCpuShare: round(cpuMs(before, after) / (wallS * 1000), 2),
  };
}

/** The read routes measured, each against a bare Hono route answering the same bytes. */
interface ReadRoute {
  key: string;
  label: string;
  /** The path as the bare app registers it. */
  pattern: string;
  path: (tenantId: string) => string;
}

const READ_ROUTES: ReadRoute[] = [
  { key: 'health', label: 'health', pattern: '/api/tenants/:tenantId/health', path: (t) => `/api/tenants/${t}/health` },
  { key: 'tenants', label: 'tenants', pattern: '/api/tenants', path: () => '/api/tenants' },
  { key: 'issues', label: 'issues (first page)', pattern: '/api/tenants/:tenantId/issues', path: (t) => `/api/tenants/${t}/issues` },
];

/** Runs `measure` for each variant `rounds` times, alternating, and keeps each variant's best run. */
async function bestOf<T extends { name: string; reqPerSec: number }>(rounds: number, variants: Array<() => Promise<T>>): Promise<{ best: T[]; runs: T[][] }> {
  const runs: T[][] = variants.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, run] of variants.entries()) runs[i]!.push(await run());
  }
  return { best: runs.map((r) => r.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a))), runs };
}

async function httpBench() {
  const real = startChild('bench/targets/http-server.ts', { args: ['real'], stdout: 'ignore' });
  const bare = startChild('bench/targets/http-server.ts', { args: ['bare'], stdout: 'ignore' });
  try {
    log('http: starting the real server (simulator as Microsoft, one tenant authorized and synced)');
    const info = await real.call<{ url: string; path: string; tenantId: string; apiKey: string; tenant: string }>('start', undefined, 120_000);
    const auth = { authorization: `Bearer ${info.apiKey}` };
    const answers: Record<string, { body: Buffer; contentType: string; etag: string | null; headerBytes: number }> = {};
    for (const route of READ_ROUTES) {
      const res = await fetch(`${info.url}${route.path(info.tenantId)}`, { headers: auth });
      if (res.status !== 200) throw new Error(`${route.key} answered ${res.status}`);
      answers[route.key] = {
        body: Buffer.from(await res.arrayBuffer()),
        contentType: res.headers.get('content-type') ?? 'application/json',
        etag: res.headers.get('etag'),
        headerBytes: [...res.headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0),
      };
    }
    const healthPath = info.path;
    const etag = answers.health!.etag;
    const conditional = await fetch(`${info.url}${healthPath}`, { headers: { ...auth, 'if-none-match': etag ?? '' } });
    if (!etag || conditional.status !== 304) throw new Error(`If-None-Match answered ${conditional.status}, ETag ${etag}`);

    const bareInfo = await bare.call<{ url: string }>(
      'start',
      { routes: READ_ROUTES.map((r) => ({ path: r.pattern, body: answers[r.key]!.body.toString('base64'), contentType: answers[r.key]!.contentType })) },
      30_000,
    );
    for (const route of READ_ROUTES) {
      const same = Buffer.from(await (await fetch(`${bareInfo.url}${route.path(info.tenantId)}`)).arrayBuffer());
      if (!same.equals(answers[route.key]!.body)) throw new Error(`the bare app does not serve the same bytes for ${route.key}`);
    }
    const bareHeaderBytes = [...(await fetch(`${bareInfo.url}${healthPath}`)).headers].reduce((n, [k, v]) => n + k.length + v.length + 4, 0);

    const setLog = async (on: boolean) => void (await real.call('set-log', on));
    const variants: Array<() => Promise<HttpVariant>> = [];
    for (const route of READ_ROUTES) {
      const path = route.path(info.tenantId);
      variants.push(() => measure(`bare ${route.label}`, `bare Hono app, same route shape, same body bytes and Content-Type as ${route.key}, no middleware`, bare, `${bareInfo.url}${path}`, auth, 200));
      variants.push(async () => {
        await setLog(true);
        return measure(`${route.label} 200`, `real server as npm start runs it (request log to /dev/null, security headers, CORS, ETag, API key): GET ${route.pattern}`, real, `${info.url}${path}`, auth, 200);
      });
    }
    variants.push(async () => {
      await setLog(true);
      return measure('health 304', 'health with If-None-Match: <ETag> (answered from the read model before any body is built)', real, `${info.url}${healthPath}`, { ...auth, 'if-none-match': etag }, 304);
    });
    variants.push(async () => {
      await setLog(false);
      const v = await measure('health 200, no log', 'health with the request log turned off, to show what the log line costs', real, `${info.url}${healthPath}`, auth, 200);
      await setLog(true);
      return v;
    });
    const { best, runs } = await bestOf(opts.rounds, variants);
    const byName = Object.fromEntries(best.map((v) => [v.name, v]));
    const ratio = (a: string, b: string) => round(byName[a]!.reqPerSec / byName[b]!.reqPerSec, 2);
    const ratios = {
      health200: ratio('health 200', 'bare health'),
      health304: ratio('health 304', 'bare health'),
      tenants200: ratio('tenants 200', 'bare tenants'),
      issues200: ratio('issues (first page) 200', 'bare issues (first page)'),
    };
    const memory = await real.call<{ rss: number; maxRssKb: number }>('memory');
    return {
      setup: {
        client: `autocannon 8.0.0 in the benchmark process (1 thread), ${opts.connections} connections, pipelining 1, ${opts.warmup} s warm-up (discarded) then ${opts.duration} s per variant; ${opts.rounds} rounds alternating the variants, the best run of each kept`,
        servers: 'each server in its own child process (node --import tsx), idle while the other is measured; the simulator runs inside the real server\'s child but is idle during the load (polling off)',
        tenant: info.tenant,
        path: '/api/tenants/:tenantId/health',
        bodyBytes: answers.health!.body.length,
        bodies: Object.fromEntries(READ_ROUTES.map((r) => [r.key, answers[r.key]!.body.length])),
        responseHeaderBytes: { real: answers.health!.headerBytes, bare: bareHeaderBytes },
        contentType: answers.health!.contentType,
        realServerRssAfterMB: round(memory.rss / 1048576),
      },
      variants: best,
      ratios,
      goals: { health200: 0.5, health304: 0.8, tenants200: 0.3, issues200: 0.3 },
      allRuns: runs.map((r) => r.map((v) => ({ name: v.name, reqPerSec: v.reqPerSec, serverCpuUsPerRequest: v.serverCpuUsPerRequest }))),
      profile: opts.profile ? await profileHealth() : undefined,
    };
  } finally {
    await Promise.all([real.stop(), bare.stop()]);
  }
}

/**
 * `--profile`: a fresh real server with V8's CPU profiler on, loaded with the health route for
 * one run; the top self-time functions of that process (start-up included, so module loading
 * shows near the top; the per-request functions are the rest).
 */
async function profileHealth() {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-profile-'));
  const child = startChild('bench/targets/http-server.ts', { args: ['real'], stdout: 'ignore', nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    log('http: profiling the health route (node --cpu-prof)');
    const info = await child.call<{ url: string; path: string; apiKey: string }>('start', undefined, 120_000);
    await runLoad(`${info.url}${info.path}`, { authorization: `Bearer ${info.apiKey}` });
    await child.stop();
    const [file] = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size);
    if (!file) throw new Error('no CPU profile was written');
    return topSelfTime(file, 15);
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- Poll cycle ------------------------------------------------------------------------------

function diffCounts(a: SimulatorCounts, b: SimulatorCounts) {
  const byKind: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byKind)) {
    const d = v - (a.byKind[k] ?? 0);
    if (d) byKind[k] = d;
  }
  const failures: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.failures)) {
    const d = v - (a.failures[k] ?? 0);
    if (d) failures[k] = d;
  }
  const graph = Object.entries(byKind).filter(([k]) => k.startsWith('graph:')).reduce((n, [, v]) => n + v, 0);
  return { total: b.total - a.total, graph, token: byKind.token ?? 0, byKind, failures, simulatorCpuMs: Math.round(cpuMs(a.cpu, b.cpu)) };
}

/**
 * The cost of notification channels: one change in every tenant (a service status), then an
 * incremental cycle, with the org's three channels (webhook, Teams, Slack, all to a receiver in
 * this process) enabled, and the same with them disabled. Reports both cycles' wall time and, with
 * channels, the deliveries per second from the cycle's start until the last one arrived.
 */
async function channelsBench(tenants: number, srv: Child) {
  const arrivals: number[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
  try {
    const { ids } = await srv.call<{ ids: string[] }>('channels', { receiverUrl });
    const run = async (label: string, status: string) => {
      const { changed } = await srv.call<{ changed: number }>('changeAll', { status, concurrency: 16 }, 10 * 60_000);
      log(`poll ${tenants}: ${label}: ${changed} tenants changed, one incremental cycle`);
      arrivals.length = 0;
      const t0 = performance.now();
      const cycle = await srv.call<CycleResult>('cycle', { kind: 'incremental' }, 10 * 60_000);
      const cycleEnd = performance.now();
      const drained = await srv.call<{ pending: number; delivered: number; failed: number; events: number; waitedMs: number }>('drain', { timeoutMs: 10 * 60_000 }, 11 * 60_000);
      const last = arrivals.length ? Math.max(...arrivals) - t0 : null;
      return {
        changedTenants: changed,
        cycleWallMs: cycle.wallMs,
        cycleCpuMs: cycle.cpuMs,
        deliveriesReceived: arrivals.length,
        lastDeliveryAfterMs: last === null ? null : Math.round(last),
        deliveriesPerSecond: last ? round(arrivals.length / (last / 1000), 0) : null,
        /** Deliveries that arrived after the cycle ended, and how long they took (the worker alone). */
        afterCycle: (() => {
          const late = arrivals.filter((a) => a > cycleEnd);
          const ms = late.length ? Math.max(...late) - cycleEnd : 0;
          return { deliveries: late.length, ms: Math.round(ms), perSecond: ms > 0 ? round(late.length / (ms / 1000), 0) : null };
        })(),
        outbox: drained,
      };
    };
    const withChannels = await run('3 channels enabled', 'serviceDegradation');
    await srv.call('setChannels', { ids, enabled: false });
    const without = await run('channels disabled', 'serviceOperational');
    return { channels: 3, withChannels, without };
  } finally {
    await new Promise((r) => receiver.close(r));
  }
}

async function pollBench(tenants: number) {
  const method = opts.setup === 'auto' ? (tenants <= OAUTH_SETUP_MAX ? 'oauth' : 'direct') : (opts.setup as 'oauth' | 'direct');
  const sim = startChild('bench/targets/poll-simulator.ts', { stdout: 'ignore' });
  const srv = startChild('bench/targets/poll-server.ts', { stdout: 'ignore', nodeArgs: ['--expose-gc'], onNote: log });
  const workers: Child[] = [];
  try {
    log(`poll ${tenants}: starting the simulator with ${tenants} synthetic tenants`);
    const simInfo = await sim.call<{ url: string; tenants: number; startMs: number }>('start', { extraTenants: tenants }, 120_000);
    const srvInfo = await srv.call<{ url: string; databasePath: string; redirectUri: string; orgName: string }>('start', { simUrl: simInfo.url }, 60_000);
    const c0 = await sim.call<SimulatorCounts>('counts');
    const setupStarted = performance.now();
    let setup: Record<string, unknown>;
    if (method === 'oauth') {
      log(`poll ${tenants}: authorizing ${tenants} tenants through the real OAuth flow over HTTP (concurrency ${opts.setupConcurrency}); each callback starts that tenant's first sync`);
      setup = await srv.call<SetupResult>('setup', { tenants, concurrency: opts.setupConcurrency, timeoutMs: 12 * 60_000 }, 13 * 60_000);
    } else {
      const listed = (await (await fetch(`${simInfo.url}/_simulator/tenants`)).json()) as { tenants: Array<{ domain: string; admins: Array<{ upn: string }> }> };
      const targets = listed.tenants.filter((t) => t.domain.endsWith('.bench.example')).slice(0, tenants).map((t) => ({ domain: t.domain, upn: t.admins[0]!.upn }));
      // One worker process: a second one writing the same SQLite file got SQLITE_BUSY ("database is
      // locked") in consumeOAuthRequest's read-then-write transaction, so setup is not parallelised.
      log(`poll ${tenants}: authorizing ${tenants} tenants with the direct setup (1 worker process, concurrency ${opts.setupConcurrency}; real msal code redemption, no first sync)`);
      const worker = startChild('bench/targets/poll-setup-worker.ts', { stdout: 'ignore' });
      workers.push(worker);
      const result = await worker.call<SetupWorkerResult>(
        'authorize',
        { databasePath: srvInfo.databasePath, simUrl: simInfo.url, redirectUri: srvInfo.redirectUri, orgName: srvInfo.orgName, tenants: targets, concurrency: opts.setupConcurrency, deadlineMs: 10 * 60_000 },
        11 * 60_000,
      );
      await worker.stop();
      if (result.authorized !== tenants) throw new Error(`direct setup authorized ${result.authorized} of ${tenants} tenants${result.errors.length ? `, e.g. ${result.errors[0]}` : ''}`);
      setup = { tenants, concurrency: opts.setupConcurrency, workerCpuMs: result.cpuMs };
    }
    const totalSeconds = round((performance.now() - setupStarted) / 1000);
    const c1 = await sim.call<SimulatorCounts>('counts');
    const setupRequests = diffCounts(c0, c1);

    const kinds: Array<'first' | 'incremental' | 'messages' | 'full'> = [
      ...(method === 'direct' ? (['first'] as const) : []),
      'incremental',
      'messages',
      ...(opts.fullCycle ? (['full'] as const) : []),
    ];
    const cycles = [];
    for (const kind of kinds) {
      log(`poll ${tenants}: one ${kind} poll cycle (concurrency 8, the poller's default)`);
      const before = await sim.call<SimulatorCounts>('counts');
      const cycle = await srv.call<CycleResult>('cycle', { kind }, 10 * 60_000);
      const after = await sim.call<SimulatorCounts>('counts');
      const seen = diffCounts(before, after);
      cycles.push({
        ...cycle,
        graphRequestsPerTenant: round(cycle.graphRequestsFromOutcomes / Math.max(1, cycle.ok), 2),
        simulator: { ...seen, graphPerTenant: round(seen.graph / Math.max(1, cycle.tenantsDue), 2), tokenPerTenant: round(seen.token / Math.max(1, cycle.tenantsDue), 3) },
        tenantsPerSecond: round(cycle.tenantsDue / (cycle.wallMs / 1000), 0),
      });
    }
    const channelCost = opts.channels || tenants <= 1000 ? await channelsBench(tenants, srv) : null;
    const simMemory = await sim.call<{ rss: number }>('memory');
    return {
      tenants,
      channels: channelCost,
      simulator: { startMs: simInfo.startMs, rssMB: round(simMemory.rss / 1048576) },
      setup: {
        method,
        description:
          method === 'oauth'
            ? 'real OAuth flow per tenant over HTTP: POST /api/authorizations, sign-in + consent pages, GET /oauth/callback (msal acquireTokenByCode, sealed token cache); the callback starts the first (full) sync'
            : 'direct: the two OAuth routes\' server functions called in worker processes (msal getAuthCodeUrl, consent pages over HTTP, msal acquireTokenByCode, sealed token cache, activateAuthorization); no first sync, so the first cycle is every tenant\'s first full sync',
        ...setup,
        totalSeconds,
        tenantsPerSecond: round(tenants / totalSeconds, 0),
        simulatorRequests: setupRequests,
      },
      cycles,
    };
  } finally {
    await Promise.all([srv.stop(), sim.stop(), ...workers.map((w) => w.stop())]);
  }
}

// --- Main ------------------------------------------------------------------------------------

const startedAt = new Date();
const results: Record<string, unknown> = {
  generatedAt: startedAt.toISOString(),
  machine,
  commit: gitCommit(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
};
const notes: string[] = [];
console.log(`o365-health benchmark — ${machine.cpus} CPU(s) ${machine.cpuModel}, Node ${machine.node}, ${machine.platform}, ${machine.totalMemoryMB} MB RAM, load average ${machine.loadAverageAtStart.join(' ')}`);

if (parts.includes('http')) {
  const http = await httpBench();
  results.http = http;
  console.log(`\nHTTP: GET ${http.setup.path} (${http.setup.bodyBytes}-byte JSON body, tenant ${http.setup.tenant})`);
  console.log(`client: ${http.setup.client}`);
  console.log(`servers: ${http.setup.servers}`);
  console.log(
    table(
      ['variant', 'req/s', 'p50 ms', 'p99 ms', 'avg ms', 'max ms', 'requests', 'status', 'bytes/resp', 'server CPU µs/req', 'server CPU share'],
      http.variants.map((v) => [
        v.name,
        v.reqPerSec,
        v.latencyMs.p50,
        v.latencyMs.p99,
        v.latencyMs.avg,
        v.latencyMs.max,
        v.requests,
        Object.entries(v.statusCodes).map(([k, n]) => `${k}×${n}`).join(' '),
        v.bytesPerResponse,
        v.serverCpuUsPerRequest,
        v.serverCpuShare,
      ]),
    ),
  );
  const r = http.ratios;
  const g = http.goals;
  console.log(
    `ratios to bare Hono serving the same bytes (goal): health 200 ${r.health200} (${g.health200}), health 304 ${r.health304} (${g.health304}), ` +
      `tenants ${r.tenants200} (${g.tenants200}), issues first page ${r.issues200} (${g.issues200}); latency is autocannon's (1 ms resolution); "server CPU share" = server CPU time / wall time (1.0 = one core busy).`,
  );
  if (http.profile) {
    console.log(`\nCPU profile of the health route (${http.profile.busyMs} ms busy of ${http.profile.totalMs} ms, start-up included), top self time:`);
    console.log(table(['function', '%', 'ms'], http.profile.functions.map((f) => [f.fn, f.percent, f.ms])));
  }
  notes.push('HTTP latencies come from autocannon\'s HDR histogram, which records whole milliseconds.');
}

if (parts.includes('poll')) {
  const polls = [];
  for (const n of opts.tenants) {
    const started = Date.now();
    try {
      polls.push(await pollBench(n));
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      log(`poll ${n}: FAILED: ${message}`);
      polls.push({ tenants: n, error: message });
      notes.push(`poll over ${n} tenants did not complete: ${message}; nothing is extrapolated.`);
    }
    log(`poll ${n}: ${Math.round((Date.now() - started) / 1000)} s including setup`);
  }
  results.poll = polls;
  console.log('\nPoll cycle: one Poller.runCycle() over every tenant (the server clock is moved so that all are due).');
  console.log('  first = each tenant\'s first sync (full + organization; only after the direct setup, whose callback does not sync);');
  console.log('  incremental = the steady state after one sync (healthOverviews + issues changed since the watermark), Message center posts not due;');
  console.log('  messages = the same quiet cycle when posts are due (every 30 min: + messages changed since their watermark); full = the 6-hourly full resync');
  console.log('processes: server+poller in one child (polling schedule off, concurrency 8 = default), simulator in another; RSS is the server process\'s');
  const rows: Array<Array<string | number>> = [];
  for (const p of polls) {
    if ('error' in p) {
      rows.push([p.tenants, '', 'failed', '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    for (const c of p.cycles) {
      rows.push([
        p.tenants,
        p.setup.method,
        c.kind,
        `${c.ok}/${c.tenantsDue}`,
        round(c.wallMs / 1000, 2),
        c.tenantsPerSecond,
        c.graphRequestsPerTenant,
        c.simulator.graphPerTenant,
        c.simulator.token,
        c.cpuMs,
        c.simulator.simulatorCpuMs,
        `${c.rssBeforeMB} → ${c.rssPeakSampledMB}`,
        c.maxRssProcessMB,
      ]);
    }
  }
  console.log(
    table(
      ['tenants', 'setup', 'cycle', 'synced', 'wall s', 'tenants/s', 'Graph req/tenant (outcomes)', 'Graph req/tenant (simulator)', 'token calls', 'server CPU ms', 'simulator CPU ms', 'RSS MB before → peak', 'max RSS MB (life)'],
      rows,
    ),
  );
  for (const p of polls) {
    if ('error' in p) continue;
    console.log(
      `setup ${p.tenants} (${p.setup.method}): ${p.setup.totalSeconds} s (${p.setup.tenantsPerSecond} tenants/s); ` +
        `simulator saw ${p.setup.simulatorRequests.total} requests (${p.setup.simulatorRequests.graph} Graph, ${p.setup.simulatorRequests.token} token); simulator RSS ${p.simulator.rssMB} MB`,
    );
  }
  const channelRows = polls.flatMap((p) =>
    'error' in p || !p.channels
      ? []
      : [
          [p.tenants, 'enabled (webhook, Teams, Slack)', p.channels.withChannels.changedTenants, round(p.channels.withChannels.cycleWallMs / 1000, 2), p.channels.withChannels.deliveriesReceived, p.channels.withChannels.lastDeliveryAfterMs ?? '', p.channels.withChannels.deliveriesPerSecond ?? '', `${p.channels.withChannels.afterCycle.deliveries} in ${p.channels.withChannels.afterCycle.ms} ms (${p.channels.withChannels.afterCycle.perSecond ?? '–'}/s)`],
          [p.tenants, 'disabled', p.channels.without.changedTenants, round(p.channels.without.cycleWallMs / 1000, 2), p.channels.without.deliveriesReceived, '', '', ''],
        ],
  );
  if (channelRows.length) {
    console.log('\nNotification channels: one service status change in every tenant, then one incremental cycle (the delivery worker runs beside it)');
    console.log(table(['tenants', 'channels', 'tenants changed', 'cycle wall s', 'deliveries received', 'last delivery after ms', 'deliveries/s (from cycle start)', 'after the cycle ended'], channelRows));
  }
  notes.push(
    'Poll cycle wall time includes the simulator answering on the same 2 cores (it is another process on this machine, not a remote cloud), and the simulator is faster than Graph: network latency to Microsoft is not modelled.',
    '"max RSS (life)" is the server process\'s resourceUsage().maxRSS, which includes setup (authorizing every tenant); "peak" is process.memoryUsage().rss sampled every 20 ms during the cycle, after a forced GC.',
  );
}

if (parts.includes('history')) {
  log('history: simulating 13 months of one tenant with 25 services, then timing GET /api/tenants/:id/history');
  const history: HistoryBenchResult = await runHistoryBench({ months: 13, issuesPerDay: 4, calls: 50, seed: 11 });
  results.history = history;
  console.log(`\nHistory: ${history.issuesStored} issues with ${history.postsStored} posts over ${history.months} x 30 days, ${history.services} services; database growth ${round(history.growthPerTenantMonthBytes / 1048576, 2)} MiB per tenant-month\n`);
  console.log(table(['query', 'cold ms', 'median ms', 'p90 ms', 'max ms', 'core median ms', 'bytes'], history.latency.map((l) => [l.query, l.coldMs, l.medianMs, l.p90Ms, l.maxMs, l.coreMedianMs, l.responseBytes])));
}

if (parts.includes('overview')) {
  const n = int('overview-tenants', values['overview-tenants'], 1, 100_000);
  log(`overview: seeding ${n} tenants x 25 services, then timing GET /api/overview`);
  const overview = await runOverviewBench({ tenants: n, sharedIssues: 6, calls: 50, seed: 13 });
  results.overview = overview;
  console.log(`\nOverview: ${overview.tenants} tenants, ${overview.services} services each, ${overview.activeIssues} active issue rows (${overview.sharedIssues} shared incidents); answer ${overview.responseBytes} bytes\n`);
  console.log(table(['case', 'median ms', 'p90 ms', 'max ms', 'calls'], overview.latency.map((l) => [l.case, l.medianMs, l.p90Ms, l.maxMs, l.calls])));
}

if (parts.includes('events')) {
  const changes = int('changes', values.changes, 1, 1000);
  log(`events: ${changes} incidents injected in the simulator, each followed by a poll cycle; timing the webhook and the open widget`);
  const events = await runEventLatencyBench({ changes, log });
  results.events = events;
  const row = (name: string, s: { median: number; max: number; min: number } | null) => [name, s?.median ?? 'n/a', s?.max ?? 'n/a', s?.min ?? 'n/a'];
  console.log(`\nChange events: ${events.changes} changes, from the start of the poll cycle that sees each (signatures verified: ${events.signaturesVerified})\n`);
  console.log(table(['until', 'median ms', 'max ms', 'min ms'], [row('sync written (cycle ends)', events.syncMs), row('webhook received', events.webhookMs), row('widget shows it', events.widgetMs)]));
  if (events.widgetNote) notes.push(`events: ${events.widgetNote}`);
}

if (parts.includes('scale-out')) {
  const runs: Array<ScaleOutBenchResult | { tenants: number; error: string }> = [];
  for (const n of scaleOutOpts.tenants) {
    log(`scale-out: ${n} tenants, ${scaleOutOpts.instances.join(', ')} instance(s) on PostgreSQL${scaleOutOpts.sqlite ? ', 1 on SQLite' : ''}`);
    try {
      runs.push(await runScaleOutBench({ ...scaleOutOpts, tenants: n, setupConcurrency: opts.setupConcurrency, log }));
    } catch (err) {
      const message = (err as Error).message.split('\n')[0]!;
      log(`scale-out ${n}: FAILED: ${message}`);
      runs.push({ tenants: n, error: message });
      notes.push(`scale-out over ${n} tenants did not complete: ${message}`);
    }
  }
  results.scaleOut = runs;
  for (const r of runs) {
    if ('error' in r) continue;
    console.log(`\nScale-out: ${r.tenants} tenants, one poll cycle per row (${r.wallSeconds} s including setup)`);
    console.log(`setup: ${Object.entries(r.setup).map(([store, s]) => `${store} ${(s as { seconds: number }).seconds} s`).join(', ')}; PostgreSQL: ${r.postgresSettings}`);
    console.log(`procedure: ${r.procedure}\n`);
    console.log(scaleOutTable(r));
    for (const f of r.failures) notes.push(`scale-out: ${f}`);
    const { start, end } = r.code;
    if (start.commit !== end.commit || start.uncommitted.length || end.uncommitted.length) {
      notes.push(`scale-out: the server code changed or was not committed during the run (${start.commit} → ${end.commit}; uncommitted: ${[...new Set([...start.uncommitted, ...end.uncommitted])].join(', ') || 'none'}): configurations may have run different code.`);
    }
  }
  notes.push(
    'scale-out: every process (simulator, PostgreSQL, each instance) shares the same cores, so more instances add no CPU here; the figures show the sharing (no tenant synced twice, 2 Graph requests per tenant) and its overhead, not the speed-up on separate machines.',
  );
}

results.loadAverageAtEnd = loadavg().map((l) => round(l, 2));
if (Math.max(...machine.loadAverageAtStart, ...(results.loadAverageAtEnd as number[])) > machine.cpus) {
  notes.push(`The machine was busy with other work (load average above ${machine.cpus} at the start or end of the run): absolute figures are low and noisy; compare variants within one run.`);
}
results.notes = notes;
results.wallSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
// A run of some parts keeps the last figures of the others (each part's own section is replaced).
const previous = existsSync(values.out) ? (JSON.parse(readFileSync(values.out, 'utf8')) as Record<string, unknown>) : {};
const partsRun = Object.fromEntries(parts.map((p) => [p, { generatedAt: results.generatedAt, commit: results.commit, machine: results.machine }]));
const merged = { ...previous, ...results, runs: { ...((previous.runs as object | undefined) ?? {}), ...partsRun } };
writeFileSync(values.out, `${JSON.stringify(merged, null, 2)}\n`);
console.log(`\n${notes.map((n) => `note: ${n}`).join('\n')}`);
console.log(`\nwrote ${values.out} (${results.wallSeconds} s)`);
