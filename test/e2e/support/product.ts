/**
 * The product as `npm start` runs it, for end-to-end tests and the screenshots script:
 * `tsx server/main.ts` as a child process in simulator mode, on a free port, with a temp database.
 * The URLs come from its start-up lines. Nothing is stubbed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** A simulated tenant, as the simulator's control API lists it. */
export interface SimTenant {
  tenantId: string;
  domain: string;
  displayName: string;
  admins: Array<{ oid: string; upn: string; name: string }>;
}

export interface SimRequest {
  at: string;
  method: string;
  path: string;
  tenantId: string;
  status: number;
}

export interface Product {
  /** Where the server listens (http://127.0.0.1:PORT); for API calls from Node. */
  serverUrl: string;
  /** The public origin (http://localhost:PORT): the OAuth redirect URI and postMessage origin are on it. */
  publicUrl: string;
  /** The demo portal, `${publicUrl}/demo/`. */
  demoUrl: string;
  /** The Microsoft 365 simulator. */
  simulatorUrl: string;
  databasePath: string;
  /** Everything the server printed so far. */
  output(): string;
  /** Resolves once the server has printed `count` more lines matching `pattern` (polling ticks, …). */
  waitForOutput(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  /** The demo page's API key (the `demo` org's admin key, from /demo/config.js). */
  demoKey(): Promise<string>;
  /** Creates an API key with `npm run keys -- create` against the same database; returns it. */
  createKey(org: string, role?: 'admin' | 'viewer'): Promise<string>;
  /** `fetch` on the server's JSON API with a bearer key. */
  api(key: string, path: string, init?: RequestInit): Promise<Response>;
  /** The simulator's control API (JSON). */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  tenants(): Promise<SimTenant[]>;
  /** Graph calls the simulator logged for a tenant. */
  graphRequests(tenantId: string): Promise<SimRequest[]>;
  stop(): Promise<void>;
}

/** Variables that would take the server out of simulator mode or away from a free port. */
const SCRUBBED = ['MICROSOFT_CLIENT_ID', 'MICROSOFT_CLIENT_SECRET', 'MICROSOFT_LOGIN_URL', 'MICROSOFT_GRAPH_URL', 'PUBLIC_URL', 'HOST', 'ALLOWED_ORIGINS', 'SIMULATOR_PORT', 'SIMULATOR_LOG', 'SECRET_KEY'];

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  return { ...env, ...extra };
}

/** Runs a command to completion (async: the server under test lives in this process's children). */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

/** Starts `tsx server/main.ts` with PORT=0 and waits for its start-up lines. */
export async function startProduct(options: { pollCron?: string; env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<Product> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-e2e-'));
  const databasePath = join(dir, 'o365-health.db');
  const env = childEnv({ PORT: '0', DATABASE_PATH: databasePath, POLL_CRON: options.pollCron ?? '*/2 * * * * *', ...options.env });
  // detached: its own process group, so stop() reaches tsx's node child too.
  const child: ChildProcess = spawn(TSX, ['server/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: number | null | undefined;
  const exit = new Promise<void>((r) => child.once('exit', (code) => ((exited = code), r(), waiters.forEach((w) => w()))));

  const waitForOutput = (pattern: RegExp, count = 1, timeoutMs = 15_000, from = output.length) =>
    new Promise<void>((resolvePromise, reject) => {
      const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
      const re = new RegExp(pattern.source, flags);
      const check = () => {
        const seen = output.slice(from).match(re)?.length ?? 0;
        if (seen >= count) return done(resolvePromise);
        if (exited !== undefined) return done(() => reject(new Error(`The server exited (code ${exited}) before printing ${pattern}:\n${output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${count} × ${pattern} in the server output:\n${output.slice(-3000)}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });

  // Should this process end without stop() (a crash, Ctrl-C), take the server down with it.
  const killOnExit = () => {
    try {
      if (exited === undefined && child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 10_000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitForOutput(/Microsoft is SIMULATED: identity platform and Graph at \S+/, 1, options.startTimeoutMs ?? 45_000, 0);
  } catch (err) {
    await stop();
    throw err;
  }
  const line = (re: RegExp) => {
    const m = re.exec(output);
    if (!m) throw new Error(`The server's start-up output has no line matching ${re}:\n${output}`);
    return m[1]!;
  };
  const serverUrl = line(/o365-health is listening on (\S+)/);
  const demoUrl = line(/demo portal:\s+(\S+)/);
  const simulatorUrl = line(/identity platform and Graph at (\S+)/);
  const publicUrl = new URL(demoUrl).origin;

  let demoKey: string | undefined;
  const product: Product = {
    serverUrl,
    publicUrl,
    demoUrl,
    simulatorUrl,
    databasePath,
    output: () => output,
    waitForOutput: (pattern, count, timeoutMs) => waitForOutput(pattern, count, timeoutMs),
    async demoKey() {
      if (demoKey) return demoKey;
      const js = await (await fetch(`${serverUrl}/demo/config.js`)).text();
      const m = /"apiKey":"([^"]+)"/.exec(js);
      if (!m) throw new Error(`/demo/config.js carries no apiKey: ${js}`);
      return (demoKey = m[1]!);
    },
    async createKey(org, role = 'admin') {
      const r = await run(TSX, ['server/keys.ts', 'create', '--org', org, '--role', role, '--user', `${org}-${role}`], childEnv({ DATABASE_PATH: databasePath }));
      const key = r.stdout.trim().split('\n').at(-1)?.trim();
      if (r.code !== 0 || !key) throw new Error(`keys create --org ${org} failed (${r.code}): ${r.stdout}${r.stderr}`);
      return key;
    },
    api(key, path, init = {}) {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${key}`);
      return fetch(`${serverUrl}${path}`, { ...init, headers });
    },
    control(method, path, body) {
      // The control API takes JSON only (a bodiless POST too), so a web page cannot drive it.
      const json = body !== undefined || method !== 'GET' && method !== 'DELETE';
      return fetch(`${simulatorUrl}${path}`, {
        method,
        headers: json ? { 'content-type': 'application/json' } : {},
        body: json ? JSON.stringify(body ?? {}) : undefined,
      });
    },
    async tenants() {
      const res = await fetch(`${simulatorUrl}/_simulator/tenants`);
      return ((await res.json()) as { tenants: SimTenant[] }).tenants;
    },
    async graphRequests(tenantId) {
      const res = await fetch(`${simulatorUrl}/_simulator/requests?tenantId=${encodeURIComponent(tenantId)}`);
      const { requests } = (await res.json()) as { requests: SimRequest[] };
      return requests.filter((r) => r.path.startsWith('/v1.0/'));
    },
    stop,
  };
  return product;
}
