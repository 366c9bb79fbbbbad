/**
 * `npm run bench -- scale-out [--tenants 10000] [--instances 1,2,3] [--period-minutes 20]
 *  [--lease-seconds 120] [--kill-at 0.25] [--startup-seconds 25] [--no-sqlite]`: one poll cycle
 * over N simulated tenants on 1, 2 and 3 server instances sharing one PostgreSQL 15, the same on
 * SQLite (1 instance), and the takeover after `kill -9` of one instance mid-cycle.
 *
 * Processes: the Microsoft 365 simulator with N synthetic tenants in one child
 * (scale-out-simulator.ts, which keeps a per-tenant request log); a private PostgreSQL 15 cluster
 * (`startPostgres()` of test/support/postgres.ts: initdb in a temporary folder, its own port,
 * fsync and synchronous_commit off); every server instance a separate `node --import tsx
 * server/main.ts` process configured only by its environment (DATABASE_URL or DATABASE_PATH,
 * SECRET_KEY, INSTANCE_ID, LEASE_SECONDS, POLL_CRON, METRICS_TOKEN, MICROSOFT_* pointing at the
 * simulator), as production runs it (bench/lib/instances.ts). All of them share this machine's
 * cores.
 *
 * Procedure, per store (PostgreSQL first, then SQLite, each with its own authorizations):
 * 1. Setup: every tenant authorized once on that store by scale-out-setup.ts — the core's own
 *    `authorizations.begin` and `complete` (what POST /api/authorizations and GET /oauth/callback
 *    call) with the simulator's consent pages walked over HTTP and msal redeeming the code, so
 *    each tenant has an active authorization with a real sealed msal token cache. No instance runs
 *    meanwhile, so no first sync happens during setup.
 * 2. Each measured cycle, with no instance running yet:
 *    a. the bench writes every tenant's schedule as a finished cycle leaves it: `next_poll_at` =
 *       one instant D (the same for all, as after a real cycle), leases cleared; for a quiet cycle
 *       also `last_messages_sync_at` = now, so Message center posts are not due (they are every
 *       30 minutes, and then a cycle costs 3 requests per tenant: README "Polling");
 *    b. it spawns the instances with POLL_CRON = "<s> <m1,m2,…> * * * *": a tick at D and then
 *       every `period` minutes, the cycle window [D, D + period); D is `startup` seconds after the
 *       spawn, and every instance must have printed "is listening" before D. The tick at D is then
 *       the only thing that starts a cycle: no poller sets a wake-up timer at start-up (the
 *       earliest due tenant is not before its next tick), and croner runs a tick only once the
 *       clock has reached it. A synced tenant's next poll is D + period, so it is not due again in
 *       the window (the period must exceed the cycle: default 20 minutes);
 *    c. the bench reads the database once a second until every tenant has `last_sync_at` ≥ D,
 *       then reads each instance's GET /metrics (its syncs and Graph requests) and stops the
 *       instances (SIGTERM). The simulator's per-tenant log of the window (opened just before D,
 *       closed at D + period) gives the Graph requests per tenant and the tenants synced twice
 *       (more than one `healthOverviews` request: every sync makes exactly one).
 *    Cycle duration = last `last_sync_at` written in the window − first Graph request in it
 *    (≈ the first claim).
 * 3. PostgreSQL: the first cycle (every tenant's first, full sync: 4 requests) on the largest
 *    instance count, then one quiet cycle on each instance count, then for each count ≥ 2 one more
 *    quiet cycle in which the last instance is killed with SIGKILL once `kill-at` of the tenants
 *    are synced: a second later (its connections gone, its open transactions rolled back) the
 *    bench reads the tenants whose lease it still holds; takeover time = from the kill until the
 *    last of those has `last_sync_at` after the kill (written by a survivor, which claims them
 *    once the lease lapses, LEASE_SECONDS, if its cycle still runs, else at the next tick). Those
 *    tenants may show as synced twice (the killed instance had read Graph for them); any other
 *    tenant synced twice is a failure. A tenant whose refresh token the killed instance had just
 *    redeemed (the simulator rotates refresh tokens and refuses a used one) cannot be synced by
 *    the others: it is counted as needing re-authorization, and the cycle ends without it.
 *    SQLite: the first cycle and one quiet cycle, one instance.
 *
 * Every instance loads the work tree's code when it is spawned: with other work going on in the
 * same tree, run the benchmark from a separate checkout of one commit (`git worktree add --detach
 * <dir> HEAD`, `node_modules` linked in), so every configuration runs the same code; the result
 * records the commit and any uncommitted server file at the start and the end (`code`).
 *
 * About an hour at 10 000 tenants on 2 shared cores (setup ~2 minutes per store, a cycle 5–15).
 * Everything measured goes to bench/results.json (`scaleOut`). Loopback only; every process is
 * bounded (watchdogs, per-cycle deadlines) and stopped at the end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BUILT_IN_APP } from '../../demo/simulator/index.js';
import { openDatabase, type OpenDatabase } from '../../server/db/index.js';
import { startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { spawnInstance, stopInstances, type ServerInstance } from '../lib/instances.js';
import { startChild, type Child } from '../lib/rpc.js';
import type { ScaleOutSetupResult } from './scale-out-setup.js';
import type { WindowSummary } from './scale-out-simulator.js';

export interface ScaleOutOptions {
  tenants: number;
  /** Instance counts on PostgreSQL (empty: SQLite only). */
  instances: number[];
  sqlite: boolean;
  leaseSeconds: number;
  /** POLL_CRON period in minutes (a divisor of 60); longer than any cycle. */
  periodMinutes: number;
  /** Fraction of the tenants synced when one instance is killed. */
  killAt: number;
  setupConcurrency: number;
  /** Seconds allowed for the instances to start before the tenants are due. */
  startupSeconds: number;
  log: (line: string) => void;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The database as the benchmark reads and resets it (never while a cycle runs: only reads then). */
