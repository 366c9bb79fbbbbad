/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time per function, heaviest first, so the
 * benchmark can report where a route's time goes (`npm run bench -- http --profile`).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `name (file:line)`, the file relative to node_modules or the repository where possible. */
  fn: string;
  /** Share of all samples, in percent. */
  percent: number;
  ms: number;
}

/** Where a frame lives, shortened: `hono/dist/…`, `server/app.ts`, `node:internal/…`. */
function where(url: string): string {
  if (!url) return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const repo = url.search(/\/(server|bench|demo|widgets)\//);
  if (repo >= 0) return url.slice(repo + 1);
  return url.replace(/^file:\/\//, '');
}

/** The `top` functions by self time, after dropping the idle and GC pseudo-frames. */
export function topSelfTime(file: string, top = 15): { totalMs: number; busyMs: number; functions: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
    busy += us;
    const key = `${frame.functionName || '(anonymous)'} (${where(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''})`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const functions = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 100) / 10, percent: Math.round((us / Math.max(1, busy)) * 1000) / 10 }));
  return { totalMs: Math.round((profile.endTime - profile.startTime) / 1000), busyMs: Math.round(busy / 1000), functions };
}

// `npx tsx bench/lib/profile.ts FILE [N]` prints the summary of one profile.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv[2]) {
  const summary = topSelfTime(process.argv[2], Number(process.argv[3] ?? 25));
  console.log(`busy ${summary.busyMs} ms of ${summary.totalMs} ms`);
  for (const f of summary.functions) console.log(`${String(f.percent).padStart(5)} %  ${String(f.ms).padStart(8)} ms  ${f.fn}`);
}
