/**
 * Benchmark child: the Microsoft 365 simulator with N synthetic tenants (`extraTenants`), in its
 * own process so its memory and CPU are not counted as the server's. Counts every request it
 * serves by kind (Graph resource, token endpoint, sign-in pages, control API) and status, from
 * its per-request log line, which is not bounded like `/_simulator/requests` (5 000 entries).
 */
import { startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { serveCommands } from '../lib/rpc.js';

export interface SimulatorCounts {
  /** Requests by kind: `graph:healthOverviews`, `graph:issues`, `graph:organization`, `token`, `pages`, `control`, `other`. */
  byKind: Record<string, number>;
  /** Requests answered with a status other than 2xx/3xx, by kind and status (`graph:issues 429`). */
  failures: Record<string, number>;
  total: number;
  /** CPU time of the simulator process (µs). */
  cpu: NodeJS.CpuUsage;
}

const counts: Omit<SimulatorCounts, 'cpu'> = { byKind: {}, failures: {}, total: 0 };

function kindOf(path: string): string {
  if (path.startsWith('/v1.0/')) {
    const m = /^\/v1\.0\/(?:admin\/serviceAnnouncement\/)?([A-Za-z]+)/i.exec(path);
    return `graph:${m?.[1] ?? 'other'}`;
  }
  if (path.endsWith('/oauth2/v2.0/token')) return 'token';
  if (path.startsWith('/_simulator/')) return 'control';
  if (/\/oauth2\/v2\.0\/(authorize|consent)|\/adminconsent/.test(path)) return 'pages';
  return 'other';
}

/** Parses the simulator's log line: `METHOD /path?query STATUS 12ms`. */
function count(line: string): void {
  const [, target = '', status = '0'] = line.split(' ');
  const path = target.split('?')[0]!;
  const kind = kindOf(path);
  counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  counts.total++;
  const code = Number(status);
  if (!(code >= 200 && code < 400)) counts.failures[`${kind} ${status}`] = (counts.failures[`${kind} ${status}`] ?? 0) + 1;
}

let sim: RunningSimulator | null = null;

serveCommands(
  {
    async start(payload: { extraTenants: number }) {
      const started = performance.now();
      sim = await startSimulator({ port: 0, host: '127.0.0.1', seed: 7, extraTenants: payload.extraTenants, log: count });
      return { url: sim.url, tenants: sim.tenants.length, startMs: Math.round(performance.now() - started) };
    },
    counts(): SimulatorCounts {
      return { byKind: { ...counts.byKind }, failures: { ...counts.failures }, total: counts.total, cpu: process.cpuUsage() };
    },
    memory() {
      return { rss: process.memoryUsage().rss, maxRssKb: process.resourceUsage().maxRSS };
    },
  },
  { maxMs: 20 * 60_000, onExit: () => sim?.close() },
);
