/**
 * Start-up outside simulator mode: the real `server/main.ts` process (what `npm start` runs) with a
 * Microsoft app configured (MICROSOFT_CLIENT_ID/SECRET) and the Microsoft URLs pointed at a
 * simulator this test starts, standing in for Microsoft's cloud. No demo org, no demo key, no
 * pre-authorized tenant, no built-in simulator; an authorization made through the API uses the
 * configured identity platform and Graph.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../demo/simulator/index.js';
import { openDatabase } from '../../server/db/index.js';
import { apiKeys, authorizations, orgs } from '../../server/db/schema.js';
import { walkSimulatedConsent } from '../../server/simulated-consent.js';
import { createApiKey } from '../../server/store/keys.js';
import { waitFor } from '../support/stack.js';

const APP = { clientId: '6f1d2c3b-8a9e-4b7c-9d0e-1f2a3b4c5d6e', clientSecret: 'production-mode-test-secret' };

let dir: string;
let simulator: RunningSimulator;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'o365-health-prod-'));
  simulator = await startSimulator({ log: false, seed: 7 });
});
afterAll(async () => {
  await simulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function startMain(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PUBLIC_URL: '', ALLOWED_ORIGINS: '', SECRET_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('server/main.ts with a Microsoft app configured', () => {
  it('starts without the simulator, a demo org or a demo key, and authorizes tenants at the configured Microsoft URLs', async () => {
    const databasePath = join(dir, 'data', 'o365-health.db');
    // An operator's key, made before the first start (as `npm run keys -- create` would).
    const setup = openDatabase(databasePath);
    const { key } = createApiKey(setup.db, { orgName: 'northbridge', role: 'admin', userName: 'ops' });
    setup.close();

    const run = startMain({
      PORT: '0',
      DATABASE_PATH: databasePath,
      MICROSOFT_CLIENT_ID: APP.clientId,
      MICROSOFT_CLIENT_SECRET: APP.clientSecret,
      MICROSOFT_LOGIN_URL: simulator.url,
      MICROSOFT_GRAPH_URL: simulator.url,
    });
    try {
      const url = await waitFor(() => /listening on (http:\/\/\S+)/.exec(run.output())?.[1], 'the server to listen', 30_000);
      simulator.registerApp({ ...APP, redirectUris: [`${url}/oauth/callback`] });
      expect(run.output()).not.toMatch(/SIMULATED|simulated tenants|simulator mode/i);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });

      // No demo page key is handed out.
      const config = await fetch(`${url}/demo/config.js`);
      expect(config.status).toBe(404);
      expect(await config.text()).not.toMatch(/apiKey|o365_/);
      // Nothing was authorized or asked of Microsoft on its own.
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers }, redirect: 'manual' });
      expect(await (await api('/api/tenants')).json()).toEqual({ tenants: [] });
      expect(await (await api('/api/authorizations')).json()).toEqual({ authorizations: [] });
      expect(((await (await fetch(`${simulator.url}/_simulator/requests`)).json()) as { requests: unknown[] }).requests).toEqual([]);

      // An authorization goes to MICROSOFT_LOGIN_URL and the tenant is read from MICROSOFT_GRAPH_URL.
      const tenant = simulator.tenants[0]!;
      const created = await api('/api/authorizations', { method: 'POST', body: JSON.stringify({ label: tenant.domain }) });
      expect(created.status).toBe(201);
      const { authorizeUrl } = (await created.json()) as { authorizeUrl: string };
      expect(authorizeUrl.startsWith(`${simulator.url}/`)).toBe(true);
      expect(new URL(authorizeUrl).searchParams.get('client_id')).toBe(APP.clientId);
      const callback = new URL(await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn));
      expect(callback.origin).toBe(new URL(url).origin);
      expect((await fetch(callback)).status).toBe(200);
      const tenants = await waitFor(async () => {
        const body = (await (await api('/api/tenants')).json()) as { tenants: Array<{ tenantId: string; displayName: string | null; lastSyncAt: string | null }> };
        return body.tenants[0]?.lastSyncAt ? body.tenants : null;
      }, 'the new tenant to sync');
      expect(tenants).toEqual([expect.objectContaining({ tenantId: tenant.tenantId, displayName: tenant.displayName })]);
      const graph = ((await (await fetch(`${simulator.url}/_simulator/requests?tenantId=${tenant.tenantId}`)).json()) as { requests: Array<{ path: string; status: number }> }).requests;
      // The first sync: health with its issues, the issues, and the Message center posts.
      expect(graph.filter((r) => r.path.startsWith('/v1.0/admin/serviceAnnouncement/')).map((r) => `${r.status} ${r.path.replace('/v1.0/admin/serviceAnnouncement/', '')}`).sort()).toEqual(['200 healthOverviews', '200 issues', '200 messages']);

      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }

    // What simulator mode would have left behind is absent: no demo org or key, no demo key file,
    // no simulator state file; only the operator's org, key and authorization.
    const db = openDatabase(databasePath, { readonly: true });
    try {
      expect(db.db.select({ name: orgs.name }).from(orgs).all()).toEqual([{ name: 'northbridge' }]);
      expect(db.db.select({ userName: apiKeys.userName }).from(apiKeys).all()).toEqual([{ userName: 'ops' }]);
      expect(db.db.select({ label: authorizations.label, status: authorizations.status }).from(authorizations).all()).toEqual([{ label: simulator.tenants[0]!.domain, status: 'active' }]);
    } finally {
      db.close();
    }
    expect(readdirSync(join(dir, 'data')).filter((f) => /demo|simulator/.test(f))).toEqual([]);
    expect(existsSync(join(dir, 'data', 'secret.key'))).toBe(true);
  });
});
