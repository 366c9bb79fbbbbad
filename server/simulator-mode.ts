/**
 * Simulator mode: with no Microsoft app configured, the built-in Microsoft 365 simulator stands in
 * for the identity platform and Graph. Everything else runs the production code path: the server
 * registers its app there, a `demo` org gets an admin key for the demo page, and one simulated
 * tenant is authorized through the real consent flow so the dashboard has data at first load.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BUILT_IN_APP, startSimulator, type RunningSimulator } from '../demo/simulator/index.js';
import type { Log } from './app.js';
import type { Config } from './config.js';
import type { Core } from './core/index.js';
import { walkSimulatedConsent } from './simulated-consent.js';

export const DEMO_ORG = 'demo';
/** The user name on the demo page's key; older ones are revoked at each start. */
export const DEMO_KEY_USER = 'demo-page';

/**
 * Starts the simulator and returns the configuration pointed at it. Its state (app registration,
 * consents, refresh tokens, signing key, the simulated world) is kept in the data folder, so the
 * authorizations made in one run still work after a restart.
 */
export async function startSimulatorFor(config: Config, options: { port?: number; log?: ((line: string) => void) | false } = {}): Promise<{ config: Config; simulator: RunningSimulator }> {
  const stateFile = config.databasePath === ':memory:' ? undefined : simulatorModeFiles(config.databasePath).simulatorState;
  if (stateFile) mkdirSync(dirname(stateFile), { recursive: true });
  const simulator = await startSimulator({
    port: options.port ?? (config.port === 0 ? 0 : config.port + 1),
    host: '127.0.0.1',
    live: true,
    log: options.log ?? false,
    stateFile,
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

/** Where simulator mode keeps the simulator's own state and the demo page's key: the data folder. */
export function simulatorModeFiles(databasePath: string): { simulatorState: string; demoKey: string } {
  const dir = dirname(resolve(databasePath));
  return { simulatorState: join(dir, 'simulator-state.json'), demoKey: join(dir, 'demo-key') };
}

/**
 * The demo page's admin key. With `keyFile`, a key kept there from an earlier start is reused while
 * it still authenticates for the demo org (so an open demo page survives a restart); otherwise the
 * previous demo-page keys are revoked, a fresh one is created and written there (mode 0600).
 */
export async function issueDemoKey(core: Pick<Core, 'keys'>, keyFile?: string): Promise<{ key: string; orgId: string }> {
  const org = await core.keys.org(DEMO_ORG);
  if (keyFile && existsSync(keyFile)) {
    const kept = readFileSync(keyFile, 'utf8').trim();
    const principal = await core.keys.authenticate(kept);
    if (principal && principal.orgId === org.id && principal.userName === DEMO_KEY_USER && principal.role === 'admin') return { key: kept, orgId: org.id };
  }
  await core.keys.revokeUserKeys(org.id, DEMO_KEY_USER);
  const { key } = await core.keys.create({ orgName: DEMO_ORG, role: 'admin', userName: DEMO_KEY_USER });
  if (keyFile) writeFileSync(keyFile, key + '\n', { mode: 0o600 });
  return { key, orgId: org.id };
}

/**
 * Authorizes the first simulated tenant for the demo org through the server's own API and the
 * simulator's consent pages, unless the demo org already holds an authorization.
 */
export async function preauthorizeDemoTenant(p: { core: Pick<Core, 'authorizations'>; orgId: string; serverUrl: string; apiKey: string; simulator: RunningSimulator; log: Log }): Promise<string | null> {
  if ((await p.core.authorizations.list(p.orgId)).length > 0) return null;
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
