/**
 * Benchmark child: the HTTP target of `npm run bench -- http`, in its own process so the load
 * generator (autocannon, in the parent) and the server do not share an event loop.
 *
 * - `real`: the product as `npm start` assembles it (`startServer`: real SQLite file in a temp
 *   folder, msal-node, the simulator as Microsoft), with one simulated tenant authorized through
 *   the real consent flow and synced once. Polling is off during the measurement so no cycle runs
 *   in the middle of it. The request log is on, as in `npm start` (the parent sends this child's
 *   stdout to /dev/null); `set-log` turns it off for the variant without it.
 * - `bare`: a bare Hono app on `@hono/node-server` with the same route shapes, answering the bytes
 *   and Content-Type the parent hands it (the real server's answers of each read route).
 */
import { createLineLogger } from '../../server/log.js';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { loadConfig } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createApiKey } from '../../server/store/keys.js';
import { serveCommands } from '../lib/rpc.js';

const mode = process.argv[2];
let cleanup: () => Promise<void> = async () => {};

async function startReal() {
  const dir = mkdtempSync(join(tmpdir(), 'o365-health-bench-http-'));
  let simulator: RunningSimulator | null = null;
  let server: RunningServer | null = null;
  cleanup = async () => {
    await server?.close();
    await simulator?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  simulator = await startSimulator({ log: false, seed: 7 });
  const base = loadConfig({ DATABASE_PATH: join(dir, 'o365-health.db'), PORT: '0', HOST: '127.0.0.1', POLL_CRON: '*/5 * * * *' });
  const config = { ...base, loginUrl: simulator.url, graphUrl: simulator.url, microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret } };
  let logOn = true;
  const productionLog = createLineLogger();
  server = await startServer({
    config,
    polling: false,
    // The production logger (server/log.ts), switched off for the variant without a request log.
    log: (message, err) => {
      if (logOn) productionLog(message, err);
    },
  });
  simulator.registerApp({ clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret, redirectUris: [`${server.config.publicUrl}/oauth/callback`] });
  const admin = createApiKey(server.database.db, { orgName: 'bench', role: 'admin', userName: 'bench-admin' }).key;
  // Dashboards embed the widgets with viewer keys; the health route is the same for both roles.
  const viewer = createApiKey(server.database.db, { orgName: 'bench', role: 'viewer', userName: 'bench-viewer' }).key;

  // The real consent flow, as test/support/stack.ts walks it.
  const tenant = simulator.tenants[0]!;
  const res = await fetch(`${server.url}/api/authorizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: tenant.domain }),
  });
  if (res.status !== 201) throw new Error(`POST /api/authorizations answered ${res.status}`);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn));
  const done = await fetch(`${server.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
  if (done.status !== 200) throw new Error(`the OAuth callback answered ${done.status}`);

  // The callback starts the first sync; wait for its data.
  const path = `/api/tenants/${tenant.tenantId}/health`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${viewer}` } });
    const body = health.status === 200 ? ((await health.json()) as { syncedAt: string | null; services: unknown[] }) : null;
    if (body?.syncedAt && body.services.length) break;
    if (Date.now() > deadline) throw new Error(`the tenant did not sync within 30 s (last status ${health.status})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: server.url,
    path,
    tenantId: tenant.tenantId,
    apiKey: viewer,
    tenant: tenant.domain,
    setLog: (on: boolean) => {
      logOn = on;
    },
  };
}

/** One bare route per real read route, each answering the real route's bytes and Content-Type. */
async function startBare(routes: Array<{ path: string; body: string; contentType: string }>) {
  const app = new Hono();
  for (const route of routes) {
    const body = new Uint8Array(Buffer.from(route.body, 'base64'));
    app.get(route.path, (c) => c.body(body, 200, { 'Content-Type': route.contentType }));
  }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  cleanup = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let real: Awaited<ReturnType<typeof startReal>> | null = null;

serveCommands(
  {
    async start(payload: { routes?: Array<{ path: string; body: string; contentType: string }> } | undefined) {
      if (mode === 'real') {
        real = await startReal();
        return { url: real.url, path: real.path, tenantId: real.tenantId, apiKey: real.apiKey, tenant: real.tenant };
      }
      if (mode === 'bare') return startBare(payload?.routes ?? []);
      throw new Error(`unknown mode ${mode}; use real or bare`);
    },
    'set-log'(on: boolean) {
      if (!real) throw new Error('not the real server');
      real.setLog(on);
      return on;
    },
    /** CPU time this process has used so far (µs), to derive server CPU per request. */
    cpu() {
      return process.cpuUsage();
    },
    memory() {
      return { rss: process.memoryUsage().rss, maxRssKb: process.resourceUsage().maxRSS };
    },
  },
  { maxMs: 15 * 60_000, onExit: () => cleanup() },
);