interface BenchDb {
  /** Schedule as a finished cycle leaves it: all due at `dueAt`, no leases; `quiet`: Message center posts not due. */
  reset(dueAt: Date, quiet: boolean): Promise<void>;
  progress(since: Date): Promise<{ synced: number; lastSyncAt: number | null; leased: number; failing: number; neverSynced: number }>;
  leasedBy(owner: string): Promise<Array<{ tenantId: string; leaseUntil: number }>>;
  /**
   * Of `ids`: how many have synced after `after` and the last of those writes, how many `owner`
   * still leases, and how many no active authorization can read any more (re-authorization needed).
   */
  syncedAfter(ids: string[], after: Date, owner: string): Promise<{ synced: number; lastSyncAt: number | null; stillHeld: number; unreadable: number }>;
  rows(): Promise<Record<string, number>>;
  /** Process ids whose CPU counts as the database's (PostgreSQL: the postmaster's children). */
  pids(): Promise<number[]>;
  close(): Promise<void>;
}

function postgresDb(url: string): BenchDb {
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'o365-health bench' });
  const one = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows[0] as T;
  return {
    async reset(dueAt, quiet) {
      await pool.query(
        `update tenants set next_poll_at = $1, lease_owner = null, lease_until = null${quiet ? ', last_messages_sync_at = case when last_messages_sync_at is null then null else now() end' : ''}`,
        [dueAt],
      );
      await pool.query('vacuum analyze tenants');
    },
    async progress(since) {
      const r = await one<{ synced: string; last: string | null; leased: string; failing: string; never: string }>(
        `select count(*) filter (where last_sync_at >= $1) as synced, (extract(epoch from max(last_sync_at)) * 1000)::float8 as last,
                count(*) filter (where lease_owner is not null and lease_until > now()) as leased,
                count(*) filter (where consecutive_failures > 0) as failing, count(*) filter (where last_sync_at is null) as never
           from tenants`,
        [since],
      );
      return { synced: Number(r.synced), lastSyncAt: r.last === null ? null : Number(r.last), leased: Number(r.leased), failing: Number(r.failing), neverSynced: Number(r.never) };
    },
    async leasedBy(owner) {
      const rows = (await pool.query('select tenant_id, (extract(epoch from lease_until) * 1000)::float8 as until from tenants where lease_owner = $1', [owner])).rows as Array<{ tenant_id: string; until: number }>;
      return rows.map((r) => ({ tenantId: r.tenant_id, leaseUntil: Number(r.until) }));
    },
    async syncedAfter(ids, after, owner) {
      const r = await one<{ n: string; last: string | null; held: string; unreadable: string }>(
        `select count(*) filter (where last_sync_at > $2) as n, (extract(epoch from max(last_sync_at) filter (where last_sync_at > $2)) * 1000)::float8 as last,
                count(*) filter (where lease_owner = $3) as held,
                count(*) filter (where not exists (select 1 from authorizations a where a.tenant_id = tenants.tenant_id and a.status = 'active')) as unreadable
           from tenants where tenant_id = any($1)`,
        [ids, after, owner],
      );
      return { synced: Number(r.n), lastSyncAt: r.last === null ? null : Number(r.last), stillHeld: Number(r.held), unreadable: Number(r.unreadable) };
    },
    async rows() {
      const r = await one<Record<string, string>>(
        `select (select count(*) from tenants) as tenants, (select count(*) from authorizations where status = 'active') as "activeAuthorizations",
                (select count(*) from services) as services, (select count(*) from issues) as issues, (select count(*) from messages) as messages,
                (select count(*) from events) as events, pg_database_size(current_database()) as "databaseBytes"`,
      );
      return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
    },
    async pids() {
      const dir = (await one<{ data_directory: string }>('show data_directory')).data_directory;
      const postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return [postmaster, ...childPids(postmaster)];
    },
    close: () => pool.end(),
  };
}

