/**
 * Benchmark child of `npm run bench -- scale-out`: the Microsoft 365 simulator with N synthetic
 * tenants (`extraTenants`) in its own process, which every server instance of the run talks to.
 *
 * It keeps a per-tenant request log for a window the parent opens and reads (`window-start`,
 * `window`): the simulator's own `/_simulator/requests` log is bounded (5 000 entries) and a
 * 10 000-tenant cycle makes 20 000 Graph requests, so this child wraps the simulator's
 * `SimulatorState.logRequest` (the call that feeds that log, with the tenant each request was
 * for, taken from its access token or grant) and counts per tenant: Graph requests by resource,
 * token requests, failures, first and last request time. Nothing of the simulator changes.
 */
import { startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { SimulatorState, type RequestLogEntry } from '../../demo/simulator/state.js';
import { serveCommands } from '../lib/rpc.js';

type Kind = 'healthOverviews' | 'issues' | 'messages' | 'organization' | 'otherGraph' | 'token';

/** One tenant's requests in the window: time, kind, and whether it failed (status not 2xx/3xx). */
interface TenantLog {
  at: number[];
  kind: Kind[];
  failed: boolean[];
}

let perTenant = new Map<string, TenantLog>();
let windowStartedAt = Date.now();
let unattributed = 0;

function record(entry: RequestLogEntry): void {
  const at = Date.now();
  if (!entry.tenantId) {
    unattributed++;
    return;
  }
  let t = perTenant.get(entry.tenantId);
  if (!t) perTenant.set(entry.tenantId, (t = { at: [], kind: [], failed: [] }));
  const path = entry.path;
  const kind: Kind = path.endsWith('/oauth2/v2.0/token')
    ? 'token'
    : /\/healthOverviews$/i.test(path)
      ? 'healthOverviews'
      : /\/serviceAnnouncement\/issues$/i.test(path)
        ? 'issues'
        : /\/serviceAnnouncement\/messages$/i.test(path)
          ? 'messages'
          : /^\/v1\.0\/organization$/i.test(path)
            ? 'organization'
            : 'otherGraph';
  t.at.push(at);
  t.kind.push(kind);
  t.failed.push(!(entry.status >= 200 && entry.status < 400));
}

// The one hook: every request the simulator logs with its tenant also goes to `record`.
const logRequest = SimulatorState.prototype.logRequest;
SimulatorState.prototype.logRequest = function (this: SimulatorState, entry: RequestLogEntry) {
  record(entry);
  return logRequest.call(this, entry);
};

let sim: RunningSimulator | null = null;

export interface WindowSummary {
  startedAt: number;
  /** Requests at or after `until` (the next cycle window) are left out of everything below but this count. */
  until: number | null;
  afterUntil: number;
  /** Tenants that got at least one Graph or token request in the window. */
  tenantsSeen: number;
  graph: number;
  token: number;
  failures: number;
  byResource: { healthOverviews: number; issues: number; messages: number; organization: number; other: number };
  /** Graph requests per tenant → number of tenants. */
  graphPerTenantHistogram: Record<string, number>;
  /** Tenants whose healthOverviews (read once per sync) was requested more than once: synced twice. */
  syncedTwice: number;
  syncedTwiceIds: string[];
  /** Seconds between a twice-synced tenant's first and second sync (up to 20 examples). */
  syncedTwiceGapsS: number[];
  /** Tenant ids seen (only when asked for, `ids: true`). */
  ids?: string[];
  firstAt: number | null;
  lastAt: number | null;
  unattributed: number;
}

serveCommands(
  {
    async start(payload: { extraTenants: number }) {
      const started = performance.now();
      sim = await startSimulator({ port: 0, host: '127.0.0.1', seed: 7, extraTenants: payload.extraTenants, log: false });
      return {
        url: sim.url,
        startMs: Math.round(performance.now() - started),
        tenants: sim.tenants.filter((t) => t.domain.endsWith('.bench.example')).map((t) => ({ tenantId: t.tenantId, domain: t.domain, upn: t.admins[0]!.upn })),
      };
    },
    'window-start'() {
      perTenant = new Map();
      unattributed = 0;
      windowStartedAt = Date.now();
      return { startedAt: windowStartedAt };
    },
    window(payload: { ids?: boolean; until?: number } = {}): WindowSummary {
      const until = payload.until ?? Infinity;
      const histogram: Record<string, number> = {};
      const twice: string[] = [];
      const gaps: number[] = [];
      const sum = { graph: 0, token: 0, failures: 0, healthOverviews: 0, issues: 0, messages: 0, organization: 0, other: 0 };
      let firstAt: number | null = null;
      let lastAt: number | null = null;
      let seen = 0;
      let afterUntil = 0;
      const ids: string[] = [];
      for (const [id, t] of perTenant) {
        let graph = 0;
        const syncsAt: number[] = [];
        for (let i = 0; i < t.at.length; i++) {
          const at = t.at[i]!;
          if (at >= until) {
            afterUntil++;
            continue;
          }
          const kind = t.kind[i]!;
          if (t.failed[i]) sum.failures++;
          if (kind === 'token') sum.token++;
          else {
            graph++;
            sum[kind === 'otherGraph' ? 'other' : kind]++;
            if (kind === 'healthOverviews') syncsAt.push(at);
          }
          firstAt = firstAt === null ? at : Math.min(firstAt, at);
          lastAt = lastAt === null ? at : Math.max(lastAt, at);
        }
        if (t.at[0]! >= until) continue;
        seen++;
        ids.push(id);
        histogram[graph] = (histogram[graph] ?? 0) + 1;
        sum.graph += graph;
        if (syncsAt.length > 1) {
          twice.push(id);
          if (gaps.length < 20) gaps.push(Math.round((syncsAt[1]! - syncsAt[0]!) / 100) / 10);
        }
      }
      return {
        startedAt: windowStartedAt,
        until: payload.until ?? null,
        afterUntil,
        tenantsSeen: seen,
        graph: sum.graph,
        token: sum.token,
        failures: sum.failures,
        byResource: { healthOverviews: sum.healthOverviews, issues: sum.issues, messages: sum.messages, organization: sum.organization, other: sum.other },
        graphPerTenantHistogram: histogram,
        syncedTwice: twice.length,
        syncedTwiceIds: twice.slice(0, 2000),
        syncedTwiceGapsS: gaps,
        ...(payload.ids ? { ids } : {}),
        firstAt,
        lastAt,
        unattributed,
      };
    },
    memory() {
      return { rss: process.memoryUsage().rss, cpu: process.cpuUsage() };
    },
  },
  { maxMs: 120 * 60_000, onExit: () => sim?.close() },
);
