/**
 * The whole product for a test: the Microsoft 365 simulator on a free port, and the real server
 * (startServer, as `npm start` runs it) on another, with a real SQLite file in a temp folder.
 * Nothing is stubbed: msal-node, Graph calls, HTTP and SQLite are the production ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { loadConfig } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createApiKey } from '../../server/store/keys.js';

export interface Stack {
  simulator: RunningSimulator;
  server: RunningServer;
  dir: string;
  /** Moves the server's clock (OAuth expiry, staleness, backoff) forward. */
  advance(ms: number): void;
  /** Creates an API key for an org (created when new). */
  key(org: string, role?: 'admin' | 'viewer', user?: string): string;
  /** `fetch` on the server with a bearer key. */
  api(key: string | null, path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** The simulator's control API. */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  /** Graph requests the simulator logged for a tenant. */
  graphRequests(tenantId: string): Promise<Array<{ at: string; method: string; path: string; tenantId: string; status: number }>>;
  /** Runs the whole consent flow for an org as a simulated tenant's admin; returns the callback response. */
  authorize(key: string, tenant: number, options?: { decision?: 'Accept' | 'Cancel'; returnTo?: string; label?: string }): Promise<{ authorizationId: string; callback: Response; authorizeUrl: string }>;
  /** Restarts the server on the same database file. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export const quiet = () => {};

export async function startStack(options: { polling?: boolean; env?: Record<string, string>; log?: (line: string) => void } = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-test-'));
  const simulator = await startSimulator({ log: false, seed: 7 });
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const base = loadConfig({ DATABASE_PATH: join(dir, 'o365-health.db'), PORT: '0', POLL_CRON: '*/5 * * * *', ...options.env });
  const config = {
    ...base,
    loginUrl: simulator.url,
    graphUrl: simulator.url,
    microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret },
  };
  const start = () => startServer({ config, now, log: options.log ?? quiet, polling: options.polling ?? false, graph: { timeoutMs: 1500, backoffBaseMs: 20, maxRetries: 2 } });
  let server = await start();

  const stack: Stack = {
    simulator,
    get server() {
      return server;
    },
    dir,
    advance: (ms) => {
      offset += ms;
    },
    key(org, role = 'admin', user = `${org}-${role}`) {
      return createApiKey(server.database.db, { orgName: org, role, userName: user }).key;
    },
    api(key, path, init = {}) {
      const headers = new Headers(init.headers);
      if (key) headers.set('authorization', `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(`${server.url}${path}`, { ...init, headers, body, redirect: 'manual' });
    },
    control(method, path, body) {
      return fetch(`${simulator.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    async graphRequests(tenantId) {
      const res = await fetch(`${simulator.url}/_simulator/requests?tenantId=${tenantId}`);
      const { requests } = (await res.json()) as { requests: Array<{ at: string; method: string; path: string; tenantId: string; status: number }> };
      return requests.filter((r) => r.path.startsWith('/v1.0/'));
    },
    async authorize(key, tenant, opts = {}) {
      const t = simulator.tenants[tenant]!;
      const res = await stack.api(key, '/api/authorizations', {
        method: 'POST',
        json: { label: opts.label ?? t.domain, ...(opts.returnTo ? { returnTo: opts.returnTo } : {}) },
      });
      if (res.status !== 201) throw new Error(`POST /api/authorizations answered ${res.status}: ${await res.text()}`);
      const { authorization, authorizeUrl } = (await res.json()) as { authorization: { id: string }; authorizeUrl: string };
      const callbackUrl = new URL(await walkSimulatedConsent(authorizeUrl, t.admins[0]!.upn, opts.decision ?? 'Accept'));
      const callback = await fetch(`${server.url}${callbackUrl.pathname}${callbackUrl.search}`, { redirect: 'manual' });
      return { authorizationId: authorization.id, callback, authorizeUrl };
    },
    async restart() {
      await server.close();
      server = await start();
    },
    async close() {
      await server.close();
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${server.config.publicUrl}/oauth/callback`] });
  return stack;
}

/** Polls `check` until it returns a truthy value (no fixed sleeps in tests). */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