function sqliteDb(path: string): BenchDb {
  // openDatabase registers the SQL functions the schema's triggers use, so updates run as the server's do.
  const database: OpenDatabase = openDatabase(path);
  database.sqlite.pragma('busy_timeout = 10000');
  const q = database.sqlite;
  return {
    async reset(dueAt, quiet) {
      q.prepare(
        `update tenants set next_poll_at = ?, lease_owner = null, lease_until = null${quiet ? ', last_messages_sync_at = case when last_messages_sync_at is null then null else ? end' : ''}`,
      ).run(...(quiet ? [dueAt.getTime(), Date.now()] : [dueAt.getTime()]));
      q.pragma('wal_checkpoint(TRUNCATE)');
    },
    async progress(since) {
      const r = q
        .prepare(
          `select coalesce(sum(last_sync_at >= ?), 0) as synced, max(last_sync_at) as last, coalesce(sum(lease_owner is not null and lease_until > ?), 0) as leased,
                  coalesce(sum(consecutive_failures > 0), 0) as failing, coalesce(sum(last_sync_at is null), 0) as never from tenants`,
        )
        .get(since.getTime(), Date.now()) as { synced: number; last: number | null; leased: number; failing: number; never: number };
      return { synced: r.synced, lastSyncAt: r.last, leased: r.leased, failing: r.failing, neverSynced: r.never };
    },
    async leasedBy(owner) {
      return (q.prepare('select tenant_id as tenantId, lease_until as leaseUntil from tenants where lease_owner = ?').all(owner) as Array<{ tenantId: string; leaseUntil: number }>);
    },
    async syncedAfter() {
      throw new Error('no takeover on SQLite (one instance)');
    },
    async rows() {
      const r = q
        .prepare(
          `select (select count(*) from tenants) as tenants, (select count(*) from authorizations where status = 'active') as activeAuthorizations,
                  (select count(*) from services) as services, (select count(*) from issues) as issues, (select count(*) from messages) as messages,
                  (select count(*) from events) as events`,
        )
        .get() as Record<string, number>;
      const pages = q.pragma('page_count', { simple: true }) as number;
      const size = q.pragma('page_size', { simple: true }) as number;
      return { ...r, databaseBytes: pages * size };
    },
    async pids() {
      return [];
    },
    async close() {
      database.close();
    },
  };
}

// --- CPU accounting from /proc (Linux) ---------------------------------------------------------

const TICKS_PER_S = 100;

function procCpuS(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}

function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

/** Machine-wide CPU time so far: busy and total, in seconds (all cores). */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  const total = line.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S };
}

// --- One cycle ---------------------------------------------------------------------------------

/** "s m1,m2,… * * * *": at second `s`, every `period` minutes, the first tick at `at` (local time, as croner reads it). */
export function cronAt(at: Date, periodMinutes: number): string {
  const minutes: number[] = [];
  for (let m = at.getMinutes() % periodMinutes; m < 60; m += periodMinutes) minutes.push(m);
  return `${at.getSeconds()} ${minutes.join(',')} * * * *`;
}

interface CycleSpec {
  store: 'postgres' | 'sqlite';
  kind: 'first' | 'quiet' | 'kill';
  instances: number;
}

