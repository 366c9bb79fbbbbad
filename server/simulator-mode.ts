/**
 * Simulator mode: with no Microsoft app configured, the built-in Microsoft 365 simulator stands in
 * for the identity platform and Graph. Everything else runs the production code path: the server
 * registers its app there, a `demo` org gets an admin key for the demo page, and one simulated
 * tenant is authorized through the real consent flow so the dashboard has data at first load.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Hono } from 'hono';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../demo/simulator/index.js';
import type { AppEnv, Log } from './app.js';
import type { Config } from './config.js';
import type { Db } from './db/index.js';
import { apiKeys, authorizations } from './db/schema.js';
import { walkSimulatedConsent } from './simulated-consent.js';
import { createApiKey, findOrCreateOrg } from './store/keys.js';

export const DEMO_ORG = 'demo';
/** The user name on the demo page's key; older ones are revoked at each start. */
export const DEMO_KEY_USER = 'demo-page';

/** Starts the simulator and returns the configuration pointed at it. */
export async function startSimulatorFor(config: Config, options: { port?: number; log?: ((line: string) => void) | false } = {}): Promise<{ config: Config; simulator: RunningSimulator }> {
  const simulator = await startSimulator({
    port: options.port ?? (config.port === 0 ? 0 : config.port + 1),
    host: '127.0.0.1',
    live: true,
    log: options.log ?? false,
  });
  return {
    simulator,
    config: {
      ...config,
      loginUrl: simulator.url,
      graphUrl: simulator.url,
      microsoft: { clientId: BUILT_IN_APP.clientId, clientSecret: BUILT_IN_APP.clientSecret },
    },
  };
}

/** A fresh admin key for the demo page; the previous demo-page keys are revoked. */
export function issueDemoKey(db: Db, now: Date): { key: string; orgId: string } {
  const org = findOrCreateOrg(db, DEMO_ORG);
  db.update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.orgId, org.id), eq(apiKeys.userName, DEMO_KEY_USER), isNull(apiKeys.revokedAt)))
    .run();
  const { key } = createApiKey(db, { orgName: DEMO_ORG, role: 'admin', userName: DEMO_KEY_USER });
  return { key, orgId: org.id };
}

/**
 * `/demo/config.js`: hands the demo page its key through the widgets' page-level default.
 * Served only in simulator mode, where the key belongs to the throw-away demo org.
 */
export function demoConfigRoute(getKey: () => string) {
  return (app: Hono<AppEnv>) =>
    app.get('/demo/config.js', (c) => {
      c.header('Cache-Control', 'no-store');
      c.header('Content-Type', 'text/javascript; charset=utf-8');
      const config = JSON.stringify({ apiKey: getKey(), simulated: true });
      return c.body(`window.O365Health = Object.assign(window.O365Health || {}, ${config});\n`);
    });
}

/**
 * Authorizes the first simulated tenant for the demo org through the server's own API and the
 * simulator's consent pages, unless the demo org already holds an authorization.
 */
export async function preauthorizeDemoTenant(p: { db: Db; orgId: string; serverUrl: string; apiKey: string; simulator: RunningSimulator; log: Log }): Promise<string | null> {
  const existing = p.db.select({ id: authorizations.id }).from(authorizations).where(eq(authorizations.orgId, p.orgId)).limit(1).get();
  if (existing) return null;
  const tenant = p.simulator.tenants[0]!;
  const res = await fetch(`${p.serverUrl}/api/authorizations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${p.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ label: tenant.domain, api: 'service-communications' }),
  });
  if (res.status !== 201) throw new Error(`Could not start the demo authorization: ${res.status} ${await res.text()}`);
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  const callback = await walkSimulatedConsent(authorizeUrl, tenant.admins[0]!.upn);
  // The callback URL is on PUBLIC_URL; call our own listener directly.
  const local = new URL(callback);
  const done = await fetch(`${p.serverUrl}${local.pathname}${local.search}`, { redirect: 'manual' });
  if (done.status !== 200) throw new Error(`The demo authorization callback answered ${done.status}`);
  p.log(`simulator mode: authorized ${tenant.displayName} (${tenant.domain}) for the demo org`);
  return tenant.tenantId;
}