export interface CycleResult extends CycleSpec {
  pollCron: string;
  dueAt: string;
  /** Every tenant synced (a takeover may have waited for the next tick). */
  complete: boolean;
  synced: number;
  /** Synced before the next tick (`period` after the due time). */
  syncedInWindow: number;
  /** Simulator requests after the next tick (the next cycle, begun while a takeover was awaited); not counted below. */
  nextWindowRequests: number;
  tenants: number;
  /** First Graph request of the window → last `last_sync_at` written before the next tick. */
  cycleS: number | null;
  /** Due time (every instance's wake-up) → last write. */
  fromDueS: number | null;
  firstRequestAfterDueMs: number | null;
  tenantsPerSecond: number | null;
  graphPerTenant: number;
  graphPerTenantHistogram: Record<string, number>;
  tokenRequests: number;
  failedRequests: number;
  byResource: WindowSummary['byResource'];
  tenantsSeen: number;
  syncedTwice: number;
  syncedTwiceExamples: string[];
  syncedTwiceGapsS: number[];
  instanceStartS: number[];
  /**
   * Per instance: syncs and Graph requests from its own GET /metrics after the cycle
   * (o365_sync_duration_seconds count and mean, o365_graph_requests_total), its CPU time over the
   * cycle (/proc), its "poll cycle:" log lines. A killed instance has no metrics.
   */
  perInstance: Array<{ id: string; syncs: number | null; meanSyncMs: number | null; graphRequests: number | null; cycleLines: string[]; cpuS: number | null; killed: boolean; errorLines: number }>;
  simulatorCpuS: number;
  databaseCpuS: number | null;
  /** Machine-wide busy CPU / (wall × cores) over the cycle: other work on the machine counts too. */
  machineBusyShare: number;
  loadAverage: { start: number[]; end: number[] };
  takeover?: {
    killedInstance: string;
    killedAtSynced: number;
    /** Tenants the killed instance still held a lease on after it died. */
    leasedByKilled: number;
    /** Until its last lease would lapse (lease_until − kill). */
    leaseLapseS: number | null;
    /** Kill → none of those leases held by the killed instance any more (claimed by another, first seen by the once-a-second watch). */
    leaseTakenS: number | null;
    /** Kill → the last of those tenants written by another instance. */
    takeoverS: number | null;
    takenOver: number;
    /**
     * Of those tenants, how many no active authorization could read after the takeover: the
     * instance that took the tenant got "refresh token already used" (AADSTS70000) and marked the
     * authorization for re-authorization — the killed instance had redeemed the rotating refresh
     * token at the simulator but died before its transaction stored the new one.
     */
    needReauthorization: number;
    /** Tenants synced twice that were not held by the killed instance (must be 0). */
    syncedTwiceOutsideKilledLeases: number;
  };
  errorSamples: string[];
}

async function runCycle(
  spec: CycleSpec,
  ctx: { db: BenchDb; sim: Child; env: Record<string, string>; logDir: string; tenants: number; o: ScaleOutOptions },
): Promise<CycleResult> {
  const { db, sim, o } = ctx;
  const label = `${spec.store} ×${spec.instances} ${spec.kind}`;
  const spawnAt = Date.now();
  // The tick and the due time are one instant: at start-up no poller sets a wake-up timer (the
  // earliest due is not before its next tick), and croner runs a tick only once the clock has
  // reached it, so every tenant is claimable by the tick's cycle on every instance.
  const dueAt = new Date(Math.ceil((spawnAt + o.startupSeconds * 1000) / 1000) * 1000);
  const pollCron = cronAt(dueAt, o.periodMinutes);
  await db.reset(dueAt, spec.kind !== 'first');
  const start = { load: loadavg().map((l) => round(l, 2)) };
  o.log(`scale-out: ${label}: ${spec.instances} instance(s), tenants due at ${dueAt.toISOString()}, POLL_CRON "${pollCron}"`);
  const ids = Array.from({ length: spec.instances }, (_, i) => `${spec.store === 'postgres' ? 'pg' : 'sqlite'}-${i + 1}`);
  const instances = ids.map((id) => spawnInstance({ id, logDir: ctx.logDir, env: { ...ctx.env, POLL_CRON: pollCron } }));
  try {
    await Promise.all(instances.map((i) => i.ready(dueAt.getTime() - Date.now() + 60_000)));
    const late = instances.filter((i) => i.readyAt! > dueAt.getTime() - 500);
    if (late.length) throw new Error(`${late.map((i) => i.id).join(', ')} started after the tenants were due (${o.startupSeconds} s allowed); raise --startup-seconds`);
    const instanceStartS = instances.map((i) => round((i.readyAt! - i.spawnedAt) / 1000));
    await sleep(Math.max(0, dueAt.getTime() - 500 - Date.now()));
    await sim.call('window-start');
    const cpu0 = instances.map((i) => procCpuS(i.pid));
    const dbPids = await db.pids();
    const dbCpu0 = dbPids.map((p) => procCpuS(p) ?? 0);
    const simCpu0 = (await sim.call<{ cpu: NodeJS.CpuUsage }>('memory')).cpu;
    const machine0 = machineCpu();
    const wall0 = Date.now();
    const cpuEnd: Array<number | null> = instances.map(() => null);

    // Watch until every tenant has synced since the due time (or the window is over).
    const until = dueAt.getTime() + o.periodMinutes * 60_000;
    const deadline = until + (o.leaseSeconds + 60) * 1000;
    let takeover: CycleResult['takeover'];
    let killSet: Array<{ tenantId: string; leaseUntil: number }> | null = null;
    let killedAt = 0;
    let lastSynced = -1;
    let lastChange = Date.now();
    let progress = await db.progress(dueAt);
    // The cycle as it stood before the next tick (a takeover may have to wait for it, and that
    // tick starts the next cycle, whose writes replace these last_sync_at).
    let inWindow = progress;
    let lastNote = 0;
    for (;;) {
      await sleep(1000);
      const polledAt = Date.now();
      // An instance that ended by itself (a crash, or a signal the benchmark did not send) spoils the
      // cycle: the others cannot finish it within the window as the configuration says.
      const died = instances.find((i, n) => i.exited && !(spec.kind === 'kill' && killSet && n === instances.length - 1));
      if (died) throw new Error(`${died.id} exited during the cycle (code ${died.exited!.code}, signal ${died.exited!.signal})`);
      progress = await db.progress(dueAt);
      if (polledAt < until - 1000 || (progress.lastSyncAt ?? 0) < until) inWindow = progress;
      if (progress.synced !== lastSynced) {
        lastSynced = progress.synced;
        lastChange = Date.now();
      }
      if (Date.now() - lastNote > 15_000) {
        lastNote = Date.now();
        o.log(`scale-out: ${label}: ${progress.synced}/${ctx.tenants} synced after ${Math.round((Date.now() - dueAt.getTime()) / 1000)} s (${progress.leased} leased, ${progress.failing} failing)`);
      }
      if (spec.kind === 'kill' && !killSet && progress.synced >= o.killAt * ctx.tenants) {
        const victim = instances[instances.length - 1]!;
        cpuEnd[instances.length - 1] = procCpuS(victim.pid);
        killedAt = Date.now();
        await victim.kill('SIGKILL');
        await sleep(1000);
        killSet = await db.leasedBy(victim.id);
        o.log(`scale-out: ${label}: killed ${victim.id} (pid ${victim.pid}, SIGKILL) at ${progress.synced} synced; it held ${killSet.length} lease(s)`);
        takeover = {
          killedInstance: victim.id,
          killedAtSynced: progress.synced,
          leasedByKilled: killSet.length,
          leaseLapseS: killSet.length ? round((Math.max(...killSet.map((k) => k.leaseUntil)) - killedAt) / 1000) : null,
          leaseTakenS: killSet.length ? null : 0,
          takeoverS: null,
          takenOver: 0,
          needReauthorization: 0,
          syncedTwiceOutsideKilledLeases: 0,
        };
      }
      let lost = 0;
      if (killSet && takeover && takeover.takeoverS === null && killSet.length) {
        const after = await db.syncedAfter(
          killSet.map((k) => k.tenantId),
          new Date(killedAt),
          takeover.killedInstance,
        );
        takeover.takenOver = after.synced;
        takeover.needReauthorization = lost = after.unreadable;
        if (takeover.leaseTakenS === null && after.stillHeld === 0) takeover.leaseTakenS = round((Date.now() - killedAt) / 1000);
        if (after.synced === killSet.length) {
          takeover.takeoverS = round((after.lastSyncAt! - killedAt) / 1000);
          o.log(`scale-out: ${label}: the killed instance's ${killSet.length} tenant(s) were synced by the others ${takeover.takeoverS} s after the kill`);
        } else if (after.synced + after.unreadable === killSet.length && after.unreadable) {
          o.log(`scale-out: ${label}: of the killed instance's ${killSet.length} tenant(s), ${after.unreadable} need re-authorization (taken over after ${takeover.leaseTakenS} s)`);
        }
      }
      const takeoverDone = !killSet || !takeover || takeover.takeoverS !== null || killSet.length === 0 || takeover.takenOver + takeover.needReauthorization === killSet.length;
      if (progress.synced + lost >= ctx.tenants && (spec.kind !== 'kill' || (killSet && takeoverDone))) break;
      if (Date.now() > deadline) break;
      // Stalled: nothing written for a minute and nothing leased (failing tenants wait for a later
      // window); a takeover still to come waits for the deadline (the next tick, if need be).
      if (Date.now() - lastChange > 60_000 && progress.leased === 0 && spec.kind !== 'kill') break;
    }
    const wallS = (Date.now() - wall0) / 1000;
    instances.forEach((i, n) => {
      if (cpuEnd[n] === null) cpuEnd[n] = procCpuS(i.pid);
    });
    const dbCpuS = dbPids.length ? dbPids.reduce((sum, p, n) => sum + Math.max(0, (procCpuS(p) ?? dbCpu0[n]!) - dbCpu0[n]!), 0) : null;
    const simCpu1 = (await sim.call<{ cpu: NodeJS.CpuUsage }>('memory')).cpu;
    const machine1 = machineCpu();
    const w = await sim.call<WindowSummary>('window', { until });
    // Give the instances a moment to print their cycle lines (the logger flushes within a second).
    await sleep(1500);
    const perInstance = [];
    for (const [n, i] of instances.entries()) {
      const metrics = i.exited ? null : await scrapeMetrics(i, ctx.env.METRICS_TOKEN!);
      perInstance.push({
        id: i.id,
        ...(metrics ?? { syncs: null, meanSyncMs: null, graphRequests: null }),
        cycleLines: i.lines.filter((l) => l.at >= dueAt.getTime() - 1000 && /poll cycle: \d+ tenant/.test(l.text)).map((l) => l.text.replace(/^\[[^\]]+\] /, '')),
        cpuS: cpu0[n] !== null && cpuEnd[n] !== null ? round(cpuEnd[n]! - cpu0[n]!) : null,
        killed: takeover?.killedInstance === i.id,
        errorLines: i.lines.filter((l) => l.at >= spawnAt && (l.stream === 'stderr' || /fail|error|lease lost|re-authoriz/i.test(l.text))).length,
      });
    }
    const errorSamples = instances
      .flatMap((i) => i.lines.filter((l) => l.at >= spawnAt && (l.stream === 'stderr' || /fail|error|lease lost|re-authoriz/i.test(l.text))).map((l) => l.text))
      .slice(0, 5);
    if (takeover && killSet) {
      const held = new Set(killSet.map((k) => k.tenantId));
      takeover.syncedTwiceOutsideKilledLeases = w.syncedTwiceIds.filter((id) => !held.has(id)).length;
    }
    const cycleS = inWindow.lastSyncAt !== null && w.firstAt !== null ? round((inWindow.lastSyncAt - w.firstAt) / 1000, 2) : null;
    const result: CycleResult = {
      ...spec,
      pollCron,
      dueAt: dueAt.toISOString(),
      complete: progress.synced >= ctx.tenants,
      synced: progress.synced,
      syncedInWindow: inWindow.synced,
      nextWindowRequests: w.afterUntil,
      tenants: ctx.tenants,
      cycleS,
      fromDueS: inWindow.lastSyncAt !== null ? round((inWindow.lastSyncAt - dueAt.getTime()) / 1000, 2) : null,
      firstRequestAfterDueMs: w.firstAt !== null ? w.firstAt - dueAt.getTime() : null,
      tenantsPerSecond: cycleS ? round(inWindow.synced / cycleS, 0) : null,
      graphPerTenant: round(w.graph / Math.max(1, w.tenantsSeen), 3),
      graphPerTenantHistogram: w.graphPerTenantHistogram,
      tokenRequests: w.token,
      failedRequests: w.failures,
      byResource: w.byResource,
      tenantsSeen: w.tenantsSeen,
      syncedTwice: w.syncedTwice,
      syncedTwiceExamples: w.syncedTwiceIds.slice(0, 5),
      syncedTwiceGapsS: w.syncedTwiceGapsS,
      instanceStartS,
      perInstance,
      simulatorCpuS: round((simCpu1.user + simCpu1.system - simCpu0.user - simCpu0.system) / 1e6),
      databaseCpuS: dbCpuS === null ? null : round(dbCpuS),
      machineBusyShare: round((machine1.busy - machine0.busy) / Math.max(1e-9, machine1.total - machine0.total), 2),
      loadAverage: { start: start.load, end: loadavg().map((l) => round(l, 2)) },
      ...(takeover ? { takeover } : {}),
      errorSamples,
    };
    o.log(
      `scale-out: ${label}: ${result.synced}/${ctx.tenants} synced, cycle ${result.cycleS} s, ${result.graphPerTenant} Graph requests/tenant, ${result.syncedTwice} synced twice` +
        `, ${wallS.toFixed(0)} s watched`,
    );
    // The whole row, so a run stopped before its end still leaves every finished cycle in its log.
    o.log(`scale-out: ${label}: result ${JSON.stringify(result)}`);
    return result;
  } finally {
    await stopInstances(instances);
  }
}

/** Syncs and Graph requests of one instance since it started, from its GET /metrics (Prometheus text). */
async function scrapeMetrics(i: ServerInstance, token: string): Promise<{ syncs: number; meanSyncMs: number | null; graphRequests: number } | null> {
  if (!i.url) return null;
  try {
    const res = await fetch(`${i.url}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) return null;
    const text = await res.text();
    const value = (re: RegExp) => [...text.matchAll(re)].reduce((sum, m) => sum + Number(m[1]), 0);
    const syncs = value(/^o365_sync_duration_seconds_count(?:\{[^}]*\})? (\S+)$/gm);
    const sum = value(/^o365_sync_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/gm);
    return { syncs, meanSyncMs: syncs ? Math.round((sum / syncs) * 1000) : null, graphRequests: value(/^o365_graph_requests_total\{[^}]*\} (\S+)$/gm) };
  } catch {
    return null;
  }
}

// --- Setup -------------------------------------------------------------------------------------

async function setupStore(
  job: { engine: 'postgres' | 'sqlite'; databaseUrl?: string; databasePath?: string },
  ctx: { simUrl: string; secretKey: string; tenants: Array<{ domain: string; upn: string }>; o: ScaleOutOptions },
) {
  const worker = startChild('bench/targets/scale-out-setup.ts', { stdout: 'ignore' });
  try {
    ctx.o.log(`scale-out: ${job.engine}: authorizing ${ctx.tenants.length} tenants (core.authorizations begin + consent pages + complete, concurrency ${ctx.o.setupConcurrency})`);
    const result = await worker.call<ScaleOutSetupResult>(
      'authorize',
      { ...job, secretKey: ctx.secretKey, simUrl: ctx.simUrl, tenants: ctx.tenants, concurrency: ctx.o.setupConcurrency, deadlineMs: 25 * 60_000 },
      26 * 60_000,
    );
    if (result.authorized !== ctx.tenants.length) throw new Error(`${job.engine} setup authorized ${result.authorized} of ${ctx.tenants.length} tenants${result.errors.length ? `, e.g. ${result.errors[0]}` : ''}`);
    ctx.o.log(`scale-out: ${job.engine}: ${result.authorized} tenants authorized in ${result.seconds} s`);
    return { ...result, tenantsPerSecond: round(result.authorized / result.seconds, 0) };
  } finally {
    await worker.stop();
  }
}

// --- The run -----------------------------------------------------------------------------------

/**
 * The code the instances run: every instance loads the work tree when it is spawned, so a file
 * edited during the run (another engineer's work in the same tree) would change the product
 * between configurations. Recorded at the start and the end; run from a separate checkout
 * (`git worktree add`) when others edit the tree.
 */
function codeState(): { commit: string | null; uncommitted: string[] } {
  const git = (args: string[]) => execFileSync('git', args, { cwd: new URL('../..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const uncommitted = git(['status', '--porcelain', '--', 'server', 'demo/simulator', 'package.json', 'package-lock.json'])
      .split('\n')
      .filter(Boolean);
    return { commit: git(['rev-parse', '--short', 'HEAD']), uncommitted };
  } catch {
    return { commit: null, uncommitted: [] };
  }
}

export async function runScaleOutBench(o: ScaleOutOptions) {
  const started = Date.now();
  const codeAtStart = codeState();
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-scale-out-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir);
  const secretKey = randomBytes(32).toString('hex');
  const sim = startChild('bench/targets/scale-out-simulator.ts', { stdout: 'ignore' });
  let postgres: PostgresServer | null = null;
  const cycles: CycleResult[] = [];
  const setup: Record<string, unknown> = {};
  const databases: Record<string, unknown> = {};
  const failures: string[] = [];
  try {
    o.log(`scale-out: starting the simulator with ${o.tenants} synthetic tenants`);
    const simInfo = await sim.call<{ url: string; startMs: number; tenants: Array<{ tenantId: string; domain: string; upn: string }> }>('start', { extraTenants: o.tenants }, 180_000);
    const tenants = simInfo.tenants.slice(0, o.tenants);
    const common = {
      SECRET_KEY: secretKey,
      METRICS_TOKEN: randomBytes(16).toString('hex'),
      LEASE_SECONDS: String(o.leaseSeconds),
      MICROSOFT_CLIENT_ID: BUILT_IN_APP.clientId,
      MICROSOFT_CLIENT_SECRET: BUILT_IN_APP.clientSecret,
      MICROSOFT_LOGIN_URL: simInfo.url,
      MICROSOFT_GRAPH_URL: simInfo.url,
    };
    const run = async (spec: CycleSpec, ctx: Omit<Parameters<typeof runCycle>[1], 'sim' | 'logDir' | 'tenants' | 'o'>) => {
      try {
        cycles.push(await runCycle(spec, { ...ctx, sim, logDir, tenants: o.tenants, o }));
      } catch (err) {
        const lines = (err as Error).message.split('\n');
        const cause = lines.slice(1).find((l) => /Error|could not start/.test(l));
        const message = `${spec.store} ×${spec.instances} ${spec.kind}: ${lines[0]}${cause ? ` ${cause.replace(/^! /, '').trim()}` : ''}`;
        o.log(`scale-out: FAILED: ${message}`);
        failures.push(message);
      }
    };

    if (o.instances.length) {
      o.log('scale-out: starting PostgreSQL 15');
      postgres = await startPostgres();
      const url = await postgres.createDatabase('o365_health_bench');
      setup.postgres = await setupStore({ engine: 'postgres', databaseUrl: url }, { simUrl: simInfo.url, secretKey, tenants, o });
      const db = postgresDb(url);
      try {
        const env = { ...common, DATABASE_URL: url };
        await run({ store: 'postgres', kind: 'first', instances: Math.max(...o.instances) }, { db, env });
        for (const n of o.instances) await run({ store: 'postgres', kind: 'quiet', instances: n }, { db, env });
        for (const n of o.instances.filter((n) => n >= 2)) await run({ store: 'postgres', kind: 'kill', instances: n }, { db, env });
        databases.postgres = await db.rows();
      } finally {
        await db.close();
      }
      await postgres.stop();
      postgres = null;
    }

    if (o.sqlite) {
      const path = join(dir, 'sqlite', 'o365-health.db');
      setup.sqlite = await setupStore({ engine: 'sqlite', databasePath: path }, { simUrl: simInfo.url, secretKey, tenants, o });
      const db = sqliteDb(path);
      try {
        const env = { ...common, DATABASE_PATH: path };
        await run({ store: 'sqlite', kind: 'first', instances: 1 }, { db, env });
        await run({ store: 'sqlite', kind: 'quiet', instances: 1 }, { db, env });
        databases.sqlite = await db.rows();
      } finally {
        await db.close();
      }
    }
    const simMemory = await sim.call<{ rss: number }>('memory');
    return {
      tenants: o.tenants,
      options: { instances: o.instances, sqlite: o.sqlite, leaseSeconds: o.leaseSeconds, periodMinutes: o.periodMinutes, killAt: o.killAt, setupConcurrency: o.setupConcurrency, startupSeconds: o.startupSeconds },
      procedure:
        'Per store: every tenant authorized once (core.authorizations.begin/complete, consent pages over HTTP, msal code redemption; no instance running). Per cycle: the bench sets every tenant due at one instant D ' +
        `(leases cleared; quiet cycles: Message center posts not due), spawns the instances (node --import tsx server/main.ts each) with POLL_CRON ticking at D and then every ${o.periodMinutes} minutes, ` +
        'so the tick at D starts the cycle on every instance; watched until every tenant has last_sync_at >= D. Graph requests per tenant and tenants synced twice from the simulator\'s per-tenant log of [D, next tick). ' +
        'Kill cycles: SIGKILL of the last instance once kill-at of the tenants are synced; takeover = kill -> the last of the tenants it still leased written by a survivor.',
      postgresSettings: 'private test cluster (test/support/postgres.ts): fsync=off, synchronous_commit=off, full_page_writes=off, max_connections=50, on this machine',
      simulator: { startMs: simInfo.startMs, rssMB: round(simMemory.rss / 1048576) },
      setup,
      cycles,
      databases,
      failures,
      /** Commit and uncommitted server files when the run started and ended (they must be equal and empty for one product under test). */
      code: { start: codeAtStart, end: codeState() },
      wallSeconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await sim.stop();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export type ScaleOutBenchResult = Awaited<ReturnType<typeof runScaleOutBench>>;

/** The results as one markdown table. */
export function scaleOutTable(r: ScaleOutBenchResult): string {
  const head = ['store', 'instances', 'cycle', 'synced', 'cycle s', 'tenants/s', 'Graph req/tenant', 'histogram (req: tenants)', 'token req', 'synced twice', 'per instance (tenants)', 'takeover after kill -9'];
  const rows = r.cycles.map((c) => [
    c.store === 'postgres' ? 'PostgreSQL' : 'SQLite',
    String(c.instances),
    c.kind === 'first' ? 'first (full)' : c.kind === 'quiet' ? 'quiet' : 'quiet + kill -9',
    c.syncedInWindow === c.synced ? `${c.synced}/${c.tenants}` : `${c.syncedInWindow}/${c.tenants} (${c.synced} with the next tick)`,
    c.cycleS === null ? '–' : String(c.cycleS),
    c.tenantsPerSecond === null ? '–' : String(c.tenantsPerSecond),
    String(c.graphPerTenant),
    Object.entries(c.graphPerTenantHistogram)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
    String(c.tokenRequests),
    c.takeover ? `${c.syncedTwice} (${c.takeover.syncedTwiceOutsideKilledLeases} outside the killed one's leases)` : String(c.syncedTwice),
    c.perInstance.map((p) => `${p.id} ${p.killed ? 'killed' : (p.syncs ?? '?')}`).join(', '),
    c.takeover
      ? `${c.takeover.leasedByKilled} leased tenant(s): lease lapsed after ${c.takeover.leaseLapseS ?? '–'} s, claimed by the others after ${c.takeover.leaseTakenS ?? '–'} s, ` +
        (c.takeover.takeoverS !== null
          ? `all synced after ${c.takeover.takeoverS} s`
          : `${c.takeover.takenOver} synced${c.takeover.needReauthorization ? `, ${c.takeover.needReauthorization} need re-authorization (refresh token already used, AADSTS70000)` : ''}`)
      : '',
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
